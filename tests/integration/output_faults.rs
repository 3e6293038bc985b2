//! Where a scheduled audit's results go, when the service answers badly — each answer as AWS
//! gives it, from a proxy in front of moto (`support/fault_proxy.rs`): a throttled Security Hub
//! import (retried, then given up on), a batch Security Hub partly refuses, and an S3 write whose
//! KMS key the caller may not use. In each the outcome is said and nothing is lost: the report
//! is written, refused findings are named with Security Hub's reason, the exit code is 2.

use serde_json::Value;

use crate::common;
use crate::support::fault_proxy::{Fault, FaultProxy, Respond};
use crate::support::testbed::{self, Scenario, Testbed};
use testbed::moto::sdk;

const CLUSTER: &str = "arn:aws:eks:us-east-1:123456789012:cluster/demo";

/// The SDK's standard retries (`AWS_RETRY_MODE`, which the tool honours): backoffs of about
/// 1 s and 2 s. The default adaptive mode also rate-limits the client after a throttle, which
/// can hold a retry up to 20 s — right for a fleet, slow for a test.
const STANDARD_RETRIES: &[(&str, &str)] = &[("AWS_RETRY_MODE", "standard")];

/// `cluster --security-hub` on the basic scenario, Security Hub reached through `proxy`.
fn import_through(
    bed: &Testbed,
    proxy: &FaultProxy,
    home: &str,
    env: &[(&str, &str)],
) -> testbed::Run {
    let mut env = env.to_vec();
    env.push(("AWS_ENDPOINT_URL_SECURITYHUB", &proxy.url));
    bed.run_with_env(
        &common::scratch(home),
        "admin",
        &[
            "cluster",
            "--name",
            "demo",
            "--format",
            "json",
            "--security-hub",
        ],
        &env,
    )
}

/// The ids Security Hub (moto) holds.
fn held(bed: &Testbed) -> Vec<String> {
    let hub = aws_sdk_securityhub::Client::new(&sdk::config(&bed.moto.url));
    let rt = sdk::runtime();
    sdk::block_on(&rt, async move {
        let out = hub.get_findings().max_results(100).send().await.unwrap();
        out.findings()
            .iter()
            .map(|f| f.id().unwrap_or_default().to_string())
            .collect()
    })
}

fn imports(proxy: &FaultProxy) -> usize {
    proxy
        .seen()
        .iter()
        .filter(|l| l.starts_with("POST /findings/import"))
        .count()
}

#[test]
fn a_throttled_import_is_retried_and_one_throttled_throughout_is_said_with_the_report_written() {
    // Throttled twice: the SDK's retry gets through, every finding is imported.
    let bed = Testbed::start(Scenario::load("basic.json"));
    let proxy = FaultProxy::start(&bed.moto.url, vec![Fault::throttled_import(2)]);
    let run = import_through(&bed, &proxy, "hub-throttled-twice", STANDARD_RETRIES);
    assert_eq!(run.code, 1, "findings, all imported: {}", run.stderr);
    let report = run.json();
    let found = report["findings"].as_array().unwrap().len();
    assert!(
        run.stderr
            .contains(&format!("{CLUSTER}: {found} finding(s) imported")),
        "{}",
        run.stderr
    );
    assert_eq!(imports(&proxy), 3, "two throttled, the third through");
    assert_eq!(held(&bed).len(), found);

    // Throttled on every attempt: given up after the attempts (two here, `AWS_MAX_ATTEMPTS`;
    // three by default), said, exit 2 — and the report is out on stdout all the same.
    let proxy = FaultProxy::start(&bed.moto.url, vec![Fault::throttled_import(usize::MAX)]);
    let run = import_through(
        &bed,
        &proxy,
        "hub-throttled-always",
        &[STANDARD_RETRIES[0], ("AWS_MAX_ATTEMPTS", "2")],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("Security Hub: {CLUSTER}: not imported"))
            && run.stderr.contains("LimitExceededException")
            && run.stderr.contains("the report was written"),
        "{}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(!report["findings"].as_array().unwrap().is_empty());
    assert_eq!(imports(&proxy), 2, "{:?}", proxy.seen());
    assert_eq!(held(&bed).len(), found, "nothing more, nothing archived");
}

#[test]
fn a_partly_refused_batch_names_each_refused_finding_and_imports_the_rest() {
    let bed = Testbed::start(Scenario::load("basic.json"));
    let proxy = FaultProxy::start(
        &bed.moto.url,
        vec![Fault {
            request: "POST /findings/import".into(),
            times: 1,
            respond: Respond::RefuseFirstFinding {
                code: "InvalidInput".into(),
                message: "Finding does not adhere to Amazon Finding Format".into(),
            },
        }],
    );
    let run = import_through(&bed, &proxy, "hub-partly-refused", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report = run.json();
    let found = report["findings"].as_array().unwrap().len();
    assert!(found >= 2, "{report:#}");
    assert!(
        run.stderr
            .contains(&format!("{CLUSTER}: {} finding(s) imported", found - 1))
            && run
                .stderr
                .contains(&format!("Security Hub refused {CLUSTER}/aws-auth-audit/"))
            && run
                .stderr
                .contains("InvalidInput Finding does not adhere to Amazon Finding Format")
            && run.stderr.contains("1 finding(s) refused"),
        "{}",
        run.stderr
    );
    assert_eq!(held(&bed).len(), found - 1, "the rest are in Security Hub");
}

#[test]
fn an_s3_write_whose_kms_key_cannot_be_used_is_said_and_the_report_goes_to_stdout() {
    let moto = testbed::moto::Moto::start();
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let proxy = FaultProxy::start(&moto.url, vec![Fault::kms_denied_put("audit-reports", key)]);
    let snapshot = common::repo().join("examples/snapshot.json");
    let local = common::run(&["check", snapshot.to_str().unwrap(), "--format", "json"]);
    let run = crate::s3_output::run(
        &proxy.url,
        &[
            "check",
            snapshot.to_str().unwrap(),
            "--format",
            "json",
            "-o",
            "s3://audit-reports/aws-auth-audit/2026-12-07/legacy.json",
            "--s3-kms-key",
            key,
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "s3://audit-reports/aws-auth-audit/2026-12-07/legacy.json: the upload failed (AccessDenied)"
        ) && run.stderr.contains("kms:GenerateDataKey")
            && run.stderr.contains("written to stdout instead"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, local.stdout, "the report, whole, on stdout");
    // The request did carry the key: SSE-KMS was asked for, and refused by KMS's rule.
    assert!(
        proxy
            .seen()
            .iter()
            .any(|l| l.starts_with("PUT /audit-reports/aws-auth-audit/2026-12-07/legacy.json")),
        "{:?}",
        proxy.seen()
    );
}
