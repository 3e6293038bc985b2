//! `-o s3://BUCKET/KEY`: the report uploaded to S3 (moto's) through the real AWS SDK,
//! encrypted at rest (SSE-S3, or SSE-KMS with `--s3-kms-key`); a bucket that does not exist
//! is exit 2 naming the bucket, the key and the AWS error, and the report is not lost: it goes
//! to stdout instead.

use crate::common;
use crate::support::testbed;
use testbed::moto::sdk;

fn s3(url: &str) -> aws_sdk_s3::Client {
    let config = sdk::config(url);
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

fn create_bucket(rt: &tokio::runtime::Runtime, client: &aws_sdk_s3::Client, name: &str) {
    let (client, name) = (client.clone(), name.to_string());
    sdk::block_on(rt, async move {
        client.create_bucket().bucket(name).send().await.unwrap();
    });
}

/// The binary with `args`, S3 at `url`, with keys of its own and nothing else of AWS's.
pub(crate) fn run(url: &str, args: &[&str]) -> common::Run {
    let home = common::scratch("s3-output");
    common::run_in_env(
        &home,
        args,
        b"",
        &[
            ("AWS_ENDPOINT_URL_S3", url),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIATESTS3WRITER0001"),
            ("AWS_SECRET_ACCESS_KEY", "s3-writer-secret"),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    )
}

#[test]
fn a_report_goes_to_s3_encrypted_and_a_failed_upload_loses_nothing() {
    let moto = testbed::moto::Moto::start();
    let client = s3(&moto.url);
    let rt = sdk::runtime();
    create_bucket(&rt, &client, "audit-reports");
    let snapshot = common::repo().join("examples/snapshot.json");
    let snapshot = snapshot.to_str().unwrap();
    let local = common::run(&["check", snapshot, "--format", "json"]);
    let uploaded = run(
        &moto.url,
        &[
            "check",
            snapshot,
            "--format",
            "json",
            "-o",
            "s3://audit-reports/2026-12-07/legacy.json",
        ],
    );
    assert_eq!(uploaded.code, local.code, "{}", uploaded.stderr);
    assert!(uploaded.stdout.is_empty(), "{}", uploaded.stdout);
    let kms = run(
        &moto.url,
        &[
            "check",
            snapshot,
            "--format",
            "sarif",
            "-o",
            "s3://audit-reports/2026-12-07/legacy.sarif",
            "--s3-kms-key",
            "alias/audit-reports",
        ],
    );
    assert_eq!(kms.code, local.code, "{}", kms.stderr);
    let (body, sse, sse_kms) = {
        let client = client.clone();
        sdk::block_on(&rt, async move {
            let object = client
                .get_object()
                .bucket("audit-reports")
                .key("2026-12-07/legacy.json")
                .send()
                .await
                .unwrap();
            let sse = object
                .server_side_encryption()
                .map(|s| s.as_str().to_string());
            let body = object.body.collect().await.unwrap().into_bytes();
            let head = client
                .head_object()
                .bucket("audit-reports")
                .key("2026-12-07/legacy.sarif")
                .send()
                .await
                .unwrap();
            (
                String::from_utf8(body.to_vec()).unwrap(),
                sse,
                (
                    head.server_side_encryption()
                        .map(|s| s.as_str().to_string()),
                    head.ssekms_key_id().map(str::to_string),
                ),
            )
        })
    };
    assert_eq!(
        body, local.stdout,
        "the object is the report, byte for byte"
    );
    assert_eq!(sse.as_deref(), Some("AES256"));
    assert_eq!(sse_kms.0.as_deref(), Some("aws:kms"));
    assert!(sse_kms.1.unwrap_or_default().contains("audit-reports"));

    // A bucket that does not exist: exit 2, named, and the report on stdout instead.
    let missing = run(
        &moto.url,
        &[
            "check",
            snapshot,
            "--format",
            "json",
            "-o",
            "s3://no-such-bucket/r.json",
        ],
    );
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("s3://no-such-bucket/r.json: the upload failed (NotFound)")
            && missing.stderr.contains("NoSuchBucket")
            && missing
                .stderr
                .contains("the report was written to stdout instead"),
        "{}",
        missing.stderr
    );
    assert_eq!(missing.stdout, local.stdout);
}

/// `collect -o s3://…`: the snapshot of a live cluster goes to S3 (its day filled in), and
/// judged from there it is the cluster's report.
#[test]
fn a_snapshot_goes_to_s3() {
    use testbed::{Scenario, Testbed};
    let bed = Testbed::start(Scenario::load("basic.json"));
    let client = s3(&bed.moto.url);
    let rt = sdk::runtime();
    create_bucket(&rt, &client, "audit-evidence");
    let home = common::scratch("s3-collect");
    let collected = bed.run(
        &home,
        "admin",
        &[
            "collect",
            "--name",
            "demo",
            "-o",
            "s3://audit-evidence/{date}/demo.json",
        ],
    );
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    assert_eq!(collected.stdout, "");
    let key = format!("{}/demo.json", common::utc_date());
    let body = sdk::block_on(&rt, async move {
        let object = client
            .get_object()
            .bucket("audit-evidence")
            .key(key)
            .send()
            .await
            .unwrap();
        object.body.collect().await.unwrap().into_bytes().to_vec()
    });
    let path = common::write(&home, "from-s3.json", &body);
    let judged = common::run(&["check", &path, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&judged.stdout).unwrap();
    assert_eq!(
        report["cluster"]["arn"],
        "arn:aws:eks:us-east-1:123456789012:cluster/demo"
    );
}

/// `scan --evidence s3://…/` keeps every cluster's snapshot in S3, `scan --replay s3://…/`
/// judges them again into the same cluster reports, and `cluster --snapshot s3://…` puts one
/// there without touching the report on stdout.
#[test]
fn evidence_kept_in_s3_replays_into_the_same_reports() {
    use testbed::{Scenario, Testbed};
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let rt = sdk::runtime();
    create_bucket(&rt, &s3(&bed.moto.url), "audit-evidence");
    let live = crate::fleet::scan(
        &bed,
        &[
            "--format",
            "jsonl",
            "--evidence",
            "s3://audit-evidence/{date}/evidence/",
        ],
    );
    assert!(live.code != 2, "{}", live.stderr);
    let home = common::scratch("s3-replay");
    let replay = bed.run(
        &home,
        "admin",
        &[
            "scan",
            "--replay",
            "s3://audit-evidence/{date}/evidence/",
            "--format",
            "jsonl",
        ],
    );
    assert!(replay.code != 2, "{}", replay.stderr);
    let clusters = |out: &str| -> Vec<serde_json::Value> {
        crate::fleet::cluster_lines(out)
            .into_iter()
            .filter(|l| l["kind"] == "cluster")
            .collect()
    };
    let live_lines = clusters(&live.stdout);
    assert_eq!(live_lines.len(), 4, "{}", live.stdout);
    assert_eq!(clusters(&replay.stdout), live_lines);
    // One cluster's snapshot beside its report: stdout holds the report alone.
    let demo = Testbed::start(Scenario::load("basic.json"));
    create_bucket(&rt, &s3(&demo.moto.url), "audit-evidence");
    let run = demo.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            "demo",
            "--format",
            "json",
            "--snapshot",
            "s3://audit-evidence/demo.json",
        ],
    );
    assert!(run.code != 2, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        report["cluster"]["arn"],
        "arn:aws:eks:us-east-1:123456789012:cluster/demo"
    );
    let refused = demo.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            "demo",
            "--snapshot",
            "s3://no-such-bucket/demo.json",
        ],
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("s3://no-such-bucket/demo.json: the upload failed (NotFound)"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stdout.contains("access matrix") && !refused.stdout.contains("\"collected_at\""),
        "the report, not the snapshot, on stdout: {}",
        refused.stdout
    );
}
