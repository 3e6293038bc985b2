//! Every machine-readable output validates against its published JSON Schema
//! (`docs/schema/`, derived from the types that write it): the reports of every example and
//! pinned snapshot, the snapshots themselves, every diff scenario's report, and a fleet scan's
//! JSON Lines and JSON report.

use std::path::PathBuf;

use serde_json::Value;

use crate::common;
use crate::support::testbed::{Scenario, Testbed};

fn validator(file_prefix: &str) -> jsonschema::Validator {
    let dir = common::repo().join("docs/schema");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{file_prefix}.v")))
        })
        .unwrap_or_else(|| panic!("docs/schema/{file_prefix}.v*.schema.json"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(
        schema["$id"]
            .as_str()
            .is_some_and(|id| id.ends_with(file.file_name().unwrap().to_str().unwrap())),
        "{}: $id",
        file.display()
    );
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn assert_valid(validator: &jsonschema::Validator, what: &str, instance: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn files(dir: &str, extension: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(common::repo().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == extension))
        .collect();
    found.sort();
    found
}

#[test]
fn reports_and_snapshots_match_their_schemas() {
    let report = validator("report");
    let snapshot = validator("snapshot");
    let mut inputs: Vec<PathBuf> = files("examples", "yaml");
    inputs.extend(files("tests/plans", "json"));
    let snapshots = files("tests/pinned/snapshots", "json");
    inputs.extend(snapshots.iter().cloned());
    assert!(inputs.len() >= 25, "{inputs:?}");
    for input in &inputs {
        let path = input.to_str().unwrap();
        let run = common::run(&["check", path, "--format", "json"]);
        assert!(run.code != 2 && run.code != 4, "{path}: {}", run.stderr);
        assert_valid(&report, path, &serde_json::from_str(&run.stdout).unwrap());
    }
    for path in &snapshots {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_valid(&snapshot, &path.display().to_string(), &value);
    }
    // The schema is not vacuous: a report missing its coverage, or with a finding whose
    // status is not one the tool writes, does not validate.
    let run = common::run(&["check", "examples/aws-auth.yaml", "--format", "json"]);
    let good: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut broken = good.clone();
    broken.as_object_mut().unwrap().remove("coverage");
    assert!(!report.is_valid(&broken));
    let mut broken = good;
    broken["findings"][0]["status"] = "passed".into();
    assert!(!report.is_valid(&broken));
}

#[test]
fn diff_reports_match_their_schema() {
    let diff = validator("diff");
    let mut count = 0;
    for dir in std::fs::read_dir(common::repo().join("tests/diff")).unwrap() {
        let dir = dir.unwrap().path();
        let mut sides: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n == "base.yaml" || n == "head.yaml")
            })
            .collect();
        if sides.len() != 2 {
            continue;
        }
        sides.sort();
        let run = common::run(&[
            "diff",
            sides[0].to_str().unwrap(),
            sides[1].to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(
            run.code != 2 && run.code != 4,
            "{}: {}",
            dir.display(),
            run.stderr
        );
        assert_valid(
            &diff,
            &dir.display().to_string(),
            &serde_json::from_str(&run.stdout).unwrap(),
        );
        count += 1;
    }
    assert!(count >= 8, "{count} diff scenarios");
}

#[test]
fn fleet_lines_and_report_match_their_schemas() {
    let line_schema = validator("fleet-line");
    let fleet_schema = validator("fleet");
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let home = common::scratch("schemas-fleet");
    let scan = |format: &str| {
        bed.run(
            &home,
            "admin",
            &[
                "scan",
                "--accounts",
                "123456789012,222233334444",
                "--role-name",
                "auditor",
                "--regions",
                "us-east-1,eu-west-1,ap-south-1",
                "--no-iam",
                "--quiet",
                "--format",
                format,
            ],
        )
    };
    let lines = scan("jsonl");
    assert_eq!(lines.code, 3, "{}", lines.stderr);
    let mut kinds = std::collections::BTreeSet::new();
    for line in lines.stdout.lines() {
        let value: Value = serde_json::from_str(line).unwrap();
        kinds.insert(value["kind"].as_str().unwrap().to_string());
        assert_valid(&line_schema, line, &value);
    }
    assert!(
        kinds.contains("cluster") && kinds.contains("not_audited") && kinds.contains("summary")
    );
    let report = scan("json");
    assert_valid(&fleet_schema, "scan --format json", &report.json());
}

/// `whois --format json`, for a file (every row of the bundled example asked, mapped or not)
/// and for a snapshot (the decision across access entries and aws-auth).
#[test]
fn whois_answers_match_their_schemas() {
    let file_schema = validator("whois");
    let cluster_schema = validator("whois-cluster");
    let asked = [
        "arn:aws:iam::111122223333:role/eks-node-group-role",
        "arn:aws:sts::111122223333:assumed-role/platform-admins/alice",
        "arn:aws:iam::111122223333:user/nobody",
        "arn:aws:iam::111122223333:role/unmapped",
    ];
    for arn in asked {
        let run = common::run(&[
            "whois",
            arn,
            "--file",
            "examples/aws-auth.yaml",
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 0, "{arn}: {}", run.stderr);
        let value: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_valid(&file_schema, arn, &value);
    }
    let snapshots = files("tests/pinned/snapshots", "json");
    assert!(!snapshots.is_empty());
    let mut outcomes = std::collections::BTreeSet::new();
    for snapshot in &snapshots {
        let run = common::run(&[
            "whois",
            "arn:aws:iam::123456789012:role/admins",
            "--snapshot",
            snapshot.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(
            run.code != 2 && run.code != 4,
            "{}: {}",
            snapshot.display(),
            run.stderr
        );
        let value: Value = serde_json::from_str(&run.stdout).unwrap();
        outcomes.insert(value["decided_by"].to_string());
        assert_valid(&cluster_schema, &snapshot.display().to_string(), &value);
    }
    assert!(outcomes.len() >= 2, "{outcomes:?}");
}
