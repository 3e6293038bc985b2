//! The fleet scan as a scheduled job uses it, over the real wire protocols: shards merged into
//! the unsharded scan and its evidence replayed, a resumed scan, drift against a baseline, an
//! interrupted scan that keeps what finished, a policy written from one scan that quiets the
//! next, and a scan file larger than a manifest read whole.

use serde_json::Value;

use super::fleet::{cluster_lines, keys, scan};
use crate::common;
use crate::support::testbed::{Scenario, Testbed};

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
    // The shards as the CronJob runs them: each writes its own part to S3 (moto's) under the
    // run's date (`{date}`, `{shard}` filled in by the tool; the image has no shell), and
    // `merge s3://BUCKET/PREFIX/` reads every part and gives the same table.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&crate::support::testbed::moto::sdk::config(
            &bed.moto.url,
        ))
        .force_path_style(true)
        .build(),
    );
    let rt = crate::support::testbed::moto::sdk::runtime();
    let bucket = s3.clone();
    crate::support::testbed::moto::sdk::block_on(&rt, async move {
        bucket
            .create_bucket()
            .bucket("audit-reports")
            .send()
            .await
            .unwrap();
    });
    let template = "s3://audit-reports/fleet/{date}/parts/part-{shard}.jsonl";
    for index in 0..3 {
        let shard = scan(
            &bed,
            &[
                "--format",
                "jsonl",
                "--shard",
                &format!("{index}/3"),
                "-o",
                template,
            ],
        );
        assert!(shard.code != 2, "{}", shard.stderr);
        assert_eq!(shard.stdout, "", "the lines went to S3");
    }
    let today = common::utc_date();
    let keys_in = |prefix: &str| -> Vec<String> {
        let (s3, prefix) = (s3.clone(), prefix.to_string());
        crate::support::testbed::moto::sdk::block_on(&rt, async move {
            let listed = s3
                .list_objects_v2()
                .bucket("audit-reports")
                .prefix(prefix)
                .send()
                .await
                .unwrap();
            listed
                .contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string))
                .collect()
        })
    };
    let prefix = format!("fleet/{today}/parts/");
    assert_eq!(
        keys_in(&prefix),
        (0..3)
            .map(|i| format!("{prefix}part-{i}.jsonl"))
            .collect::<Vec<_>>()
    );
    let from_s3 = bed.run(
        &home,
        "admin",
        &["merge", "s3://audit-reports/fleet/{date}/parts/"],
    );
    assert_eq!(from_s3.stdout, whole_table, "{}", from_s3.stderr);
    // The follow-up job: the merged JSON written next to the parts, whole.
    let merged_json = bed.run(
        &home,
        "admin",
        &[
            "merge",
            "s3://audit-reports/fleet/{date}/parts/",
            "--format",
            "json",
            "-o",
            "s3://audit-reports/fleet/{date}/fleet.json",
        ],
    );
    assert_eq!(merged_json.code, 3, "{}", merged_json.stderr);
    assert_eq!(keys_in(&format!("fleet/{today}/fleet.json")).len(), 1);
    // A shard whose pod failed wrote no part: the merge says which share is missing and is
    // incomplete (exit 3), never a smaller fleet that looks whole.
    let gone = s3.clone();
    let key = format!("{prefix}part-1.jsonl");
    crate::support::testbed::moto::sdk::block_on(&rt, async move {
        gone.delete_object()
            .bucket("audit-reports")
            .key(key)
            .send()
            .await
            .unwrap();
    });
    let missing = bed.run(
        &home,
        "admin",
        &[
            "merge",
            "s3://audit-reports/fleet/{date}/parts/",
            "--format",
            "json",
        ],
    );
    assert_eq!(missing.code, 3, "{}", missing.stderr);
    assert!(
        !from_s3.stdout.contains("(shard "),
        "all parts there: no share missing"
    );
    let report: Value = serde_json::from_str(&missing.stdout).unwrap();
    let not_audited = report["not_audited"].as_array().unwrap();
    assert!(
        not_audited
            .iter()
            .any(|n| n["account"] == "(shard 1/3)" && n["reason"] == "unknown(shard missing)"),
        "{report:#}"
    );
    let strict = bed.run(
        &home,
        "admin",
        &["merge", "s3://audit-reports/fleet/{date}/parts/"],
    );
    assert_eq!(strict.code, 3, "{}", strict.stderr);
    assert!(strict.stdout.contains("shard 1/3"), "{}", strict.stdout);
    // A part whose scan was killed before its summary line: unfinished, said, exit 3.
    let whole_part = std::fs::read_to_string(&files[0]).unwrap();
    let cut: String = whole_part
        .lines()
        .filter(|l| !l.contains("\"kind\":\"summary\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let cut_path = home.join("shard-0-killed.jsonl");
    std::fs::write(&cut_path, cut).unwrap();
    let unfinished = bed.run(
        &home,
        "admin",
        &[
            "merge",
            cut_path.to_str().unwrap(),
            &files[1],
            &files[2],
            "--format",
            "json",
        ],
    );
    assert_eq!(unfinished.code, 3, "{}", unfinished.stderr);
    let report: Value = serde_json::from_str(&unfinished.stdout).unwrap();
    assert!(
        report["not_audited"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["reason"] == "unknown(part unfinished)"),
        "{report:#}"
    );
    let empty = bed.run(
        &home,
        "admin",
        &["merge", "s3://audit-reports/fleet/1999-01-01/"],
    );
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("no shard part"), "{}", empty.stderr);
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
    // The scenario's scan is incomplete (a denied region, an unread aws-auth): refused…
    assert_eq!(init.code, 3, "{}", init.stderr);
    assert!(!policy.exists());
    // …and written when asked, the gaps heading the file.
    let init = bed.run(
        &home,
        "admin",
        &[
            "policy",
            "init",
            lines.to_str().unwrap(),
            "--allow-incomplete",
            "-o",
            policy.to_str().unwrap(),
        ],
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    let text = std::fs::read_to_string(&policy).unwrap();
    assert!(
        text.contains(
            "# aws-auth-audit: incomplete: account 123456789012, region ap-south-1 was not audited"
        ),
        "{text}"
    );
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
    let clusters: Vec<(String, String)> = (0..300)
        .map(|i| ("123456789012".to_string(), format!("c{i:03}")))
        .collect();
    let lines = crate::support::large_cluster::fleet_lines(&report, &clusters);
    assert!(lines.len() > 4 * 1024 * 1024, "{} bytes", lines.len());
    let shard = common::write(&dir, "shard.jsonl", lines.as_bytes());
    let merged = common::run(&["merge", &shard, "--format", "json"]);
    assert_eq!(merged.code, 1, "{}", merged.stderr);
    let fleet: Value = serde_json::from_str(&merged.stdout).unwrap();
    assert_eq!(fleet["clusters"].as_array().unwrap().len(), 300);
}
