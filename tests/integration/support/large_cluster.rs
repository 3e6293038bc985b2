//! A large cluster as `collect` would write it: the bundled example snapshot in
//! `API_AND_CONFIG_MAP` mode with many access entries (view, edit and admin policies, each
//! entry also in one of 40 groups) and many cluster role bindings (one in fifty to
//! cluster-admin). The HTML report's test and its benchmark (`benches/html.rs`) read it.

use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";
const POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/";

/// A snapshot of a cluster with `entries` access entries and `bindings` bindings.
pub fn snapshot(entries: usize, bindings: usize) -> Value {
    let mut snapshot: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/snapshot.json"
        ))
        .unwrap(),
    )
    .unwrap();
    snapshot["cluster"]["authentication_mode"] = json!("API_AND_CONFIG_MAP");
    let entries: Vec<Value> = (0..entries)
        .map(|i| {
            let (policy, scope) = match i % 10 {
                0 => ("AmazonEKSEditPolicy", json!({"type": "namespace", "namespaces": [format!("team-{i}")]})),
                1 => ("AmazonEKSAdminPolicy", json!({"type": "namespace", "namespaces": [format!("team-{i}")]})),
                _ => ("AmazonEKSViewPolicy", json!({"type": "cluster"})),
            };
            json!({"principal_arn": format!("arn:aws:iam::{ACCOUNT}:role/team-{i:03}"), "type": "STANDARD",
                   "kubernetes_groups": [format!("group-{}", i % 40)], "created_at": "2026-03-01T00:00:00Z",
                   "policies": {"state": "found", "value": [{"policy_arn": format!("{POLICY}{policy}"), "scope": scope}]}})
        })
        .collect();
    snapshot["access_entries"] = json!({"state": "found", "value": entries});
    let bindings: Vec<Value> = (0..bindings)
        .map(|i| json!({"name": format!("binding-{i}"), "role_ref": {"kind": "ClusterRole", "name": if i % 50 == 0 { "cluster-admin" } else { "view" }},
                        "subjects": [{"kind": "Group", "name": format!("group-{}", i % 60)}]}))
        .collect();
    snapshot["rbac"]["cluster_role_bindings"] = json!({"state": "found", "value": bindings});
    snapshot
}

/// A fleet's JSON Lines as `scan --format jsonl` writes them: one cluster line per
/// `(account, cluster)`, each carrying `report` (a `cluster --format json` report) under that
/// cluster's name and ARN, exit 1.
pub fn fleet_lines(report: &Value, clusters: &[(String, String)]) -> String {
    let mut lines = String::new();
    for (account, cluster) in clusters {
        let mut report = report.clone();
        report["cluster"]["name"] = json!(cluster);
        report["cluster"]["arn"] =
            json!(format!("arn:aws:eks:us-east-1:{account}:cluster/{cluster}"));
        lines.push_str(&json!({"kind": "cluster", "account": account, "region": "us-east-1", "cluster": cluster, "exit": 1, "report": report}).to_string());
        lines.push('\n');
    }
    // The summary line a finished scan ends with (a part without one is unfinished to `merge`).
    lines.push_str(&json!({"kind": "summary", "clusters": clusters.len(), "complete": 0, "not_audited": 0, "skipped": 0, "config_map_clusters": [], "exit": 1, "access": {}}).to_string());
    lines.push('\n');
    lines
}
