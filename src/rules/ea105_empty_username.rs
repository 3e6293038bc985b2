//! ## What it does
//! Reports a kept mapping whose `username` is missing or empty.
//!
//! ## Why is this bad?
//! The authenticator does not require a username: the caller authenticates as the empty
//! string `""`, which audit logs cannot attribute, and which every such mapping shares.
//! Whether the API server then accepts the request is outside the authenticator; either the
//! mapping does not work, or it works anonymously.
//!
//! ## Example
//! ```yaml
//! mapUsers: |
//!   - userarn: arn:aws:iam::111122223333:user/alice
//!     groups: [developers]      # no username
//! ```
//!
//! ## Remediation
//! Give every mapping a username that names the person or workload, for example
//! `username: alice` or `username: ops:{{SessionName}}`.
//!
//! ## How to verify by hand
//! Look for items without a `username:` key (in any capitalisation), or with `username: ""`.
//!
//! ## References
//! - aws-iam-authenticator `pkg/config/mapper.go` (no username validation)
//! - aws-iam-authenticator `pkg/server/server.go` (`doMapping`)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA105",
    slug: "empty-username",
    severity: Severity::Medium,
    summary: "empty or missing username",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let typed = entry.type_mismatches.iter().any(|m| m.field == Field::Key("username"));
        if !entry.row.username().is_empty() || typed {
            continue;
        }
        let principal = principal_of(entry);
        out.emit(
            At::Entry(section, entry, Field::Key("username")),
            principal.as_deref(),
            format!(
                "{} ({}) has no username: it authenticates as the empty username \"\"",
                entry_name(section, entry),
                principal.as_deref().unwrap_or("no principal")
            ),
            "add `username: NAME` naming who or what this is".to_string(),
        );
    }
}
