//! ## What it does
//! Reports access entries whose principal is an IAM user rather than a role.
//!
//! ## Why is this bad?
//! IAM users carry long-lived access keys: they leak, they are shared, and nothing expires
//! them. Cluster access through a role needs a short-lived session, which an identity provider
//! or SSO can gate with MFA and which CloudTrail attributes to a session name.
//!
//! ## Example
//! An entry for `arn:aws:iam::111122223333:user/ci-bot`.
//!
//! ## Remediation
//! Give the user (or the system using it) a role to assume, create the entry for the role, and
//! delete the user's entry and access keys.
//!
//! ## How to verify by hand
//! `aws eks list-access-entries --cluster-name N --query "accessEntries[?contains(@, ':user/')]"`.
//!
//! ## References
//! - Amazon EKS best practices, identity and access management (use roles, not users)
//! - IAM user guide, security best practices (temporary credentials): https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA207",
    slug: "iam-user-entry",
    severity: Severity::Low,
    summary: "IAM user instead of a role",
    needs: &[Input::AccessEntries],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(entries) = facts.access_entries else {
        return;
    };
    for entry in entries {
        if crate::model::arn::classify(&entry.principal_arn) != Ok(crate::model::arn::PrincipalType::User) {
            continue;
        }
        out.emit(
            At::Cluster(&entry_route(entry)),
            Some(&entry.principal_arn),
            format!(
                "{} is an IAM user: its access keys are long-lived credentials to this cluster",
                entry.principal_arn
            ),
            "grant a role instead and delete this entry and the user's access keys".to_string(),
        );
    }
}
