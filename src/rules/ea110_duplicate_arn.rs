//! ## What it does
//! Reports a mapping that a later mapping of the same principal replaces: two `mapRoles`
//! items whose `rolearn` differ at most in case, two `sso` items with the same pattern, or
//! two `mapUsers` items with exactly the same `userarn`.
//!
//! ## Why is this bad?
//! EKS stores role mappings in a map keyed by the lower-cased ARN and user mappings by the
//! ARN as written; the last item wins and the earlier one disappears, groups and all — they
//! are not merged. Adding a second item for a node role to give it one more group silently
//! removes `system:nodes` (nodes stop joining); a reordering can grant or revoke admin.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Ops
//!     username: ops
//!     groups: [system:masters]
//!   - rolearn: arn:aws:iam::111122223333:role/ops     # replaces the first item
//!     username: ops
//!     groups: [view]
//! ```
//!
//! ## Remediation
//! Keep one item per principal with all the groups it needs.
//!
//! ## How to verify by hand
//! Sort the `rolearn` values case-insensitively (`sort -f | uniq -di`) and the `userarn`
//! values exactly (`sort | uniq -d`).
//!
//! ## References
//! - kubernetes-sigs/aws-iam-authenticator issue #271 "Same ARN twice overwrites previous groups"
//! - aws-iam-authenticator `pkg/mapper/configmap/configmap.go` (`saveMap`)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA110",
    slug: "duplicate-arn",
    severity: Severity::High,
    summary: "duplicate role ARN, last wins",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in mapping_sections(doc) {
        let Some(winner) = entry.overridden_by else { continue };
        let principal = principal_of(entry);
        let who = principal.clone().unwrap_or_default();
        let winning = &doc.section(section).entries[winner];
        let (line, _) = doc.file_pos(section, winning.pos);
        out.emit(
            At::Entry(section, entry, ""),
            principal.as_deref(),
            format!(
                "{} ({who}) is replaced by {section}[{winner}] at line {line}: EKS keeps only the last mapping of a principal and does not merge groups; this one's groups [{}] are lost",
                entry_name(section, entry),
                entry.row.groups().join(", ")
            ),
            "merge the two items into one with all the groups the principal needs".to_string(),
        );
    }
}
