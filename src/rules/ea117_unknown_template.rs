//! ## What it does
//! Reports a `{{…}}` placeholder in a username or group that the authenticator does not
//! know. It knows exactly `{{EC2PrivateDNSName}}`, `{{AccountID}}`, `{{SessionName}}`,
//! `{{SessionNameRaw}}` and `{{AccessKeyID}}` (see `policies/templates.json`), spelled with
//! that case and no spaces.
//!
//! ## Why is this bad?
//! An unknown placeholder is left in the name literally: `{{Session}}` or
//! `{{ SessionName }}` becomes part of every caller's username, so callers are not told
//! apart and bindings for the intended names never apply. There is no
//! `{{EC2InstanceID}}`: for nodes the instance id is `{{SessionName}}`.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Ops
//!     username: "ops:{{ SessionName }}"     # spaces: left literally
//! ```
//!
//! ## Remediation
//! Use one of the five variables, spelled exactly.
//!
//! ## How to verify by hand
//! `kubectl auth whoami` as a mapped caller shows the literal braces.
//!
//! ## References
//! - aws-iam-authenticator `pkg/server/server.go` (`renderTemplate` uses `strings.ReplaceAll` for five names)

use super::prelude::*;
use crate::model::awsauth::template::{KNOWN, has_unknown_placeholder, placeholders};

pub const META: RuleMeta = RuleMeta {
    code: "EA117",
    slug: "unknown-template",
    severity: Severity::Low,
    summary: "unknown template placeholder",
    needs: &[Input::AwsAuth],
};

fn nearest(text: &str) -> String {
    let inner: String = text.trim_matches(['{', '}']).chars().filter(|c| !c.is_whitespace()).collect();
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(&inner))
        .map_or(String::new(), |k| format!("; did you mean `{{{{{k}}}}}`?"))
}

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let fields = std::iter::once((None, entry.row.username()))
            .chain(entry.row.groups().iter().enumerate().map(|(i, g)| (Some(i), g.as_str())));
        for (group, text) in fields {
            if !has_unknown_placeholder(text) {
                continue;
            }
            let field = group.map_or(Field::Key("username"), Field::Group);
            for placeholder in placeholders(text).into_iter().filter(|p| !p.known) {
                out.emit(
                    At::Entry(section, entry, field),
                    principal_of(entry).as_deref(),
                    format!(
                        "`{}` in {field} `{text}` is not a template EKS knows: it is kept literally{}",
                        placeholder.text,
                        nearest(&placeholder.text)
                    ),
                    format!("use one of {}", KNOWN.map(|k| format!("{{{{{k}}}}}")).join(", ")),
                );
            }
        }
    }
}
