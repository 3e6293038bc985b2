//! ## What it does
//! Reports a `mapRoles`, `mapUsers` or `mapAccounts` value that EKS cannot read at all: a
//! YAML syntax error (a tab in the indentation, an unclosed bracket), a value that starts
//! with `{` (EKS then reads it as JSON, and a JSON object is not a list), or a value that is
//! a mapping or a scalar instead of a list.
//!
//! ## Why is this bad?
//! The authenticator parses each section on its own and keeps no last-known-good copy.
//! When a section fails to parse, every mapping in it is dropped at once: node roles stop
//! authenticating (nodes go `NotReady`), and every admin mapped there is locked out. Nothing
//! fails loudly: `kubectl apply` accepts the ConfigMap, because to the API server the
//! value is just a string.
//!
//! ## Example
//! ```yaml
//! data:
//!   mapRoles: |
//!     - rolearn: arn:aws:iam::111122223333:role/NodeRole
//!     ⇥ username: system:node:{{EC2PrivateDNSName}}   # ⇥ stands for a tab
//! ```
//!
//! ## Remediation
//! Fix the YAML at the reported line: indent with spaces only, close every bracket, and
//! write the section as a YAML list (`- rolearn: …`) inside a `|` block. Re-run
//! `aws-auth-audit check` before applying.
//!
//! ## How to verify by hand
//! Extract the value and parse it on its own, for example
//! `kubectl -n kube-system get cm aws-auth -o jsonpath='{.data.mapRoles}' | python3 -c 'import sys, yaml; print(yaml.safe_load(sys.stdin))'`.
//! An error there means EKS drops the section. The authenticator also logs
//! "Only saving data that was good" in the control-plane authenticator logs.
//!
//! ## References
//! - aws-iam-authenticator `pkg/mapper/configmap/configmap.go` (`ParseMap`, `saveMap`)
//! - k8s.io/apimachinery `pkg/util/yaml` `ToJSON` (a leading `{` is read as JSON)
//! - Amazon EKS user guide, "Grant IAM users and roles access to Kubernetes APIs" (aws-auth ConfigMap)

use super::prelude::*;
use crate::model::awsauth::SectionFailure;

pub const META: RuleMeta = RuleMeta {
    code: "EA101",
    slug: "section-lost",
    severity: Severity::Critical,
    summary: "section lost to a YAML/JSON syntax error",
    needs: &[Input::AwsAuth],
};

fn what_is_lost(section: SectionKey) -> &'static str {
    match section {
        SectionKey::MapRoles => "every role mapping in it, node roles included (nodes stop joining)",
        SectionKey::MapUsers => "every user mapping in it",
        SectionKey::MapAccounts => "every account in it",
    }
}

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (&section, parsed) in &doc.sections {
        let Some(failure) = &parsed.failure else { continue };
        let (line, column) = doc.file_pos(section, failure.pos());
        let (cause, fix) = match failure {
            SectionFailure::Syntax { message, .. } => (
                format!("is not valid YAML for EKS ({message})"),
                format!("fix the YAML at line {line}, column {column}: indent with spaces, never tabs, and close every bracket and quote"),
            ),
            SectionFailure::Json { message, .. } => (
                format!("starts with `{{`, so EKS reads it as JSON: {message}"),
                "write the section as a YAML list (`- rolearn: …`) or a JSON array (`[ … ]`)".to_string(),
            ),
            SectionFailure::NotAList { found, .. } => (
                format!("is a {found}, not a list"),
                "write the section as a list: each mapping starts with `- `".to_string(),
            ),
        };
        out.emit(
            At::Section(section, failure.pos()),
            None,
            format!("data.{section} {cause}: EKS drops {}", what_is_lost(section)),
            fix,
        );
    }
}
