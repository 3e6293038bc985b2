//! ## What it does
//! Reports a user ARN (or root or federated-user ARN) in `mapRoles`, and a role ARN in
//! `mapUsers`.
//!
//! ## Why is this bad?
//! EKS does not check principal types per section, so such a mapping works — `mapRoles` is
//! simply searched first. But reviewers read the sections by their names: a user hidden in
//! `mapRoles` (often among node roles) escapes a review of "who are the human users".
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:user/alice    # a user in mapRoles
//!     username: alice
//! ```
//!
//! ## Remediation
//! Move the item to the section named for its principal type (`mapUsers` with `userarn`,
//! or `mapRoles` with `rolearn`).
//!
//! ## How to verify by hand
//! The sixth `:`-separated part of the ARN starts with `user/` or `role/`.
//!
//! ## References
//! - aws-iam-authenticator `pkg/mapper/configmap/mapper.go` (`mapRoles` before `mapUsers`, no type check)

use super::prelude::*;
use crate::model::arn::{self, PrincipalType};

pub const META: RuleMeta = RuleMeta {
    code: "EA112",
    slug: "wrong-section",
    severity: Severity::Low,
    summary: "principal in the wrong section",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let written = entry.row.arn();
        let Ok(kind) = arn::classify(written) else { continue };
        let (belongs, key) = match (section, kind) {
            (SectionKey::MapRoles, PrincipalType::User | PrincipalType::Root | PrincipalType::FederatedUser) => {
                ("mapUsers", "userarn")
            }
            (SectionKey::MapUsers, PrincipalType::Role | PrincipalType::AssumedRole) => ("mapRoles", "rolearn"),
            _ => continue,
        };
        let what = match kind {
            PrincipalType::User => "an IAM user",
            PrincipalType::Root => "an account root",
            PrincipalType::FederatedUser => "a federated user",
            _ => "a role",
        };
        let field = arn_field(section);
        out.emit(
            At::Entry(section, entry, Field::Key(field)),
            Some(written),
            format!("{written} is {what} filed under {section}: EKS still matches it, but reviewers of {belongs} will not see it"),
            format!("move this item to {belongs} and name the ARN `{key}`"),
        );
    }
}
