//! IAM resolution at scale: 300 distinct principals mapped in aws-auth, in an account of 2,000
//! roles (moto, over HTTP on loopback). Reports the IAM calls made (counted by moto's request
//! recorder), the strategy chosen and the other strategy's cost, and the wall time of the
//! whole `cluster` process. Run with `cargo bench --bench iam [-- RUNS]`; figures in
//! docs/performance.md.

#[path = "../tests/integration/support/testbed.rs"]
mod testbed;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::time::Instant;

use serde_json::{Value, json};
use testbed::{Scenario, Testbed};

const ROLES: usize = 2000;
const MAPPED: usize = 300;
/// Under `cargo test --all-targets` (no `--bench`), a smoke run of the same path.
const SMOKE_ROLES: usize = 60;
const ACCOUNT: &str = "123456789012";

fn scenario() -> Scenario {
    let roles: String = (0..MAPPED)
        .map(|i| {
            // every seventh mapping names a role that does not exist
            let name = if i % 7 == 0 { format!("gone-{i:04}") } else { format!("role-{:04}", i * 6) };
            format!("- rolearn: arn:aws:iam::{ACCOUNT}:role/{name}\n  username: u-{i}\n  groups:\n    - viewers\n")
        })
        .collect();
    serde_json::from_value(json!({
        "clusters": [{"name": "bench", "region": "us-east-1", "account": ACCOUNT, "version": "1.31",
                      "aws_auth": {"mapRoles": roles}, "aws_auth_modified": "start",
                      "rbac": {"cluster_roles": [{"metadata": {"name": "view"}, "rules": []}],
                               "cluster_role_bindings": [{"metadata": {"name": "viewers"}, "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "Group", "name": "viewers"}]}]}}],
        "identities": [{"access_key_id": "AKIATESTADMIN0000001", "secret_access_key": "testbed-admin-secret-0000000000000000001", "arn": format!("arn:aws:iam::{ACCOUNT}:user/admin")}],
    }))
    .unwrap()
}

fn seed(url: &str, roles: usize) {
    let credentials =
        aws_credential_types::Credentials::new("AKIASEED000000000001", "seed", None, None, "bench");
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(credentials)
        .build();
    let client = aws_sdk_iam::Client::from_conf(config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // One CreateRole at a time: moto's CreateRole scans every role for a duplicate name while
    // another request thread may insert one, which fails the request with a 500.
    runtime.block_on(async {
        for i in 0..roles {
            client
                .create_role()
                .role_name(format!("role-{i:04}"))
                .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
                .send()
                .await
                .unwrap();
        }
    });
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let runs = if smoke {
        1
    } else {
        std::env::args()
            .skip(1)
            .find_map(|a| a.parse().ok())
            .unwrap_or(5usize)
    };
    let roles = if smoke { SMOKE_ROLES } else { ROLES };
    let moto = testbed::moto::Moto::start();
    let seeding = Instant::now();
    seed(&moto.url, roles);
    println!(
        "seeded {roles} roles in moto in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let bed = Testbed::start_with_moto(scenario(), moto);
    let home =
        std::env::temp_dir().join(format!("aws-auth-audit-bench-iam-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut walls = Vec::new();
    for run in 0..runs {
        bed.moto.start_recording();
        let started = Instant::now();
        let output = bed
            .command(
                OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit")),
                &home,
                "admin",
            )
            .args(["cluster", "--name", "bench", "--format", "json"])
            .output()
            .unwrap();
        walls.push(started.elapsed().as_secs_f64() * 1000.0);
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        if run == 0 {
            let calls: BTreeMap<String, usize> =
                bed.moto
                    .recorded_actions()
                    .into_iter()
                    .fold(BTreeMap::new(), |mut m, a| {
                        *m.entry(a).or_default() += 1;
                        m
                    });
            let lookup = &report["cluster"]["iam"]["lookups"][0];
            let missing = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["code"] == "EA401")
                .count();
            println!(
                "{MAPPED} mapped principals, {roles} roles: strategy {} ({})",
                lookup["strategy"],
                lookup["reason"].as_str().unwrap_or_default()
            );
            println!("requests moto recorded: {calls:?}; EA401 findings: {missing}");
        }
    }
    walls.sort_by(f64::total_cmp);
    println!(
        "cluster wall time: best {:.1} ms, median {:.1} ms over {runs} runs",
        walls[0],
        walls[runs / 2]
    );
}
