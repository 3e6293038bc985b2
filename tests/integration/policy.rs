//! The organisation policy through the command line: applied to a file, a snapshot and a diff
//! alike; found by discovery or named; waivers that hide a finding from the exit code but not
//! from the report (SARIF suppressions); a bad policy is exit 2 at its line and column.

use serde_json::Value;

use crate::common::{assert_sarif_valid, configmap, run, run_in, scratch, write};

const POLICY: &str = "apiVersion: aws-auth-audit/v1
kind: Policy
rules:
  EA113: {severity: medium}
scopes:
  - match: {files: [\"**\"], accounts: [\"111122223333\"]}
    admins:
      - arn: arn:aws:iam::111122223333:role/platform-admins
waivers:
  - rule: EA501
    principal: arn:aws:iam::111122223333:role/legacy-admin
    reason: kept until the migration in SEC-123
    owner: team-platform
    expires: 2099-12-31
";

fn aws_auth(extra_admin: &str) -> String {
    configmap(&format!(
        "  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/platform-admins
      username: platform
      groups: [system:masters]
    - rolearn: arn:aws:iam::111122223333:role/legacy-admin
      username: legacy
      groups: [system:masters]
{extra_admin}"
    ))
}

const CI_ADMIN: &str = "    - rolearn: arn:aws:iam::111122223333:role/ci
      username: ci
      groups: [system:masters]
";

fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

#[test]
fn a_policy_reports_what_differs_and_waives_what_it_accepts() {
    let dir = scratch("policy-file");
    let policy = write(&dir, "policy.yaml", POLICY.as_bytes());
    let quiet = write(&dir, "quiet.yaml", aws_auth("").as_bytes());
    // As agreed: the legacy admin is waived, EA113 is medium, nothing fails at high.
    let run_quiet = run(&["check", &quiet, "--policy", &policy, "--format", "json"]);
    assert_eq!(
        run_quiet.code, 0,
        "{}{}",
        run_quiet.stdout, run_quiet.stderr
    );
    let report: Value = serde_json::from_str(&run_quiet.stdout).unwrap();
    assert_eq!(report["policy"]["path"], policy.as_str());
    assert!(
        report["policy"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let waived = findings(&report, "EA501");
    assert_eq!(waived.len(), 1, "{waived:#?}");
    assert_eq!(waived[0]["status"], "waived");
    assert_eq!(waived[0]["waiver"]["owner"], "team-platform");
    assert!(
        findings(&report, "EA113")
            .iter()
            .all(|f| f["severity"] == "medium")
    );
    assert!(findings(&report, "EA902").is_empty());
    // Someone new in system:masters: an unexpected administrator, exit 1.
    let loud = write(&dir, "loud.yaml", aws_auth(CI_ADMIN).as_bytes());
    let run_loud = run(&["check", &loud, "--policy", &policy, "--format", "json"]);
    assert_eq!(run_loud.code, 1, "{}", run_loud.stderr);
    let report: Value = serde_json::from_str(&run_loud.stdout).unwrap();
    let unexpected: Vec<&Value> = findings(&report, "EA501")
        .into_iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert_eq!(unexpected.len(), 1, "{unexpected:#?}");
    assert_eq!(
        unexpected[0]["principal"],
        "arn:aws:iam::111122223333:role/ci"
    );
    assert_eq!(unexpected[0]["location"]["line"], 14);
    assert!(
        unexpected[0]["message"]
            .as_str()
            .unwrap()
            .contains("policy.yaml:6:5"),
        "{}",
        unexpected[0]["message"]
    );
    // SARIF: the waived finding is suppressed with its reason, and the log stays valid.
    let sarif = run(&["check", &loud, "--policy", &policy, "--format", "sarif"]);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_sarif_valid(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "kept until the migration in SEC-123"
    );
    // Without the policy, the same file is judged by the generic rules only.
    let plain = run(&["check", &loud, "--no-policy", "--format", "json"]);
    let report: Value = serde_json::from_str(&plain.stdout).unwrap();
    assert!(report.get("policy").is_none());
    assert!(findings(&report, "EA501").is_empty());
}

#[test]
fn a_policy_is_found_up_to_the_repository_root() {
    let repo = scratch("policy-discovery");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("clusters/prod")).unwrap();
    write(&repo, ".aws-auth-audit.yaml", POLICY.as_bytes());
    let file = write(
        &repo.join("clusters/prod"),
        "aws-auth.yaml",
        aws_auth(CI_ADMIN).as_bytes(),
    );
    let found = run_in(
        &repo.join("clusters/prod"),
        &["check", &file, "--format", "json"],
        b"",
    );
    assert_eq!(found.code, 1, "{}", found.stderr);
    let report: Value = serde_json::from_str(&found.stdout).unwrap();
    assert!(
        report["policy"]["path"]
            .as_str()
            .unwrap()
            .ends_with(".aws-auth-audit.yaml"),
        "{}",
        report["policy"]
    );
    let none = run_in(
        &repo.join("clusters/prod"),
        &["check", &file, "--no-policy", "--format", "json"],
        b"",
    );
    let report: Value = serde_json::from_str(&none.stdout).unwrap();
    assert!(report.get("policy").is_none());
}

#[test]
fn a_bad_policy_is_exit_2_at_its_line_and_column() {
    let dir = scratch("policy-bad");
    let file = write(&dir, "aws-auth.yaml", aws_auth("").as_bytes());
    let cases = [
        (
            "rules:\n  EA999: {severity: high}\n",
            "p.yaml:4:3: no rule `EA999`",
        ),
        ("extends: [lenient]\n", "p.yaml:3:11: no profile `lenient`"),
        (
            "waivers:\n  - {rule: EA113, expires: 2027-01-01}\n",
            "p.yaml:4:5: a waiver needs a `reason`",
        ),
    ];
    for (body, said) in cases {
        let policy = write(
            &dir,
            "p.yaml",
            format!("apiVersion: aws-auth-audit/v1\nkind: Policy\n{body}").as_bytes(),
        );
        let r = run(&["check", &file, "--policy", &policy]);
        assert_eq!(r.code, 2, "{body}: {}", r.stderr);
        assert!(r.stderr.contains(said), "{body}: {}", r.stderr);
    }
}

#[test]
fn the_same_policy_judges_a_snapshot_and_a_diff() {
    let dir = scratch("policy-diff");
    let policy_text = "apiVersion: aws-auth-audit/v1
kind: Policy
scopes:
  - match: {accounts: [\"123456789012\"], files: [\"**\"]}
    admins: [{role_name: \"platform-*\"}]
    min_admins: 1
";
    let policy = write(&dir, "policy.yaml", policy_text.as_bytes());
    // The example snapshot: a CONFIG_MAP cluster whose caller is the hidden creator.
    let snap = run(&[
        "check",
        "examples/snapshot.json",
        "--policy",
        &policy,
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&snap.stdout).unwrap();
    assert!(!findings(&report, "EA501").is_empty(), "{}", snap.stdout);
    // The policy's admin list applies to latent administrators too, and says which kind: the
    // example's CI role may make itself cluster-admin (EA405).
    let latent = findings(&report, "EA501")
        .into_iter()
        .find(|f| f["principal"] == "arn:aws:iam::123456789012:role/ci-deployer")
        .unwrap_or_else(|| panic!("{}", snap.stdout));
    assert!(
        latent["message"]
            .as_str()
            .unwrap()
            .contains("is a latent administrator — no way in today, but IAM lets it make one (latent (IAM: its own access entry))"),
        "{latent}"
    );
    assert!(
        report["coverage"]["rules_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "EA503")
    );
    // A change that makes a new administrator: the diff reports the new EA501 and fails.
    let base = write(
        &dir,
        "base.yaml",
        configmap(
            "  mapRoles: |\n    - rolearn: arn:aws:iam::123456789012:role/platform-admins\n      username: platform\n      groups: [system:masters]\n",
        )
        .as_bytes(),
    );
    let head = write(
        &dir,
        "head.yaml",
        configmap(
            "  mapRoles: |\n    - rolearn: arn:aws:iam::123456789012:role/platform-admins\n      username: platform\n      groups: [system:masters]\n    - rolearn: arn:aws:iam::123456789012:role/intern\n      username: intern\n      groups: [system:masters]\n",
        )
        .as_bytes(),
    );
    let diff = run(&[
        "diff", &base, &head, "--policy", &policy, "--format", "json",
    ]);
    assert_eq!(diff.code, 1, "{}{}", diff.stdout, diff.stderr);
    let report: Value = serde_json::from_str(&diff.stdout).unwrap();
    let new: Vec<&Value> = report["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "EA501")
        .collect();
    assert_eq!(new.len(), 1, "{}", diff.stdout);
    assert_eq!(new[0]["principal"], "arn:aws:iam::123456789012:role/intern");
    // …and a failing verdict that names the policy line.
    let verdict = report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["kind"] == "policy_admin_granted")
        .unwrap_or_else(|| panic!("{}", diff.stdout));
    assert_eq!(verdict["severity"], "high");
    assert!(
        verdict["message"]
            .as_str()
            .unwrap()
            .contains("policy.yaml:4:5")
    );
    let sarif = run(&[
        "diff", &base, &head, "--policy", &policy, "--format", "sarif",
    ]);
    assert_sarif_valid(&serde_json::from_str(&sarif.stdout).unwrap());
}

#[test]
fn policy_init_starts_quiet_and_a_new_admin_is_one_finding() {
    let dir = scratch("policy-init");
    let policy = dir.join("policy.yaml");
    let init = run(&[
        "policy",
        "init",
        "examples/snapshot.json",
        "--output",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let checked = run(&["policy", "check", policy.to_str().unwrap()]);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(
        checked.stdout.contains("administrators allowed"),
        "{}",
        checked.stdout
    );
    let policy_findings = |report: &Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"].as_str().unwrap().starts_with("EA5"))
            .map(|f| format!("{} {}", f["code"], f["principal"]))
            .collect()
    };
    let quiet = run(&[
        "check",
        "examples/snapshot.json",
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&quiet.stdout).unwrap();
    assert!(
        policy_findings(&report).is_empty(),
        "{:?}",
        policy_findings(&report)
    );
    // One more administrator in the same cluster: exactly one unexpected administrator.
    let mut snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string("examples/snapshot.json").unwrap()).unwrap();
    let roles = snapshot["aws_auth"]["value"]["data"]["mapRoles"]
        .as_str()
        .unwrap()
        .to_string();
    snapshot["aws_auth"]["value"]["data"]["mapRoles"] = Value::String(format!(
        "{roles}- rolearn: arn:aws:iam::123456789012:role/intern\n  username: intern\n  groups:\n    - system:masters\n"
    ));
    let changed = write(&dir, "changed.json", snapshot.to_string().as_bytes());
    let loud = run(&[
        "check",
        &changed,
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&loud.stdout).unwrap();
    assert_eq!(
        policy_findings(&report),
        ["\"EA501\" \"arn:aws:iam::123456789012:role/intern\""],
        "{}",
        loud.stdout
    );
}

#[test]
fn a_live_cluster_is_judged_against_the_policy_written_from_it() {
    use crate::support::testbed::{Scenario, Testbed};
    let bed = Testbed::start(Scenario::load("basic.json"));
    let home = scratch("policy-live");
    let policy = home.join("policy.yaml");
    let init = bed.run(
        &home,
        "admin",
        &[
            "policy",
            "init",
            "--cluster",
            "demo",
            "-o",
            policy.to_str().unwrap(),
        ],
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    let text = std::fs::read_to_string(&policy).unwrap();
    assert!(text.contains("clusters: [demo]"), "{text}");
    let audit = bed.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            "demo",
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let report = audit.json();
    assert_eq!(report["policy"]["path"], policy.to_str().unwrap());
    let unexpected: Vec<&Value> = findings(&report, "EA501");
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert!(
        report["coverage"]["rules_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "EA501"),
        "{}",
        report["coverage"]
    );
}

#[test]
fn whois_says_what_the_policy_says_of_the_principal() {
    let dir = scratch("policy-whois");
    let policy = write(
        &dir,
        "policy.yaml",
        b"apiVersion: aws-auth-audit/v1\nkind: Policy\nscopes:\n  - match: {}\n    admins: [{role_name: \"platform-*\"}]\n",
    );
    let text = run(&[
        "whois",
        "arn:aws:iam::123456789012:role/admins",
        "--snapshot",
        "examples/snapshot.json",
        "--policy",
        &policy,
    ]);
    assert!(
        text.stdout
            .contains("EA501 unexpected-administrator (fail)"),
        "{}",
        text.stdout
    );
    let json = run(&[
        "whois",
        "arn:aws:iam::123456789012:role/admins",
        "--snapshot",
        "examples/snapshot.json",
        "--policy",
        &policy,
        "--format",
        "json",
    ]);
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["policy"]["findings"][0]["code"], "EA501");
}

#[test]
fn a_waiver_by_fingerprint_waives_that_finding_only() {
    let dir = scratch("policy-fingerprint");
    let base = "apiVersion: aws-auth-audit/v1\nkind: Policy\nscopes:\n  - match: {files: [\"**\"]}\n    admins: []\n";
    let policy = write(&dir, "policy.yaml", base.as_bytes());
    let file = write(&dir, "aws-auth.yaml", aws_auth(CI_ADMIN).as_bytes());
    let first = run(&["check", &file, "--policy", &policy, "--format", "json"]);
    let report: Value = serde_json::from_str(&first.stdout).unwrap();
    let unexpected = findings(&report, "EA501");
    assert_eq!(unexpected.len(), 3, "{}", first.stdout);
    let ci = unexpected
        .iter()
        .find(|f| f["principal"] == "arn:aws:iam::111122223333:role/ci")
        .unwrap();
    let waived_policy = format!(
        "{base}waivers:\n  - fingerprint: {}\n    reason: the CI role's admin, until SEC-7\n    expires: 2099-01-01\n",
        ci["fingerprint"].as_str().unwrap()
    );
    let policy = write(&dir, "policy.yaml", waived_policy.as_bytes());
    let second = run(&["check", &file, "--policy", &policy, "--format", "json"]);
    let report: Value = serde_json::from_str(&second.stdout).unwrap();
    let statuses: Vec<(String, String)> = findings(&report, "EA501")
        .iter()
        .map(|f| {
            (
                f["principal"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("arn:aws:iam::111122223333:role/ci".into(), "waived".into())),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|(_, s)| s == "fail").count(),
        2,
        "{statuses:?}"
    );
}
