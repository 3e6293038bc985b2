//! ## What it does
//! Reports access entries whose principal belongs to another AWS account than the cluster.
//!
//! ## Why is this bad?
//! Who can use that principal is decided in the other account, by people and policies this
//! account's review does not see. (EKS allows it only for `STANDARD` entries; node types must
//! be in the cluster's account.)
//!
//! ## Example
//! An entry for `arn:aws:iam::444455556666:role/partner-deploy` on a cluster in
//! `111122223333`.
//!
//! ## Remediation
//! Prefer a role in the cluster's account that the other account's principals assume, with a
//! trust policy that names them (and an external id for third parties), so that this account
//! keeps the decision.
//!
//! ## How to verify by hand
//! Compare the account in each `aws eks list-access-entries` ARN with the cluster ARN's.
//!
//! ## References
//! - Amazon EKS user guide, creating access entries (cross-account principals): https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA208",
    slug: "cross-account-entry",
    severity: Severity::Medium,
    summary: "principal from another account",
    needs: &[Input::AccessEntries],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(entries), Some(account)) = (facts.access_entries, facts.account()) else {
        return;
    };
    for entry in entries {
        let Ok(arn) = crate::model::arn::parse(&entry.principal_arn) else {
            continue;
        };
        if arn.account == account || arn.account.is_empty() {
            continue;
        }
        out.emit(
            At::Cluster(&entry_route(entry)),
            Some(&entry.principal_arn),
            format!(
                "{} belongs to account {}, not the cluster's ({account}): who may use it is decided there",
                entry.principal_arn, arn.account
            ),
            "grant a role of the cluster's account that the other account assumes, with a trust policy naming who".to_string(),
        );
    }
}
