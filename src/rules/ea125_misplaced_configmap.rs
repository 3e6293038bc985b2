//! ## What it does
//! Reports a ConfigMap that holds aws-auth's sections (`mapRoles`, `mapUsers`, `mapAccounts`)
//! but is not `kube-system/aws-auth` — in another namespace, or under another name — in an
//! input that has no `kube-system/aws-auth`.
//!
//! ## Why is this bad?
//! EKS reads exactly one ConfigMap: `aws-auth` in the `kube-system` namespace. One applied
//! anywhere else (`default/aws-auth`, `kube-system/aws-auth-cm`) is stored and never read:
//! every mapping in it grants nothing. Its author believes the roles in it can get in; the
//! nodes or people it names are locked out, or keep whatever the real aws-auth gives them.
//!
//! ## Example
//! ```yaml
//! metadata:
//!   name: aws-auth
//!   namespace: default      # EKS reads kube-system/aws-auth only
//! data:
//!   mapRoles: |
//!     - rolearn: arn:aws:iam::111122223333:role/NodeRole
//! ```
//!
//! ## Remediation
//! Apply it as `kube-system/aws-auth` (or move the mappings into the existing one), and delete
//! the misplaced copy so nobody edits it again believing it counts.
//!
//! ## How to verify by hand
//! `kubectl get configmaps -A -o json | jq -r '.items[] | select(.data.mapRoles or .data.mapUsers or .data.mapAccounts) | .metadata.namespace + "/" + .metadata.name'`
//!
//! ## References
//! - aws-iam-authenticator `pkg/mapper/configmap` (watches `kube-system/aws-auth` by name)
//! - EKS User Guide, "Grant IAM users access to Kubernetes with a ConfigMap"

use super::prelude::*;
use crate::model::awsauth::SectionFailure;

pub const META: RuleMeta = RuleMeta {
    code: "EA125",
    slug: "misplaced-configmap",
    severity: Severity::High,
    summary: "aws-auth mappings in a ConfigMap EKS never reads",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    if !doc.misplaced {
        return;
    }
    let Some(key) = doc
        .data_keys
        .iter()
        .find(|k| matches!(k.key.as_str(), "mapRoles" | "mapUsers" | "mapAccounts"))
    else {
        return;
    };
    let rows = doc.section(SectionKey::MapRoles).kept().count()
        + doc.section(SectionKey::MapUsers).kept().count()
        + doc.section(SectionKey::MapAccounts).kept_accounts().count();
    // A section that would not parse either: said now, so that moving the ConfigMap to the
    // right place does not uncover a second surprise.
    let lost: Vec<String> = doc
        .sections
        .iter()
        .filter_map(|(section, parsed)| {
            let failure = parsed.failure.as_ref()?;
            let (line, column) = doc.file_pos(*section, failure.pos());
            let cause = match failure {
                SectionFailure::Syntax { message, .. } | SectionFailure::Json { message, .. } => {
                    message.clone()
                }
                SectionFailure::NotAList { found, .. } => format!("a {found}, not a list"),
            };
            Some(format!(
                "data.{section} is lost as well: EKS could not read it (line {line}, column {column}: {cause}), so it would grant nothing there either"
            ))
        })
        .collect();
    let (lost_note, lost_fix) = if lost.is_empty() {
        (String::new(), "")
    } else {
        (
            format!("; {}", lost.join("; ")),
            ", after fixing the section EA101 would report there",
        )
    };
    out.emit(
        At::DataKey(&key.key),
        None,
        format!(
            "ConfigMap {} holds aws-auth's {} ({rows} mapping(s)), but EKS reads only kube-system/aws-auth: none of them grants anything{lost_note}",
            doc.configmap, key.key
        ),
        format!("apply the mappings as kube-system/aws-auth (or merge them into it){lost_fix}, and delete this copy"),
    );
}
