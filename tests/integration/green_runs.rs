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
    // A user filed under mapRoles: a low finding, below the default --fail-on high.
    std::fs::write(
        repo.join(file),
        prod_aws_auth(
            "    - rolearn: arn:aws:iam::111122223333:user/bob\n      username: bob\n      groups: [viewers]\n",
        ),
    )
    .unwrap();
    let table = crate::common::run_in_env(
        &repo,
        &["check", file, "--color", "never"],
        b"",
        &[("COLUMNS", "1000")],
    );
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
    // What fails the run is what fails at --fail-on (high by default); the rest is counted
    // below it, and the table's summary says the same numbers.
    let failed: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    let at_high = failed
        .iter()
        .filter(|f| ["high", "critical"].contains(&f["severity"].as_str().unwrap()))
        .count();
    assert!(
        at_high > 0 && at_high < failed.len(),
        "{}",
        report["findings"]
    );
    assert_eq!(report["summary"]["fail_on"], "high");
    assert_eq!(report["summary"]["failing"], at_high);
    assert_eq!(report["summary"]["below_fail_on"], failed.len() - at_high);
    assert!(
        summary.contains(&format!("{} failed (", failed.len()))
            && summary.contains(&format!("{at_high} at or above --fail-on high")),
        "{summary}"
    );
    let lenient = json(
        &run_in(
            &repo,
            &["check", file, "--format", "json", "--fail-on", "critical"],
            b"",
        )
        .stdout,
    );
    assert_eq!(lenient["summary"]["failing"], 0, "{}", lenient["summary"]);
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

#[test]
fn an_account_that_maps_wholesale_is_a_way_in_wherever_ways_in_are_listed() {
    let way_in = "account 444455556666 (every principal)";
    for format in ["dot", "mermaid", "html"] {
        let r = crate::common::run(&["check", "examples/broken.yaml", "--format", format]);
        assert!(r.stdout.contains(way_in), "{format}: {}", r.stdout);
        assert!(r.stdout.contains("mapAccounts[0]"), "{format}");
    }
    // A role ARN with a path filed under mapUsers never matches: drawn as not in effect.
    let dot = crate::common::run(&["check", "examples/broken.yaml", "--format", "dot"]);
    assert!(
        dot.stdout.contains("not in effect: the ARN has a path"),
        "{}",
        dot.stdout
    );
    // A policy that allows no other account says so of the mapped account.
    let dir = scratch("green-map-accounts");
    let policy = crate::common::write(
        &dir,
        "policy.yaml",
        b"apiVersion: aws-auth-audit/v1\nkind: Policy\nscopes:\n  - match: {files: [\"**\"], accounts: [\"111122223333\"]}\n    allowed_accounts: []\n",
    );
    let r = crate::common::run(&[
        "check",
        "examples/broken.yaml",
        "--policy",
        &policy,
        "--format",
        "json",
    ]);
    let report = json(&r.stdout);
    let foreign: Vec<String> = codes(&report["findings"])
        .into_iter()
        .filter(|c| c.starts_with("EA505"))
        .collect();
    assert_eq!(foreign, [format!("EA505 \"{way_in}\"")], "{}", r.stdout);
}

#[test]
fn a_plan_diff_counts_what_it_could_not_evaluate_and_never_calls_a_removal_a_fix() {
    // The new access entry's principal is unknown until apply.
    let unknown = crate::common::run(&["diff", "tests/plans/unknown-principal.json"]);
    assert_eq!(unknown.code, 3, "{}", unknown.stderr);
    let headline = unknown.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        headline.starts_with("0 access change(s), 1 not evaluated (head: not known until apply: aws_eks_access_entry.deployer: principal_arn)"),
        "{headline}"
    );
    let markdown = crate::common::run(&[
        "diff",
        "tests/plans/unknown-principal.json",
        "--format",
        "markdown",
    ]);
    assert!(
        !markdown.stdout.contains("No change to who can get in")
            && markdown.stdout.contains("could not be evaluated"),
        "{}",
        markdown.stdout
    );
    // A plan that drops the node role: its migration blocker goes with the row, not fixed.
    let dropped = crate::common::run(&[
        "diff",
        "tests/plans/replace-drops-node-role.json",
        "--format",
        "json",
    ]);
    let report = json(&dropped.stdout);
    assert_eq!(codes(&report["findings"]["fixed"]), Vec::<String>::new());
    assert_eq!(
        codes(&report["findings"]["removed"]),
        ["EA309 \"arn:aws:iam::111122223333:role/eks-node-group-general\""]
    );
    assert!(
        report["summary"]
            .as_str()
            .unwrap()
            .contains("0 fixed, 1 gone with a removed row"),
        "{}",
        report["summary"]
    );
}

#[test]
fn counts_from_partial_reads_are_lower_bounds_and_policy_init_refuses_them() {
    // The snapshot of a cluster that rejected the audit's token: aws-auth unread.
    let rejected = "tests/pinned/snapshots/faults-rejected.json";
    let html = crate::common::run(&["check", rejected, "--format", "html"]);
    assert!(
        html.stdout
            .contains("Administrators: at least 0 (aws-auth not read)"),
        "{}",
        html.stdout
    );
    // A fleet of it and a healthy cluster, replayed: the same lower bound in the fleet view.
    let dir = scratch("green-partial");
    let evidence =
        crate::common::evidence_of(&dir, &["faults-rejected.json", "faults-healthy.json"]);
    let replay = evidence.to_str().unwrap();
    let table = crate::common::run_wide(&["scan", "--replay", replay, "--quiet"]);
    assert!(
        table.stdout.contains("at least 0 (aws-auth"),
        "{}",
        table.stdout
    );
    let markdown = crate::common::run(&[
        "scan", "--replay", replay, "--quiet", "--format", "markdown",
    ]);
    assert!(
        markdown
            .stdout
            .contains("| at least 0 (aws-auth not read) |"),
        "{}",
        markdown.stdout
    );
    assert!(
        table
            .stdout
            .contains("targets: 1 account(s), 1 account-region(s) listed, 2 cluster(s) found"),
        "{}",
        table.stdout
    );
    // policy init from that evidence refuses, says why on stderr, and writes nothing…
    let lines = dir.join("fleet.jsonl");
    let scanned = crate::common::run(&[
        "scan",
        "--replay",
        replay,
        "--quiet",
        "--format",
        "jsonl",
        "-o",
        lines.to_str().unwrap(),
    ]);
    assert_eq!(scanned.code, 3, "{}", scanned.stderr);
    let policy = dir.join("policy.yaml");
    for input in [rejected, lines.to_str().unwrap()] {
        let init = crate::common::run(&["policy", "init", input, "-o", policy.to_str().unwrap()]);
        assert_eq!(init.code, 3, "{input}: {}", init.stderr);
        assert!(
            init.stderr.contains("could not show every administrator")
                && init
                    .stderr
                    .contains("aws-auth not read: unknown(auth_rejected)"),
            "{input}: {}",
            init.stderr
        );
        assert!(!policy.exists(), "{input}");
    }
    // …unless told to write it anyway: the gaps head the file, and `policy check` says so.
    let init = crate::common::run(&[
        "policy",
        "init",
        rejected,
        "--allow-incomplete",
        "-o",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let text = std::fs::read_to_string(&policy).unwrap();
    assert!(
        text.starts_with("# aws-auth-audit: incomplete: arn:aws:eks:us-east-1:123456789012:cluster/rejected: aws-auth not read"),
        "{text}"
    );
    let checked = crate::common::run(&["policy", "check", policy.to_str().unwrap()]);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(
        checked.stdout.contains("written from incomplete evidence")
            && checked.stderr.contains("written from incomplete evidence"),
        "{}{}",
        checked.stdout,
        checked.stderr
    );
    // Complete evidence: written, with today's failing generic findings as commented waivers.
    let complete = dir.join("complete.yaml");
    let init = crate::common::run(&[
        "policy",
        "init",
        "examples/snapshot.json",
        "-o",
        complete.to_str().unwrap(),
    ]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let text = std::fs::read_to_string(&complete).unwrap();
    assert!(!text.contains("incomplete"), "{text}");
    assert!(
        text.contains("# waivers:\n#   - {rule: EA301, principal: "),
        "{text}"
    );
}
