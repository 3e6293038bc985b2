//! The cluster's creator with access entries, read from the test bed: CloudTrail refused (the
//! creator left unnamed, and said so), a legacy cluster's creator entry materialised at its
//! migration, a creator whose entry was deleted, and without CloudTrail the tags that point at
//! the pipeline that made it.

use super::access_entries::{
    ACCOUNT, audit, finding, findings, needs_iam, not_evaluated, scenario,
};
use crate::common;
use crate::support::testbed::{self, Testbed};

#[test]
fn cloudtrail_denied_leaves_the_creator_unnamed_and_said_so() {
    let mut denied = scenario();
    denied.clusters[1].cloudtrail_fault = Some(testbed::Fault {
        status: 403,
        times: None,
        hang: false,
        code: None,
    });
    // `mixed` was created ten days ago (CloudTrail is asked), later than its entries.
    for cluster in &mut denied.clusters {
        if cluster.name == "mixed" {
            cluster.created_days_ago = Some(10);
        }
    }
    let bed = Testbed::start(denied);
    let report = audit(&bed, "legacy").json();
    // The failed read is said beside the findings, with its reason.
    assert!(
        report["notes"].to_string().contains(
            "CloudTrail's CreateCluster event (who created the cluster) could not be read: unknown(access_denied)"
        ),
        "{}",
        report["notes"]
    );
    // Whether the creator's entry is still there is then not known: undecided, never passed
    // (no entry dates from the cluster's creation for the heuristic to stand in).
    let mixed = audit(&bed, "mixed").json();
    let creator = finding(&mixed, "EA302");
    assert_eq!(creator["status"], "unknown(access_denied)", "{creator}");
    let message = creator["message"].as_str().unwrap();
    assert!(
        message.contains("the creator's access entry could not be identified: CloudTrail could not be read (unknown(access_denied)"),
        "{message}"
    );
    assert_eq!(mixed["coverage"]["complete"], false);
    let hidden = finding(&report, "EA301");
    let message = hidden["message"].as_str().unwrap();
    assert!(
        message.contains("CloudTrail could not be read: unknown(access_denied)")
            && message.contains("pass --creator ARN"),
        "{message}"
    );
    // The user can say who it is: CloudTrail is then not asked who created it (its one
    // stream is still read, for who granted each access entry: one denied page).
    let before = bed
        .requests()
        .iter()
        .filter(|r| r.server == "cloudtrail")
        .count();
    let home = common::scratch("entries-creator");
    let named = bed
        .run(
            &home,
            "admin",
            &[
                "cluster",
                "--name",
                "legacy",
                "--format",
                "json",
                "--no-iam",
                "--allow-incomplete",
                "--creator",
                "arn:aws:iam::123456789012:role/Founder",
            ],
        )
        .json();
    let after = bed
        .requests()
        .iter()
        .filter(|r| r.server == "cloudtrail")
        .count();
    assert_eq!(after - before, 1, "--creator: the one stream, nothing more");
    let hidden = finding(&named, "EA301");
    assert_eq!(
        hidden["principal"],
        "arn:aws:iam::123456789012:role/Founder"
    );
    assert!(
        hidden["message"]
            .as_str()
            .unwrap()
            .contains("named by --creator")
    );
}

#[test]
fn a_migrated_legacy_cluster_shows_its_materialised_creator_entry() {
    let bed = Testbed::start(scenario());
    let report = audit(&bed, "migrated").json();
    assert!(
        not_evaluated(&report).iter().all(|n| needs_iam(n)),
        "{:?}",
        not_evaluated(&report)
    );
    // CloudTrail is not asked (the cluster is 1,000 days old): the entry created 4 s after the
    // update that left CONFIG_MAP is the creator's, by a heuristic that says what it rests on.
    let creator = finding(&report, "EA302");
    assert_eq!(
        creator["principal"],
        format!("arn:aws:iam::{ACCOUNT}:user/founder")
    );
    let message = creator["message"].as_str().unwrap();
    assert!(
        message.contains("created 4 s after the cluster left CONFIG_MAP (update upd-migrate of 2026-03-01T10:00:00Z)")
            && message.contains("a heuristic"),
        "{message}"
    );
    // The updates were listed once and each described; only the AccessConfigUpdate counts.
    let updates: Vec<String> = bed
        .requests()
        .into_iter()
        .filter(|r| r.server == "eks" && r.path.starts_with("/clusters/migrated/updates"))
        .map(|r| format!("{}?{}", r.path, r.query))
        .collect();
    assert_eq!(updates.len(), 3, "{updates:?}");
    assert!(updates.contains(&"/clusters/migrated/updates?maxResults=100".to_string()));
    // EA309: the system:masters row has no entry and cannot move as written; role/ops has
    // its entry (and is shadowed by it: EA304).
    let found = findings(&report);
    let blockers: Vec<&String> = found
        .iter()
        .filter(|(c, _)| c == "EA309")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(blockers, [&format!("arn:aws:iam::{ACCOUNT}:role/admins")]);
    assert!(
        finding(&report, "EA309")["message"]
            .as_str()
            .unwrap()
            .contains("associate AmazonEKSClusterAdminPolicy instead")
    );
    assert!(
        found
            .iter()
            .any(|(c, p)| c == "EA304" && p.ends_with("role/ops"))
    );
    // The access policies EKS offers were read once.
    assert_eq!(
        bed.requests()
            .iter()
            .filter(|r| r.server == "eks" && r.path == "/access-policies")
            .count(),
        1
    );
}

#[test]
fn a_creator_whose_entry_was_deleted_has_no_access() {
    let bed = Testbed::start(scenario());
    let report = audit(&bed, "creator-gone").json();
    let found = findings(&report);
    assert!(
        !found.iter().any(|(c, _)| c == "EA302" || c == "EA301"),
        "{found:?}"
    );
    let creator_row = report["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["source"].as_str().unwrap().starts_with("creator"))
        .unwrap_or_else(|| panic!("{}", report["principals"]));
    assert_eq!(
        creator_row["arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/bootstrap")
    );
    assert_eq!(creator_row["in_effect"], false);
    assert_eq!(creator_row["tier"], "none");
    assert!(
        creator_row["note"]
            .as_str()
            .unwrap()
            .contains("not been verified")
    );
    // Two admin entries: no lockout risk.
    assert!(!found.iter().any(|(c, _)| c == "EA307"), "{found:?}");
    // whois: being the creator gives nothing here.
    let home = common::scratch("entries-creator-gone");
    let answer = bed
        .run(
            &home,
            "admin",
            &[
                "whois",
                &format!("arn:aws:sts::{ACCOUNT}:assumed-role/bootstrap/pipeline"),
                "--cluster",
                "creator-gone",
                "--format",
                "json",
            ],
        )
        .json();
    assert_eq!(answer["decided_by"], "nobody", "{answer}");
}

#[test]
fn without_cloudtrail_the_tags_point_at_the_pipeline() {
    let bed = Testbed::start(scenario());
    let report = audit(&bed, "tagged").json();
    let hidden = finding(&report, "EA301");
    let message = hidden["message"].as_str().unwrap();
    assert!(
        message.contains("heuristics from the cluster's tags")
            && message.contains("eksctl 0.190.0 created it")
            && message.contains("--stack-name eksctl-tagged-cluster"),
        "{message}"
    );
    // CONFIG_MAP: no updates or access policies to read.
    assert!(
        !bed.requests()
            .iter()
            .any(|r| r.server == "eks"
                && (r.path.contains("/updates") || r.path == "/access-policies")),
        "{:?}",
        bed.requests()
    );
}
