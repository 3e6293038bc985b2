//! ## What it does
//! Reports a value whose YAML type is not the one EKS expects: a `username` that YAML 1.1
//! reads as a number or boolean (`username: 1234`, `username: yes`), `groups` written as a
//! single string instead of a list, a group that is not a string, an `sso` that is not a
//! mapping, a list item that is not a mapping, or a `mapAccounts` item that is a mapping or
//! list.
//!
//! ## Why is this bad?
//! EKS converts the YAML to JSON and decodes it with Go's `encoding/json`. A value of the
//! wrong type is skipped and the field keeps its empty value, but the row is kept: a role
//! can end up mapped to an empty username, to no groups at all, or to the group `""`. YAML
//! 1.1 typing makes this easy to miss: `yes`, `on`, `0x1F` and `012345678912` are not
//! strings.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Ops
//!     username: on          # a boolean: username is emptied
//!     groups: system:masters  # a string, not a list: no groups
//! ```
//!
//! ## Remediation
//! Quote scalar values that YAML could type (`username: "on"`), and write `groups` as a list
//! (`groups: ["ops"]` or one `- ops` per line).
//!
//! ## How to verify by hand
//! Convert the section with a YAML 1.1 parser (PyYAML's `yaml.safe_load` is 1.1) and look at
//! the types: every `username`, `rolearn`, `userarn` and group must be a string, `groups` a
//! list.
//!
//! ## References
//! - aws-iam-authenticator `pkg/mapper/configmap/configmap.go` (`ParseMap` keeps rows after a type error)
//! - sigs.k8s.io/yaml `YAMLToJSON`; go-yaml v2 `resolve.go` (YAML 1.1 typing)
//! - Go `encoding/json` (`UnmarshalTypeError`)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA104",
    slug: "wrong-type",
    severity: Severity::Medium,
    summary: "value of the wrong type (field emptied)",
    needs: &[Input::AwsAuth],
};

fn effect(field: &str) -> &'static str {
    if field.starts_with("groups[") {
        "EKS keeps the row with this group as \"\""
    } else {
        match field {
            "username" => "EKS keeps the row with an empty username",
            "groups" => "EKS keeps the row with no groups",
            "rolearn" | "userarn" => "EKS leaves the ARN empty",
            "entry" => "EKS decodes an empty item, which validation then drops",
            "sso" => "EKS keeps an empty `sso`, which validation then drops",
            _ => "EKS leaves the field empty",
        }
    }
}

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in mapping_sections(doc) {
        let principal = principal_of(entry);
        for mismatch in &entry.type_mismatches {
            let field = mismatch.field.to_string();
            let field = field.as_str();
            let fix = match mismatch.expected {
                "array" => "write `groups` as a list: `groups: [\"a\", \"b\"]`".to_string(),
                "object" if field == "entry" => "write the item as a mapping (`- rolearn: …`)".to_string(),
                "object" => "write `sso` as a mapping with permissionSetName, accountID and partition".to_string(),
                _ => format!("quote the value of `{field}` so that YAML reads it as a string"),
            };
            out.emit(
                At::EntryPos(section, entry, mismatch.field, mismatch.pos),
                principal.as_deref(),
                format!(
                    "{}: `{field}` is a {}, not a {}; {}",
                    entry_name(section, entry),
                    mismatch.found,
                    if mismatch.expected == "array" { "list" } else { mismatch.expected },
                    effect(field)
                ),
                fix,
            );
        }
    }
    for account in &doc.section(SectionKey::MapAccounts).accounts {
        if let Some(error) = &account.type_error {
            out.emit(
                At::Account(account),
                None,
                format!("mapAccounts[{}]: {error}; EKS drops this item", account.index),
                "write each account as a quoted 12-digit string: `- \"111122223333\"`".to_string(),
            );
        }
    }
}
