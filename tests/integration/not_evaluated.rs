//! A check that did not run is never a pass, in every format of every document kind: a
//! judgement with a failed read (the snapshot of a cluster that rejected the audit's token), a
//! diff one side of which could not be judged completely (a plan whose principal is unknown
//! until apply), and a fleet holding that cluster — each rendered in every format, and each
//! rule that was not evaluated looked for where a reader would take it as passed.

use serde_json::Value;

use crate::common::{run, scratch};

const REJECTED: &str = "tests/pinned/snapshots/faults-rejected.json";

/// The rule codes the JSON report lists as not evaluated.
fn not_evaluated(report: &Value) -> Vec<String> {
    let mut codes: Vec<String> = report["coverage"]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_string())
        .collect();
    codes.dedup();
    codes
}

/// In JUnit, each such rule's case carries an error; none is an empty (passed) case.
fn assert_junit(what: &str, xml: &str, codes: &[String]) {
    for code in codes {
        let start = xml
            .find(&format!("name=\"{code} "))
            .unwrap_or_else(|| panic!("{what}: no case for {code}:\n{xml}"));
        let case = &xml[start..];
        let end = case.find("</testcase>").unwrap_or(case.len());
        assert!(
            !case[..case.find('>').unwrap()].ends_with('/'),
            "{what}: {code} reads as passed"
        );
        assert!(
            case[..end].contains("<error message=\"not evaluated\">"),
            "{what}: {code}: {}",
            &case[..end]
        );
    }
}

/// In SARIF, the run did not execute successfully, and each such rule has a notification.
fn assert_sarif(what: &str, text: &str, codes: &[String]) {
    let log: Value = serde_json::from_str(text).unwrap();
    crate::common::assert_sarif_valid(&log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{what}");
    let notified: Vec<&str> = invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["associatedRule"]["id"].as_str())
        .collect();
    for code in codes {
        assert!(
            notified.contains(&code.as_str()),
            "{what}: {code} not notified"
        );
    }
}

#[test]
fn a_rule_that_did_not_run_never_reads_as_passed_in_a_check() {
    let json: Value =
        serde_json::from_str(&run(&["check", REJECTED, "--format", "json"]).stdout).unwrap();
    assert_eq!(json["coverage"]["complete"], false);
    let codes = not_evaluated(&json);
    assert!(codes.iter().any(|c| c == "EA113"), "{codes:?}");
    for format in ["table", "markdown", "junit", "sarif", "html", "json"] {
        let r = run(&["check", REJECTED, "--format", format]);
        assert_eq!(r.code, 3, "{format}: {}", r.stderr);
        match format {
            "junit" => assert_junit(format, &r.stdout, &codes),
            "sarif" => assert_sarif(format, &r.stdout, &codes),
            "json" => assert_eq!(
                r.stdout,
                serde_json::to_string_pretty(&json).unwrap() + "\n"
            ),
            _ => {
                assert!(!r.stdout.contains("No findings: all"), "{format}");
                assert!(
                    r.stdout.contains("not evaluated") || r.stdout.contains("Not evaluated"),
                    "{format}: {}",
                    r.stdout
                );
            }
        }
    }
    // A file, whose cluster rules cannot run: they are no JUnit case at all, never a pass.
    let file = run(&["check", "examples/clean.yaml", "--format", "junit"]);
    assert!(!file.stdout.contains("EA201"), "{}", file.stdout);
    let table = run(&["check", "examples/clean.yaml"]);
    assert!(
        table
            .stdout
            .contains("No findings: all 26 rule(s) in scope were evaluated."),
        "{}",
        table.stdout
    );
}

#[test]
fn what_a_diff_could_not_judge_never_reads_as_no_change() {
    let plan = "tests/plans/unknown-principal.json";
    for format in ["table", "markdown", "junit", "sarif", "json", "html"] {
        let r = run(&["diff", plan, "--format", format]);
        assert_eq!(r.code, 3, "{format}: {}", r.stderr);
        assert!(
            r.stdout.contains("not known until apply"),
            "{format}: {}",
            r.stdout
        );
        if format == "sarif" {
            let log: Value = serde_json::from_str(&r.stdout).unwrap();
            crate::common::assert_sarif_valid(&log);
            assert_eq!(
                log["runs"][0]["invocations"][0]["executionSuccessful"],
                false
            );
        }
    }
}

#[test]
fn a_fleet_cluster_whose_rules_did_not_run_never_reads_as_passed() {
    let dir = scratch("not-evaluated-fleet");
    std::fs::copy(REJECTED, dir.join("rejected.json")).unwrap();
    let replay = dir.to_str().unwrap();
    let json: Value = serde_json::from_str(
        &run(&["scan", "--replay", replay, "--quiet", "--format", "json"]).stdout,
    )
    .unwrap();
    let codes = not_evaluated(&json["clusters"][0]["report"]);
    assert!(!codes.is_empty());
    for format in ["table", "markdown", "junit", "sarif", "html", "jsonl"] {
        let r =
            crate::common::run_wide(&["scan", "--replay", replay, "--quiet", "--format", format]);
        assert_eq!(r.code, 3, "{format}: {}", r.stderr);
        match format {
            "junit" => assert_junit(format, &r.stdout, &codes),
            "sarif" => {
                let log: Value = serde_json::from_str(&r.stdout).unwrap();
                crate::common::assert_sarif_valid(&log);
                assert_eq!(
                    log["runs"][0]["invocations"][0]["executionSuccessful"],
                    false
                );
            }
            "jsonl" => assert!(r.stdout.contains("\"not_evaluated\""), "{format}"),
            // Markdown escapes the underscore; the table may wrap the closing parenthesis.
            _ => assert!(
                r.stdout.contains("unknown(auth_rejected")
                    || r.stdout.contains("unknown(auth\\_rejected)"),
                "{format}: {}",
                r.stdout
            ),
        }
    }
}
