//! ## What it does
//! Reports whitespace inside a mapping ARN or a `mapAccounts` item — usually a quoted value
//! with a leading or trailing space, or a line break inside a quoted ARN.
//!
//! ## Why is this bad?
//! YAML trims unquoted values, but nothing trims quoted ones, and the authenticator compares
//! the ARN as written. `"arn:aws:iam::111122223333:role/Ops "` never matches.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: "arn:aws:iam::111122223333:role/Ops "
//! ```
//!
//! ## Remediation
//! Remove the whitespace.
//!
//! ## How to verify by hand
//! `cat -A` on the section shows trailing spaces as `' $'`.
//!
//! ## References
//! - aws-iam-authenticator `pkg/mapper/configmap/mapper.go` (no trimming before comparison)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA121",
    slug: "whitespace-in-arn",
    severity: Severity::Low,
    summary: "whitespace inside an ARN",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let written = entry.row.arn();
        if !has_whitespace(written) {
            continue;
        }
        let field = arn_field(section);
        let cleaned: String = written.chars().filter(|c| !c.is_whitespace()).collect();
        out.emit(
            At::Entry(section, entry, Field::Key(field)),
            Some(written),
            format!("{field} {written:?} contains whitespace: it never matches"),
            format!("write `{cleaned}`"),
        );
    }
    for account in doc.section(SectionKey::MapAccounts).kept_accounts() {
        if has_whitespace(&account.account) {
            out.emit(
                At::Account(account),
                None,
                format!("mapAccounts item {:?} contains whitespace: it never matches", account.account),
                format!("write \"{}\"", account.account.trim()),
            );
        }
    }
}
