//! ## What it does
//! Reports content after a `---` document separator inside `mapRoles`, `mapUsers` or
//! `mapAccounts`.
//!
//! ## Why is this bad?
//! EKS reads only the first YAML document of each section. Mappings after a `---` — often
//! added by concatenating two files or by a template engine — are silently ignored.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/NodeRole
//!     username: system:node:{{EC2PrivateDNSName}}
//!   ---
//!   - rolearn: arn:aws:iam::111122223333:role/Admin    # ignored
//! ```
//!
//! ## Remediation
//! Remove the `---` line so that all items form one list.
//!
//! ## How to verify by hand
//! `grep -n -- '^ *---' ` on the section's text.
//!
//! ## References
//! - sigs.k8s.io/yaml `Unmarshal` and go-yaml v2 `Unmarshal` read one document

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA120",
    slug: "ignored-document",
    severity: Severity::Low,
    summary: "content after a document end ignored",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (&section, parsed) in &doc.sections {
        let Some(at) = parsed.ignored_document_at else { continue };
        out.emit(
            At::Section(section, at),
            None,
            format!("data.{section} has a second YAML document here: EKS reads only the first, everything after this line is ignored"),
            "remove the `---` separator so that every item is in one list".to_string(),
        );
    }
}
