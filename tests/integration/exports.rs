//! `--format asff` (AWS Security Hub) and `--format ocsf` (OCSF Detection Findings), each
//! validated by its real definition: botocore's request model of `BatchImportFindings` (boto3's
//! parameter validation) and the OCSF models Prowler publishes (`py-ocsf-models`), both from
//! PyPI — not a hand-written copy of either schema.

use crate::common;

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs a validator of `tests/tools/` on `document`: its exit code and what it printed.
fn validate(tool: &str, document: &str) -> (i32, String) {
    let mut child = Command::new("python3")
        .arg(common::repo().join("tests/tools").join(tool))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Snapshots whose findings cover every status: failed, undecided (`unknown(…)`), and more.
const SNAPSHOTS: [&str; 3] = [
    "examples/snapshot.json",
    "tests/pinned/snapshots/faults-rejected.json",
    "tests/pinned/snapshots/entries-mixed.json",
];

#[test]
fn asff_is_what_security_hub_takes() {
    for snapshot in SNAPSHOTS {
        let run = common::run(&["check", snapshot, "--format", "asff"]);
        assert!(run.code != 2, "{snapshot}: {}", run.stderr);
        let (code, said) = validate("asff_validate.py", &run.stdout);
        assert_eq!(code, 0, "{snapshot}: {said}");
        let findings: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
        let report: Value =
            serde_json::from_str(&common::run(&["check", snapshot, "--format", "json"]).stdout)
                .unwrap();
        let cluster = report["cluster"]["arn"].as_str().unwrap();
        // Every finding, then one undecided item per rule that could not be evaluated (the
        // coverage's mirror of an undecided finding is not exported twice).
        let undecided: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"].as_str().unwrap().starts_with("unknown"))
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect();
        let not_evaluated: Vec<&Value> = report["coverage"]["not_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| {
                !(n["reason"].as_str().unwrap().starts_with("unknown(")
                    && undecided.contains(&n["code"].as_str().unwrap().to_string()))
            })
            .collect();
        assert_eq!(
            findings.len(),
            report["findings"].as_array().unwrap().len() + not_evaluated.len()
        );
        assert!(!findings.is_empty(), "{snapshot}");
        for (asff, missing) in findings[findings.len() - not_evaluated.len()..]
            .iter()
            .zip(&not_evaluated)
        {
            assert_eq!(asff["Compliance"]["Status"], "NOT_AVAILABLE");
            assert!(
                asff["Description"]
                    .as_str()
                    .unwrap()
                    .contains("could not be evaluated")
            );
            assert_eq!(
                asff["GeneratorId"],
                format!("aws-auth-audit/{}", missing["code"].as_str().unwrap())
            );
        }
        for (asff, finding) in findings.iter().zip(report["findings"].as_array().unwrap()) {
            // A stable id: the cluster and the fingerprint; the resource is the cluster.
            assert_eq!(
                asff["Id"],
                format!(
                    "{cluster}/aws-auth-audit/{}",
                    finding["fingerprint"].as_str().unwrap()
                )
            );
            assert_eq!(asff["Resources"][0]["Type"], "AwsEksCluster");
            assert_eq!(asff["Resources"][0]["Id"], cluster);
            assert_eq!(
                asff["GeneratorId"],
                format!("aws-auth-audit/{}", finding["code"].as_str().unwrap())
            );
            let undecided = finding["status"].as_str().unwrap().starts_with("unknown");
            assert_eq!(
                asff["Compliance"]["Status"] == "NOT_AVAILABLE",
                undecided,
                "an undecided finding is never reported as decided: {asff:#}"
            );
            assert!(
                asff["Remediation"]["Recommendation"]["Url"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!(
                        "docs/rules/{}.md",
                        finding["code"].as_str().unwrap()
                    ))
            );
        }
    }
    // The same evidence exports the same findings (a replay is judged at its collection).
    let again = common::run(&["check", SNAPSHOTS[0], "--format", "asff"]);
    assert_eq!(
        again.stdout,
        common::run(&["check", SNAPSHOTS[0], "--format", "asff"]).stdout
    );
}

#[test]
fn asff_needs_a_cluster() {
    let file = common::run(&["check", "examples/aws-auth.yaml", "--format", "asff"]);
    assert_eq!(file.code, 2, "{}", file.stdout);
    assert!(
        file.stderr
            .contains("asff describes findings of a cluster in an AWS account"),
        "{}",
        file.stderr
    );
}

#[test]
fn ocsf_events_are_detection_findings() {
    for input in SNAPSHOTS.iter().chain(&["examples/aws-auth.yaml"]) {
        let run = common::run(&["check", input, "--format", "ocsf"]);
        assert!(run.code != 2, "{input}: {}", run.stderr);
        let (code, said) = validate("ocsf_validate.py", &run.stdout);
        assert_eq!(code, 0, "{input}: {said}");
        let events: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
        for event in &events {
            assert_eq!(event["class_uid"], 2004);
            assert_eq!(event["metadata"]["version"], "1.5.0");
            let unknown = event["status"] == "Unknown";
            assert_eq!(
                unknown,
                event["status_detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("not decided")),
                "{event:#}"
            );
        }
    }
    // A file's finding names the file as its resource, with the line.
    let file: Vec<Value> = serde_json::from_str(
        &common::run(&["check", "examples/aws-auth.yaml", "--format", "ocsf"]).stdout,
    )
    .unwrap();
    assert_eq!(file[0]["resources"][0]["type"], "File");
    assert!(
        file[0]["evidences"][0]["data"]["file"]["line"]
            .as_u64()
            .unwrap()
            > 0
    );
}

/// A fleet's exports: every audited cluster's findings and each cluster the scan could not
/// audit as an undecided item of its own — valid for Security Hub and for OCSF, never a clean
/// absence.
#[test]
fn a_fleets_exports_carry_every_cluster_and_each_one_not_audited() {
    use crate::support::testbed::{Scenario, Testbed};
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let json = crate::fleet::scan(&bed, &["--format", "json"]).json();
    let audited: Vec<&str> = json["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["report"]["cluster"]["arn"].as_str().unwrap())
        .collect();
    // A region whose clusters could not be listed: an item on its account, in that region.
    let unaudited: Vec<(String, String)> = json["not_audited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let id = match n["cluster"].as_str() {
                Some(cluster) => format!(
                    "arn:aws:eks:{}:{}:cluster/{cluster}",
                    n["region"].as_str().unwrap(),
                    n["account"].as_str().unwrap(),
                ),
                None => format!("AWS::::Account:{}", n["account"].as_str().unwrap()),
            };
            (id, n["region"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(unaudited.len(), 2, "{json:#}");
    let asff = crate::fleet::scan(&bed, &["--format", "asff"]);
    assert_eq!(asff.code, 3, "{}", asff.stderr);
    let (code, said) = validate("asff_validate.py", &asff.stdout);
    assert_eq!(code, 0, "{said}");
    let findings: Vec<Value> = serde_json::from_str(&asff.stdout).unwrap();
    let resources: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f["Resources"][0]["Id"].as_str().unwrap())
        .collect();
    for cluster in &audited {
        assert!(resources.contains(cluster), "{cluster}");
    }
    for (id, region) in &unaudited {
        let item = findings
            .iter()
            .find(|f| f["Resources"][0]["Id"] == id.as_str() && f["Region"] == region.as_str())
            .unwrap_or_else(|| panic!("{id} in {region} is missing from the export"));
        assert_eq!(item["GeneratorId"], "aws-auth-audit/not-audited");
        assert_eq!(item["Compliance"]["Status"], "NOT_AVAILABLE");
        assert!(
            item["Description"]
                .as_str()
                .unwrap()
                .contains("could be audited: ListClusters: AccessDeniedException"),
            "{item:#}"
        );
    }
    let ocsf = crate::fleet::scan(&bed, &["--format", "ocsf"]);
    let (code, said) = validate("ocsf_validate.py", &ocsf.stdout);
    assert_eq!(code, 0, "{said}");
    let events: Vec<Value> = serde_json::from_str(&ocsf.stdout).unwrap();
    assert_eq!(events.len(), findings.len());
    for (id, region) in &unaudited {
        assert!(
            events
                .iter()
                .any(|e| e["resources"][0]["uid"] == id.as_str()
                    && e["cloud"]["region"] == region.as_str()
                    && e["status"] == "Unknown"
                    && e["metadata"]["event_code"] == "not-audited"),
            "{id} in {region}"
        );
    }
}
