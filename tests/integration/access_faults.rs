//! Access entries when EKS does not answer well, read through the real AWS SDK from the test
//! bed: throttling retried by the SDK then unknown, one entry that cannot be described left
//! undecided alone (the rest judged), and an EKS API that never answers cut off by the deadline.

use serde_json::json;

use super::access_entries::{
    ACCOUNT, audit, eks_requests, entry, findings, needs_iam, not_evaluated, scenario,
};
use crate::common;
use crate::support::testbed::Testbed;

#[test]
fn throttling_is_retried_by_the_sdk_then_unknown() {
    let bed = Testbed::start(scenario());
    let flaky = audit(&bed, "flaky").json();
    assert!(
        not_evaluated(&flaky).iter().all(|n| needs_iam(n)),
        "{:?}",
        not_evaluated(&flaky)
    );
    let describes: Vec<u16> = eks_requests(&bed, "flaky")
        .into_iter()
        .filter(|(k, _)| k == "describe")
        .map(|(_, s)| s)
        .collect();
    assert_eq!(describes, [429, 200]);

    let home = common::scratch("entries-throttled");
    let throttled = bed.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            "throttled",
            "--format",
            "json",
            "--no-iam",
        ],
    );
    assert_eq!(throttled.code, 3, "{}", throttled.stderr);
    let report = throttled.json();
    let missing = not_evaluated(&report);
    let ea201 = missing.iter().find(|n| n.starts_with("EA201")).unwrap();
    assert!(
        ea201.contains("unknown(throttled)") && ea201.contains("DescribeAccessEntry"),
        "{ea201}"
    );
    // The mode rules still ran: they do not need the entries.
    assert!(
        !missing
            .iter()
            .any(|n| n.starts_with("EA303") || n.starts_with("EA305"))
    );
    let describes = eks_requests(&bed, "throttled")
        .into_iter()
        .filter(|(k, _)| k == "describe")
        .count();
    // Adaptive retry: a call that keeps being throttled is tried three times (and slows the
    // later calls of its account and region) before it is reported.
    assert_eq!(describes, 3, "the SDK's adaptive retry: three attempts");
}

#[test]
fn one_unreadable_entry_is_undecided_alone() {
    let mut scenario = scenario();
    let throttled = scenario
        .clusters
        .iter_mut()
        .find(|c| c.name == "throttled")
        .unwrap();
    throttled.access_entries = vec![
        entry(
            "role/admin-a",
            "AmazonEKSClusterAdminPolicy",
            json!({"type": "cluster"}),
        ),
        entry(
            "role/ops",
            "AmazonEKSViewPolicy",
            json!({"type": "cluster"}),
        ),
        entry(
            "user/bob",
            "AmazonEKSViewPolicy",
            json!({"type": "cluster"}),
        ),
    ];
    throttled.eks_faults = serde_json::from_value(json!({
        format!("DescribeAccessEntry arn:aws:iam::{ACCOUNT}:role/ops"): {"status": 429}
    }))
    .unwrap();
    let bed = Testbed::start(scenario);
    let home = common::scratch("entries-one-unread");
    let run = bed.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            "throttled",
            "--format",
            "json",
            "--no-iam",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = run.json();
    // The readable entries are judged: admin-a's policy (EA201), bob is a user (EA207).
    let found = findings(&report);
    assert!(
        found
            .iter()
            .any(|(c, p)| c == "EA201" && p.ends_with("role/admin-a")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(c, p)| c == "EA207" && p.ends_with("user/bob")),
        "{found:?}"
    );
    // role/ops is undecided for each entry rule, by name; the set rules cannot decide at all.
    let missing = not_evaluated(&report);
    let about_ops: Vec<&String> = missing
        .iter()
        .filter(|n| {
            n.contains(&format!(
                "access entry arn:aws:iam::{ACCOUNT}:role/ops: unknown(throttled)"
            ))
        })
        .collect();
    for code in [
        "EA201", "EA202", "EA203", "EA204", "EA207", "EA208", "EA209",
    ] {
        assert!(
            about_ops.iter().any(|n| n.starts_with(code)),
            "{code}: {missing:?}"
        );
    }
    for code in ["EA302", "EA304", "EA307", "EA308", "EA309"] {
        assert!(
            missing.iter().any(|n| n.starts_with(code)),
            "{code}: {missing:?}"
        );
    }
    // EA206 judges the readable entries' groups and says it could not see role/ops's.
    let undecided = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["code"] == "EA206" && f["principal"] == format!("arn:aws:iam::{ACCOUNT}:role/ops")
        })
        .unwrap_or_else(|| panic!("{}", report["findings"]));
    assert_eq!(undecided["status"], "unknown(entry-not-read)");
    // In the matrix, the entry is there with unknown power, and says why.
    let row = report["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["arn"] == format!("arn:aws:iam::{ACCOUNT}:role/ops")
                && p["source"] == "access entry (UNKNOWN)"
        })
        .unwrap_or_else(|| panic!("{}", report["principals"]));
    assert_eq!(row["tier"], "unknown");
    assert!(row["note"].as_str().unwrap().contains("could not be read"));
}

#[test]
fn a_silent_eks_api_is_cut_off_by_the_deadline() {
    let mut scenario = scenario();
    let api = scenario
        .clusters
        .iter_mut()
        .find(|c| c.name == "api")
        .unwrap();
    api.eks_faults = serde_json::from_value(json!({"ListAccessEntries": {"hang": true}})).unwrap();
    let bed = Testbed::start(scenario);
    let home = common::scratch("entries-deadline");
    // The test bed's watchdog (two minutes) is far above the deadline: the audit must end on
    // its own.
    let run = bed.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            "api",
            "--format",
            "json",
            "--no-iam",
            "--deadline",
            "5",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = run.json();
    let missing = not_evaluated(&report);
    let ea201 = missing.iter().find(|n| n.starts_with("EA201")).unwrap();
    assert!(
        ea201.contains("unknown(timeout)")
            && ea201.contains("access entries: not finished within the audit's deadline"),
        "{ea201}"
    );
    // What answered is judged: aws-auth is read, and the API mode ignores it (EA305).
    assert!(
        findings(&report).iter().any(|(c, _)| c == "EA305"),
        "{missing:?}"
    );
}
