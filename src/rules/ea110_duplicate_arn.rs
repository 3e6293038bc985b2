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
        let replaced = format!(
            "{} ({who}) is replaced by {section}[{winner}] at line {line}: EKS keeps only the last mapping of a principal and does not merge them",
            entry_name(section, entry)
        );
        // What the replaced row actually loses: nothing, its username, its groups.
        let lost_groups: Vec<&String> = entry
            .row
            .groups()
            .iter()
            .filter(|g| !winning.row.groups().contains(g))
            .collect();
        let same_username = entry.row.username() == winning.row.username();
        if lost_groups.is_empty() && same_username {
            out.emit_with(
                At::Entry(section, entry, Field::Row),
                principal.as_deref(),
                Severity::Low,
                format!("{replaced}; the two are the same (username and groups): this one is redundant and nothing is lost"),
                "delete the redundant item".to_string(),
            );
            continue;
        }
        let mut lost = Vec::new();
        if !same_username {
            lost.push(format!(
                "its username `{}` (the kept one is `{}`)",
                entry.row.username(),
                winning.row.username()
            ));
        }
        if !lost_groups.is_empty() {
            lost.push(format!(
                "its groups [{}]",
                lost_groups
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.emit(
            At::Entry(section, entry, Field::Row),
            principal.as_deref(),
            format!("{replaced}; this one loses {}", lost.join(" and ")),
            "merge the two items into one with the username and all the groups the principal needs".to_string(),
        );
    }
}
