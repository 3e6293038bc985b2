//! `cluster` end to end against the local test bed, for a cluster whose aws-auth has 200
//! mappings and whose RBAC has 500 bindings: wall time of the whole process and the number of
//! requests of each kind, with and without simulated API latency, and with smaller pages.
//! Run with `cargo bench --bench cluster [-- RUNS]`; figures in docs/performance.md.

#[path = "../tests/integration/support/testbed.rs"]
mod testbed;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testbed::{Scenario, Testbed};

const MAPPINGS: usize = 200;
const CLUSTER_ROLE_BINDINGS: usize = 300;
const ROLE_BINDINGS: usize = 200;

fn aws_auth() -> Value {
    let mut roles = String::new();
    for i in 0..MAPPINGS {
        roles.push_str(&format!(
            "- rolearn: arn:aws:iam::123456789012:role/team-{i}\n  username: team-{i}:{{{{SessionName}}}}\n  groups:\n    - team-{i}\n    - viewers\n"
        ));
    }
    json!({"mapRoles": roles})
}

fn rbac() -> Value {
    let rule = json!([{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "update"]}]);
    let cluster_roles: Vec<Value> = (0..60)
        .map(|i| json!({"metadata": {"name": format!("role-{i}")}, "rules": rule}))
        .chain([json!({"metadata": {"name": "cluster-admin"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]})])
        .collect();
    let roles: Vec<Value> = (0..40)
        .map(|i| json!({"metadata": {"name": format!("ns-role-{i}"), "namespace": format!("ns-{i}")}, "rules": rule}))
        .collect();
    let cluster_role_bindings: Vec<Value> = (0..CLUSTER_ROLE_BINDINGS)
        .map(|i| {
            let role = if i == 7 { "cluster-admin".to_string() } else { format!("role-{}", i % 60) };
            json!({"metadata": {"name": format!("crb-{i}")},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                   "subjects": [{"kind": "Group", "name": format!("team-{}", i % MAPPINGS)}]})
        })
        .collect();
    let role_bindings: Vec<Value> = (0..ROLE_BINDINGS)
        .map(|i| {
            json!({"metadata": {"name": format!("rb-{i}"), "namespace": format!("ns-{}", i % 40)},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("ns-role-{}", i % 40)},
                   "subjects": [{"kind": "Group", "name": format!("team-{}", (i * 7) % MAPPINGS)}, {"kind": "Group", "name": "viewers"}]})
        })
        .collect();
    json!({"cluster_roles": cluster_roles, "cluster_role_bindings": cluster_role_bindings,
           "roles": roles, "role_bindings": role_bindings})
}

fn scenario(latency_ms: u64) -> Scenario {
    serde_json::from_value(json!({
        "clusters": [{
            "name": "bench", "region": "us-east-1", "account": "123456789012", "version": "1.31",
            "latency_ms": latency_ms, "aws_auth": aws_auth(), "rbac": rbac(),
        }],
        "identities": [{"access_key_id": "AKIATESTADMIN0000001",
                        "secret_access_key": "testbed-admin-secret-0000000000000000001",
                        "arn": "arn:aws:iam::123456789012:user/admin"}],
    }))
    .expect("the bench scenario is valid")
}

/// The request's kind: the last path segment (configmap name, resource kind) and its method.
fn kind(method: &str, path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or(path);
    format!("{method} {last}")
}

fn measure(latency_ms: u64, page_size: u32, runs: usize) {
    let bed = Testbed::start(scenario(latency_ms));
    let home = std::env::temp_dir().join(format!("aws-auth-audit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut walls = Vec::new();
    let mut per_run: BTreeMap<String, usize> = BTreeMap::new();
    for run in 0..runs {
        let before = bed.requests().len();
        bed.moto.start_recording();
        let started = Instant::now();
        let output = bed
            .command(
                OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit")),
                &home,
                "admin",
            )
            .args([
                "cluster",
                "--name",
                "bench",
                "--format",
                "json",
                "--page-size",
            ])
            .arg(page_size.to_string())
            .output()
            .unwrap();
        walls.push(started.elapsed());
        let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
        assert_eq!(report["coverage"]["complete"], true, "{report}");
        assert_eq!(
            report["inputs"][0]["aws_auth"]["map_roles"]
                .as_array()
                .unwrap()
                .len(),
            MAPPINGS
        );
        if run == 0 {
            for request in &bed.requests()[before..] {
                *per_run
                    .entry(format!(
                        "{} {}",
                        request.server,
                        kind(&request.method, &request.path)
                    ))
                    .or_default() += 1;
            }
            for action in bed.moto.recorded_actions() {
                *per_run.entry(format!("aws {action}")).or_default() += 1;
            }
        }
    }
    walls.sort();
    let requests: usize = per_run.values().sum();
    println!(
        "latency {latency_ms:>3} ms, page size {page_size:>3}: best {:>7.1} ms, median {:>7.1} ms over {runs} runs; {requests} requests: {}",
        ms(walls[0]),
        ms(walls[runs / 2]),
        per_run
            .iter()
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test --all-targets` this is a smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let runs = if smoke {
        1
    } else {
        std::env::args()
            .skip(1)
            .find_map(|a| a.parse().ok())
            .unwrap_or(10)
    };
    println!(
        "cluster: {MAPPINGS} aws-auth mappings, {} bindings ({CLUSTER_ROLE_BINDINGS} ClusterRoleBindings, {ROLE_BINDINGS} RoleBindings), 61 ClusterRoles, 40 Roles",
        CLUSTER_ROLE_BINDINGS + ROLE_BINDINGS
    );
    for (latency, page) in [(0, 500), (50, 500), (50, 100)] {
        measure(latency, page, runs);
    }
}
