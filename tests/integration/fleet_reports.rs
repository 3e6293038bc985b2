//! The fleet's reports from a real scan: the table, JSON, Markdown, SARIF (validated against
//! the 2.1.0 schema), JUnit (parsed by Python) and the HTML page (quiet in Chromium).

use serde_json::Value;

use super::fleet::{cluster_lines, scan};
use crate::common;
use crate::support::testbed::{Scenario, Testbed};

#[test]
fn the_fleet_table_shows_clusters_admins_and_what_was_not_checked() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let run = scan(&bed, &["--format", "table", "--allow-incomplete"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    for needle in [
        "4 cluster(s) audited, 2 target(s) not audited",
        "own-west",
        "CONFIG_MAP",
        "who can administer, across the fleet:",
        "arn:aws:iam::123456789012:role/admins — 2 cluster(s)",
        "not audited: account 222233334444, region ap-south-1: unknown(access_denied)",
    ] {
        assert!(
            run.stdout.contains(needle),
            "no `{needle}` in:\n{}",
            run.stdout
        );
    }
    let json = scan(&bed, &["--format", "json", "--allow-incomplete"]);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["kind"], "FleetReport");
    assert_eq!(report["clusters"].as_array().unwrap().len(), 4);
    // The same scan as one page: a row per cluster, the banner naming the two targets not
    // audited and every incomplete cluster, and the page quiet in a real browser.
    let html = scan(&bed, &["--format", "html", "--allow-incomplete"]);
    assert_eq!(html.code, 1, "{}", html.stderr);
    assert_eq!(html.stdout.matches("<tr class=\"cluster-row").count(), 4);
    let banner = &html.stdout[html.stdout.find("banner incomplete").expect("a banner")..];
    let banner = &banner[..banner.find("</section>").unwrap()];
    let incomplete_clusters = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["report"]["coverage"]["complete"] == false)
        .count();
    assert_eq!(
        banner.matches("<li>").count(),
        2 + incomplete_clusters,
        "{banner}"
    );
    assert_eq!(
        banner.matches("unknown(access_denied)").count(),
        2,
        "{banner}"
    );
    let page = common::write(
        &common::scratch("fleet-html"),
        "fleet.html",
        html.stdout.as_bytes(),
    );
    let opened = crate::support::page_checks::open("scan", std::path::Path::new(&page));
    crate::support::page_checks::assert_quiet("scan", &opened, std::path::Path::new(&page));
}

/// The fleet report in Markdown, SARIF (valid against the 2.1.0 schema; targets not audited
/// are the invocation's error notifications) and JUnit (one suite per cluster, one of what was
/// not audited), from one scan's JSON Lines through `merge`.
#[test]
fn the_fleet_report_in_markdown_sarif_and_junit() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let run = scan(&bed, &["--format", "jsonl", "--quiet"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let dir = common::scratch("fleet-formats");
    let lines = dir.join("scan.jsonl");
    std::fs::write(&lines, &run.stdout).unwrap();
    let merge = |format: &str| common::run(&["merge", lines.to_str().unwrap(), "--format", format]);

    let md = merge("markdown");
    assert_eq!(md.code, 3);
    assert!(
        md.stdout.starts_with("## aws-auth-audit scan\n"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("> **Incomplete.** These could not be checked:")
    );
    assert!(
        md.stdout
            .contains("> - account 123456789012, region ap-south-1: unknown(access\\_denied)"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("| 123456789012 | eu-west-1 | own-west | CONFIG\\_MAP |")
    );
    assert!(md.stdout.contains("**Still in `CONFIG_MAP`**"));

    let sarif = merge("sarif");
    assert_eq!(sarif.code, 3);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    common::assert_sarif_valid(&log);
    let run0 = &log["runs"][0];
    assert_eq!(run0["invocations"][0]["executionSuccessful"], false);
    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(
        notes.iter().filter(|n| n["level"] == "error").count(),
        2,
        "the two denied regions: {notes:#?}"
    );
    let results = run0["results"].as_array().unwrap();
    let findings: usize = cluster_lines(&run.stdout)
        .iter()
        .filter(|l| l["kind"] == "cluster")
        .map(|l| l["report"]["findings"].as_array().unwrap().len())
        .sum();
    assert_eq!(results.len(), findings);
    assert!(results.iter().all(|r| {
        r["partialFingerprints"]["awsAuthAuditCluster/v1"]
            .as_str()
            .is_some_and(|arn| arn.starts_with("arn:aws:eks:"))
    }));

    let junit = merge("junit");
    assert_eq!(junit.code, 3);
    let path = dir.join("report.xml");
    std::fs::write(&path, &junit.stdout).unwrap();
    let parsed = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); print(len(r.findall('testsuite')), len(r.findall(\".//testsuite[@name='not audited']/testcase/error\")))",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    // Four clusters and the suite of what was not audited (two regions).
    assert_eq!(String::from_utf8_lossy(&parsed.stdout).trim(), "5 2");
}

/// The fleet lists its latent administrators apart from its administrators: who has no way in
/// today but whose IAM policies let it make one, per cluster (here the example snapshot's CI
/// role, whose `eks:*` lets it switch the mode, create its own entry and associate the admin
/// policy).
#[test]
fn the_fleet_lists_latent_administrators_apart() {
    let dir = common::scratch("fleet-latent");
    let evidence = dir.join("evidence");
    std::fs::create_dir_all(&evidence).unwrap();
    std::fs::copy(
        common::repo().join("examples/snapshot.json"),
        evidence.join("123456789012_us-east-1_legacy.json"),
    )
    .unwrap();
    let replay = evidence.to_str().unwrap();
    let json: serde_json::Value = serde_json::from_str(
        &common::run(&["scan", "--replay", replay, "--quiet", "--format", "json"]).stdout,
    )
    .unwrap();
    let latent = &json["summary"]["latent"];
    let ci = &latent["arn:aws:iam::123456789012:role/ci-deployer"];
    assert_eq!(
        ci[0]["source"], "latent (IAM: its own access entry)",
        "{latent:#}"
    );
    assert!(
        json["summary"]["access"]
            .get("arn:aws:iam::123456789012:role/ci-deployer")
            .is_none(),
        "a latent administrator is no administrator: {:#}",
        json["summary"]["access"]
    );
    let table = common::run_wide(&["scan", "--replay", replay, "--quiet"]).stdout;
    assert!(
        table.contains("who could make themselves administrators (IAM, before SCPs):\n  arn:aws:iam::123456789012:role/ci-deployer — 1 cluster(s)"),
        "{table}"
    );
}
