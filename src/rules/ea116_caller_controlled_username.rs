//! ## What it does
//! Reports a username that begins with `{{SessionName}}` or `{{SessionNameRaw}}` (the whole
//! name chosen by the caller), and any group built from them.
//!
//! ## Why is this bad?
//! The role session name is picked by whoever calls `AssumeRole` (or by the identity
//! provider's session attribute). With `username: {{SessionName}}`, anyone who can assume
//! the role can pick any Kubernetes username — `alice`, `admin` — and inherit the bindings
//! made for it; audit logs record the forged name. A session-derived group lets the caller
//! choose its own groups.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Developers
//!     username: "{{SessionName}}"
//! ```
//!
//! ## Remediation
//! Put a fixed prefix first: `username: developers:{{SessionName}}`, and bind RBAC only to
//! fixed groups.
//!
//! ## How to verify by hand
//! `aws sts assume-role --role-arn ROLE --role-session-name admin` then `kubectl auth whoami`
//! shows the username you chose.
//!
//! ## References
//! - aws-iam-authenticator README, username templates ("can be spoofed")
//! - aws-iam-authenticator `pkg/server/server.go` (`renderTemplate`)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA116",
    slug: "caller-controlled-username",
    severity: Severity::High,
    summary: "username controlled by the caller (`{{SessionName}}` alone)",
    needs: &[Input::AwsAuth],
};

const SESSION: [&str; 2] = ["{{SessionName}}", "{{SessionNameRaw}}"];

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let principal = principal_of(entry);
        let who = principal.clone().unwrap_or_else(|| "(no principal)".into());
        let username = entry.row.username();
        if SESSION.iter().any(|s| username.starts_with(s)) {
            out.emit(
                At::Entry(section, entry, Field::Key("username")),
                principal.as_deref(),
                format!("{who} maps to the username `{username}`, which whoever assumes the role chooses: they can pose as any user"),
                "start the username with a fixed prefix, e.g. `team:{{SessionName}}`".to_string(),
            );
        }
        for (i, group) in entry.row.groups().iter().enumerate() {
            if SESSION.iter().any(|s| group.contains(s)) {
                out.emit(
                    At::Entry(section, entry, Field::Group(i)),
                    principal.as_deref(),
                    format!("{who} is put in the group `{group}`, which the caller's session name decides"),
                    "use fixed group names only".to_string(),
                );
            }
        }
    }
}
