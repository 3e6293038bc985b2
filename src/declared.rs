//! Access declared by infrastructure code — what a Terraform plan or an eksctl ClusterConfig
//! says aws-auth, the access entries and the authentication mode will be — and its judgement,
//! as close as a file allows to what a live audit judges. Pure.

use std::collections::BTreeMap;

use crate::snapshot::AccessEntry;

/// What infrastructure code declares: one side of a Terraform plan, or an eksctl
/// ClusterConfig.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeclaredAccess {
    /// The aws-auth ConfigMap's data, with the resource's address.
    pub aws_auth: Option<(String, BTreeMap<String, String>)>,
    pub entries: Vec<AccessEntry>,
    /// The cluster's `access_config.authentication_mode`, when the plan has the cluster.
    pub mode: Option<String>,
    /// `WHERE: what` for every value not known until apply.
    pub unknown: Vec<String>,
}

/// Judges declared access: its aws-auth through every offline rule (laid out as `kubectl get
/// -o yaml` prints it, so lines point into that layout), the rules that read only access
/// entries and the mode, and the access matrix under its mode. Values not known until apply
/// leave the judgement incomplete, and say which. `via` names the source (`terraform plan`,
/// `eksctl ClusterConfig`); `which` the side (`before`, `after`, `declared`).
pub fn judge(
    side: &DeclaredAccess,
    path: &str,
    via: &str,
    which: &str,
) -> Result<crate::check::CheckResult, crate::check::CheckError> {
    use crate::check::{CheckResult, InputFile, LiveContext, NotEvaluated};
    let mut result = match &side.aws_auth {
        Some((address, data)) => crate::check::check(&[InputFile {
            path: format!("{path} › {address} ({which})"),
            bytes: crate::live::configmap_yaml(data).into_bytes(),
        }])?,
        None => CheckResult::empty(),
    };
    if let Some((address, _)) = &side.aws_auth {
        result.notes.push(format!(
            "{address} ({which}): lines refer to the ConfigMap as `kubectl get -o yaml` would print it from these values"
        ));
    }
    // Beyond the file's own rules: those that read only access entries and the mode, which
    // infrastructure code declares. RBAC, IAM and the caller are out of its scope, as they are
    // of a file's.
    let cluster = crate::snapshot::ClusterInfo {
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
    };
    let facts = crate::rules::ClusterFacts {
        cluster_arn: &cluster.arn,
        aws_auth: result.documents.first(),
        cluster: Some(&cluster),
        access_entries: Some(&side.entries),
        ..crate::rules::ClusterFacts::default()
    };
    let mut extra = Vec::new();
    for rule in crate::rules::RULES {
        let runs = match rule.meta.needs {
            crate::rules::Needs::AccessEntries | crate::rules::Needs::EntrySet => true,
            crate::rules::Needs::Mode => side.mode.is_some(),
            _ => false,
        };
        if runs && !rule.is_offline() {
            result.coverage.rules_evaluated.push(rule.meta.code);
            extra.extend(rule.run_cluster(&facts));
        }
    }
    result.findings.extend(extra);
    crate::check::sort_findings(&mut result.findings);
    let principals = crate::access::matrix(crate::access::AccessInputs {
        mode: side.mode.as_deref(),
        aws_auth: result.documents.first(),
        entries: Some(&side.entries),
        rbac: None,
        caller: None,
        creator: None,
    });
    result.live = Some(LiveContext {
        cluster,
        transport: crate::snapshot::Transport {
            via: via.to_string(),
            tls_verified: true,
        },
        caller: None,
        iam: None,
        principals,
    });
    for unknown in &side.unknown {
        result.coverage.not_evaluated.push(NotEvaluated {
            code: "declared",
            reason: format!("not known until apply: {unknown}"),
        });
    }
    if !side.unknown.is_empty() {
        result.coverage.complete = false;
    }
    Ok(result)
}
