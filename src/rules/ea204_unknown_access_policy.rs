//! ## What it does
//! Reports every access policy associated with an entry that the tool's table of AWS-managed
//! access policies (`policies/access-policies.json`) does not know.
//!
//! ## Why is this bad?
//! The EKS API does not expose what an access policy allows, and AWS adds policies often
//! (four at launch, more than thirty now). A policy the audit does not know is a grant it
//! cannot size: it must be looked at, never silently passed.
//!
//! ## Example
//! `arn:aws:eks::aws:cluster-access-policy/AmazonEKSFuturePolicy`, a policy AWS added after
//! this release.
//!
//! ## Remediation
//! Look the policy up in the Amazon EKS user guide's access policy reference; add it to
//! `policies/access-policies.json` with what it amounts to (and its source), or remove the
//! association.
//!
//! ## How to verify by hand
//! `aws eks list-access-policies` lists what exists; the user guide page lists permissions.
//!
//! ## References
//! - Amazon EKS user guide, access policy permissions: https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
//! - `ListAccessPolicies`: https://docs.aws.amazon.com/eks/latest/APIReference/API_ListAccessPolicies.html

use super::ClusterFacts;
use super::prelude::*;
use crate::model::policies::access_policies;

pub const META: RuleMeta = RuleMeta {
    code: "EA204",
    slug: "unknown-access-policy",
    severity: Severity::Medium,
    summary: "access policy unknown to the built-in table",
    needs: &[Input::AccessEntries],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(entries) = facts.access_entries else {
        return;
    };
    for (entry, policy) in entry_policies(entries) {
        if access_policies().find(&policy.policy_arn).is_some() {
            continue;
        }
        let route = format!("{} › {}", entry_route(entry), policy_name(&policy.policy_arn));
        let offered = match facts.offered_policies {
            Some(offered) if offered.iter().any(|o| o.arn == policy.policy_arn) => {
                " (EKS offers it, per ListAccessPolicies, but the API does not say what a policy grants)"
            }
            Some(_) => " (EKS's ListAccessPolicies does not list it either)",
            None => "",
        };
        out.emit(
            At::Cluster(&route),
            Some(&entry.principal_arn),
            format!(
                "{} has {} over {}, a policy this audit does not know{offered}: what it allows is not judged",
                entry.principal_arn,
                policy.policy_arn,
                scope_text(&policy.scope)
            ),
            "check the policy in the EKS access policy reference and add it to policies/access-policies.json, or remove the association".to_string(),
        );
    }
}
