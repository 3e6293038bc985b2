//! ## What it does
//! Reports a `data` value of the ConfigMap that is not a string: `mapRoles` written as a
//! YAML list without the `|` block marker, or a value YAML reads as a number or boolean.
//!
//! ## Why is this bad?
//! ConfigMap `data` maps strings to strings. The API server rejects the whole object, so
//! `kubectl apply` fails and the aws-auth already in the cluster stays in effect — the
//! change you reviewed never lands, and a pipeline that ignores the error reports success.
//!
//! ## Example
//! ```yaml
//! data:
//!   mapRoles:            # missing `|`: a list, not a string
//!     - rolearn: arn:aws:iam::111122223333:role/NodeRole
//! ```
//!
//! ## Remediation
//! Write each value as a block string: `mapRoles: |` followed by the indented YAML.
//!
//! ## How to verify by hand
//! `kubectl apply --dry-run=server -f aws-auth.yaml` shows the API server's error.
//!
//! ## References
//! - Kubernetes ConfigMap API (`data` is `map[string]string`)
//! - aws-iam-authenticator fixture `aws-auth-missing-bar.yaml`

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA124",
    slug: "data-not-string",
    severity: Severity::High,
    summary: "data value that is not a string (API server rejects the object)",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for data in &doc.data_keys {
        let Some(found) = data.not_a_string else { continue };
        out.emit(
            At::DataKey(&data.key),
            None,
            format!(
                "data.{} is {found}, not a string: the API server rejects the whole ConfigMap and the aws-auth already in the cluster stays in effect",
                data.key
            ),
            format!("write `{}: |` and indent the content under it as text", data.key),
        );
    }
}
