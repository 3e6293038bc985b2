//! ## What it does
//! Reports a username or group of a kept mapping that holds a control character, a
//! bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069), a zero-width character
//! (U+200B–U+200F, U+FEFF) or a line or paragraph separator — shown escaped, with the fix.
//!
//! ## Why is this bad?
//! EKS accepts any string as a username or group, and the API server writes it into its audit
//! log and into `kubectl auth whoami`, RBAC subjects and events. There, a right-to-left
//! override (U+202E) makes `ops` followed by `nimda` read as `opsadmin`, a newline starts
//! what looks like a new log line, and a zero-width space (U+200B) at the end of
//! `system:masters` makes a second group that looks the same — one bound to nothing, or a
//! lookalike bound to something it should not be. Whoever reads the log or the bindings can
//! be misled.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/ops
//!     username: "ops\u202Eadmin"          # a right-to-left override
//!     groups: ["system:masters\u200B"]    # a zero-width space
//! ```
//!
//! ## Remediation
//! Write usernames and groups in plain printable characters; find such characters with
//! `grep -P '[\x00-\x1f\x7f\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2066}-\x{2069}\x{feff}]'`.
//!
//! ## How to verify by hand
//! `kubectl -n kube-system get cm aws-auth -o json | jq -r '.data.mapRoles' | cat -v`.
//!
//! ## References
//! - Unicode Technical Report #36, "Unicode Security Considerations" (bidirectional and
//!   invisible characters)
//! - CVE-2021-42574 ("Trojan Source": bidirectional overrides that make text read otherwise)

use super::prelude::*;
use crate::infra::escape::{first_dangerous, terminal};

pub const META: RuleMeta = RuleMeta {
    code: "EA126",
    slug: "deceptive-characters",
    severity: Severity::Medium,
    summary: "username or group with control, bidirectional or invisible characters",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let fields = std::iter::once((None, entry.row.username()))
            .chain(entry.row.groups().iter().enumerate().map(|(i, g)| (Some(i), g.as_str())));
        for (group, value) in fields {
            let Some(c) = first_dangerous(value) else { continue };
            let (what, field) = match group {
                None => ("username", Field::Key("username")),
                Some(i) => ("group", Field::Group(i)),
            };
            out.emit(
                At::Entry(section, entry, field),
                principal_of(entry).as_deref(),
                format!(
                    "{what} `{}` holds U+{:04X}, which a log or a terminal does not show as written: the API server's audit log, RBAC subjects and `kubectl auth whoami` carry it as it is",
                    terminal(value),
                    c as u32
                ),
                format!("write the {what} in plain printable characters"),
            );
        }
    }
}
