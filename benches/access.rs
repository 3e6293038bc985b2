//! `cluster` against the local test bed for a cluster with 300 access entries and two managed
//! node groups: the EKS requests of each kind, and the wall time of the whole process with no
//! latency and with 20 ms of latency on every EKS answer. Entries are described concurrently
//! (bounded), so the wall time must stay far below the 600 × 20 ms a one-by-one walk would
//! take. Run with `cargo bench --bench access [-- RUNS]`; figures in docs/performance.md.

#[path = "../tests/integration/support/testbed.rs"]
mod testbed;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testbed::{Scenario, Testbed};

const ENTRIES: usize = 300;
const ACCOUNT: &str = "123456789012";

fn entries() -> Vec<Value> {
    (0..ENTRIES)
        .map(|i| {
            let (policy, scope) = match i % 3 {
                0 => ("AmazonEKSViewPolicy", json!({"type": "namespace", "namespaces": [format!("team-{i}")]})),
                1 => ("AmazonEKSEditPolicy", json!({"type": "namespace", "namespaces": [format!("team-{i}")]})),
                _ => ("AmazonEKSAdminViewPolicy", json!({"type": "cluster"})),
            };
            json!({"principalArn": format!("arn:aws:iam::{ACCOUNT}:role/team-{i:03}"), "type": "STANDARD",
                   "kubernetesGroups": [], "policies": [{"policyArn": format!("arn:aws:eks::aws:cluster-access-policy/{policy}"), "accessScope": scope}]})
        })
        .collect()
}

fn scenario(latency_ms: u64) -> Scenario {
    serde_json::from_value(json!({
        "clusters": [{
            "name": "bench", "region": "us-east-1", "account": ACCOUNT, "version": "1.31",
            "authentication_mode": "API", "aws_auth": null, "eks_latency_ms": latency_ms,
            "access_entries": entries(),
            "nodegroups": [{"nodegroupName": "a", "nodeRole": format!("arn:aws:iam::{ACCOUNT}:role/nodes")},
                           {"nodegroupName": "b", "nodeRole": format!("arn:aws:iam::{ACCOUNT}:role/nodes")}],
        }],
        "identities": [{"access_key_id": "AKIATESTADMIN0000001",
                        "secret_access_key": "testbed-admin-secret-0000000000000000001",
                        "arn": format!("arn:aws:iam::{ACCOUNT}:user/admin")}],
    }))
    .expect("the bench scenario is valid")
}

/// The EKS operation a request path stands for.
fn operation(path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["clusters", _] => "DescribeCluster",
        ["clusters", _, "access-entries"] => "ListAccessEntries",
        ["clusters", _, "access-entries", _] => "DescribeAccessEntry",
        ["clusters", _, "access-entries", _, "access-policies"] => "ListAssociatedAccessPolicies",
        ["clusters", _, "node-groups"] => "ListNodegroups",
        ["clusters", _, "node-groups", _] => "DescribeNodegroup",
        ["clusters", _, "fargate-profiles"] => "ListFargateProfiles",
        ["clusters", _, "updates"] => "ListUpdates",
        ["clusters", _, "updates", _] => "DescribeUpdate",
        ["access-policies"] => "ListAccessPolicies",
        _ => "other",
    }
}

fn measure(latency_ms: u64, runs: usize) {
    let bed = Testbed::start(scenario(latency_ms));
    let home = std::env::temp_dir().join(format!(
        "aws-auth-audit-bench-access-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&home).unwrap();
    let mut walls = Vec::new();
    let mut per_run: BTreeMap<&'static str, usize> = BTreeMap::new();
    for run in 0..runs {
        let before = bed.requests().len();
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
                "--no-iam",
                "--allow-incomplete",
            ])
            .output()
            .unwrap();
        walls.push(started.elapsed());
        let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
        assert_eq!(
            report["principals"].as_array().map(Vec::len),
            Some(ENTRIES),
            "every entry is in the access matrix"
        );
        if run == 0 {
            for request in bed.requests()[before..]
                .iter()
                .filter(|r| r.server == "eks")
            {
                *per_run.entry(operation(&request.path)).or_default() += 1;
            }
        }
    }
    walls.sort();
    let requests: usize = per_run.values().sum();
    let serial = Duration::from_millis(latency_ms * 2 * ENTRIES as u64);
    println!(
        "EKS latency {latency_ms:>2} ms: best {:>7.1} ms, median {:>7.1} ms over {runs} runs (one by one, the {} entry calls alone would wait {:.1} s); {requests} EKS requests: {}",
        ms(walls[0]),
        ms(walls[runs / 2]),
        2 * ENTRIES,
        serial.as_secs_f64(),
        per_run
            .iter()
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(per_run.get("DescribeAccessEntry"), Some(&ENTRIES));
    assert_eq!(per_run.get("ListAssociatedAccessPolicies"), Some(&ENTRIES));
    assert_eq!(
        per_run.get("ListAccessEntries"),
        Some(&ENTRIES.div_ceil(100))
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
            .unwrap_or(7)
    };
    println!(
        "access entries: {ENTRIES} entries (one policy each), 2 managed node groups, API mode"
    );
    for latency in [0, 20] {
        measure(latency, runs);
    }
}
