//! eksctl's ClusterConfig (`apiVersion: eksctl.io/v1alpha5`, `kind: ClusterConfig`): the
//! `iamIdentityMappings` eksctl writes into aws-auth (a role ARN into `mapRoles`, a user ARN
//! into `mapUsers`, an account into `mapAccounts`) and `accessConfig` (the authentication mode
//! and `accessEntries` with their access policies). Pure: the file is text already read.

use std::collections::BTreeMap;

use crate::evidence::{
    AccessEntry, AccessEntryType, AccessScope, AssociatedPolicy, AuthenticationMode, Fetched,
    ScopeKind,
};
use crate::inputs::declared::DeclaredAccess;
use crate::inputs::yaml::{Budget, Node, NodeKind, parse_stream};

/// The ClusterConfig could not be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ClusterConfigError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The root of `text` when it is an eksctl ClusterConfig.
fn config_root(text: &str) -> Option<Node> {
    if !text.contains("ClusterConfig") || !text.contains("eksctl.io/") {
        return None;
    }
    let root = parse_stream(text, Budget::MANIFEST)
        .ok()?
        .documents
        .into_iter()
        .next()?
        .root?;
    let is_config = root.get("kind").and_then(Node::str_value) == Some("ClusterConfig")
        && root
            .get("apiVersion")
            .and_then(Node::str_value)
            .is_some_and(|v| v.starts_with("eksctl.io/"));
    is_config.then_some(root)
}

/// Whether `text` is an eksctl ClusterConfig.
pub fn is_cluster_config(text: &str) -> bool {
    config_root(text).is_some()
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.kind) {
        Some(NodeKind::Sequence(items)) => items,
        _ => &[],
    }
}

fn strings(node: Option<&Node>) -> Vec<String> {
    items(node)
        .iter()
        .filter_map(|n| n.str_value().map(str::to_string))
        .collect()
}

/// A YAML string that reads back as `text` (JSON's quoting is valid YAML).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

fn error_at(node: &Node, message: String) -> ClusterConfigError {
    ClusterConfigError {
        line: node.start.line,
        column: node.start.column,
        message,
    }
}

/// What the ClusterConfig declares.
pub fn read_cluster_config(text: &str) -> Result<DeclaredAccess, ClusterConfigError> {
    let root = config_root(text).ok_or(ClusterConfigError {
        line: 1,
        column: 1,
        message: "not an eksctl ClusterConfig".to_string(),
    })?;
    let mut out = DeclaredAccess::default();
    let (mut roles, mut users, mut accounts) = (String::new(), String::new(), String::new());
    for mapping in items(root.get("iamIdentityMappings")) {
        let field = |name: &str| mapping.get(name).and_then(Node::str_value);
        let groups = strings(mapping.get("groups"));
        let mut row = String::new();
        if let Some(username) = field("username") {
            row.push_str(&format!("  username: {}\n", quoted(username)));
        }
        if !groups.is_empty() {
            row.push_str("  groups:\n");
            for group in &groups {
                row.push_str(&format!("    - {}\n", quoted(group)));
            }
        }
        match (field("arn"), field("account"), field("serviceName")) {
            (_, _, Some(service)) => out.unknown.push(format!(
                "iamIdentityMappings at line {}: serviceName {service} (eksctl derives the role itself)",
                mapping.start.line
            )),
            (Some(arn), _, _) if arn.contains(":user/") => {
                users.push_str(&format!("- userarn: {}\n{row}", quoted(arn)));
            }
            (Some(arn), _, _) => roles.push_str(&format!("- rolearn: {}\n{row}", quoted(arn))),
            (None, Some(account), _) => accounts.push_str(&format!("- {}\n", quoted(account))),
            (None, None, None) => {
                return Err(error_at(
                    mapping,
                    "an iamIdentityMappings item with neither `arn` nor `account`".to_string(),
                ));
            }
        }
    }
    let mut data = BTreeMap::new();
    for (key, text) in [
        ("mapRoles", roles),
        ("mapUsers", users),
        ("mapAccounts", accounts),
    ] {
        if !text.is_empty() {
            data.insert(key.to_string(), text);
        }
    }
    if !data.is_empty() {
        out.aws_auth = Some(("iamIdentityMappings".to_string(), data));
    }
    if let Some(access) = root.get("accessConfig") {
        out.mode = access
            .get("authenticationMode")
            .and_then(Node::str_value)
            .map(AuthenticationMode::parse);
        for entry in items(access.get("accessEntries")) {
            let Some(principal) = entry.get("principalARN").and_then(Node::str_value) else {
                return Err(error_at(
                    entry,
                    "an access entry without `principalARN`".to_string(),
                ));
            };
            let policies = items(entry.get("accessPolicies"))
                .iter()
                .filter_map(|p| {
                    let arn = p.get("policyARN").and_then(Node::str_value)?;
                    let scope = p.get("accessScope");
                    Some(AssociatedPolicy {
                        policy_arn: arn.to_string(),
                        scope: AccessScope {
                            kind: scope
                                .and_then(|s| s.get("type"))
                                .and_then(Node::str_value)
                                .map_or(ScopeKind::Cluster, ScopeKind::parse),
                            namespaces: strings(scope.and_then(|s| s.get("namespaces"))),
                        },
                        associated_at: None,
                    })
                })
                .collect();
            out.entries.push(AccessEntry {
                principal_arn: principal.to_string(),
                kind: entry
                    .get("type")
                    .and_then(Node::str_value)
                    .map_or(AccessEntryType::Standard, AccessEntryType::parse),
                username: entry
                    .get("username")
                    .and_then(Node::str_value)
                    .map(str::to_string),
                kubernetes_groups: strings(entry.get("kubernetesGroups")),
                created_at: None,
                policies: Fetched::Found(policies),
                unread: None,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: prod
  region: eu-west-1
iamIdentityMappings:
  - arn: arn:aws:iam::111122223333:role/admins
    groups: [system:masters]
    username: "admin:{{SessionName}}"
  - arn: arn:aws:iam::111122223333:user/alice
    username: alice
    groups: [developers]
  - account: "444455556666"
accessConfig:
  authenticationMode: API_AND_CONFIG_MAP
  accessEntries:
    - principalARN: arn:aws:iam::111122223333:role/release
      accessPolicies:
        - policyARN: arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy
          accessScope:
            type: namespace
            namespaces: [apps]
"#;

    #[test]
    fn mappings_become_aws_auth_sections_and_entries_are_read() {
        assert!(is_cluster_config(CONFIG));
        let declared = read_cluster_config(CONFIG).unwrap();
        let (_, data) = declared.aws_auth.unwrap();
        assert_eq!(
            data["mapRoles"],
            "- rolearn: \"arn:aws:iam::111122223333:role/admins\"\n  username: \"admin:{{SessionName}}\"\n  groups:\n    - \"system:masters\"\n"
        );
        assert!(
            data["mapUsers"].starts_with("- userarn: \"arn:aws:iam::111122223333:user/alice\"")
        );
        assert_eq!(data["mapAccounts"], "- \"444455556666\"\n");
        assert_eq!(declared.mode, Some(AuthenticationMode::ApiAndConfigMap));
        let entry = &declared.entries[0];
        assert_eq!(entry.kind, AccessEntryType::Standard);
        let Fetched::Found(policies) = &entry.policies else {
            panic!()
        };
        assert_eq!(policies[0].scope.namespaces, ["apps"]);
    }

    #[test]
    fn other_yaml_is_not_a_cluster_config_and_bad_items_name_their_line() {
        assert!(!is_cluster_config("apiVersion: v1\nkind: ConfigMap\n"));
        let bad = "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\niamIdentityMappings:\n  - username: x\n";
        let e = read_cluster_config(bad).unwrap_err();
        assert_eq!((e.line, e.message.contains("neither")), (4, true));
    }
}
