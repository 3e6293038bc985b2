//! ## What it does
//! Reports `sso:` role matchers (IAM Identity Center permission sets) and their pitfalls:
//! the matcher works only when the authenticator's `SSORoleMatch` feature gate is on, which
//! EKS does not document; an explicit `partition` (even `aws`) makes it never match; and
//! the pattern `AWSReservedSSO_<name>_*` also matches permission sets whose name continues
//! with `_` (`Admin` matches `Admin_ReadOnly`). Overlapping matchers in one ConfigMap are
//! reported as nondeterministic.
//!
//! ## Why is this bad?
//! If the gate is off, the item validates and is stored but never matches: the permission
//! set's users are refused. The partition bug gives the same result wherever the gate is
//! on. The prefix over-match silently grants a broader permission set the narrower one's
//! groups; when two matchers overlap, Go's map order decides which one answers.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - sso:
//!       permissionSetName: Admin
//!       accountID: "111122223333"
//!       partition: aws         # any explicit partition: never matches
//!     username: admin
//!     groups: [system:masters]
//! ```
//!
//! ## Remediation
//! Prefer an EKS access entry for the permission set's role. Otherwise map the path-less
//! role ARN (`arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123456789abcdef`), drop
//! `partition`, and give permission sets names that are not prefixes of each other.
//!
//! ## How to verify by hand
//! Log in through the permission set and run `kubectl auth whoami`; an `Unauthorized` means
//! the matcher did not match.
//!
//! ## References
//! - aws-iam-authenticator `docs/sso_role_matcher.md` (alpha, `--feature-gates=SSORoleMatch=true`)
//! - aws-iam-authenticator `pkg/config/types.go` (`SSOArnLike`: partition set only when empty)
//! - aws/containers-roadmap issue #474

use super::prelude::*;
use crate::model::awsauth::lookup::arn_like;

pub const META: RuleMeta = RuleMeta {
    code: "EA119",
    slug: "sso-matcher",
    severity: Severity::Medium,
    summary: "`sso:` matcher pitfalls (feature gate, partition bug, prefix over-match)",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    let roles: Vec<&Entry> = doc.section(SectionKey::MapRoles).kept().collect();
    for entry in &roles {
        let Some(sso) = entry.row.sso() else { continue };
        let principal = entry.row.principal();
        let pattern = sso.arn_like();
        if !sso.partition.is_empty() {
            out.emit(
                At::Entry(SectionKey::MapRoles, entry, Field::Key("sso.partition")),
                Some(&principal),
                format!(
                    "{principal} sets partition `{}`: the authenticator then builds the pattern `{pattern}` with an empty partition, which never matches",
                    sso.partition
                ),
                "remove `partition` (the authenticator fills in `aws` only when it is empty)".to_string(),
            );
        } else {
            out.emit(
                At::Entry(SectionKey::MapRoles, entry, Field::Key("sso")),
                Some(&principal),
                format!(
                    "{principal} matches only if EKS enables the authenticator's SSORoleMatch feature gate, which is not documented (unknown); it would also match permission sets named `{}_…`",
                    sso.permission_set_name
                ),
                "map the permission set's role with an access entry, or its path-less role ARN".to_string(),
            );
        }
        let overlaps: Vec<String> = roles
            .iter()
            .filter(|other| other.index != entry.index)
            .filter(|other| {
                let subject = match other.row.sso() {
                    Some(o) => format!(
                        "arn:aws:iam::{}:role/awsreservedsso_{}_x",
                        o.account_id,
                        o.permission_set_name.to_lowercase()
                    ),
                    None => other.row.arn().to_lowercase(),
                };
                arn_like(&subject, &pattern)
                    && (other.row.username(), other.row.groups()) != (entry.row.username(), entry.row.groups())
            })
            .map(|other| format!("mapRoles[{}]", other.index))
            .collect();
        if !overlaps.is_empty() {
            out.emit(
                At::Entry(SectionKey::MapRoles, entry, Field::Key("sso.permissionSetName")),
                Some(&principal),
                format!(
                    "{principal} overlaps {}: a caller matching both gets either mapping, at random",
                    overlaps.join(", ")
                ),
                "rename permission sets so that no name is another's prefix followed by `_`, or remove one mapping".to_string(),
            );
        }
    }
}
