//! ## What it does
//! Reports keys that appear twice in one item (`groups` twice), spellings of one key that
//! differ in case (`rolearn` and `roleARN`), keys spelled with non-ASCII letters that Go
//! folds to an ASCII key (`uſerarn` with U+017F), and duplicate keys in the ConfigMap's
//! `data`.
//!
//! ## Why is this bad?
//! YAML's last duplicate wins. Case variants both survive YAML and are assigned in byte
//! order, so `rolearn` (lower case, assigned last) beats `roleARN` whatever their order in
//! the file. A reviewer reading top to bottom sees a different mapping from the one EKS
//! uses; Unicode look-alike keys can hide a grant on purpose.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Admin     # EKS uses this one
//!     roleARN: arn:aws:iam::111122223333:role/ReadOnly
//!     username: ops
//! ```
//!
//! ## Remediation
//! Write every key once, in its documented spelling.
//!
//! ## How to verify by hand
//! Parse the section with a strict YAML loader that rejects duplicate keys, and search for
//! non-ASCII characters: `grep -nP '[^\x00-\x7F]'`.
//!
//! ## References
//! - go-yaml v2 non-strict decoding (last duplicate wins)
//! - Go `encoding/json` (case-insensitive field matching, Unicode simple folding)
//! - aws-iam-authenticator fixture `aws-auth-crazy-case-keys.yaml`

use super::prelude::*;
use crate::model::awsauth::decode::is_unicode_folded;

pub const META: RuleMeta = RuleMeta {
    code: "EA122",
    slug: "duplicate-keys",
    severity: Severity::Low,
    summary: "duplicate or case-variant keys in one entry",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in mapping_sections(doc) {
        let principal = principal_of(entry);
        for duplicate in &entry.duplicate_keys {
            let (won_line, _) = doc.file_pos(section, duplicate.won.1);
            let message = if duplicate.case_variant {
                format!(
                    "{}: `{}` and `{}` both set {}; EKS uses `{}` (line {won_line}), the byte-wise greater spelling",
                    entry_name(section, entry),
                    duplicate.lost.0,
                    duplicate.won.0,
                    duplicate.field,
                    duplicate.won.0
                )
            } else {
                format!(
                    "{}: `{}` appears twice; EKS uses the last one (line {won_line})",
                    entry_name(section, entry),
                    duplicate.lost.0
                )
            };
            out.emit(
                At::EntryPos(section, entry, duplicate.field, duplicate.lost.1),
                principal.as_deref(),
                message,
                format!("keep a single `{}` key", duplicate.field),
            );
        }
        for key in entry.keys.iter().filter(|k| k.field.is_some() && is_unicode_folded(&k.spelling)) {
            out.emit(
                At::EntryKey(section, entry, key),
                principal.as_deref(),
                format!(
                    "{}: key {:?} has non-ASCII letters; Go folds it to `{}`, so EKS reads it — reviewers may not",
                    entry_name(section, entry),
                    key.spelling,
                    key.field.unwrap_or_default()
                ),
                format!("spell the key `{}`", key.field.unwrap_or_default()),
            );
        }
    }
    for (key, _) in &doc.duplicate_data_keys {
        out.emit(
            At::DataKey(key),
            None,
            format!("data key `{key}` appears more than once: kubectl keeps the last, other tools may reject the file"),
            format!("keep a single `{key}`"),
        );
    }
}
