//! Terraform plans (`terraform show -json PLAN`): the aws-auth ConfigMap
//! (`kubernetes_config_map`, `kubernetes_config_map_v1`, `kubernetes_config_map_v1_data` named
//! `kube-system/aws-auth`), access entries (`aws_eks_access_entry`), their policies
//! (`aws_eks_access_policy_association`) and the cluster's authentication mode
//! (`aws_eks_cluster.access_config`), each as it is before and after the plan. Values the plan
//! knows only after apply are listed, never guessed. Pure: the plan is text already read.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::evidence::{
    AccessEntry, AccessEntryType, AccessScope, AssociatedPolicy, AuthenticationMode, Fetched,
    ScopeKind,
};
use crate::inputs::declared::DeclaredAccess;

/// The plan could not be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line}, column {column}: not a Terraform plan in JSON: {message}")]
pub struct PlanError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Whether `text` looks like `terraform show -json` output.
pub fn is_plan(text: &str) -> bool {
    let head = text.trim_start();
    head.starts_with('{')
        && head.contains("\"format_version\"")
        && head.contains("\"resource_changes\"")
}

const CONFIG_MAPS: [&str; 3] = [
    "kubernetes_config_map",
    "kubernetes_config_map_v1",
    "kubernetes_config_map_v1_data",
];

/// A block Terraform encodes as a one-element list (`metadata`, `access_config`, `access_scope`).
fn block(value: &Value) -> &Value {
    match value {
        Value::Array(items) if !items.is_empty() => &items[0],
        other => other,
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Every leaf of `after_unknown` that is `true`, as a dotted path.
fn unknown_paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Bool(true) => out.push(if prefix.is_empty() {
            "(the whole resource)".to_string()
        } else {
            prefix.to_string()
        }),
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                unknown_paths(v, &path, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                unknown_paths(v, &format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// What one side of the plan holds.
fn side(changes: &[Value], after: bool) -> DeclaredAccess {
    let mut out = DeclaredAccess::default();
    let mut policies: BTreeMap<String, Vec<AssociatedPolicy>> = BTreeMap::new();
    for change in changes {
        let kind = change["type"].as_str().unwrap_or_default();
        let address = change["address"].as_str().unwrap_or_default().to_string();
        let values = &change["change"][if after { "after" } else { "before" }];
        if values.is_null() {
            continue; // created by the plan (before) or destroyed by it (after)
        }
        let mut unknown = Vec::new();
        if after {
            unknown_paths(&change["change"]["after_unknown"], "", &mut unknown);
        }
        let relevant = |paths: &[&str]| -> Vec<String> {
            unknown
                .iter()
                .filter(|u| paths.iter().any(|p| u.starts_with(p)))
                .map(|u| format!("{address}: {u}"))
                .collect()
        };
        match kind {
            k if CONFIG_MAPS.contains(&k) => {
                let metadata = block(&values["metadata"]);
                if metadata["name"] != "aws-auth" || metadata["namespace"] != "kube-system" {
                    continue;
                }
                out.unknown.extend(relevant(&["data", "metadata"]));
                let data = values["data"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                            .collect()
                    })
                    .unwrap_or_default();
                out.aws_auth = Some((address, data));
            }
            "aws_eks_access_entry" => {
                out.unknown.extend(relevant(&[
                    "principal_arn",
                    "kubernetes_groups",
                    "type",
                    "user_name",
                ]));
                let Some(principal) = text(&values["principal_arn"]) else {
                    continue;
                };
                out.entries.push(AccessEntry {
                    principal_arn: principal,
                    kind: text(&values["type"])
                        .map_or(AccessEntryType::Standard, |t| AccessEntryType::parse(&t)),
                    username: text(&values["user_name"]).filter(|u| !u.is_empty()),
                    kubernetes_groups: strings(&values["kubernetes_groups"]),
                    created_at: None,
                    policies: Fetched::Found(Vec::new()),
                    unread: None,
                });
            }
            "aws_eks_access_policy_association" => {
                out.unknown
                    .extend(relevant(&["principal_arn", "policy_arn", "access_scope"]));
                let (Some(principal), Some(policy)) =
                    (text(&values["principal_arn"]), text(&values["policy_arn"]))
                else {
                    continue;
                };
                let scope = block(&values["access_scope"]);
                policies
                    .entry(principal)
                    .or_default()
                    .push(AssociatedPolicy {
                        policy_arn: policy,
                        scope: AccessScope {
                            kind: text(&scope["type"])
                                .map_or(ScopeKind::Cluster, |t| ScopeKind::parse(&t)),
                            namespaces: strings(&scope["namespaces"]),
                        },
                        associated_at: None,
                    });
            }
            "aws_eks_cluster" => {
                out.unknown.extend(relevant(&["access_config"]));
                out.mode = text(&block(&values["access_config"])["authentication_mode"])
                    .map(|m| AuthenticationMode::parse(&m));
            }
            _ => {}
        }
    }
    for entry in &mut out.entries {
        if let Some(found) = policies.remove(&entry.principal_arn) {
            entry.policies = Fetched::Found(found);
        }
    }
    // An association whose entry the plan does not manage: the entry exists outside it.
    for (principal, found) in policies {
        out.unknown.push(format!(
            "{principal}: access policies associated with an entry this plan does not manage"
        ));
        out.entries.push(AccessEntry {
            principal_arn: principal,
            kind: AccessEntryType::Standard,
            username: None,
            kubernetes_groups: Vec::new(),
            created_at: None,
            policies: Fetched::Found(found),
            unread: None,
        });
    }
    out
}

/// The plan's two sides: before it, and after apply.
pub fn read_plan(text: &str) -> Result<(DeclaredAccess, DeclaredAccess), PlanError> {
    let value: Value = serde_json::from_str(text).map_err(|e| PlanError {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let changes = value["resource_changes"].as_array().ok_or(PlanError {
        line: 1,
        column: 1,
        message: "no `resource_changes` array".to_string(),
    })?;
    Ok((side(changes, false), side(changes, true)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_sides_and_what_is_unknown_are_read() {
        let plan = json!({"format_version": "1.2", "resource_changes": [
            {"address": "kubernetes_config_map_v1_data.aws_auth", "type": "kubernetes_config_map_v1_data",
             "change": {"actions": ["update"],
                "before": {"metadata": [{"name": "aws-auth", "namespace": "kube-system"}], "data": {"mapRoles": "- rolearn: a\n"}},
                "after": {"metadata": [{"name": "aws-auth", "namespace": "kube-system"}], "data": {"mapRoles": "- rolearn: b\n"}},
                "after_unknown": {}}},
            {"address": "aws_eks_access_entry.ci", "type": "aws_eks_access_entry",
             "change": {"actions": ["create"], "before": null,
                "after": {"principal_arn": null, "type": "STANDARD", "kubernetes_groups": []},
                "after_unknown": {"principal_arn": true}}},
            {"address": "aws_eks_access_policy_association.admin", "type": "aws_eks_access_policy_association",
             "change": {"actions": ["create"], "before": null,
                "after": {"principal_arn": "arn:aws:iam::1:role/x", "policy_arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                          "access_scope": [{"type": "namespace", "namespaces": ["a"]}]},
                "after_unknown": {}}},
            {"address": "kubernetes_config_map.other", "type": "kubernetes_config_map",
             "change": {"actions": ["create"], "before": null,
                "after": {"metadata": [{"name": "other", "namespace": "default"}], "data": {}}, "after_unknown": {}}}
        ]});
        let text = plan.to_string();
        assert!(is_plan(&text));
        let (before, after) = read_plan(&text).unwrap();
        assert_eq!(
            before.aws_auth.as_ref().unwrap().1["mapRoles"],
            "- rolearn: a\n"
        );
        assert_eq!(
            after.aws_auth.as_ref().unwrap().1["mapRoles"],
            "- rolearn: b\n"
        );
        assert!(before.entries.is_empty());
        assert_eq!(after.unknown[0], "aws_eks_access_entry.ci: principal_arn");
        // The association without a managed entry still counts, and is said.
        assert_eq!(after.entries.len(), 1);
        assert_eq!(after.entries[0].principal_arn, "arn:aws:iam::1:role/x");
        assert!(after.unknown[1].contains("does not manage"));
    }

    #[test]
    fn what_is_not_a_plan_is_said_with_its_position() {
        assert!(!is_plan("{\"kind\": \"ConfigMap\"}"));
        let e = read_plan("{\"format_version\": \"1.2\",\n \"resource_changes\": [}").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
