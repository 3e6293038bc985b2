//! The fleet scan over the real wire protocols: two accounts (each through its role, assumed
//! at moto), three regions, clusters audited each with its own account's credentials, targets
//! that could not be read listed with the reason, JSON Lines written as clusters finish.

use serde_json::Value;

use crate::common;
use crate::support::testbed::{Scenario, Testbed};

pub(crate) fn scan(bed: &Testbed, extra: &[&str]) -> crate::support::testbed::Run {
    let home = common::scratch("fleet");
    let mut args = vec![
        "scan",
        "--accounts",
        "123456789012,222233334444",
        "--role-name",
        "auditor",
        "--regions",
        "us-east-1,eu-west-1,ap-south-1",
        "--exclude",
        "*-legacy",
        "--no-iam",
        "--timeout",
        "3",
    ];
    args.extend_from_slice(extra);
    bed.run(&home, "admin", &args)
}

#[test]
fn every_cluster_of_every_account_and_region_is_audited_or_said_why_not() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let run = scan(&bed, &["--format", "jsonl"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let clusters: Vec<(String, String, String)> = lines
        .iter()
        .filter(|l| l["kind"] == "cluster")
        .map(|l| {
            (
                l["account"].as_str().unwrap().to_string(),
                l["region"].as_str().unwrap().to_string(),
                l["cluster"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = clusters.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            ("123456789012".into(), "eu-west-1".into(), "own-west".into()),
            ("123456789012".into(), "us-east-1".into(), "own-east".into()),
            (
                "222233334444".into(),
                "eu-west-1".into(),
                "member-west".into()
            ),
            (
                "222233334444".into(),
                "us-east-1".into(),
                "member-east".into()
            ),
        ],
        "{}",
        run.stdout
    );
    // Each line is the cluster's full report, read in its own account.
    for line in lines.iter().filter(|l| l["kind"] == "cluster") {
        let arn = line["report"]["cluster"]["arn"].as_str().unwrap();
        assert!(arn.contains(line["account"].as_str().unwrap()), "{arn}");
        assert!(line["report"]["findings"].is_array());
    }
    let incomplete = lines
        .iter()
        .find(|l| l["cluster"] == "member-west")
        .unwrap();
    assert_eq!(incomplete["exit"], 3);
    assert_eq!(incomplete["report"]["coverage"]["complete"], false);
    // The denied region of each account is listed, with the reason.
    let denied: Vec<&Value> = lines
        .iter()
        .filter(|l| l["kind"] == "not_audited")
        .collect();
    assert_eq!(denied.len(), 2, "{}", run.stdout);
    assert!(
        denied
            .iter()
            .all(|d| d["region"] == "ap-south-1" && d["reason"] == "unknown(access_denied)")
    );
    let summary = lines.last().unwrap();
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["clusters"], 4);
    assert_eq!(summary["exit"], 3);
    // The fleet access view: the admins role of each account, on its clusters.
    let admins = &summary["access"]["arn:aws:iam::222233334444:role/admins"];
    assert_eq!(admins.as_array().map(Vec::len), Some(1), "{summary}");
    // Every Kubernetes request was signed as the account's own role.
    for request in bed.requests().iter().filter(|r| r.server == "k8s") {
        let cluster = request.path.split('/').nth(2).unwrap_or_default();
        let account = if cluster.starts_with("own") {
            "123456789012"
        } else {
            "222233334444"
        };
        assert_eq!(
            request.identity.as_deref(),
            Some(format!("arn:aws:sts::{account}:assumed-role/auditor/aws-auth-audit").as_str()),
            "{request:?}"
        );
    }
}

/// What each line of a JSON Lines output is about: (kind, account, region, cluster), sorted,
/// the summary left out.
pub(crate) fn keys(text: &str) -> Vec<(String, String, String, String)> {
    let mut keys: Vec<(String, String, String, String)> = cluster_lines(text)
        .iter()
        .map(|l| {
            let text = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            (
                text("kind"),
                text("account"),
                text("region"),
                text("cluster"),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// The lines of a JSON Lines output, the summary left out, in a stable order.
pub(crate) fn cluster_lines(text: &str) -> Vec<Value> {
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["kind"] != "summary")
        .collect();
    lines.sort_by_key(|l| l.to_string());
    lines
}

#[test]
fn accounts_from_a_file_and_clusters_by_tag() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let home = common::scratch("fleet-tags");
    let file = common::write(
        &home,
        "accounts.txt",
        b"# the platform accounts\n123456789012\n222233334444  # member\n",
    );
    let run = bed.run(
        &home,
        "admin",
        &[
            "scan",
            "--accounts-file",
            &file,
            "--role-name",
            "auditor",
            "--regions",
            "us-east-1,eu-west-1",
            "--tag",
            "env=prod",
            "--no-iam",
            "--format",
            "jsonl",
        ],
    );
    let mut names: Vec<String> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["kind"] == "cluster")
        .map(|l| l["cluster"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["member-east", "own-east"], "{}", run.stdout);
    let bad = common::write(&home, "bad.txt", b"123456789012\n12345\n");
    let refused = bed.run(&home, "admin", &["scan", "--accounts-file", &bad]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("bad.txt:2:1: `12345` is not an AWS account id"),
        "{}",
        refused.stderr
    );
}

/// An organisation at moto, made as `identity` (its management account): two members; returns
/// the members' ids.
fn seed_organization(
    moto: &crate::support::testbed::moto::Moto,
    identity: &crate::support::testbed::IdentitySpec,
) -> Vec<String> {
    let credentials = aws_credential_types::Credentials::new(
        identity.access_key_id.clone(),
        identity.secret_access_key.clone(),
        None,
        None,
        "test",
    );
    let config = aws_sdk_organizations::Config::builder()
        .behavior_version(aws_sdk_organizations::config::BehaviorVersion::latest())
        .region(aws_sdk_organizations::config::Region::new("us-east-1"))
        .endpoint_url(&moto.url)
        .credentials_provider(credentials)
        .build();
    let client = aws_sdk_organizations::Client::from_conf(config);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            client
                .create_organization()
                .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
                .send()
                .await
                .unwrap();
            let mut ids = Vec::new();
            for name in ["member-a", "member-b"] {
                let created = client
                    .create_account()
                    .account_name(name)
                    .email(format!("{name}@example.com"))
                    .send()
                    .await
                    .unwrap();
                ids.push(
                    created
                        .create_account_status()
                        .and_then(|s| s.account_id())
                        .unwrap()
                        .to_string(),
                );
            }
            ids
        })
}

#[test]
fn an_organisation_is_scanned_account_by_account() {
    // The clusters live in accounts moto makes: the scenario is written once they exist.
    let moto = crate::support::testbed::moto::Moto::start();
    let mut scenario = Scenario::load("fleet.json");
    let members = seed_organization(&moto, &scenario.identities[0]);
    scenario.list_clusters_faults.clear();
    scenario
        .clusters
        .retain(|c| c.name == "own-east" || c.name == "member-east");
    for cluster in &mut scenario.clusters {
        if cluster.name == "member-east" {
            cluster.account = members[0].clone();
        }
    }
    let bed = Testbed::start_with_moto(scenario, moto);
    let home = common::scratch("fleet-org");
    let run = bed.run(
        &home,
        "admin",
        &[
            "scan",
            "--org",
            "--role-name",
            "auditor",
            "--regions",
            "us-east-1",
            "--no-iam",
            "--format",
            "jsonl",
        ],
    );
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut found: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l["kind"] == "cluster")
        .map(|l| {
            (
                l["account"].as_str().unwrap().to_string(),
                l["cluster"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let mut expected = vec![
        ("123456789012".to_string(), "own-east".to_string()),
        (members[0].clone(), "member-east".to_string()),
    ];
    expected.sort();
    assert_eq!(found, expected, "{}\n{}", run.stdout, run.stderr);
    assert!(
        lines.iter().all(|l| l["kind"] != "not_audited"),
        "{}",
        run.stdout
    );
}

#[test]
fn what_is_the_same_for_a_region_is_read_once() {
    let mut scenario = Scenario::load("fleet.json");
    let mut twin = scenario
        .clusters
        .iter()
        .find(|c| c.name == "own-east")
        .unwrap()
        .clone();
    twin.name = "own-east-2".into();
    scenario.clusters.push(twin);
    let bed = Testbed::start(scenario);
    let home = common::scratch("fleet-economy");
    let run = bed.run(
        &home,
        "admin",
        &[
            "scan",
            "--regions",
            "us-east-1",
            "--no-iam",
            "--format",
            "jsonl",
        ],
    );
    let clusters = run
        .stdout
        .lines()
        .filter(|l| l.contains("\"kind\":\"cluster\""))
        .count();
    assert_eq!(clusters, 2, "{}\n{}", run.stdout, run.stderr);
    let offered = bed
        .requests()
        .iter()
        .filter(|r| r.path == "/access-policies")
        .count();
    assert_eq!(
        offered, 1,
        "ListAccessPolicies once for the account and region"
    );
}

#[test]
fn a_throttled_region_is_retried_and_a_silent_cluster_is_cut_off() {
    let mut scenario = Scenario::load("fleet.json");
    // ap-south-1 throttles ListClusters twice, then answers (the SDK's retries outlast it).
    scenario.list_clusters_faults.insert(
        "ap-south-1".into(),
        crate::support::testbed::Fault {
            status: 429,
            times: Some(2),
            hang: false,
            code: None,
        },
    );
    for cluster in &mut scenario.clusters {
        if cluster.name == "member-east" {
            // Its Kubernetes API never answers within the cluster's deadline.
            cluster.latency_ms = 60_000;
        }
    }
    let bed = Testbed::start(scenario);
    let run = scan(&bed, &["--format", "jsonl", "--deadline", "3"]);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The throttled region answered: nothing is missing for it.
    assert!(
        lines.iter().all(|l| l["kind"] != "not_audited"),
        "{}",
        run.stdout
    );
    let silent = lines
        .iter()
        .find(|l| l["cluster"] == "member-east")
        .unwrap();
    assert_eq!(silent["exit"], 3);
    let reasons = silent["report"]["coverage"]["not_evaluated"].to_string();
    assert!(reasons.contains("unknown(timeout)"), "{reasons}");
    assert_eq!(run.code, 3);
}

/// `--regions all`: each account's enabled regions (Account ListRegions, asked once per
/// account with its own role); an opt-in region not enabled is skipped and said, and is not
/// an incomplete scan.
#[test]
fn all_regions_are_the_enabled_ones_and_a_disabled_region_is_said_not_failed() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let home = common::scratch("fleet-all-regions");
    let run = bed.run(
        &home,
        "admin",
        &[
            "scan",
            "--accounts",
            "123456789012,222233334444",
            "--role-name",
            "auditor",
            "--regions",
            "all",
            "--exclude",
            "*-legacy",
            "--exclude",
            "member-west",
            "--format",
            "json",
        ],
    );
    // Findings (exit 1), not incomplete (3): a region not enabled hides nothing.
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let clusters: Vec<&str> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cluster"].as_str().unwrap())
        .collect();
    assert_eq!(clusters, ["own-west", "own-east", "member-east"]);
    assert_eq!(report["not_audited"], serde_json::json!([]));
    let skipped = report["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    for (item, account) in skipped.iter().zip(["123456789012", "222233334444"]) {
        assert_eq!(item["account"], account);
        assert_eq!(item["region"], "me-south-1");
        assert!(
            item["reason"]
                .as_str()
                .unwrap()
                .contains("not enabled for the account (Account ListRegions: DISABLED)"),
            "{item}"
        );
    }
    assert_eq!(report["summary"]["skipped"], 2);
    // ListRegions once per account, each with the account's role; no region asked that the
    // account does not have (ap-south-1's ListClusters denies: never reached).
    let requests = bed.requests();
    let list_regions: Vec<String> = requests
        .iter()
        .filter(|r| r.server == "account")
        .map(|r| r.identity.clone().unwrap_or_default())
        .collect();
    assert_eq!(list_regions.len(), 2, "{list_regions:?}");
    for account in ["123456789012", "222233334444"] {
        assert!(
            list_regions
                .iter()
                .any(|who| who.contains(&format!("::{account}:assumed-role/auditor/"))),
            "{list_regions:?}"
        );
    }
    let table = bed.run(
        &home,
        "admin",
        &[
            "scan",
            "--accounts",
            "123456789012",
            "--role-name",
            "auditor",
            "--regions",
            "all",
            "--no-iam",
            "--quiet",
        ],
    );
    assert!(
        table.stdout.contains(
            "skipped: account 123456789012, region me-south-1: not enabled for the account"
        ),
        "{}",
        table.stdout
    );
    let mixed = bed.run(&home, "admin", &["scan", "--regions", "all,us-east-1"]);
    assert_eq!(mixed.code, 2);
    assert!(
        mixed.stderr.contains("`all` stands alone"),
        "{}",
        mixed.stderr
    );
}

/// IAM is asked once per account, not once per cluster: the clusters of an account name the
/// same two roles, and the account's snapshots together record one GetRole per role.
#[test]
fn iam_is_resolved_once_per_account_for_all_its_clusters() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let home = common::scratch("fleet-iam");
    let evidence = home.join("evidence");
    let run = bed.run(
        &home,
        "admin",
        &[
            "scan",
            "--accounts",
            "123456789012,222233334444",
            "--role-name",
            "auditor",
            "--regions",
            "us-east-1,eu-west-1",
            "--evidence",
            evidence.to_str().unwrap(),
            "--format",
            "json",
            "--quiet",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let mut calls: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut reused = 0;
    for entry in std::fs::read_dir(&evidence).unwrap() {
        let snapshot: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        let iam = &snapshot["iam"]["value"];
        for lookup in iam["accounts"].as_array().unwrap() {
            let account = lookup["account"].as_str().unwrap().to_string();
            let gets = lookup["calls"]["GetRole"].as_u64().unwrap_or(0) as usize;
            let entry = calls.entry(account).or_default();
            entry.0 += 1;
            entry.1 += gets;
            if lookup["reason"]
                .as_str()
                .unwrap()
                .contains("answered by IAM calls made for other clusters of the account")
            {
                reused += 1;
            }
        }
        // Every principal was answered (moto has no such roles: verified absent, not unknown).
        for principal in iam["principals"].as_array().unwrap() {
            assert_eq!(principal["result"]["state"], "absent", "{principal}");
        }
    }
    // Four clusters with an aws-auth read (two per account: member-legacy is in the scope
    // too), each naming roles `nodes` and `admins`: two GetRole per account in all.
    for (account, (clusters, gets)) in &calls {
        assert!(*clusters >= 2, "{account}: {calls:?}");
        assert_eq!(*gets, 2, "{account}: {calls:?}");
    }
    assert!(reused >= 1, "no lookup said it reused another's answers");
}

/// `--scan-deadline`: the whole scan stops waiting; a cluster still being read is reported as
/// not audited (timeout), what finished is kept, exit 3.
#[test]
fn the_scan_deadline_cuts_off_what_has_not_finished() {
    let mut scenario = Scenario::load("fleet.json");
    for cluster in &mut scenario.clusters {
        if cluster.name == "own-east" {
            cluster.eks_latency_ms = 25_000;
        }
    }
    let bed = Testbed::start(scenario);
    let started = std::time::Instant::now();
    let run = scan(
        &bed,
        &["--scan-deadline", "4", "--format", "json", "--quiet"],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    // It stopped at the deadline, not when the slow cluster would have answered.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let report = run.json();
    let late: Vec<&Value> = report["not_audited"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["cluster"] == "own-east")
        .collect();
    assert_eq!(late.len(), 1, "{report:#}");
    assert_eq!(late[0]["reason"], "unknown(timeout)");
    assert!(
        late[0]["detail"]
            .as_str()
            .unwrap()
            .contains("not finished within the scan's deadline (--scan-deadline)")
    );
    // The others finished and are kept.
    assert!(
        report["clusters"].as_array().unwrap().len() >= 3,
        "{report:#}"
    );
}
