//! Kubeconfig entries for an EKS cluster, the way `aws eks update-kubeconfig` writes them
//! (cluster, context and user named by the cluster ARN, the cluster's endpoint and CA, an exec
//! credential plugin), merged into an existing kubeconfig without touching other entries.
//! Pure: reading the cluster and writing the file happen elsewhere.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::inputs::yaml::{
    Budget, Node, NodeKind, Resolved, ScalarStyle, parse_stream, resolve_plain,
};

/// What DescribeCluster tells us about reaching a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterEndpoint {
    pub name: String,
    pub arn: String,
    pub endpoint: String,
    /// `certificateAuthority.data`: base64 of the PEM bundle, as EKS returns it.
    pub ca_data: String,
}

/// Which program the kubeconfig runs to get a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecPlugin {
    /// This binary's `token` command (absolute path).
    SelfBinary(String),
    /// `aws eks get-token`.
    AwsCli,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeconfigEntry {
    pub cluster: ClusterEndpoint,
    pub region: String,
    /// Context name; the cluster ARN when absent.
    pub alias: Option<String>,
    pub exec: ExecPlugin,
    pub role_arn: Option<String>,
    pub profile: Option<String>,
}

/// The kubeconfig could not be read or would not be safe to write.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    /// The existing file is not a kubeconfig we can merge into; we do not overwrite it.
    #[error("{path}:{line}:{column}: {message}: not merging into it")]
    Unreadable {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl KubeconfigEntry {
    pub fn context_name(&self) -> String {
        self.alias
            .clone()
            .unwrap_or_else(|| self.cluster.arn.clone())
    }

    fn user(&self) -> Value {
        let (command, mut args) = match &self.exec {
            ExecPlugin::SelfBinary(path) => (
                path.clone(),
                vec![
                    "token".to_string(),
                    "--cluster-name".into(),
                    self.cluster.name.clone(),
                    "--region".into(),
                    self.region.clone(),
                ],
            ),
            ExecPlugin::AwsCli => (
                "aws".to_string(),
                vec![
                    "--region".to_string(),
                    self.region.clone(),
                    "eks".into(),
                    "get-token".into(),
                    "--cluster-name".into(),
                    self.cluster.name.clone(),
                    "--output".into(),
                    "json".into(),
                ],
            ),
        };
        if let Some(role) = &self.role_arn {
            args.extend(["--role-arn".to_string(), role.clone()]);
        }
        let mut exec = json!({
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": command,
            "args": args,
            "interactiveMode": "Never",
        });
        if let Some(profile) = &self.profile {
            exec["env"] = json!([{"name": "AWS_PROFILE", "value": profile}]);
        }
        json!({"name": self.cluster.arn, "user": {"exec": exec}})
    }

    /// The three named entries this cluster adds.
    pub fn entries(&self) -> [(&'static str, Value); 3] {
        [
            (
                "clusters",
                json!({"name": self.cluster.arn, "cluster": {
                    "server": self.cluster.endpoint,
                    "certificate-authority-data": self.cluster.ca_data,
                }}),
            ),
            (
                "contexts",
                json!({"name": self.context_name(), "context": {
                    "cluster": self.cluster.arn,
                    "user": self.cluster.arn,
                }}),
            ),
            ("users", self.user()),
        ]
    }
}

/// Adds or replaces this cluster's entries (matched by name) and makes its context current.
/// Every other entry and key is kept as it was.
pub fn merge(existing: Option<Value>, entry: &KubeconfigEntry) -> Value {
    let mut config = match existing {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    config.entry("apiVersion").or_insert(json!("v1"));
    config.entry("kind").or_insert(json!("Config"));
    for (list, item) in entry.entries() {
        let slot = config.entry(list).or_insert(json!([]));
        if !slot.is_array() {
            *slot = json!([]);
        }
        let items = slot.as_array_mut().expect("just made an array");
        match items.iter_mut().find(|i| i["name"] == item["name"]) {
            Some(existing) => *existing = item,
            None => items.push(item),
        }
    }
    config.insert("current-context".into(), json!(entry.context_name()));
    config.entry("preferences").or_insert(json!({}));
    Value::Object(config)
}

fn to_value(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(s) if s.style != ScalarStyle::Plain || node.tag.is_some() => {
            Value::String(s.value.clone())
        }
        NodeKind::Scalar(s) => match resolve_plain(&s.value) {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => {
                i64::try_from(i).map_or(Value::String(s.value.clone()), Value::from)
            }
            Resolved::Float(f) => json!(f),
            Resolved::Str(_) | Resolved::Merge => Value::String(s.value.clone()),
        },
        NodeKind::Sequence(items) => Value::Array(items.iter().map(to_value).collect()),
        NodeKind::Mapping(pairs) => Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.str_value().unwrap_or_default().to_string(), to_value(v)))
                .collect(),
        ),
    }
}

/// Reads an existing kubeconfig (YAML or JSON). An empty file is an empty config.
pub fn parse(path: &Path, text: &str) -> Result<Option<Value>, KubeconfigError> {
    let unreadable = |line, column, message: String| KubeconfigError::Unreadable {
        path: path.display().to_string(),
        line,
        column,
        message,
    };
    let stream = parse_stream(text, Budget::MANIFEST)
        .map_err(|e| unreadable(e.pos().line, e.pos().column, e.to_string()))?;
    let Some(root) = stream.documents.into_iter().next().and_then(|d| d.root) else {
        return Ok(None);
    };
    match to_value(&root) {
        value @ Value::Object(_) => Ok(Some(value)),
        _ => Err(unreadable(
            root.start.line,
            root.start.column,
            "not a mapping".into(),
        )),
    }
}

/// Whether a string can be written as a plain YAML scalar and read back as the same string.
fn is_plain_safe(s: &str) -> bool {
    !s.is_empty()
        && s.trim() == s
        && resolve_plain(s) == Resolved::Str(s.to_string())
        && !s.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`',
        ])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && s.chars().all(|c| !c.is_control())
}

/// A string as a YAML scalar: plain when that reads back as the same string, else
/// double-quoted with JSON escapes (valid YAML).
pub fn yaml_string(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serialises")
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => yaml_string(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

fn is_block(value: &Value) -> bool {
    matches!(value, Value::Array(a) if !a.is_empty())
        || matches!(value, Value::Object(o) if !o.is_empty())
}

fn emit_mapping(
    map: &Map<String, Value>,
    indent: usize,
    first_prefix: Option<&str>,
    out: &mut String,
) {
    for (i, (key, value)) in map.iter().enumerate() {
        match (i, first_prefix) {
            (0, Some(prefix)) => out.push_str(prefix),
            _ => out.push_str(&" ".repeat(indent)),
        }
        out.push_str(&scalar(&Value::String(key.clone())));
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                emit_mapping(inner, indent + 2, None, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                emit_sequence(items, indent, out);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn emit_sequence(items: &[Value], indent: usize, out: &mut String) {
    let dash = format!("{}- ", " ".repeat(indent));
    for item in items {
        match item {
            Value::Object(map) if !map.is_empty() => {
                emit_mapping(map, indent + 2, Some(&dash), out)
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push_str(&dash);
                out.push('\n');
                emit_sequence(inner, indent + 2, out);
            }
            other => {
                out.push_str(&dash);
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

/// Writes a kubeconfig as block YAML, in the layout kubectl uses.
pub fn to_yaml(config: &Value) -> String {
    let mut out = String::new();
    match config {
        Value::Object(map) => emit_mapping(map, 0, None, &mut out),
        other if !is_block(other) => out.push_str(&scalar(other)),
        Value::Array(items) => emit_sequence(items, 0, &mut out),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> KubeconfigEntry {
        KubeconfigEntry {
            cluster: ClusterEndpoint {
                name: "prod".into(),
                arn: "arn:aws:eks:eu-west-1:111122223333:cluster/prod".into(),
                endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com".into(),
                ca_data: "LS0tLS1CRUdJTg==".into(),
            },
            region: "eu-west-1".into(),
            alias: None,
            exec: ExecPlugin::AwsCli,
            role_arn: Some("arn:aws:iam::111122223333:role/Admin".into()),
            profile: Some("ops".into()),
        }
    }

    #[test]
    fn merge_keeps_other_entries_and_replaces_ours() {
        let existing = json!({
            "apiVersion": "v1", "kind": "Config", "current-context": "other",
            "clusters": [{"name": "other", "cluster": {"server": "https://other"}},
                         {"name": "arn:aws:eks:eu-west-1:111122223333:cluster/prod", "cluster": {"server": "https://old"}}],
            "contexts": [{"name": "other", "context": {"cluster": "other", "user": "other"}}],
            "users": [{"name": "other", "user": {"token": "keep-me"}}],
        });
        let merged = merge(Some(existing), &entry());
        assert_eq!(merged["clusters"].as_array().unwrap().len(), 2);
        assert_eq!(
            merged["clusters"][1]["cluster"]["server"],
            "https://ABC.gr7.eu-west-1.eks.amazonaws.com"
        );
        assert_eq!(merged["users"][0]["user"]["token"], "keep-me");
        assert_eq!(
            merged["current-context"],
            "arn:aws:eks:eu-west-1:111122223333:cluster/prod"
        );
        let exec = &merged["users"][1]["user"]["exec"];
        assert_eq!(exec["command"], "aws");
        assert_eq!(
            exec["args"],
            json!([
                "--region",
                "eu-west-1",
                "eks",
                "get-token",
                "--cluster-name",
                "prod",
                "--output",
                "json",
                "--role-arn",
                "arn:aws:iam::111122223333:role/Admin"
            ])
        );
        assert_eq!(
            exec["env"],
            json!([{"name": "AWS_PROFILE", "value": "ops"}])
        );
    }

    #[test]
    fn yaml_round_trips() {
        let mut config = merge(None, &entry());
        config["odd"] = json!([
            "yes",
            "012",
            "a: b",
            "",
            " lead",
            "x #y",
            true,
            3,
            null,
            {},
            [],
            "-dash",
            "é"
        ]);
        let text = to_yaml(&config);
        let back = parse(Path::new("k"), &text).unwrap().unwrap();
        assert_eq!(back, config, "{text}");
        assert!(
            text.contains("- name: arn:aws:eks:eu-west-1:111122223333:cluster/prod\n"),
            "{text}"
        );
    }
}
