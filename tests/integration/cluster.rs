//! `cluster` against the local test bed: the aws-auth of a live cluster judged by the offline
//! rules, and every failure turned into an explicit unknown with exit code 3, never a pass.

use crate::common;
use crate::support::testbed;

use std::ffi::OsStr;

use serde_json::Value;
use testbed::{Scenario, Testbed};

struct Audit {
    code: i32,
    report: Value,
    stdout: String,
    stderr: String,
}

fn audit(bed: &Testbed, cluster: &str, extra: &[&str]) -> Audit {
    let home = common::scratch(&format!("cluster-{cluster}"));
    let binary = OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit"));
    let output = bed
        .command(binary, &home, "admin")
        .args([
            "cluster",
            "--name",
            cluster,
            "--format",
            "json",
            "--timeout",
            "1",
        ])
        .args(extra)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    Audit {
        code: output.status.code().unwrap(),
        report: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn aws_auth_reads(bed: &Testbed, cluster: &str) -> Vec<u16> {
    bed.requests()
        .iter()
        .filter(|r| {
            r.path == format!("/k8s/{cluster}/api/v1/namespaces/kube-system/configmaps/aws-auth")
        })
        .map(|r| r.status)
        .collect()
}

fn not_evaluated_reason(report: &Value) -> String {
    report["coverage"]["not_evaluated"][0]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_healthy_cluster_is_judged_like_a_file() {
    let bed = Testbed::start(Scenario::load("faults.json"));
    let a = audit(&bed, "healthy", &[]);
    assert_eq!(a.code, 1, "{}", a.stderr);
    let codes: Vec<&str> = a.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"EA113") && codes.contains(&"EA115"),
        "{codes:?}"
    );
    let masters = a.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EA113")
        .unwrap();
    assert!(
        masters["location"]["path"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:eks:us-east-1:123456789012:cluster/healthy")
    );
    // line 12 of `kubectl get cm aws-auth -n kube-system -o yaml`: the system:masters item
    assert_eq!(masters["location"]["line"], 12);
    assert_eq!(a.report["coverage"]["complete"], true);
    assert_eq!(aws_auth_reads(&bed, "healthy"), [200]);
}

#[test]
fn absence_is_verified_not_assumed() {
    let bed = Testbed::start(Scenario::load("faults.json"));
    let a = audit(&bed, "absent", &[]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert!(
        a.report["notes"].to_string().contains("verified"),
        "{}",
        a.report["notes"]
    );
    assert_eq!(a.report["coverage"]["complete"], true);
}

#[test]
fn denied_is_unknown_never_absent() {
    let bed = Testbed::start(Scenario::load("faults.json"));
    let a = audit(&bed, "forbidden", &[]);
    assert_eq!(a.code, 3, "{}", a.stderr);
    assert_eq!(a.report["coverage"]["complete"], false);
    assert!(
        not_evaluated_reason(&a.report).starts_with("unknown(access_denied)"),
        "{}",
        a.report
    );
    assert!(!a.report["notes"].to_string().contains("does not exist"));
    assert_eq!(
        aws_auth_reads(&bed, "forbidden"),
        [403],
        "403 is not retried"
    );
    let home = common::scratch("cluster-forbidden-table");
    let table = bed
        .command(
            OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit")),
            &home,
            "admin",
        )
        .args(["cluster", "--name", "forbidden", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("No findings, but coverage is incomplete"),
        "{text}"
    );
    // Only the rules that read aws-auth stop: the access-entry rules judge what EKS returned.
    assert!(
        text.contains("not evaluated (40 rules, EA101–EA404): unknown(access_denied)"),
        "{text}"
    );
    assert!(text.contains("15 rule(s) evaluated"), "{text}");
    assert!(text.contains("aws-auth (not read)"), "{text}");
    let allowed = audit(&bed, "forbidden", &["--allow-incomplete"]);
    assert_eq!(allowed.code, 0);
    assert_eq!(
        allowed.report["coverage"]["complete"], false,
        "the report still says so"
    );
}

#[test]
fn a_401_is_resigned_once() {
    let bed = Testbed::start(Scenario::load("faults.json"));
    let once = audit(&bed, "resigned", &[]);
    assert_eq!(once.code, 1, "{}", once.stderr);
    assert_eq!(aws_auth_reads(&bed, "resigned"), [401, 200]);
    let twice = audit(&bed, "rejected", &[]);
    assert_eq!(twice.code, 3);
    assert!(not_evaluated_reason(&twice.report).starts_with("unknown(auth_rejected)"));
    assert_eq!(aws_auth_reads(&bed, "rejected"), [401, 401]);
    // The report names whom the cluster rejected and what to grant it, and the two tries of
    // one call are one note.
    let notes: Vec<&str> = twice.report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let whom = notes
        .iter()
        .find(|n| n.contains("rejected the audit's token"))
        .unwrap_or_else(|| panic!("{notes:#?}"));
    assert!(
        // moto's STS answers GetCallerIdentity for these keys with its own user.
        whom.contains("signed as `arn:aws:sts::123456789012:user/moto`")
            && whom.contains("deploy/kubernetes/cluster-reader.yaml"),
        "{whom}"
    );
    let tries: Vec<&&str> = notes
        .iter()
        .filter(|n| n.starts_with("GetConfigMap configmaps kube-system/aws-auth"))
        .collect();
    assert_eq!(tries.len(), 1, "{tries:#?}");
    assert!(tries[0].contains("2 tries, request ids"), "{}", tries[0]);
}

#[test]
fn server_errors_and_throttling_are_retried_then_unknown() {
    let bed = Testbed::start(Scenario::load("faults.json"));
    let flaky = audit(&bed, "flaky", &[]);
    assert_eq!(flaky.code, 1, "{}", flaky.stderr);
    assert_eq!(aws_auth_reads(&bed, "flaky"), [503, 503, 200]);
    let down = audit(&bed, "down", &[]);
    assert_eq!(down.code, 3);
    assert!(not_evaluated_reason(&down.report).starts_with("unknown(unreachable)"));
    assert_eq!(
        aws_auth_reads(&bed, "down"),
        [500, 500, 500, 500],
        "one try and three retries"
    );
    let throttled = audit(&bed, "throttled", &[]);
    assert_eq!(throttled.code, 3);
    assert!(
        not_evaluated_reason(&throttled.report).starts_with("unknown(throttled)"),
        "{}",
        throttled.report
    );
}

#[test]
fn silence_is_a_timeout_and_a_foreign_ca_is_a_tls_error() {
    let bed = Testbed::start(Scenario::load("faults.json"));
    let hung = audit(&bed, "hanging", &[]);
    assert_eq!(hung.code, 3, "{}", hung.stderr);
    assert!(
        not_evaluated_reason(&hung.report).starts_with("unknown(timeout)"),
        "{}",
        hung.report
    );
    let impostor = audit(&bed, "impostor", &[]);
    assert_eq!(impostor.code, 3, "{}", impostor.stderr);
    assert!(
        not_evaluated_reason(&impostor.report).starts_with("unknown(tls_error)"),
        "{}",
        impostor.report
    );
    assert!(
        aws_auth_reads(&bed, "impostor").is_empty(),
        "a request went through an unverified connection"
    );
}

#[test]
fn no_secret_in_any_output() {
    let bed = Testbed::start(Scenario::load("faults.json"));
    let encodings = bed.credential_needles("admin");
    for cluster in ["healthy", "rejected", "forbidden", "impostor"] {
        let a = audit(&bed, cluster, &[]);
        for needle in &encodings {
            assert!(
                !a.stdout.contains(needle.as_str()) && !a.stderr.contains(needle.as_str()),
                "{cluster}: {needle} leaked"
            );
        }
    }
}
