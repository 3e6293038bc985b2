//! ## What it does
//! Reports a key inside a `mapRoles` or `mapUsers` item (or inside `sso`) that EKS ignores:
//! a misspelling such as `group`, `role_arn` or `user_name`, or the other section's ARN key
//! (`rolearn` in `mapUsers`, `userarn` in `mapRoles`).
//!
//! ## Why is this bad?
//! Go's `encoding/json` ignores unknown keys. A misspelt `groups` leaves the mapping with no
//! groups, a misspelt `rolearn` drops the item; nothing reports either.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Ops
//!     username: ops
//!     group: [ops]      # ignored: the key is `groups`
//! ```
//!
//! ## Remediation
//! Rename the key to the one EKS reads: `rolearn`, `sso`, `username`, `groups` in
//! `mapRoles`; `userarn`, `username`, `groups` in `mapUsers`; `permissionSetName`,
//! `accountID`, `partition` in `sso`.
//!
//! ## How to verify by hand
//! Compare every key with the JSON tags of `RoleMapping`, `UserMapping` and `SSOARNMatcher`
//! in the authenticator's `pkg/config/types.go` (case does not matter).
//!
//! ## References
//! - aws-iam-authenticator `pkg/config/types.go`
//! - Go `encoding/json` (unknown keys are ignored)

use super::ea102_data_key_ignored::edit_distance;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA106",
    slug: "unknown-entry-key",
    severity: Severity::Medium,
    summary: "unknown or misspelled entry key",
    needs: &[Input::AwsAuth],
};

const ROLE_KEYS: &[&str] = &["rolearn", "sso", "username", "groups"];
const USER_KEYS: &[&str] = &["userarn", "username", "groups"];
const SSO_KEYS: &[&str] = &["permissionSetName", "accountID", "partition"];

fn normalise(key: &str) -> String {
    key.to_lowercase().replace(['_', '-', ' '], "")
}

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in mapping_sections(doc) {
        let principal = principal_of(entry);
        for key in entry.keys.iter().filter(|k| k.field.is_none()) {
            let known = match (key.in_sso, section) {
                (true, _) => SSO_KEYS,
                (false, SectionKey::MapUsers) => USER_KEYS,
                (false, _) => ROLE_KEYS,
            };
            let spelled = normalise(&key.spelling);
            let other_section = match section {
                SectionKey::MapUsers if spelled == "rolearn" => Some(("mapRoles", "userarn")),
                SectionKey::MapRoles if spelled == "userarn" => Some(("mapUsers", "rolearn")),
                _ => None,
            };
            let (message, fix) = if let Some((belongs, expected)) = other_section {
                (
                    format!(
                        "{}: `{}` is read only in {belongs}; in {section} EKS ignores it",
                        entry_name(section, entry),
                        key.spelling
                    ),
                    format!("use `{expected}` here, or move the item to {belongs}"),
                )
            } else {
                let suggestion = known
                    .iter()
                    .map(|k| (edit_distance(&spelled, &k.to_lowercase()), *k))
                    .min()
                    .filter(|(d, _)| *d <= 3);
                match suggestion {
                    Some((_, k)) => (
                        format!(
                            "{}: key `{}` is ignored by EKS; did you mean `{k}`?",
                            entry_name(section, entry),
                            key.spelling
                        ),
                        format!("rename `{}` to `{k}`", key.spelling),
                    ),
                    None => (
                        format!(
                            "{}: key `{}` is ignored by EKS (it reads {})",
                            entry_name(section, entry),
                            key.spelling,
                            known.join(", ")
                        ),
                        "remove the key, or rename it to one EKS reads".to_string(),
                    ),
                }
            };
            out.emit(At::EntryKey(section, entry, key), principal.as_deref(), message, fix);
        }
    }
}
