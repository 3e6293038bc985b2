//! `policy init`: a starting policy from what exists today — every administrator in effect
//! listed as expected, with a comment saying where it was seen — so adopting the tool starts
//! quiet and every later change is a signal.

use super::target::{Target, principals_of};
use crate::infra::escape::terminal;
use crate::inputs::kubeconfig::yaml_string;
use crate::judge::result::CheckResult;
use crate::model::access::Tier;

/// A comment's text: one line, nothing an input could use to start another.
fn comment(text: &str) -> String {
    terminal(text).replace(['\n', '\r'], " ")
}

/// The policy text for the audited target.
pub fn starting_policy(result: &CheckResult) -> String {
    let target = Target::of(result);
    let mut out = String::from(
        "# yaml-language-server: $schema=https://raw.githubusercontent.com/aws-auth-audit/aws-auth-audit/main/policies/policy.schema.json\n\
         # Written by `aws-auth-audit policy init` from what exists today: review it, then\n\
         # keep it beside the clusters (.aws-auth-audit.yaml) so every change is judged.\n\
         apiVersion: aws-auth-audit/v1\nkind: Policy\nscopes:\n",
    );
    let mut matched = Vec::new();
    if let Some(account) = &target.account {
        matched.push(format!("accounts: [{}]", yaml_string(account)));
    }
    if let Some(region) = &target.region {
        matched.push(format!("regions: [{}]", yaml_string(region)));
    }
    if let Some(cluster) = &target.cluster {
        matched.push(format!("clusters: [{}]", yaml_string(cluster)));
    }
    if target.account.is_none() && target.cluster.is_none() {
        matched.extend(
            target
                .files
                .first()
                .map(|f| format!("files: [{}]", yaml_string(f))),
        );
    }
    out.push_str(&format!(
        "  - match: {{{}}}   # {}\n",
        matched.join(", "),
        comment(&target.id)
    ));
    let mut admins: Vec<(String, Vec<String>)> = Vec::new();
    for p in principals_of(result) {
        if !p.in_effect || !matches!(p.tier, Tier::ClusterAdmin | Tier::Admin) {
            continue;
        }
        let seen = format!("{} ({})", p.source, p.tier_reason);
        match admins
            .iter_mut()
            .find(|(arn, _)| arn.eq_ignore_ascii_case(&p.arn))
        {
            Some((_, places)) => places.push(seen),
            None => admins.push((p.arn.clone(), vec![seen])),
        }
    }
    if admins.is_empty() {
        out.push_str("    admins: []   # no principal holds cluster-admin or admin power today\n");
    } else {
        out.push_str("    admins:\n");
        for (arn, places) in &admins {
            out.push_str(&format!(
                "      - arn: {}   # seen: {}\n",
                yaml_string(arn),
                comment(&places.join("; "))
            ));
        }
    }
    out
}
