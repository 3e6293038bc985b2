//! Judging what was read from a live cluster with the same pipeline as files: the aws-auth
//! ConfigMap is laid out as `kubectl get configmap aws-auth -n kube-system -o yaml` prints
//! it, so that line numbers in findings point into that output.

use std::collections::BTreeMap;

use crate::check::{CheckError, CheckResult, Coverage, InputFile, NotEvaluated, check};
use crate::kubeconfig::yaml_string;
use crate::rules::RULES;
use crate::snapshot::{CollectionIssue, Fetched};

/// A data value as kubectl's YAML shows it: a `|` / `|-` block when it spans lines and reads
/// back unchanged that way, else a single scalar.
fn data_value(value: &str) -> String {
    let body = value.strip_suffix('\n').unwrap_or(value);
    let block_safe = value.contains('\n')
        && !body.is_empty()
        && !body.starts_with([' ', '\t'])
        && !body.ends_with('\n')
        && body
            .lines()
            .all(|l| !l.ends_with([' ', '\t']) && l.chars().all(|c| c == '\t' || !c.is_control()));
    if !block_safe {
        return format!(" {}\n", yaml_string(value));
    }
    let indicator = if value.ends_with('\n') { "|" } else { "|-" };
    let mut out = format!(" {indicator}\n");
    for line in body.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The ConfigMap as `kubectl get -o yaml` lays it out (keys in order, data first).
pub fn configmap_yaml(data: &BTreeMap<String, String>) -> String {
    let mut out = String::from("apiVersion: v1\ndata:\n");
    for (key, value) in data {
        out.push_str(&format!("  {}:{}", yaml_string(key), data_value(value)));
    }
    out.push_str("kind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\n");
    out
}

/// Judges the aws-auth read from `cluster_arn`.
pub fn judge(
    cluster_arn: &str,
    fetched: &Fetched<BTreeMap<String, String>>,
    issues: &[CollectionIssue],
) -> Result<CheckResult, CheckError> {
    let path = format!("{cluster_arn} (kubectl get configmap aws-auth -n kube-system -o yaml)");
    let issue_notes = issues
        .iter()
        .map(|i| format!("{} {}: {} ({})", i.operation, i.resource, i.code, i.detail));
    let all_rules = || RULES.iter().map(|r| r.meta.code).collect::<Vec<_>>();
    let mut result = match fetched {
        Fetched::Found(data) => check(&[InputFile {
            path,
            bytes: configmap_yaml(data).into_bytes(),
        }])?,
        Fetched::Absent => CheckResult {
            documents: Vec::new(),
            findings: Vec::new(),
            notes: vec![format!(
                "{cluster_arn}: kube-system/aws-auth does not exist (verified: the API answered 404)"
            )],
            coverage: Coverage {
                complete: true,
                rules_evaluated: all_rules(),
                not_evaluated: Vec::new(),
            },
        },
        Fetched::Unknown { reason, detail } => CheckResult {
            documents: Vec::new(),
            findings: Vec::new(),
            notes: vec![format!(
                "{cluster_arn}: kube-system/aws-auth could not be read: unknown({})",
                reason.as_str()
            )],
            coverage: Coverage {
                complete: false,
                rules_evaluated: Vec::new(),
                not_evaluated: RULES
                    .iter()
                    .map(|r| NotEvaluated {
                        code: r.meta.code,
                        reason: format!("unknown({}): {detail}", reason.as_str()),
                    })
                    .collect(),
            },
        },
    };
    result.notes.extend(issue_notes);
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_reads_back_to_the_same_data() {
        let mut data = BTreeMap::new();
        data.insert(
            "mapRoles".to_string(),
            "- rolearn: a\n  groups:\n\n    - b\n".to_string(),
        );
        data.insert("mapUsers".to_string(), "- userarn: x".to_string());
        data.insert("mapAccounts".to_string(), "  - \"1\"  \n".to_string());
        let text = configmap_yaml(&data);
        let manifest = crate::manifest::read_configmaps(&text).unwrap();
        let read: BTreeMap<String, String> = manifest.configmaps[0]
            .data
            .iter()
            .map(|d| match &d.value {
                crate::manifest::DataValue::Text { text, .. } => (d.key.clone(), text.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(read, data, "{text}");
        assert!(text.contains("  mapRoles: |\n    - rolearn: a\n"), "{text}");
    }
}
