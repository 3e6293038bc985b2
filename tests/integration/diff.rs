//! `diff`: what a change to aws-auth does to access. Scenarios as data under `tests/diff/`
//! (`base.yaml`, `head.yaml`, `expected.json` with the verdicts as (kind, severity, principal),
//! the findings new and fixed, the exit code); snapshots (RBAC and access entries); `--git`
//! against a repository made for the test; every format.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{assert_sarif_valid, git, repo, run, scratch, write};
use serde_json::{Value, json};

fn verdicts(report: &Value) -> Vec<(String, String, Option<String>)> {
    report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["kind"].as_str().unwrap().to_string(),
                v["severity"].as_str().unwrap().to_string(),
                v["principal"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn codes(findings: &Value) -> Vec<String> {
    let mut codes: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

#[test]
fn every_scenario_gives_its_verdicts() {
    let dir = repo().join("tests/diff");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        let case = |file: &str| format!("tests/diff/{name}/{file}");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(&name).join("expected.json")).unwrap(),
        )
        .unwrap();
        let r = run(&[
            "diff",
            &case("base.yaml"),
            &case("head.yaml"),
            "--format",
            "json",
        ]);
        assert_eq!(
            r.code,
            expected["exit"].as_i64().unwrap() as i32,
            "{name}: {}\n{}",
            r.stderr,
            r.stdout
        );
        let report: Value = serde_json::from_str(&r.stdout).unwrap();
        let want: Vec<(String, String, Option<String>)> = expected["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v[0].as_str().unwrap().to_string(),
                    v[1].as_str().unwrap().to_string(),
                    v[2].as_str().map(str::to_string),
                )
            })
            .collect();
        assert_eq!(verdicts(&report), want, "{name} ({})", expected["why"]);
        let want_codes = |key: &str| {
            let mut c: Vec<String> = expected[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect();
            c.sort();
            c
        };
        assert_eq!(
            codes(&report["findings"]["new"]),
            want_codes("new"),
            "{name}: new findings"
        );
        assert_eq!(
            codes(&report["findings"]["fixed"]),
            want_codes("fixed"),
            "{name}: fixed findings"
        );
        // Findings that went with a removed row are not fixes (absent: none).
        let removed = if expected["removed"].is_null() {
            Vec::new()
        } else {
            want_codes("removed")
        };
        assert_eq!(
            codes(&report["findings"]["removed"]),
            removed,
            "{name}: findings gone with a removed row"
        );
    }
}

#[test]
fn verdicts_point_at_the_lines_of_head_and_validate_as_sarif() {
    let r = run(&[
        "diff",
        "tests/diff/admin-added/base.yaml",
        "tests/diff/admin-added/head.yaml",
        "--format",
        "sarif",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let sarif: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_sarif_valid(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let admin = results
        .iter()
        .find(|r| r["ruleId"] == "diff/admin_granted")
        .unwrap();
    let location = &admin["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "tests/diff/admin-added/head.yaml"
    );
    // `- rolearn: …ci-deployer` is line 29 of head.yaml; the ARN starts at column 16.
    assert_eq!(location["region"]["startLine"], 29);
    assert_eq!(location["region"]["startColumn"], 16);
    let new_finding = results.iter().find(|r| r["ruleId"] == "EA113").unwrap();
    assert_eq!(
        new_finding["locations"][0]["physicalLocation"]["region"]["startLine"], 32,
        "the system:masters item"
    );
    // Removals point into BASE: no physical location on HEAD's lines.
    let r = run(&[
        "diff",
        "tests/diff/node-role-removed/base.yaml",
        "tests/diff/node-role-removed/head.yaml",
        "--format",
        "sarif",
    ]);
    let sarif: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_sarif_valid(&sarif);
    let dropped = &sarif["runs"][0]["results"][0];
    assert_eq!(dropped["ruleId"], "diff/node_role_dropped");
    assert!(dropped["locations"][0].get("physicalLocation").is_none());
    assert!(
        dropped["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap()
            .ends_with("(base)")
    );
}

#[test]
fn markdown_and_junit_for_pull_requests_and_ci() {
    let args = |format: &str| {
        run(&[
            "diff",
            "tests/diff/tab-breaks-map-roles/base.yaml",
            "tests/diff/tab-breaks-map-roles/head.yaml",
            "--format",
            format,
        ])
    };
    let md = args("markdown");
    assert_eq!(md.code, 1);
    assert!(
        md.stdout.starts_with("## aws-auth-audit: access changes\n"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains("| critical | section_lost |"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("<details><summary>New findings (1)</summary>")
    );

    let junit = args("junit");
    assert_eq!(junit.code, 1);
    assert!(junit.stdout.contains("failures=\"2\""), "{}", junit.stdout);
    // Well-formed XML: Python's parser reads it back.
    let dir = scratch("diff-junit");
    let path = write(&dir, "report.xml", junit.stdout.as_bytes());
    let parsed = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); print(r.get('tests'), len(r.findall('.//failure')))",
            &path,
        ])
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&parsed.stdout).trim(), "2 2");

    // Nothing changed: exit 0 and one passing case.
    let same = run(&[
        "diff",
        "tests/diff/reindented-same-access/base.yaml",
        "tests/diff/reindented-same-access/head.yaml",
        "--format",
        "junit",
    ]);
    assert_eq!(same.code, 0);
    assert!(same.stdout.contains("name=\"no access change\""));
}

#[test]
fn pre_existing_findings_fail_only_when_asked() {
    // broken.yaml against itself: no change, but critical findings in both.
    let same = run(&[
        "diff",
        "examples/broken.yaml",
        "examples/broken.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    let report: Value = serde_json::from_str(&same.stdout).unwrap();
    assert!(report["verdicts"].as_array().unwrap().is_empty());
    assert!(
        !report["findings"]["unchanged"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let strict = run(&[
        "diff",
        "examples/broken.yaml",
        "examples/broken.yaml",
        "--fail-on-existing",
    ]);
    assert_eq!(strict.code, 1);
}

/// The example snapshot with its aws-auth and access entries edited by `edit`.
fn snapshot_variant(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut snapshot: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("examples/snapshot.json")).unwrap(),
    )
    .unwrap();
    edit(&mut snapshot);
    write(
        dir,
        name,
        serde_json::to_string_pretty(&snapshot).unwrap().as_bytes(),
    )
}

#[test]
fn snapshots_show_admin_through_rbac_and_access_entries() {
    let dir = scratch("diff-snapshots");
    // role/ci moves from `deployers` (bound to view) to `platform` (bound to cluster-admin).
    let base = snapshot_variant(&dir, "base.json", |_| {});
    let head = snapshot_variant(&dir, "head.json", |s| {
        let roles = s["aws_auth"]["value"]["data"]["mapRoles"]
            .as_str()
            .unwrap()
            .to_string();
        s["aws_auth"]["value"]["data"]["mapRoles"] = json!(roles.replacen(
            "role/ci\n  username: ci\n  groups:\n    - deployers",
            "role/ci\n  username: ci\n  groups:\n    - platform",
            1
        ));
    });
    let r = run(&["diff", &base, &head, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let admin = report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["kind"] == "admin_granted")
        .unwrap_or_else(|| panic!("{}", report["verdicts"]));
    assert_eq!(admin["principal"], "arn:aws:iam::123456789012:role/ci");
    let message = admin["message"].as_str().unwrap();
    assert!(
        message.starts_with("grants cluster-admin to arn:aws:iam::123456789012:role/ci")
            && message.contains("platform")
            && message.contains("it had access before"),
        "{message}"
    );

    // An access entry switched from AmazonEKSViewPolicy to AmazonEKSClusterAdminPolicy.
    let with_entry = |policy: &'static str| {
        move |s: &mut Value| {
            s["cluster"]["authentication_mode"] = json!("API_AND_CONFIG_MAP");
            s["access_entries"] = json!({"state": "found", "value": [{
                "principal_arn": "arn:aws:iam::123456789012:role/release", "type": "STANDARD",
                "kubernetes_groups": [], "created_at": "2026-02-01T00:00:00Z",
                "policies": {"state": "found", "value": [{"policy_arn": format!("arn:aws:eks::aws:cluster-access-policy/{policy}"), "scope": {"type": "cluster"}}]}}]});
        }
    };
    let base = snapshot_variant(&dir, "entry-base.json", with_entry("AmazonEKSViewPolicy"));
    let head = snapshot_variant(
        &dir,
        "entry-head.json",
        with_entry("AmazonEKSClusterAdminPolicy"),
    );
    // The example snapshot's IAM evidence never looked up role/release: EA210 cannot decide
    // for it, so each side is incomplete (exit 3) unless allowed.
    let r = run(&["diff", &base, &head, "--format", "json"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let r = run(&[
        "diff",
        &base,
        &head,
        "--format",
        "json",
        "--allow-incomplete",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        report["notes"].to_string().contains("EA210"),
        "{}",
        report["notes"]
    );
    let granted: Vec<&Value> = report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "admin_granted")
        .collect();
    assert_eq!(granted.len(), 1, "{}", report["verdicts"]);
    assert_eq!(
        granted[0]["principal"],
        "arn:aws:iam::123456789012:role/release"
    );
    assert!(
        granted[0]["message"]
            .as_str()
            .unwrap()
            .contains("access entry"),
        "{}",
        granted[0]
    );
}

/// Runs the binary in `dir` (so `--git` reads that repository).
fn run_in(dir: &Path, args: &[&str]) -> common::Run {
    let out = Command::new(env!("CARGO_BIN_EXE_aws-auth-audit"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    common::Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn git_reads_base_from_a_revision() {
    let dir = scratch("diff-git");
    git(&dir, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(dir.join("k8s")).unwrap();
    let clean = std::fs::read(repo().join("examples/clean.yaml")).unwrap();
    std::fs::write(dir.join("k8s/aws-auth.yaml"), &clean).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    std::fs::copy(
        repo().join("tests/diff/node-role-removed/head.yaml"),
        dir.join("k8s/aws-auth.yaml"),
    )
    .unwrap();
    let r = run_in(
        &dir,
        &[
            "diff",
            "--git",
            "HEAD",
            "k8s/aws-auth.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["base"], "HEAD:k8s/aws-auth.yaml");
    assert_eq!(verdicts(&report)[0].0, "node_role_dropped");
    // From a subdirectory, the path is relative to it, as typed.
    let r = run_in(
        &dir.join("k8s"),
        &["diff", "--git", "HEAD", "aws-auth.yaml", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    // A file new at HEAD: BASE grants nothing, so everything is added.
    std::fs::copy(repo().join("examples/clean.yaml"), dir.join("k8s/new.yaml")).unwrap();
    let r = run_in(
        &dir,
        &["diff", "--git", "HEAD", "k8s/new.yaml", "--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(verdicts(&report).iter().all(|(k, _, _)| k == "added"));
    assert_eq!(verdicts(&report).len(), 4);
    // A revision that does not exist is an input error that says so.
    let r = run_in(&dir, &["diff", "--git", "no-such-rev", "k8s/aws-auth.yaml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a revision"), "{}", r.stderr);
    let r = run_in(
        &dir,
        &["diff", "--git", "--upload-pack=x", "k8s/aws-auth.yaml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_baseline_keeps_only_drift() {
    let dir = scratch("diff-baseline");
    let before = run(&["check", "examples/broken.yaml", "--format", "json"]);
    let baseline = write(&dir, "baseline.json", before.stdout.as_bytes());
    // The same file: everything is in the baseline, nothing is reported, exit 0.
    let same = run(&[
        "check",
        "examples/broken.yaml",
        "--baseline",
        &baseline,
        "--format",
        "json",
    ]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    let report: Value = serde_json::from_str(&same.stdout).unwrap();
    assert!(report["findings"].as_array().unwrap().is_empty());
    assert!(
        report["notes"]
            .to_string()
            .contains("finding(s) it already had are not reported")
    );
    // A new system:masters row (mapRoles is lost to its tab; mapUsers is read): only it is
    // reported.
    let mut text = std::fs::read_to_string(repo().join("examples/broken.yaml")).unwrap();
    text = text.replacen(
        "  mapUsers: |\n",
        "  mapUsers: |\n    - userarn: arn:aws:iam::111122223333:user/intruder\n      username: intruder\n      groups: [system:masters]\n",
        1,
    );
    let drifted = write(&dir, "drifted.yaml", text.as_bytes());
    let r = run(&[
        "check",
        &drifted,
        "--baseline",
        &baseline,
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let principals: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["principal"].as_str())
        .collect();
    assert!(!principals.is_empty());
    assert!(
        principals.iter().all(|p| p.ends_with("user/intruder")),
        "{principals:?}"
    );
    // Not a report: a clear error with its position.
    let bad = write(&dir, "bad.json", b"{\"findings\": [}");
    let r = run(&["check", "examples/clean.yaml", "--baseline", &bad]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.json:1:"), "{}", r.stderr);
}

#[test]
fn a_terraform_plan_is_compared_before_and_after_apply() {
    // The classic overwrite: the ConfigMap is replaced without the node role, and an access
    // entry's policy is switched to AmazonEKSClusterAdminPolicy.
    let r = run(&[
        "diff",
        "tests/plans/replace-drops-node-role.json",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let found = verdicts(&report);
    assert_eq!(
        found,
        [
            (
                "node_role_dropped".to_string(),
                "critical".to_string(),
                Some("arn:aws:iam::111122223333:role/eks-node-group-general".to_string())
            ),
            (
                "admin_granted".to_string(),
                "high".to_string(),
                Some("arn:aws:iam::111122223333:role/release".to_string())
            ),
            (
                "changed".to_string(),
                "info".to_string(),
                Some("arn:aws:iam::111122223333:role/release".to_string())
            ),
        ],
        "{}",
        report["verdicts"]
    );
    assert!(codes(&report["findings"]["new"]).contains(&"EA201".to_string()));
    assert!(report["base"].as_str().unwrap().ends_with("(before)"));
    // `check` judges the plan as apply leaves it: the entry rules run on its entries.
    let r = run(&[
        "check",
        "tests/plans/replace-drops-node-role.json",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(codes(&report["findings"]).contains(&"EA201".to_string()));
}

#[test]
fn what_a_plan_knows_only_after_apply_is_never_a_pass() {
    let r = run(&["diff", "tests/plans/unknown-principal.json"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("not known until apply: aws_eks_access_entry.deployer: principal_arn"),
        "{}",
        r.stdout
    );
    let allowed = run(&[
        "diff",
        "tests/plans/unknown-principal.json",
        "--allow-incomplete",
    ]);
    assert_eq!(allowed.code, 0, "{}", allowed.stdout);
    // One file that is not a plan: told what to give.
    let r = run(&["diff", "examples/clean.yaml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Terraform plan"), "{}", r.stderr);
    // A broken plan: its line and column.
    let dir = scratch("diff-bad-plan");
    let bad = write(
        &dir,
        "plan.json",
        b"{\"format_version\": \"1.2\",\n \"resource_changes\": [\n  {\"type\": }\n]}",
    );
    let r = run(&["diff", &bad]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line 3, column"), "{}", r.stderr);
}

#[test]
fn an_eksctl_cluster_config_is_judged_as_the_aws_auth_it_writes() {
    let r = run(&[
        "check",
        "tests/diff/eksctl-admin-entry/head.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    // EA201 for the admin entry; EA309 (info) for the mapping no entry replaces yet.
    assert_eq!(codes(&report["findings"]), ["EA201", "EA309"]);
    // The identity mappings became aws-auth rows, judged by the offline rules.
    assert_eq!(
        report["inputs"][0]["aws_auth"]["map_roles"][0]["rolearn"],
        "arn:aws:iam::111122223333:role/platform-operators"
    );
    // An item eksctl would reject is an input error at its line.
    let dir = scratch("eksctl-bad");
    let bad = write(
        &dir,
        "cluster.yaml",
        b"apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: x\niamIdentityMappings:\n  - groups: [a]\n",
    );
    let r = run(&["check", &bad]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cluster.yaml:6:"), "{}", r.stderr);
}
