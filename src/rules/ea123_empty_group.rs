//! ## What it does
//! Reports a group that is the empty string in a kept mapping: `- ""`, `- ` with nothing
//! after it, or a group that EKS emptied because it was not a string (see EA104).
//!
//! ## Why is this bad?
//! The authenticator passes groups through unchanged, `""` included. An empty group is
//! always a mistake — usually a list item whose text slipped onto the next line — and the
//! group that was meant is missing.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Ops
//!     username: ops
//!     groups:
//!       -
//!       - ops
//! ```
//!
//! ## Remediation
//! Remove the empty item, or write the group's name.
//!
//! ## How to verify by hand
//! Look for `- ""`, `- ''` or a bare `-` under `groups`.
//!
//! ## References
//! - aws-iam-authenticator `pkg/server/server.go` (groups are not filtered)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA123",
    slug: "empty-group",
    severity: Severity::Low,
    summary: "empty group name",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let principal = principal_of(entry);
        for (i, group) in entry.row.groups().iter().enumerate() {
            if !group.is_empty() {
                continue;
            }
            out.emit(
                At::Entry(section, entry, Field::Group(i)),
                principal.as_deref(),
                format!(
                    "{} has an empty group (item {i}): EKS passes \"\" through as a group",
                    principal.as_deref().unwrap_or("this mapping")
                ),
                "remove the empty item or write the group's name".to_string(),
            );
        }
    }
}
