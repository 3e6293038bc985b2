//! `policy init`: a starting policy from what exists today — every administrator in effect
//! listed as expected, with a comment saying where it was seen — so adopting the tool starts
//! quiet and every later change is a signal.

use super::target::Target;
use crate::infra::escape::terminal;
use crate::inputs::kubeconfig::yaml_string;
use crate::judge::result::CheckResult;
use crate::model::access::Tier;

/// A comment's text: one line, nothing an input could use to start another.
fn comment(text: &str) -> String {
    terminal(text).replace(['\n', '\r'], " ")
}

/// The head of a starting policy, up to `scopes:`.
const HEAD: &str = "# yaml-language-server: $schema=https://raw.githubusercontent.com/aws-auth-audit/aws-auth-audit/main/policies/policy.schema.json\n\
# Written by `aws-auth-audit policy init` from what exists today: review it, then\n\
# keep it beside the clusters (.aws-auth-audit.yaml) so every change is judged.\n\
apiVersion: aws-auth-audit/v1\nkind: Policy\nscopes:\n";

/// One target's scope: what it matches, and every administrator in effect (ARN, where seen).
pub struct StartingScope {
    pub account: Option<String>,
    pub region: Option<String>,
    pub cluster: Option<String>,
    pub file: Option<String>,
    /// What the scope is about (a cluster ARN, a path), for a comment.
    pub about: String,
    pub admins: Vec<(String, String)>,
}

fn scope_text(scope: &StartingScope) -> String {
    let mut matched = Vec::new();
    if let Some(account) = &scope.account {
        matched.push(format!("accounts: [{}]", yaml_string(account)));
    }
    if let Some(region) = &scope.region {
        matched.push(format!("regions: [{}]", yaml_string(region)));
    }
    if let Some(cluster) = &scope.cluster {
        matched.push(format!("clusters: [{}]", yaml_string(cluster)));
    }
    if let Some(file) = scope.file.as_ref().filter(|_| scope.cluster.is_none()) {
        matched.push(format!("files: [{}]", yaml_string(file)));
    }
    let mut out = format!(
        "  - match: {{{}}}   # {}\n",
        matched.join(", "),
        comment(&scope.about)
    );
    // One entry per principal, with every place it was seen.
    let mut admins: Vec<(String, Vec<String>)> = Vec::new();
    for (arn, seen) in &scope.admins {
        match admins.iter_mut().find(|(a, _)| a.eq_ignore_ascii_case(arn)) {
            Some((_, places)) => places.push(seen.clone()),
            None => admins.push((arn.clone(), vec![seen.clone()])),
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

/// A starting policy of these scopes (one per cluster of a fleet scan, say).
pub fn starting_policy_of(scopes: &[StartingScope]) -> String {
    let mut out = HEAD.to_string();
    for scope in scopes {
        out.push_str(&scope_text(scope));
    }
    out
}

/// The policy text for the audited target; a file is named as `files` sees it from where the
/// policy will live.
pub fn starting_policy(result: &CheckResult, files: &super::FileFrame) -> String {
    let target = Target::of(result, files);
    let admins = result
        .access_matrix()
        .into_iter()
        .filter(|p| p.in_effect && matches!(p.tier, Tier::ClusterAdmin | Tier::Admin))
        .map(|p| (p.arn.clone(), format!("{} ({})", p.source, p.tier_reason)))
        .collect();
    starting_policy_of(&[StartingScope {
        account: target.account.clone(),
        region: target.region.clone(),
        cluster: target.cluster.clone(),
        file: target.files.first().cloned(),
        about: target.id.clone(),
        admins,
    }])
}
