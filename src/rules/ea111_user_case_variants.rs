//! ## What it does
//! Reports `mapUsers` items whose `userarn` differ only in case
//! (`user/Alice` and `user/alice`) and map to different usernames or groups.
//!
//! ## Why is this bad?
//! EKS keys user mappings by the ARN exactly as written, so both items are kept, and both
//! match the caller (the comparison ignores case). Which one answers depends on Go's
//! randomised map iteration: the same user is sometimes one identity, sometimes the other.
//!
//! ## Example
//! ```yaml
//! mapUsers: |
//!   - userarn: arn:aws:iam::111122223333:user/Alice
//!     username: alice
//!     groups: [system:masters]
//!   - userarn: arn:aws:iam::111122223333:user/alice
//!     username: alice
//!     groups: [view]
//! ```
//!
//! ## Remediation
//! Keep one item per user, spelled as IAM spells the user's name.
//!
//! ## How to verify by hand
//! `sort -f | uniq -Di` on the `userarn` values lists the case variants.
//!
//! ## References
//! - aws-iam-authenticator `pkg/mapper/configmap/configmap.go` (`saveMap`, `UserMapping` lookup with `strings.EqualFold`)

use super::prelude::*;
use crate::model::awsauth::lookup::eq_fold;

pub const META: RuleMeta = RuleMeta {
    code: "EA111",
    slug: "user-case-variants",
    severity: Severity::High,
    summary: "user ARNs differing only in case, nondeterministic",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    let users: Vec<&Entry> = doc.section(SectionKey::MapUsers).kept().collect();
    for (i, entry) in users.iter().enumerate() {
        let others: Vec<&&Entry> = users
            .iter()
            .enumerate()
            .filter(|(j, other)| {
                *j != i
                    && other.row.arn() != entry.row.arn()
                    && eq_fold(other.row.arn(), entry.row.arn())
                    && (other.row.username(), other.row.groups()) != (entry.row.username(), entry.row.groups())
            })
            .map(|(_, o)| o)
            .collect();
        if others.is_empty() {
            continue;
        }
        let names: Vec<String> = others.iter().map(|o| format!("mapUsers[{}] ({})", o.index, o.row.arn())).collect();
        out.emit(
            At::Entry(SectionKey::MapUsers, entry, Field::Key("userarn")),
            Some(entry.row.arn()),
            format!(
                "{} differs only in case from {}: both match the same user and EKS picks one at random (username `{}`, groups [{}] here)",
                entry.row.arn(),
                names.join(", "),
                entry.row.username(),
                entry.row.groups().join(", ")
            ),
            "keep a single item for this user".to_string(),
        );
    }
}
