//! `cluster --security-hub`: the findings imported into Security Hub (moto's) in the cluster's
//! account and region through the real AWS SDK, the ones an earlier run imported that no
//! longer occur archived — and left untouched when the audit could not look everywhere.

use crate::common;
use crate::support::testbed;

use serde_json::{Value, json};
use testbed::moto::sdk;
use testbed::{Scenario, Testbed};

const CLUSTER: &str = "arn:aws:eks:us-east-1:123456789012:cluster/demo";

fn client(url: &str) -> aws_sdk_securityhub::Client {
    aws_sdk_securityhub::Client::new(&sdk::config(url))
}

/// Imports one finding (the test's own setup).
fn seed(rt: &tokio::runtime::Runtime, hub: aws_sdk_securityhub::Client, finding: Value) {
    sdk::block_on(rt, async move {
        hub.batch_import_findings()
            .findings(aws_auth_audit::source::securityhub::to_sdk(&finding))
            .send()
            .await
            .unwrap();
    });
}

/// A finding an earlier run imported: our generator, this cluster, active.
fn earlier(id: &str) -> Value {
    json!({"SchemaVersion": "2018-10-08", "Id": format!("{CLUSTER}/aws-auth-audit/{id}"),
        "ProductArn": "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
        "GeneratorId": "aws-auth-audit/EA113", "AwsAccountId": "123456789012",
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": "2026-11-01T00:00:00Z", "UpdatedAt": "2026-11-01T00:00:00Z",
        "Severity": {"Label": "HIGH"}, "Title": "EA113 an old one", "Description": "gone since",
        "Resources": [{"Type": "AwsEksCluster", "Id": CLUSTER, "Partition": "aws", "Region": "us-east-1",
                       "Details": {"AwsEksCluster": {"Name": "demo", "Arn": CLUSTER}}}],
        "Compliance": {"Status": "FAILED"}, "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE"})
}

/// Every finding Security Hub holds: id → record state.
fn held(rt: &tokio::runtime::Runtime, hub: aws_sdk_securityhub::Client) -> Vec<(String, String)> {
    sdk::block_on(rt, async move {
        let out = hub.get_findings().max_results(100).send().await.unwrap();
        out.findings()
            .iter()
            .map(|f| {
                (
                    f.id().unwrap_or_default().to_string(),
                    f.record_state()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                )
            })
            .collect()
    })
}

fn run(bed: &Testbed, home: &str) -> testbed::Run {
    let home = common::scratch(home);
    bed.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            "demo",
            "--format",
            "json",
            "--security-hub",
            "--allow-incomplete",
        ],
    )
}

#[test]
fn findings_are_imported_and_the_ones_gone_archived() {
    let moto = testbed::moto::Moto::start();
    let hub = client(&moto.url);
    let rt = sdk::runtime();
    seed(&rt, hub, earlier("stale"));
    let bed = Testbed::start_with_moto(Scenario::load("basic.json"), moto);
    let first = run(&bed, "hub-first");
    assert_eq!(first.code, 1, "{}", first.stderr);
    let report = first.json();
    assert_eq!(report["coverage"]["complete"], true, "{report:#}");
    let imported = report["findings"].as_array().unwrap().len();
    assert!(
        first.stderr.contains(&format!(
            "Security Hub: {CLUSTER}: {imported} finding(s) imported, 1 earlier one(s) archived"
        )),
        "{}",
        first.stderr
    );
    let states = held(&rt, client(&bed.moto.url));
    let stale = format!("{CLUSTER}/aws-auth-audit/stale");
    assert!(
        states.contains(&(stale, "ARCHIVED".to_string())),
        "{states:?}"
    );
    assert_eq!(
        states.iter().filter(|(_, s)| s == "ACTIVE").count(),
        imported,
        "{states:?}"
    );
    // The same findings again: updated in place, nothing more archived.
    let second = run(&bed, "hub-second");
    assert!(
        second.stderr.contains(&format!(
            "{imported} finding(s) imported, 0 earlier one(s) archived"
        )),
        "{}",
        second.stderr
    );
    assert_eq!(held(&rt, client(&bed.moto.url)).len(), imported + 1);
}

#[test]
fn an_incomplete_audit_leaves_earlier_findings_open() {
    let moto = testbed::moto::Moto::start();
    let hub = client(&moto.url);
    let rt = sdk::runtime();
    seed(&rt, hub, earlier("unseen"));
    let mut scenario = Scenario::load("basic.json");
    scenario.clusters[0].aws_auth_fault =
        Some(serde_json::from_value(json!({"status": 403})).unwrap());
    let bed = Testbed::start_with_moto(scenario, moto);
    let run = run(&bed, "hub-incomplete");
    assert!(
        run.stderr
            .contains("earlier findings left untouched: the audit's coverage is incomplete"),
        "{}",
        run.stderr
    );
    let states = held(&rt, client(&bed.moto.url));
    assert!(
        states.contains(&(
            format!("{CLUSTER}/aws-auth-audit/unseen"),
            "ACTIVE".to_string()
        )),
        "{states:?}"
    );
    // What could not be evaluated went in as NOT_AVAILABLE, never as passed.
    assert!(states.len() > 1, "{states:?}");
}

/// `scan --security-hub` imports each cluster into its own account through the role assumed
/// there; `merge --security-hub` without `--role-name` reaches only the caller's account: the
/// other account's clusters are said, not imported into the wrong account, and the run is exit 2
/// with the report written.
#[test]
fn a_fleet_imports_each_cluster_into_its_account_and_never_into_another() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let jsonl = crate::fleet::scan(&bed, &["--format", "jsonl", "--security-hub"]);
    assert_eq!(jsonl.code, 3, "a region is not listed: {}", jsonl.stderr);
    let clusters: Vec<Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["kind"] == "cluster")
        .collect();
    for line in &clusters {
        let arn = line["report"]["cluster"]["arn"].as_str().unwrap();
        assert!(
            jsonl.stderr.contains(&format!("Security Hub: {arn}: "))
                && !jsonl.stderr.contains(&format!("{arn}: not imported")),
            "{arn}: {}",
            jsonl.stderr
        );
    }
    assert!(
        jsonl
            .stderr
            .contains("2 target(s) not audited: their earlier findings are left untouched"),
        "{}",
        jsonl.stderr
    );
    // The merge, with the caller's own credentials only.
    let home = common::scratch("hub-merge");
    let part = common::write(&home, "part.jsonl", jsonl.stdout.as_bytes());
    let merged = bed.run(
        &home,
        "admin",
        &["merge", &part, "--format", "json", "--security-hub"],
    );
    assert_eq!(merged.code, 2, "{}", merged.stderr);
    assert!(
        merged
            .stderr
            .contains("not imported: no credentials for account 222233334444: pass --role-name")
            && merged.stderr.contains("the report was written"),
        "{}",
        merged.stderr
    );
    let report: Value = serde_json::from_str(&merged.stdout).unwrap();
    assert_eq!(report["clusters"].as_array().unwrap().len(), clusters.len());
}
