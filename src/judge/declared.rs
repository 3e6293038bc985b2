//! Evidence from access declared by infrastructure code (one side of a Terraform plan, an
//! eksctl ClusterConfig): its aws-auth laid out as `kubectl get -o yaml` would print it from the
//! declared values, its access entries, and its authentication mode when it declares one.
//! RBAC, IAM and the caller are out of its scope, as they are of a file's. Values not known
//! until apply leave the judgement incomplete, and say which.

use std::collections::BTreeMap;

use super::{Availability, Evidence};
use crate::inputs::declared::DeclaredAccess;
use crate::judge::result::{CheckError, CheckResult, InputFile, LiveContext, NotEvaluated};
use crate::rules::{ClusterFacts, Input};

/// Judges declared access. `via` names the source (`terraform plan`, `eksctl ClusterConfig`);
/// `which` the side (`before`, `after`, `declared`).
pub fn judge_declared(
    side: &DeclaredAccess,
    path: &str,
    via: &str,
    which: &str,
    finish: &[&dyn super::Finish],
) -> Result<CheckResult, CheckError> {
    let (documents, notes) = match &side.aws_auth {
        Some((address, data)) => {
            let (documents, mut notes) =
                crate::model::awsauth::documents::read_documents(&[InputFile {
                    path: format!("{path} › {address} ({which})"),
                    bytes: crate::inputs::manifest::configmap_yaml(data).into_bytes(),
                }])?;
            notes.push(format!(
                "{address} ({which}): lines refer to the ConfigMap as `kubectl get -o yaml` would print it from these values"
            ));
            (documents, notes)
        }
        None => (Vec::new(), Vec::new()),
    };
    let cluster = crate::evidence::ClusterInfo {
        name: path.to_string(),
        // The same for every file and side, so findings keep their fingerprints across a diff.
        arn: via.to_string(),
        endpoint: String::new(),
        region: None,
        kubernetes_version: None,
        authentication_mode: side.mode.clone(),
        bootstrap_creator_admin: None,
        created_at: None,
        tags: BTreeMap::new(),
        audit_log: None,
    };
    // aws-auth and the mode are in scope only when the code declares them: a plan that does
    // not manage aws-auth says nothing about it.
    let mut inputs = BTreeMap::from([
        (Input::AccessEntries, Availability::Read),
        (Input::EntrySet, Availability::Read),
    ]);
    if side.aws_auth.is_some() {
        inputs.insert(Input::AwsAuth, Availability::Read);
    }
    if side.mode.is_some() {
        inputs.insert(Input::Mode, Availability::Read);
    }
    let open: Vec<NotEvaluated> = side
        .unknown
        .iter()
        .map(|unknown| NotEvaluated {
            code: crate::rules::finding::NOT_KNOWN_UNTIL_APPLY,
            reason: format!("not known until apply: {unknown}"),
        })
        .collect();
    let evidence = Evidence {
        documents,
        inputs,
        facts: ClusterFacts {
            cluster: Some(&cluster),
            access_entries: Some(&side.entries),
            ..ClusterFacts::default()
        },
        cluster_arn: Some(via.to_string()),
        notes,
        context: Some(LiveContext {
            cluster: cluster.clone(),
            transport: crate::evidence::Transport {
                via: via.to_string(),
                tls_verified: true,
                signed_as: None,
            },
            caller: None,
            iam: None,
            principals: Vec::new(),
            collected_at: None,
            history: Vec::new(),
            history_state: Default::default(),
            trail: None,
        }),
        open,
        ..Evidence::default()
    };
    Ok(super::judge(evidence, finish))
}
