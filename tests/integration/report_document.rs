//! One report document: the type the JSON writer writes is the type every reader reads back
//! (`merge`, `--baseline`, `--resume`, `policy init`, the HTML page, the fleet views). Every
//! pinned JSON report reads back into it and writes out again byte for byte — a field the
//! writer writes and the reader does not know, or reads differently, fails here — and a report
//! of another shape, or naming a rule this build does not have, is refused by name.

use aws_auth_audit::report::json::Report;

use crate::common;

/// Every pinned `check`/`cluster` JSON report (not the diff's), by name.
fn pinned_check_reports() -> Vec<(String, String)> {
    let dir = common::repo().join("tests/pinned/reports");
    let mut reports: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".json.txt") && !name.starts_with("diff-")
        })
        .map(|p| {
            // A pinned report's first line is the exit code it earned.
            let pinned = std::fs::read_to_string(&p).unwrap();
            let (_exit, report) = pinned.split_once('\n').unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                report.to_string(),
            )
        })
        .collect();
    reports.sort();
    reports
}

#[test]
fn every_pinned_report_reads_back_into_the_one_document_and_writes_out_the_same() {
    let reports = pinned_check_reports();
    assert!(reports.len() >= 25, "{} pinned reports", reports.len());
    let mut with_principals = 0;
    for (name, text) in &reports {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let report = Report::read(value).unwrap_or_else(|e| panic!("{name}: {e}"));
        with_principals += usize::from(!report.principals().is_empty());
        let mut again = serde_json::to_string_pretty(&report).unwrap();
        again.push('\n');
        assert_eq!(
            &again, text,
            "{name}: read back and written again, it differs"
        );
    }
    assert!(
        with_principals >= 20,
        "the live reports carry their access matrix"
    );
}

#[test]
fn a_report_of_another_shape_or_rule_catalogue_is_refused_by_name() {
    let (_, text) = pinned_check_reports()
        .into_iter()
        .find(|(name, _)| name.contains("faults-healthy"))
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();

    let mut older = value.clone();
    older["version"] = 0.into();
    let error = Report::read(older).unwrap_err().to_string();
    assert!(
        error.contains("shape version 0, and this build reads version 1"),
        "{error}"
    );

    // A member renamed is an error, never an empty value.
    let mut renamed = value.clone();
    let findings = renamed["findings"].take();
    renamed.as_object_mut().unwrap().remove("findings");
    renamed["finding"] = findings;
    let error = Report::read(renamed).unwrap_err().to_string();
    assert!(error.contains("missing field `findings`"), "{error}");

    // A rule this build does not have is not made up.
    let mut newer = value.clone();
    newer["coverage"]["rules_evaluated"][0] = "EA999".into();
    let error = Report::read(newer).unwrap_err().to_string();
    assert!(
        error.contains("\"EA999\" is not in this build's catalogue"),
        "{error}"
    );

    // A way in this build does not know is not read as another.
    let mut unknown_source = value;
    unknown_source["principals"][0]["source"] = "aws-auth mapGroups[0]".into();
    let error = Report::read(unknown_source).unwrap_err().to_string();
    assert!(error.contains("no way in this build knows"), "{error}");
}

/// `check --baseline` reads the same document: a report of another shape version is refused
/// by name.
#[test]
fn a_baseline_of_another_shape_version_is_refused_by_name() {
    let dir = common::scratch("report-document-baseline");
    let report = common::run(&["check", "examples/aws-auth.yaml", "--format", "json"]).stdout;
    let good = common::write(&dir, "good.json", report.as_bytes());
    let r = common::run(&[
        "check",
        "examples/aws-auth.yaml",
        "--baseline",
        good.as_str(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("finding(s) it already had"),
        "{}",
        r.stdout
    );
    let older = report.replacen("\"version\": 1,", "\"version\": 0,", 1);
    let older = common::write(&dir, "older.json", older.as_bytes());
    let r = common::run(&[
        "check",
        "examples/aws-auth.yaml",
        "--baseline",
        older.as_str(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("older.json:1:1") && r.stderr.contains("shape version 0"),
        "{}",
        r.stderr
    );
}

/// A cluster's line written from a borrowed line (`cluster_line`, what a scan writes) is the
/// line the tagged `FleetLine` writes, byte for byte, and reads back into the same line.
#[test]
fn a_cluster_line_written_without_a_copy_is_the_tagged_line() {
    use aws_auth_audit::report::fleet::{ClusterLine, FleetLine, cluster_line, line};
    let report = common::run(&[
        "check",
        common::repo()
            .join("examples/snapshot.json")
            .to_str()
            .unwrap(),
        "--format",
        "json",
    ]);
    let value = serde_json::json!({
        "account": "123456789012", "region": "us-east-1", "cluster": "demo", "exit": 1,
        "report": serde_json::from_str::<serde_json::Value>(&report.stdout).unwrap(),
    });
    let read = ClusterLine::read(value).unwrap();
    let borrowed = cluster_line(&read);
    assert_eq!(borrowed, line(&FleetLine::Cluster(read.clone())));
    let again = ClusterLine::read(serde_json::from_str(&borrowed).unwrap()).unwrap();
    assert_eq!(cluster_line(&again), borrowed);
}
