//! A ConfigMap laid out as `kubectl get configmap aws-auth -n kube-system -o yaml` prints it,
//! so that line numbers in findings about a live or declared aws-auth point into that output.

use std::collections::BTreeMap;

use crate::inputs::kubeconfig::yaml_string;

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
        let manifest = crate::inputs::manifest::read_configmaps(&text).unwrap();
        let read: BTreeMap<String, String> = manifest.configmaps[0]
            .data
            .iter()
            .map(|d| match &d.value {
                crate::inputs::manifest::DataValue::Text { text, .. } => {
                    (d.key.clone(), text.clone())
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(read, data, "{text}");
        assert!(text.contains("  mapRoles: |\n    - rolearn: a\n"), "{text}");
    }
}
