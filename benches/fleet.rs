//! `scan` over a fleet at the local test bed: 500 clusters over 20 accounts (each read through
//! its role, assumed at moto) and 5 regions, with 50 ms of latency on every EKS and Kubernetes
//! answer. Reports the wall time and peak memory of the whole `scan` process, the requests per
//! kind and per cluster, and, in the same run, the way a user scripts it without `scan`: a shell
//! loop of `aws-auth-audit cluster --name … --role-arn …` over the same clusters.
//! Run with `cargo bench --bench fleet`; figures in docs/performance.md. Under
//! `cargo test --all-targets` it is a smoke run of 8 clusters without latency.

#[path = "../tests/integration/support/testbed.rs"]
mod testbed;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::time::Instant;

use serde_json::{Value, json};
use testbed::{Scenario, Testbed};

const REGIONS: [&str; 5] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-south-1",
];

/// EKS events in CloudTrail per account and region (#27 §3: 200; `FLEET_BENCH_EVENTS` sets
/// another number).
fn events_per_pair() -> usize {
    std::env::var("FLEET_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

struct Size {
    accounts: usize,
    regions: usize,
    per_pair: usize,
    latency_ms: u64,
}

fn account(i: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + i as u64)
}

fn scenario(size: &Size) -> Scenario {
    let mut clusters = Vec::new();
    for a in 0..size.accounts {
        for region in REGIONS.iter().take(size.regions) {
            for c in 0..size.per_pair {
                let acct = account(a);
                clusters.push(json!({
                    "name": format!("c-{a:02}-{region}-{c}"), "region": region, "account": acct,
                    "version": "1.31", "own_account_only": true,
                    "authentication_mode": "API_AND_CONFIG_MAP",
                    "latency_ms": size.latency_ms, "eks_latency_ms": size.latency_ms,
                    "aws_auth": {"mapRoles": format!("- rolearn: arn:aws:iam::{acct}:role/nodes\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n- rolearn: arn:aws:iam::{acct}:role/admins\n  username: admin\n  groups:\n    - system:masters\n")},
                    "access_entries": [{"principalArn": format!("arn:aws:iam::{acct}:role/platform"), "type": "STANDARD",
                        "kubernetesGroups": [], "policies": [{"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "accessScope": {"type": "cluster"}}]}],
                    // events_per_pair() EKS events per account and region, spread over its clusters.
                    "trail": (0..events_per_pair() / size.per_pair).map(|e| json!({
                        "eventName": if e % 2 == 0 { "CreateAccessEntry" } else { "AssociateAccessPolicy" },
                        "daysAgo": 1.0 + e as f64 * 0.1,
                        "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::{acct}:assumed-role/platform/ci"),
                                         "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{acct}:role/platform")}}},
                        "requestParameters": {"principalArn": format!("arn%3Aaws%3Aiam%3A%3A{acct}%3Arole%2Fteam-{e}"),
                            "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "accessScope": {"type": "cluster"}},
                    })).collect::<Vec<Value>>(),
                }));
            }
        }
    }
    serde_json::from_value(json!({
        // CloudTrail's published rate, enforced: a page asked too soon is throttled.
        "cloudtrail_rate": 2,
        "clusters": clusters,
        "identities": [{"access_key_id": "AKIATESTADMIN0000001",
                        "secret_access_key": "testbed-admin-secret-0000000000000000001",
                        "arn": "arn:aws:iam::100000000000:user/admin"}],
    }))
    .expect("the bench scenario is valid")
}

/// What a request is, by server and path.
fn kind(server: &str, path: &str) -> String {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let name = match (server, segments.as_slice()) {
        ("k8s", _) => "Kubernetes",
        ("cloudtrail", _) => "CloudTrail LookupEvents",
        (_, ["clusters"]) => "ListClusters",
        (_, ["clusters", _]) => "DescribeCluster",
        (_, ["clusters", _, "access-entries"]) => "ListAccessEntries",
        (_, ["clusters", _, "access-entries", _]) => "DescribeAccessEntry",
        (_, ["clusters", _, "access-entries", _, "access-policies"]) => {
            "ListAssociatedAccessPolicies"
        }
        (_, ["clusters", _, "node-groups"]) => "ListNodegroups",
        (_, ["clusters", _, "fargate-profiles"]) => "ListFargateProfiles",
        (_, ["clusters", _, "updates"]) => "ListUpdates",
        (_, ["access-policies"]) => "ListAccessPolicies",
        _ => "other",
    };
    name.to_string()
}

/// Wall seconds and peak RSS (MiB) of a command run under `/usr/bin/time -v`, and its stdout.
fn timed(mut command: std::process::Command) -> (f64, f64, String) {
    let started = Instant::now();
    let output = command.output().unwrap();
    let wall = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if std::env::var_os("FLEET_BENCH_LOG").is_some() {
        std::fs::write("/tmp/fleet-bench-stderr.log", stderr.as_bytes()).unwrap();
    }
    for line in stderr.lines().filter(|l| {
        l.contains("User time") || l.contains("System time") || l.contains("Percent of CPU")
    }) {
        println!("  {}", line.trim());
    }
    let peak_kib: f64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    (
        wall,
        peak_kib / 1024.0,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn measure(size: &Size, with_loop: bool) {
    let bed = Testbed::start(scenario(size));
    let home =
        std::env::temp_dir().join(format!("aws-auth-audit-bench-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let accounts: Vec<String> = (0..size.accounts).map(account).collect();
    let regions: Vec<&str> = REGIONS.iter().take(size.regions).copied().collect();
    let clusters = size.accounts * size.regions * size.per_pair;
    // `/usr/bin/time -v aws-auth-audit scan …` over the whole fleet.
    let scan_command = || {
        let mut scan = bed.command(OsStr::new("/usr/bin/time"), &home, "admin");
        scan.args([
            "-v",
            env!("CARGO_BIN_EXE_aws-auth-audit"),
            "scan",
            "--accounts",
        ])
        .arg(accounts.join(","))
        .args(["--role-name", "auditor", "--regions"])
        .arg(regions.join(","))
        .args([
            "--concurrency",
            "16",
            "--format",
            "jsonl",
            "--quiet",
            "--timeout",
            "30",
        ]);
        scan
    };
    let mut scan = scan_command();
    // `FLEET_BENCH_ARGS` adds options to the scan (to measure one cost apart, e.g. `--no-iam`).
    if let Ok(extra) = std::env::var("FLEET_BENCH_ARGS") {
        scan.args(extra.split_whitespace());
    }
    if let Ok(filter) = std::env::var("FLEET_BENCH_LOG") {
        scan.env("RUST_LOG", filter);
    }
    let before = bed.requests().len();
    let (wall, peak, stdout) = timed(scan);
    let audited = stdout
        .lines()
        .filter(|l| l.contains("\"kind\":\"cluster\""))
        .count();
    assert_eq!(audited, clusters, "every cluster audited");
    let mut requests: BTreeMap<String, usize> = BTreeMap::new();
    for r in &bed.requests()[before..] {
        *requests.entry(kind(r.server, &r.path)).or_default() += 1;
    }
    let total: usize = requests.values().sum();
    // CloudTrail: one paged stream per account and region, never one query per cluster.
    let pairs = size.accounts * size.regions;
    let pages_per_pair = (events_per_pair() / size.per_pair * size.per_pair)
        .div_ceil(50)
        .max(1);
    let lookups = requests
        .get("CloudTrail LookupEvents")
        .copied()
        .unwrap_or(0);
    let throttled = bed.requests()[before..]
        .iter()
        .filter(|r| r.server == "cloudtrail" && r.status == 400)
        .count();
    let floor = (pages_per_pair - 1) as f64 * 0.5;
    println!(
        "CloudTrail: {lookups} LookupEvents for {pairs} account-regions × {pages_per_pair} page(s) ({throttled} throttled); the pages alone need ≥ {floor:.1} s per account and region at 2 per second"
    );
    assert_eq!(lookups, pairs * pages_per_pair, "requests = pages");
    assert_eq!(throttled, 0, "never over CloudTrail's rate");
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    println!(
        "scan: {clusters} clusters ({} accounts × {} regions × {}), {} ms latency: {wall:.1} s wall, peak RSS {peak:.0} MiB; {total} test-bed requests ({:.1} per cluster): {}; summary exit {}",
        size.accounts,
        size.regions,
        size.per_pair,
        size.latency_ms,
        total as f64 / clusters as f64,
        requests
            .iter()
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect::<Vec<_>>()
            .join(", "),
        summary["exit"]
    );
    // A week later, with this scan as its baseline: CloudTrail read only after it (one page an
    // account and region here: nothing new), the rest carried forward (#27 §3).
    let baseline = home.join("baseline.jsonl");
    std::fs::write(&baseline, &stdout).unwrap();
    let mut again = scan_command();
    again.arg("--baseline").arg(&baseline);
    // CloudTrail's rate is per account and region, whoever calls: the first scan's last pages
    // must be a second old, or the test bed (as CloudTrail) throttles the next scan's first.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let before = bed.requests().len();
    let (wall_again, peak_again, stdout_again) = timed(again);
    let lookups_again = bed.requests()[before..]
        .iter()
        .filter(|r| r.server == "cloudtrail")
        .count();
    assert_eq!(
        stdout_again
            .lines()
            .filter(|l| l.contains("\"kind\":\"cluster\""))
            .count(),
        clusters
    );
    println!(
        "scan --baseline (the scan above): {lookups_again} LookupEvents (was {lookups}), {wall_again:.1} s wall, peak RSS {peak_again:.0} MiB; baseline {:.1} MiB",
        baseline.metadata().unwrap().len() as f64 / (1024.0 * 1024.0)
    );
    assert_eq!(lookups_again, pairs, "one page an account and region");
    if !with_loop {
        return;
    }
    // The way it is scripted without `scan`: one `cluster` process per cluster, one by one.
    let started = Instant::now();
    for a in 0..size.accounts {
        for region in &regions {
            for c in 0..size.per_pair {
                let output = bed
                    .command(
                        OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit")),
                        &home,
                        "admin",
                    )
                    .args([
                        "cluster",
                        "--name",
                        &format!("c-{a:02}-{region}-{c}"),
                        "--region",
                        region,
                    ])
                    .args([
                        "--role-arn",
                        &format!("arn:aws:iam::{}:role/auditor", account(a)),
                    ])
                    .args(["--format", "json", "--timeout", "30"])
                    .output()
                    .unwrap();
                assert!(output.status.code().is_some_and(|c| c != 2 && c != 4));
            }
        }
    }
    let looped = started.elapsed().as_secs_f64();
    println!(
        "a shell loop of `cluster --name`: {looped:.1} s wall for the same {clusters} clusters ({:.1}× the scan)",
        looped / wall
    );
}

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test --all-targets` this is a smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    // `FLEET_BENCH_SIZE=accounts,regions,per_pair,latency_ms` measures another size (no loop).
    if let Ok(size) = std::env::var("FLEET_BENCH_SIZE") {
        let n: Vec<usize> = size
            .split(',')
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        assert_eq!(
            n.len(),
            4,
            "FLEET_BENCH_SIZE=accounts,regions,per_pair,latency_ms"
        );
        let size = Size {
            accounts: n[0],
            regions: n[1].min(REGIONS.len()),
            per_pair: n[2],
            latency_ms: n[3] as u64,
        };
        measure(&size, false);
    } else if smoke {
        measure(
            &Size {
                accounts: 2,
                regions: 2,
                per_pair: 2,
                latency_ms: 0,
            },
            false,
        );
    } else {
        measure(
            &Size {
                accounts: 20,
                regions: 5,
                per_pair: 5,
                latency_ms: 50,
            },
            true,
        );
    }
}
