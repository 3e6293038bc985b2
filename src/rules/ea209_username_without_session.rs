//! ## What it does
//! Reports `STANDARD` access entries for a role whose custom Kubernetes username has neither
//! `{{SessionName}}` nor `{{SessionNameRaw}}`.
//!
//! ## Why is this bad?
//! Everyone who assumes the role becomes the same Kubernetes user: the audit log cannot say
//! which person or pipeline did what. EKS's generated username for a role includes the
//! session name; a custom one drops it unless it says so.
//!
//! ## Example
//! An entry for `role/platform` with username `platform-admin`.
//!
//! ## Remediation
//! Use a username such as `platform:{{SessionName}}`, or leave the username to EKS.
//!
//! ## How to verify by hand
//! `aws eks describe-access-entry --cluster-name N --principal-arn ARN --query
//! accessEntry.username`.
//!
//! ## References
//! - Amazon EKS best practices, identity and access management (attribute actions to sessions)
//! - Amazon EKS user guide, access entry usernames: https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA209",
    slug: "username-without-session",
    severity: Severity::Low,
    summary: "custom username without the session name",
    needs: &[Input::AccessEntries],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(entries) = facts.access_entries else {
        return;
    };
    for entry in entries {
        let Some(username) = entry.username.as_deref() else {
            continue;
        };
        if entry.kind != AccessEntryType::Standard
            || crate::model::arn::classify(&entry.principal_arn) != Ok(crate::model::arn::PrincipalType::Role)
            || username.contains("{{SessionName}}")
            || username.contains("{{SessionNameRaw}}")
            || username.starts_with("arn:aws:sts::")
        {
            continue;
        }
        out.emit(
            At::Cluster(&entry_route(entry)),
            Some(&entry.principal_arn),
            format!(
                "{} maps every session of the role to the one Kubernetes user `{username}`: actions cannot be told apart",
                entry.principal_arn
            ),
            format!("use a username with the session, such as `{username}:{{{{SessionName}}}}`, or let EKS generate it"),
        );
    }
}
