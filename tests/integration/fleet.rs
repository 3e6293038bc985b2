//! The fleet scan over the real wire protocols: two accounts (each through its role, assumed
//! at moto), three regions, clusters audited each with its own account's credentials, targets
//! that could not be read listed with the reason, JSON Lines written as clusters finish.

use serde_json::Value;

use crate::common;
use crate::support::testbed::{Scenario, Testbed};

fn scan(bed: &Testbed, extra: &[&str]) -> crate::support::testbed::Run {
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

/// What each line of a JSON Lines output is about: (kind, account, region, cluster), sorted,
/// the summary left out.
fn keys(text: &str) -> Vec<(String, String, String, String)> {
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
fn cluster_lines(text: &str) -> Vec<Value> {
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["kind"] != "summary")
        .collect();
    lines.sort_by_key(|l| l.to_string());
    lines
}

#[test]
fn shards_merge_into_the_unsharded_scan_and_evidence_replays_it() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let home = common::scratch("fleet-shards");
    let evidence = home.join("evidence");
    let whole = scan(
        &bed,
        &[
            "--format",
            "jsonl",
            "--evidence",
            evidence.to_str().unwrap(),
        ],
    );
    assert_eq!(whole.code, 3, "{}", whole.stderr);
    let whole_table = scan(&bed, &["--format", "table"]).stdout;
    // Three shards: each pair in exactly one; merged, the same clusters and the same table.
    let mut files = Vec::new();
    for index in 0..3 {
        let shard = scan(
            &bed,
            &["--format", "jsonl", "--shard", &format!("{index}/3")],
        );
        let path = home.join(format!("shard-{index}.jsonl"));
        std::fs::write(&path, &shard.stdout).unwrap();
        files.push(path.to_string_lossy().into_owned());
    }
    let mut merge_args = vec!["merge"];
    merge_args.extend(files.iter().map(String::as_str));
    let merged = bed.run(
        &home,
        "admin",
        &[merge_args.clone(), vec!["--format", "jsonl"]].concat(),
    );
    assert_eq!(merged.code, 3, "{}", merged.stderr);
    assert_eq!(keys(&merged.stdout), keys(&whole.stdout));
    assert_eq!(keys(&whole.stdout).len(), 6, "{}", whole.stdout);
    let merged_table = bed.run(&home, "admin", &merge_args);
    assert_eq!(merged_table.stdout, whole_table);
    // The kept snapshots, judged offline, give the same clusters' reports.
    let replay = bed.run(
        &home,
        "admin",
        &[
            "scan",
            "--replay",
            evidence.to_str().unwrap(),
            "--format",
            "jsonl",
        ],
    );
    let live: Vec<Value> = cluster_lines(&whole.stdout)
        .into_iter()
        .filter(|l| l["kind"] == "cluster")
        .collect();
    assert_eq!(cluster_lines(&replay.stdout), live);
    #[cfg(unix)]
    for entry in std::fs::read_dir(&evidence).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let mode = entry.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_resumed_scan_keeps_what_was_done_and_reads_only_the_rest() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let home = common::scratch("fleet-resume");
    let whole = scan(&bed, &["--format", "jsonl"]);
    // A scan killed after its first cluster: one line, no summary.
    let first = whole
        .stdout
        .lines()
        .find(|l| l.contains("\"kind\":\"cluster\""))
        .unwrap();
    let partial = home.join("partial.jsonl");
    std::fs::write(&partial, format!("{first}\n")).unwrap();
    let done: Value = serde_json::from_str(first).unwrap();
    let before = bed.requests().len();
    let resumed = scan(
        &bed,
        &["--format", "jsonl", "--resume", partial.to_str().unwrap()],
    );
    assert_eq!(keys(&resumed.stdout), keys(&whole.stdout));
    // What the partial scan finished is kept as it was.
    assert!(resumed.stdout.lines().any(|l| l == first));
    // The finished cluster was not read again.
    let name = done["cluster"].as_str().unwrap();
    let again = bed.requests()[before..]
        .iter()
        .filter(|r| r.path.contains(&format!("/{name}")))
        .count();
    assert_eq!(again, 0, "{name} was read again");
}

#[test]
fn drift_against_a_baseline_says_what_changed_and_fails_only_on_what_is_new() {
    let home = common::scratch("fleet-drift");
    let before = {
        let bed = Testbed::start(Scenario::load("fleet.json"));
        scan(&bed, &["--format", "jsonl"]).stdout
    };
    let baseline = home.join("last-week.jsonl");
    std::fs::write(&baseline, &before).unwrap();
    // A week later: an administrator added on own-east, member-east deleted, own-west moved
    // out of CONFIG_MAP (its hidden-creator findings fixed).
    let mut scenario = Scenario::load("fleet.json");
    scenario.clusters.retain(|c| c.name != "member-east");
    for cluster in &mut scenario.clusters {
        if cluster.name == "own-east" {
            let roles = cluster
                .aws_auth
                .as_mut()
                .unwrap()
                .get_mut("mapRoles")
                .unwrap();
            roles.push_str("- rolearn: arn:aws:iam::123456789012:role/intern\n  username: intern\n  groups:\n    - system:masters\n");
        }
        if cluster.name == "own-west" {
            cluster.authentication_mode = Some("API_AND_CONFIG_MAP".into());
        }
    }
    let bed = Testbed::start(scenario);
    let baseline_arg = baseline.to_str().unwrap();
    let now = scan(
        &bed,
        &[
            "--format",
            "jsonl",
            "--baseline",
            baseline_arg,
            "--allow-incomplete",
        ],
    );
    assert_eq!(now.code, 1, "the new admin's EA113 is new: {}", now.stderr);
    let summary: Value = serde_json::from_str(now.stdout.lines().last().unwrap()).unwrap();
    let drift = &summary["drift"];
    assert_eq!(
        drift["clusters_gone"],
        serde_json::json!(["arn:aws:eks:us-east-1:222233334444:cluster/member-east"])
    );
    let gained = drift["admin_paths_gained"].to_string();
    assert!(
        gained.contains("role/intern on arn:aws:eks:us-east-1:123456789012:cluster/own-east"),
        "{gained}"
    );
    assert!(
        drift["findings_fixed"]["arn:aws:eks:eu-west-1:123456789012:cluster/own-west"].is_array(),
        "{drift}"
    );
    // Scanned again against this week's result: nothing new, nothing fails.
    let this_week = home.join("this-week.jsonl");
    std::fs::write(&this_week, &now.stdout).unwrap();
    let again = scan(
        &bed,
        &[
            "--baseline",
            this_week.to_str().unwrap(),
            "--allow-incomplete",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(again.stdout.contains("since "), "{}", again.stdout);
    // With --fail-on-existing, what was already there fails again.
    let existing = scan(
        &bed,
        &[
            "--baseline",
            this_week.to_str().unwrap(),
            "--allow-incomplete",
            "--fail-on-existing",
        ],
    );
    assert_eq!(existing.code, 1);
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
fn ctrl_c_writes_what_finished_and_says_the_scan_was_interrupted() {
    let mut scenario = Scenario::load("fleet.json");
    for cluster in &mut scenario.clusters {
        if cluster.name == "own-east" {
            // Its Kubernetes API answers after 30 s: the scan is still waiting at Ctrl-C.
            cluster.latency_ms = 30_000;
        }
    }
    let bed = Testbed::start(scenario);
    let home = common::scratch("fleet-interrupt");
    let child = bed
        .command(
            std::ffi::OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit")),
            &home,
            "admin",
        )
        .args([
            "scan",
            "--accounts",
            "123456789012,222233334444",
            "--role-name",
            "auditor",
            "--regions",
            "us-east-1,eu-west-1",
            "--no-iam",
            "--timeout",
            "60",
            "--format",
            "jsonl",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(4));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = lines.last().unwrap();
    assert_eq!(summary["kind"], "summary", "{stdout}");
    assert_eq!(summary["exit"], 3);
    // What finished before Ctrl-C is there; the slow cluster is not.
    let done: Vec<&str> = lines
        .iter()
        .filter(|l| l["kind"] == "cluster")
        .map(|l| l["cluster"].as_str().unwrap())
        .collect();
    assert!(!done.is_empty() && !done.contains(&"own-east"), "{done:?}");
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
    assert_eq!(clusters, 2, "{}", run.stdout);
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
fn a_policy_written_from_a_scan_makes_the_next_scan_quiet() {
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let home = common::scratch("fleet-policy");
    let first = scan(&bed, &["--format", "jsonl"]);
    let lines = home.join("fleet.jsonl");
    std::fs::write(&lines, &first.stdout).unwrap();
    let policy = home.join("policy.yaml");
    let init = bed.run(
        &home,
        "admin",
        &[
            "policy",
            "init",
            lines.to_str().unwrap(),
            "-o",
            policy.to_str().unwrap(),
        ],
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    let text = std::fs::read_to_string(&policy).unwrap();
    assert!(text.contains("clusters: [own-east]"), "{text}");
    assert!(
        text.contains("arn:aws:iam::222233334444:role/admins"),
        "{text}"
    );
    let judged = scan(
        &bed,
        &["--format", "jsonl", "--policy", policy.to_str().unwrap()],
    );
    let unexpected: Vec<Value> = judged
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["kind"] == "cluster")
        .flat_map(|l| {
            l["report"]["findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|f| f["code"] == "EA501" || f["code"] == "EA502")
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
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

/// A scan's output is not an aws-auth file: a shard of several MiB (300 clusters, ~5 MiB) is
/// merged whole — never cut at the 4 MiB that bounds a manifest, which once made `merge` read
/// a truncated last line or, cut between lines, lose clusters without a word.
#[test]
fn a_shard_larger_than_a_manifest_merges_whole() {
    let dir = common::scratch("fleet-large-shard");
    let snapshot = common::repo().join("examples/snapshot.json");
    let report: Value = serde_json::from_str(
        &common::run(&["check", snapshot.to_str().unwrap(), "--format", "json"]).stdout,
    )
    .unwrap();
    let mut lines = String::new();
    for i in 0..300 {
        let mut report = report.clone();
        report["cluster"]["arn"] = serde_json::json!(format!(
            "arn:aws:eks:us-east-1:123456789012:cluster/c{i:03}"
        ));
        lines.push_str(&serde_json::json!({"kind": "cluster", "account": "123456789012", "region": "us-east-1", "cluster": format!("c{i:03}"), "exit": 1, "report": report}).to_string());
        lines.push('\n');
    }
    assert!(lines.len() > 4 * 1024 * 1024, "{} bytes", lines.len());
    let shard = common::write(&dir, "shard.jsonl", lines.as_bytes());
    let merged = common::run(&["merge", &shard, "--format", "json"]);
    assert_eq!(merged.code, 1, "{}", merged.stderr);
    let fleet: Value = serde_json::from_str(&merged.stdout).unwrap();
    assert_eq!(fleet["clusters"].as_array().unwrap().len(), 300);
}
