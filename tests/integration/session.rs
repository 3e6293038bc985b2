//! One AWS session per target: `--role-arn` signs every AWS read (DescribeCluster, access
//! entries, node groups, mode changes, CloudTrail, IAM) and the cluster token alike; and every
//! class of AWS failure is reported as its own reason.

use std::net::TcpListener;

use serde_json::Value;

use crate::common;
use crate::support::testbed::{Recorded, Scenario, Testbed};

const ROLE: &str = "arn:aws:iam::222233334444:role/auditor";
const ASSUMED: &str = "arn:aws:sts::222233334444:assumed-role/auditor/aws-auth-audit";

#[test]
fn role_arn_signs_every_aws_read_and_the_token() {
    let bed = Testbed::start(Scenario::load("session.json"));
    let home = common::scratch("session-role");
    // The cluster exists only in the role's account: the base credentials do not find it.
    let plain = bed.run(&home, "admin", &["cluster", "--name", "partner"]);
    assert_eq!(plain.code, 2, "{}", plain.stderr);
    assert!(
        plain.stderr.contains("no cluster `partner`"),
        "{}",
        plain.stderr
    );
    let before = bed.requests().len();
    let run = bed.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            "partner",
            "--role-arn",
            ROLE,
            "--format",
            "json",
        ],
    );
    assert!(
        run.code == 0 || run.code == 1,
        "{}\n{}",
        run.code,
        run.stderr
    );
    let report = run.json();
    assert_eq!(
        report["cluster"]["arn"],
        "arn:aws:eks:us-east-1:222233334444:cluster/partner"
    );
    // IAM was read in the role's account, as the role.
    assert_eq!(
        report["cluster"]["iam"]["lookups"][0]["account"],
        "222233334444"
    );
    let requests: Vec<Recorded> = bed.requests()[before..].to_vec();
    let aws: Vec<&Recorded> = requests
        .iter()
        .filter(|r| r.server == "eks" || r.server == "cloudtrail")
        .collect();
    for needle in [
        "/clusters/partner",
        "/clusters/partner/access-entries",
        "/clusters/partner/node-groups",
        "LookupEvents",
    ] {
        assert!(
            aws.iter().any(|r| r.path.ends_with(needle)),
            "no {needle} request: {aws:#?}"
        );
    }
    let other: Vec<&&Recorded> = aws
        .iter()
        .filter(|r| r.identity.as_deref() != Some(ASSUMED))
        .collect();
    assert!(other.is_empty(), "not signed as the role: {other:#?}");
    // The cluster token too: the Kubernetes API saw the role.
    let k8s: Vec<&Recorded> = requests.iter().filter(|r| r.server == "k8s").collect();
    assert!(!k8s.is_empty());
    assert!(
        k8s.iter().all(|r| r.identity.as_deref() == Some(ASSUMED)),
        "{k8s:#?}"
    );
    // What the role's credentials found is judged: the creator named by CloudTrail, the
    // cluster-admin access entry.
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"EA201"), "{codes:?}");
}

/// The reason of the first not-evaluated rule of `code`.
fn reason(report: &Value, code: &str) -> String {
    report["coverage"]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == code)
        .and_then(|n| n["reason"].as_str())
        .unwrap_or_else(|| panic!("{code} not listed: {report}"))
        .to_string()
}

#[test]
fn every_class_of_aws_failure_has_its_own_reason() {
    let bed = Testbed::start(Scenario::load("session.json"));
    let home = common::scratch("session-classes");
    // A port that accepts connections and never answers.
    let hung = TcpListener::bind("127.0.0.1:0").unwrap();
    let hung_url = format!("http://{}", hung.local_addr().unwrap());
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        url
    };
    /// A cluster, the environment, a rule whose input fails, and the reason expected.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: [Case; 5] = [
        ("expired", vec![], "EA201", "unknown(auth_rejected)"),
        ("denied", vec![], "EA201", "unknown(access_denied)"),
        (
            "denied",
            vec![(
                "AWS_ENDPOINT_URL_STS",
                "http://sts.does-not-resolve.invalid",
            )],
            "EA401",
            "unknown(unreachable)",
        ),
        (
            "denied",
            vec![("AWS_ENDPOINT_URL_STS", refused.as_str())],
            "EA401",
            "unknown(unreachable)",
        ),
        (
            "denied",
            vec![("AWS_ENDPOINT_URL_STS", hung_url.as_str())],
            "EA401",
            "unknown(timeout)",
        ),
    ];
    for (cluster, env, code, expected) in cases {
        let run = bed.run_with_env(
            &home,
            "admin",
            &[
                "cluster",
                "--name",
                cluster,
                "--format",
                "json",
                "--deadline",
                "6",
            ],
            &env,
        );
        assert_eq!(run.code, 3, "{cluster} {env:?}: {}", run.stderr);
        let got = reason(&run.json(), code);
        assert!(
            got.starts_with(expected),
            "{cluster} {env:?}: {code} says {got}, expected {expected}"
        );
    }
    drop(hung);
    // No credentials at all: nothing can be read, and the error says why.
    let none = bed.run_with_env(
        &home,
        "admin",
        &["cluster", "--name", "denied"],
        &[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")],
    );
    assert_eq!(none.code, 2, "{}", none.stderr);
    // In words a newcomer can act on, one line; the SDK's chain only under RUST_LOG=debug.
    assert!(
        none.stderr.contains("no usable AWS credentials: none were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME"),
        "{}",
        none.stderr
    );
    assert!(
        !none.stderr.contains("dispatch failure") && none.stderr.lines().count() == 1,
        "{}",
        none.stderr
    );
    // The same for IAM alone (`check --resolve`): no_credentials, not a network failure.
    let file = common::write(
        &home,
        "aws-auth.yaml",
        common::configmap(
            "  mapRoles: |\n    - rolearn: arn:aws:iam::123456789012:role/ops\n      username: ops\n      groups: [ops]\n",
        )
        .as_bytes(),
    );
    let resolved = bed.run_with_env(
        &home,
        "admin",
        &["check", &file, "--resolve", "--format", "json"],
        &[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")],
    );
    assert_eq!(resolved.code, 3, "{}", resolved.stderr);
    let report = resolved.json();
    let undecided = report["coverage"]["not_evaluated"].to_string();
    assert!(undecided.contains("unknown(no_credentials)"), "{undecided}");
}

/// The failures a newcomer meets on a first run, each said in words they can act on (one line,
/// naming what to do), never the SDK's chain of causes.
#[test]
fn first_run_errors_say_what_to_do() {
    let bed = Testbed::start(Scenario::load("session.json"));
    let home = common::scratch("session-first-run");
    // An SSO profile whose session has expired (its cached token is past its expiry).
    let sso = home.join("sso-home");
    let cache = sso.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        sso.join(".aws/config"),
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    // The SDK finds a session's token under the SHA-1 of the session's name.
    std::fs::write(
        cache.join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        "{\"accessToken\": \"expired\", \"expiresAt\": \"2020-01-01T00:00:00Z\", \"region\": \"us-east-1\", \"startUrl\": \"https://example.awsapps.com/start\"}",
    )
    .unwrap();
    let sso_config = sso.join(".aws/config");
    let kubeconfig = common::write(
        &home,
        "kubeconfig",
        b"apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts:\n- name: dev\n  context: {cluster: dev, user: dev}\n- name: prod\n  context: {cluster: prod, user: prod}\n",
    );
    // (the case, the command line, the environment it runs in, the one line it prints)
    type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "no credentials",
            vec!["cluster", "--name", "denied"],
            vec![("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")],
            "error: DescribeCluster denied: no usable AWS credentials: none were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME (a profile of ~/.aws/config), or run `aws sso login --profile NAME` for an SSO profile (RUST_LOG=debug shows the SDK's own account)",
        ),
        (
            "no region",
            vec!["cluster", "--name", "denied"],
            vec![("AWS_REGION", ""), ("AWS_DEFAULT_REGION", "")],
            "error: no AWS region: pass --region or set AWS_REGION",
        ),
        (
            "an expired SSO session",
            vec!["cluster", "--name", "denied", "--profile", "dev"],
            vec![
                ("HOME", sso.to_str().unwrap()),
                ("AWS_CONFIG_FILE", sso_config.to_str().unwrap()),
                ("AWS_ACCESS_KEY_ID", ""),
                ("AWS_SECRET_ACCESS_KEY", ""),
            ],
            "error: DescribeCluster denied: no usable AWS credentials: they have expired. Refresh them (for an SSO profile: `aws sso login --profile NAME`) and run again (RUST_LOG=debug shows the SDK's own account)",
        ),
        (
            "a cluster name that does not exist",
            vec!["cluster", "--name", "danied"],
            vec![],
            "error: DescribeCluster: no cluster `danied` in us-east-1 (ResourceNotFoundException); the clusters in us-east-1: `denied`, `expired`",
        ),
        (
            "a kubeconfig context that does not exist",
            vec![
                "cluster",
                "--context",
                "staging",
                "--kubeconfig",
                kubeconfig.as_str(),
            ],
            vec![],
            "error: the kubeconfig has no context `staging`; its contexts: `dev`, `prod`",
        ),
    ];
    for (case, args, env, expected) in cases {
        let run = bed.run_with_env(&home, "admin", &args, &env);
        assert_eq!(run.code, 2, "{case}: {}", run.stderr);
        assert_eq!(run.stderr.trim_end(), expected, "{case}");
    }
}
