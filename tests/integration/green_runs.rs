//! A green run means all is as agreed: the user flows whose verdicts a team acts on, driven
//! through the command line as a user runs them — a pre-merge check under a policy scoped to
//! a path (whatever form the path is typed in, and both sides of a diff), waived findings that
//! never read as open ones, and the verdicts on the bundled examples.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{configmap, git, run_in, scratch};

/// A policy at the repository root that speaks only of the production file.
const SCOPED_POLICY: &str = "apiVersion: aws-auth-audit/v1
kind: Policy
scopes:
  - match: {files: [clusters/prod/aws-auth.yaml]}
    admins:
      - arn: arn:aws:iam::111122223333:role/platform-admins
waivers:
  - rule: EA113
    principal: arn:aws:iam::111122223333:role/platform-admins
    reason: the platform team's break-glass path, reviewed in SEC-7
    owner: team-platform
    expires: 2099-12-31
";

/// Production's aws-auth: the expected administrator, an unexpected one (already there, a
/// policy finding the base has too), and what `extra` adds.
fn prod_aws_auth(extra: &str) -> String {
    configmap(&format!(
        "  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/platform-admins
      username: platform
      groups: [system:masters]
    - rolearn: arn:aws:iam::111122223333:role/legacy-admin
      username: legacy
      groups: [system:masters]
{extra}"
    ))
}

const READ_ONLY_ROW: &str = "    - rolearn: arn:aws:iam::111122223333:role/auditors
      username: auditor
      groups: [viewers]
";

/// A repository with the policy at its root and production's aws-auth committed.
fn repository(name: &str) -> PathBuf {
    let repo = scratch(name);
    std::fs::create_dir_all(repo.join("clusters/prod")).unwrap();
    std::fs::write(repo.join(".aws-auth-audit.yaml"), SCOPED_POLICY).unwrap();
    std::fs::write(repo.join("clusters/prod/aws-auth.yaml"), prod_aws_auth("")).unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    repo
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn codes(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["code"].as_str().unwrap(), f["principal"]))
        .collect()
}

fn verdict_kinds(report: &Value) -> Vec<String> {
    report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_diff_judges_both_sides_under_the_scopes_of_the_changed_path() {
    let repo = repository("green-diff");
    let file = "clusters/prod/aws-auth.yaml";
    std::fs::write(repo.join(file), prod_aws_auth(READ_ONLY_ROW)).unwrap();
    std::fs::write(repo.join("old.yaml"), prod_aws_auth("")).unwrap();
    // The base from git, and the base as another file: the same verdict, nothing new.
    for args in [
        vec!["diff", "--git", "HEAD", file, "--format", "json"],
        vec!["diff", "old.yaml", file, "--format", "json"],
    ] {
        let r = run_in(&repo, &args, b"");
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        let report = json(&r.stdout);
        let kinds = verdict_kinds(&report);
        assert!(
            !kinds.iter().any(|k| k.starts_with("policy_")),
            "{args:?}: {kinds:?}"
        );
        assert_eq!(
            codes(&report["findings"]["new"]),
            Vec::<String>::new(),
            "{args:?}"
        );
        // The unexpected administrator of the base is still reported, as unchanged.
        assert!(
            codes(&report["findings"]["unchanged"])
                .contains(&"EA501 \"arn:aws:iam::111122223333:role/legacy-admin\"".to_string()),
            "{args:?}: {}",
            report["findings"]["unchanged"]
        );
    }
    // A change that does grant a new administrator still fails, once.
    std::fs::write(
        repo.join(file),
        prod_aws_auth(
            "    - rolearn: arn:aws:iam::111122223333:role/intern\n      username: intern\n      groups: [system:masters]\n",
        ),
    )
    .unwrap();
    let r = run_in(
        &repo,
        &["diff", "--git", "HEAD", file, "--format", "json"],
        b"",
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let report = json(&r.stdout);
    assert_eq!(
        codes(&report["findings"]["new"])
            .iter()
            .filter(|c| c.starts_with("EA501"))
            .collect::<Vec<_>>(),
        ["EA501 \"arn:aws:iam::111122223333:role/intern\""]
    );
    assert!(verdict_kinds(&report).contains(&"policy_admin_granted".to_string()));
}

/// The policy findings of `check` run in `dir` on `path` (as typed), with its stderr.
fn policy_findings_of(dir: &Path, path: &str) -> (Vec<String>, String, i32) {
    let r = run_in(dir, &["check", path, "--format", "json"], b"");
    let report = json(&r.stdout);
    let found = codes(&report["findings"])
        .into_iter()
        .filter(|c| c.starts_with("EA5"))
        .collect();
    (found, r.stderr, r.code)
}

#[test]
fn scope_paths_match_whatever_form_the_path_is_typed_in() {
    let repo = repository("green-paths");
    let absolute = repo.join("clusters/prod/aws-auth.yaml");
    let expected = vec!["EA501 \"arn:aws:iam::111122223333:role/legacy-admin\"".to_string()];
    for (dir, typed) in [
        (repo.clone(), "clusters/prod/aws-auth.yaml".to_string()),
        (repo.clone(), "./clusters/prod/aws-auth.yaml".to_string()),
        (repo.clone(), absolute.to_string_lossy().into_owned()),
        (repo.join("clusters"), "prod/aws-auth.yaml".to_string()),
        (repo.join("clusters/prod"), "./aws-auth.yaml".to_string()),
        (
            repo.join("clusters/prod"),
            "../prod/aws-auth.yaml".to_string(),
        ),
    ] {
        let (found, stderr, code) = policy_findings_of(&dir, &typed);
        assert_eq!(found, expected, "{typed} from {}: {stderr}", dir.display());
        assert_eq!(code, 1, "{typed}: {stderr}");
        assert!(!stderr.contains("warning"), "{typed}: {stderr}");
    }
    // A file no scope matches, under a policy that has scopes: said on stderr, not only in a
    // note, and the report names it.
    std::fs::create_dir_all(repo.join("clusters/dev")).unwrap();
    std::fs::write(repo.join("clusters/dev/aws-auth.yaml"), prod_aws_auth("")).unwrap();
    let r = run_in(
        &repo,
        &["check", "clusters/dev/aws-auth.yaml", "--format", "json"],
        b"",
    );
    assert!(
        r.stderr.contains("warning: no scope of policy")
            && r.stderr.contains("clusters/dev/aws-auth.yaml")
            && r.stderr.contains("EA501-EA505"),
        "{}",
        r.stderr
    );
    let report = json(&r.stdout);
    assert!(
        report["policy"]["uncovered"]
            .as_str()
            .is_some_and(|w| w.contains("did not run")),
        "{}",
        report["policy"]
    );
}

#[test]
fn a_waived_finding_is_marked_and_counted_apart_in_every_summary() {
    let repo = repository("green-waived");
    let file = "clusters/prod/aws-auth.yaml";
    let table = run_in(&repo, &["check", file, "--color", "never"], b"");
    // The waived EA113 of platform-admins reads as waived, with its reason, owner and expiry.
    assert!(table.stdout.contains("high, waived"), "{}", table.stdout);
    assert!(
        table
            .stdout
            .contains("waived until 2099-12-31 (owner team-platform)"),
        "{}",
        table.stdout
    );
    let summary = table
        .stdout
        .lines()
        .find(|l| l.contains("finding(s):"))
        .unwrap_or_else(|| panic!("{}", table.stdout));
    assert!(summary.contains(", 1 waived"), "{summary}");
    let markdown = run_in(&repo, &["check", file, "--format", "markdown"], b"");
    assert!(
        markdown.stdout.contains("| high, waived |"),
        "{}",
        markdown.stdout
    );
    assert!(markdown.stdout.contains("1 waived"), "{}", markdown.stdout);
    let report = json(&run_in(&repo, &["check", file, "--format", "json"], b"").stdout);
    assert_eq!(report["summary"]["waived"], 1, "{}", report["summary"]);
    let failing = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .count();
    assert_eq!(report["summary"]["failing"], failing);
    // The failing count in the table is the failing findings only.
    assert!(
        summary.contains(&format!("{failing} failing")),
        "{summary} ({failing} failing)"
    );
}

/// A scan of the fleet scenario's own account in two regions, with `extra` arguments.
fn scan_own_account(extra: &[&str]) -> (crate::support::testbed::Run, Value) {
    use crate::support::testbed::{Scenario, Testbed};
    let bed = Testbed::start(Scenario::load("fleet.json"));
    let home = scratch("green-scan");
    let mut args = vec![
        "scan",
        "--accounts",
        "123456789012",
        "--role-name",
        "auditor",
        "--no-iam",
        "--timeout",
        "3",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    if !extra.contains(&"--format") {
        args.extend_from_slice(&["--format", "json"]);
    }
    let run = bed.run(&home, "admin", &args);
    let report = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run, report)
}

#[test]
fn a_scan_that_audits_nothing_is_not_a_pass() {
    // A typo in --include: both clusters listed, both left out by name.
    let (run, report) =
        scan_own_account(&["--regions", "us-east-1,eu-west-1", "--include", "prdo-*"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let targets = &report["summary"]["targets"];
    assert_eq!(targets["accounts"], 1, "{targets}");
    assert_eq!(targets["regions_listed"], 2, "{targets}");
    assert_eq!(targets["clusters_listed"], 2, "{targets}");
    assert_eq!(targets["dropped_by_name"], 2, "{targets}");
    let empty = &report["not_audited"][0];
    assert_eq!(
        empty["reason"], "unknown(empty fleet)",
        "{}",
        report["not_audited"]
    );
    assert!(
        empty["detail"]
            .as_str()
            .unwrap()
            .contains("2 cluster(s) found: 2 left out by --include/--exclude"),
        "{empty}"
    );
    // A region with no cluster at all: the same verdict, and the table says what was found.
    let (run, report) = scan_own_account(&["--regions", "sa-east-1"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert_eq!(report["summary"]["targets"]["clusters_listed"], 0);
    // An empty fleet that is expected: said, and exit 0.
    let (run, report) = scan_own_account(&["--regions", "sa-east-1", "--allow-empty-fleet"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(report["not_audited"].as_array().map(Vec::len), Some(0));
    let (table, _) = scan_own_account(&[
        "--regions",
        "us-east-1",
        "--include",
        "prdo-*",
        "--format",
        "table",
    ]);
    assert_eq!(table.code, 3, "{}", table.stderr);
    assert!(
        table
            .stdout
            .contains("targets: 1 account(s), 1 account-region(s) listed, 1 cluster(s) found: 1 left out by --include/--exclude"),
        "{}",
        table.stdout
    );
}
