//! The live audit beyond aws-auth, against the local test bed: the caller's identity
//! (SelfSubjectReview) and RBAC read once per kind, page by page, judged by EA205, EA206 and
//! EA306; a failed read stops only the rules that need it; `collect` + `check snap.json`
//! replays byte for byte; `--context` through an existing kubeconfig, with `--allow-exec`
//! and `--insecure-skip-tls-verify` as the only ways past its exec plugin and insecure flag.

use crate::common;
use crate::support::testbed;

use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value;
use testbed::{Run, Scenario, Testbed};

use super::live_kubeconfig::kubeconfig_for;

pub(crate) const ADMIN: &str = "arn:aws:iam::123456789012:user/admin";

pub(crate) fn ours(bed: &Testbed, home: &Path, args: &[&str]) -> Run {
    bed.run(home, "admin", args)
}

pub(crate) fn audit(bed: &Testbed, cluster: &str, extra: &[&str]) -> Run {
    let home = common::scratch(&format!("live-{cluster}"));
    let mut args = vec![
        "cluster",
        "--name",
        cluster,
        "--format",
        "json",
        "--timeout",
        "2",
    ];
    args.extend_from_slice(extra);
    ours(bed, &home, &args)
}

pub(crate) fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

pub(crate) fn not_evaluated(report: &Value) -> Vec<(String, String)> {
    report["coverage"]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["code"].as_str().unwrap().to_string(),
                n["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// (method, path, query) of every Kubernetes request for `cluster`.
pub(crate) fn k8s_requests(bed: &Testbed, cluster: &str) -> Vec<(String, String, String, u16)> {
    let prefix = format!("/k8s/{cluster}/");
    bed.requests()
        .into_iter()
        .filter(|r| r.server == "k8s" && r.path.starts_with(&prefix))
        .map(|r| {
            (
                r.method,
                r.path[prefix.len()..].to_string(),
                r.query,
                r.status,
            )
        })
        .collect()
}

pub(crate) fn count(requests: &[(String, String, String, u16)], path_end: &str) -> usize {
    requests.iter().filter(|r| r.1.ends_with(path_end)).count()
}

#[test]
fn the_creator_caller_and_rbac_grants_are_found() {
    let bed = Testbed::start(Scenario::load("access.json"));
    let a = audit(&bed, "legacy", &["--page-size", "2"]);
    assert_eq!(a.code, 1, "{}", a.stderr);
    let report = a.json();
    assert_eq!(report["coverage"]["complete"], true, "{report}");

    let hidden = findings(&report, "EA306");
    assert_eq!(hidden.len(), 1, "{report}");
    assert_eq!(hidden[0]["principal"], ADMIN);
    assert_eq!(hidden[0]["severity"], "high");
    let message = hidden[0]["message"].as_str().unwrap();
    assert!(message.contains("kubernetes-admin"), "{message}");
    assert_eq!(
        hidden[0]["location"]["route"],
        "cluster arn:aws:eks:us-east-1:123456789012:cluster/legacy › caller"
    );

    let admin_groups = findings(&report, "EA205");
    assert_eq!(admin_groups.len(), 1, "{report}");
    assert!(
        admin_groups[0]["message"]
            .as_str()
            .unwrap()
            .contains("ClusterRoleBinding deployers-admin → ClusterRole cluster-admin")
    );
    // line 12 of the kubectl layout: `      - deployers`
    assert_eq!(admin_groups[0]["location"]["line"], 12);
    let dead = findings(&report, "EA206");
    assert_eq!(dead.len(), 1, "{report}");
    assert!(dead[0]["message"].as_str().unwrap().contains("`read-only`"));

    // The caller is reported as the API server sees it, minus its access key id.
    assert_eq!(report["cluster"]["caller"]["username"], "kubernetes-admin");
    assert!(!a.stdout.contains("AKIATESTADMIN0000001"), "{}", a.stdout);
    assert_eq!(report["cluster"]["transport"]["tls_verified"], true);

    // Each kind listed once, page by page (page size 2): 3 cluster roles → 2 pages,
    // 7 bindings → 4 pages; one SelfSubjectReview; one aws-auth read.
    let requests = k8s_requests(&bed, "legacy");
    assert_eq!(count(&requests, "/clusterroles"), 2, "{requests:?}");
    assert_eq!(count(&requests, "/clusterrolebindings"), 4, "{requests:?}");
    assert_eq!(count(&requests, "/roles"), 1);
    assert_eq!(count(&requests, "/rolebindings"), 1);
    assert_eq!(count(&requests, "/selfsubjectreviews"), 1);
    assert_eq!(count(&requests, "configmaps/aws-auth"), 1);
    let continued: Vec<&str> = requests
        .iter()
        .filter(|r| r.1.ends_with("/clusterrolebindings"))
        .map(|r| r.2.as_str())
        .collect();
    assert_eq!(
        continued,
        [
            "limit=2",
            "limit=2&continue=offset%3D2",
            "limit=2&continue=offset%3D4",
            "limit=2&continue=offset%3D6"
        ]
    );
}

#[test]
fn a_caller_mapped_by_aws_auth_is_not_hidden() {
    let bed = Testbed::start(Scenario::load("access.json"));
    let a = audit(&bed, "mapped", &[]);
    let report = a.json();
    assert!(findings(&report, "EA306").is_empty(), "{report}");
    assert_eq!(report["coverage"]["complete"], true);
}

#[test]
fn a_denied_rbac_list_stops_only_the_rules_that_need_it() {
    let bed = Testbed::start(Scenario::load("access.json"));
    let a = audit(&bed, "rbac-denied", &[]);
    assert_eq!(a.code, 3, "{}", a.stderr);
    let report = a.json();
    let missing = not_evaluated(&report);
    let codes: Vec<&str> = missing.iter().map(|(c, _)| c.as_str()).collect();
    // EA403 judges system:masters rows without RBAC; it needs RBAC only for a broadly
    // assumable role mapped into other groups, and this cluster has none: it is evaluated.
    assert_eq!(
        codes,
        ["EA205", "EA206", "EA211", "EA212", "EA213", "EA307"],
        "{report}"
    );
    assert!(
        missing[0].1.starts_with("unknown(access_denied)"),
        "{missing:?}"
    );
    // Everything else still ran: the hidden caller is still found.
    assert_eq!(findings(&report, "EA306").len(), 1);
    assert!(
        report["coverage"]["rules_evaluated"]
            .as_array()
            .unwrap()
            .contains(&Value::from("EA113"))
    );
    // The failed call is recorded with the server's request id (Audit-Id).
    let notes = report["notes"].to_string();
    assert!(
        notes.contains(
            "ListClusterRoleBindings clusterrolebindings: access_denied, request id audit-"
        ),
        "{notes}"
    );
    let requests = k8s_requests(&bed, "rbac-denied");
    assert_eq!(
        count(&requests, "/clusterrolebindings"),
        1,
        "403 is not retried"
    );
}

#[test]
fn retried_reads_recover_and_an_old_cluster_leaves_ea306_unevaluated() {
    let bed = Testbed::start(Scenario::load("access.json"));
    let flaky = audit(&bed, "rbac-flaky", &[]);
    let report = flaky.json();
    assert_eq!(report["coverage"]["complete"], true, "{report}");
    let requests = k8s_requests(&bed, "rbac-flaky");
    let statuses = |end: &str| -> Vec<u16> {
        requests
            .iter()
            .filter(|r| r.1.ends_with(end))
            .map(|r| r.3)
            .collect()
    };
    assert_eq!(statuses("/roles"), [503, 200]);
    assert_eq!(statuses("/selfsubjectreviews"), [429, 201]);

    let old = audit(&bed, "old", &[]);
    assert_eq!(old.code, 3, "{}", old.stderr);
    let missing = not_evaluated(&old.json());
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].0, "EA306");
    assert!(missing[0].1.contains("SelfSubjectReview"), "{missing:?}");
    // v1, then the v1beta1 fallback
    let reviews: Vec<String> = k8s_requests(&bed, "old")
        .into_iter()
        .filter(|r| r.1.ends_with("/selfsubjectreviews"))
        .map(|r| r.1)
        .collect();
    assert_eq!(
        reviews,
        [
            "apis/authentication.k8s.io/v1/selfsubjectreviews",
            "apis/authentication.k8s.io/v1beta1/selfsubjectreviews"
        ]
    );
}

#[test]
fn a_collected_snapshot_replays_byte_for_byte() {
    let bed = Testbed::start(Scenario::load("access.json"));
    let home = common::scratch("live-snapshot");
    let snap = home.join("snap.json");
    let snap_arg = snap.to_str().unwrap();
    for cluster in ["legacy", "rbac-denied"] {
        let collected = ours(
            &bed,
            &home,
            &["collect", "--name", cluster, "--output", snap_arg],
        );
        let expected_code = if cluster == "legacy" { 0 } else { 3 };
        assert_eq!(collected.code, expected_code, "{}", collected.stderr);
        // A success is said, with what judges the snapshot.
        assert!(
            collected.stderr.contains(&format!("into {snap_arg}"))
                && collected
                    .stderr
                    .contains(&format!("aws-auth-audit check {snap_arg}")),
            "{}",
            collected.stderr
        );
        if cluster == "rbac-denied" {
            assert!(
                collected
                    .stderr
                    .contains("not read: clusterrolebindings: unknown(access_denied)"),
                "{}",
                collected.stderr
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&snap).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(&snap).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["kind"], "AwsAuthAuditSnapshot");
        assert_eq!(parsed["version"], 1);
        assert!(!text.contains("AKIATESTADMIN0000001"));
        assert!(!text.contains("testbed-admin-secret"));
        assert!(!text.contains("k8s-aws-v1."));
        // The report `cluster` printed, and the snapshot it judged: `check` reproduces
        // the report byte for byte, in every format.
        for format in ["json", "sarif", "table", "markdown"] {
            let evidence = home.join(format!("{cluster}-{format}.json"));
            let live = ours(
                &bed,
                &home,
                &[
                    "cluster",
                    "--name",
                    cluster,
                    "--format",
                    format,
                    "--color",
                    "never",
                    "--snapshot",
                    evidence.to_str().unwrap(),
                ],
            );
            let replay = ours(
                &bed,
                &home,
                &[
                    "check",
                    evidence.to_str().unwrap(),
                    "--format",
                    format,
                    "--color",
                    "never",
                ],
            );
            assert_eq!(live.code, replay.code, "{cluster} {format}");
            assert_eq!(live.stdout, replay.stdout, "{cluster} {format}");
        }
        // `collect` and `cluster` read the same cluster: the same findings.
        let live = ours(
            &bed,
            &home,
            &["cluster", "--name", cluster, "--format", "json"],
        );
        let replay = ours(&bed, &home, &["check", snap_arg, "--format", "json"]);
        assert_eq!(
            live.json()["findings"],
            replay.json()["findings"],
            "{cluster}"
        );
    }
    // A read the user skipped is still a read not made: collect says so and exits 3.
    let skipped = ours(
        &bed,
        &home,
        &[
            "collect",
            "--name",
            "legacy",
            "--no-iam",
            "-o",
            home.join("skipped.json").to_str().unwrap(),
        ],
    );
    assert_eq!(skipped.code, 3, "{}", skipped.stderr);
    assert!(
        skipped.stderr.contains("not read: IAM: unknown(skipped)"),
        "{}",
        skipped.stderr
    );
    // The replay makes no request: counting them before and after.
    let before = bed.requests().len();
    let replay = ours(&bed, &home, &["check", snap_arg]);
    assert_eq!(replay.code, 3);
    assert_eq!(bed.requests().len(), before);

    // A damaged snapshot is an input error naming line and column.
    let damaged = home.join("damaged.json");
    let text = std::fs::read_to_string(&snap).unwrap().replacen(
        "\"state\": \"found\"",
        "\"state\": \"lost\"",
        1,
    );
    std::fs::write(&damaged, text).unwrap();
    let bad = ours(&bed, &home, &["check", damaged.to_str().unwrap()]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("damaged.json:"), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("unknown variant `lost`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn no_credential_in_any_output_log_or_snapshot() {
    // A key id of no known shape (not `AKIA…`/`ASIA…`): it is masked because the process
    // resolved it, not because it looks like a key.
    let mut scenario = Scenario::load("access.json");
    for identity in &mut scenario.identities {
        if identity.arn.ends_with("user/admin") {
            identity.access_key_id = "K3YOFNOSHAPE00000042".into();
        }
    }
    let bed = Testbed::start(scenario);
    let home = common::scratch("live-canary");
    let mut needles = bed.credential_needles("admin");
    needles.push("Bearer ".to_string());
    let config = kubeconfig_for(&bed, &home, "legacy");
    let snap = home.join("canary-snap.json");
    let runs: Vec<Vec<String>> = vec![
        vec!["collect", "--name", "rbac-denied", "-o"]
            .into_iter()
            .map(String::from)
            .chain([snap.to_string_lossy().into_owned()])
            .collect(),
        ["cluster", "--name", "rbac-flaky", "--format", "json"]
            .map(String::from)
            .to_vec(),
        [
            "cluster",
            "--context",
            "arn:aws:eks:us-east-1:123456789012:cluster/legacy",
            "--kubeconfig",
            config.to_str().unwrap(),
            "--allow-exec",
            "--format",
            "sarif",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut redacted_somewhere = false;
    for args in &runs {
        let output = bed
            .command(
                OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit")),
                &home,
                "admin",
            )
            .args(args)
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stdout.is_empty() || args[0] == "collect",
            "{args:?}: {stderr}"
        );
        // The libraries did log (so the search below means something).
        assert!(stderr.contains("TRACE"), "{args:?}: no trace log");
        redacted_somewhere |= stderr.contains("<redacted");
        for needle in &needles {
            for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
                if let Some(at) = text.find(needle.as_str()) {
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(200)
                        .map_or(0, |(i, _)| i);
                    panic!(
                        "{args:?}: {needle} leaked in {name}: …{}…",
                        &text[from..(at + needle.len()).min(text.len())]
                    );
                }
            }
        }
    }
    assert!(
        redacted_somewhere,
        "the SDK logs the resolved identity at debug: its key id must have been masked"
    );
    let written = std::fs::read_to_string(&snap).unwrap();
    for needle in &needles {
        assert!(
            !written.contains(needle.as_str()),
            "snapshot: {needle} leaked"
        );
    }
}

/// Writes the snapshots the report pin (`pinned_reports.rs`) judges: every cluster of the file
/// scenarios, collected live. Dev tooling, run by hand when a scenario changes:
/// `cargo test --test integration -- --ignored live_access::capture_pinned_snapshots`.
#[test]
#[ignore = "dev tooling: re-captures the pinned snapshots (run by hand when a scenario changes)"]
fn capture_pinned_snapshots() {
    for file in ["basic.json", "access.json", "faults.json"] {
        crate::pinned_reports::capture(file.trim_end_matches(".json"), Scenario::load(file));
    }
}
