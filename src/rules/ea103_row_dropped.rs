//! ## What it does
//! Reports a `mapRoles` or `mapUsers` item that the authenticator's validation drops: a
//! role item with neither `rolearn` nor `sso`, or with both; an `sso` item whose
//! `accountID` is not 12 digits, whose `permissionSetName` is not 1–32 characters of
//! `[A-Za-z0-9_+=,.@-]`, or whose `partition` is unknown; a user item without `userarn`.
//!
//! ## Why is this bad?
//! A dropped item grants nothing, silently: the other items still load, so nothing looks
//! broken until the person or node it was meant for is refused. A common cause is a typed
//! value: an unquoted account id such as `012345678912` is read as a number, which empties
//! `accountID` and drops the item.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - username: ops           # no rolearn: dropped
//!     groups: [ops]
//!   - sso:
//!       permissionSetName: Admin
//!       accountID: 012345678912   # a number, not a string: dropped
//! ```
//!
//! ## Remediation
//! Give each role item exactly one of `rolearn` or `sso`, each user item a `userarn`, and
//! quote account ids (`accountID: "012345678912"`).
//!
//! ## How to verify by hand
//! Check each item against `RoleMapping.Validate` / `UserMapping.Validate` in the
//! authenticator's `pkg/config/mapper.go`; the control-plane authenticator log shows the
//! validation error.
//!
//! ## References
//! - aws-iam-authenticator `pkg/config/mapper.go` (`Validate`)
//! - aws-iam-authenticator `docs/sso_role_matcher.md`

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA103",
    slug: "row-dropped",
    severity: Severity::High,
    summary: "row dropped by validation",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in mapping_sections(doc) {
        let Some(error) = &entry.validation_error else { continue };
        let principal = principal_of(entry);
        let fix = match (&entry.row, section) {
            (Row::Role(r), _) if r.rolearn.is_empty() && r.sso.is_none() => {
                "add `rolearn: arn:aws:iam::ACCOUNT:role/NAME` (check the key's spelling)".to_string()
            }
            (Row::Role(r), _) if !r.rolearn.is_empty() && r.sso.is_some() => {
                "keep either `rolearn` or `sso`, not both".to_string()
            }
            (Row::Role(_), _) => "quote `accountID` as a 12-digit string and use a valid permission set name and partition".to_string(),
            (Row::User(_), _) => "add `userarn: arn:aws:iam::ACCOUNT:user/NAME` (check the key's spelling)".to_string(),
        };
        out.emit(
            At::Entry(section, entry, Field::Row),
            principal.as_deref(),
            format!("{} is dropped by EKS: {error}", entry_name(section, entry)),
            fix,
        );
    }
}
