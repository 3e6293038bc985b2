//! `kubeconfig` against the local EKS + Kubernetes test bed, and kubectl as a real client of
//! the kubeconfig and token we generate.

use crate::common;
use crate::support::testbed;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use aws_auth_audit::source::token::presign;
use aws_credential_types::Credentials;
use testbed::{Scenario, Testbed, verify_token};

/// Runs our binary with a clean AWS environment pointed at the test bed.
fn ours(bed: &Testbed, home: &Path, who: &str, args: &[&str]) -> (i32, String, String) {
    let binary = std::ffi::OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit"));
    let output = bed.command(binary, home, who).args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_test_bed_verifies_tokens_like_the_authenticator() {
    let scenario = Scenario::load("basic.json");
    let admin = scenario.identities[0].clone();
    let now = SystemTime::now();
    let credentials = Credentials::new(
        &admin.access_key_id,
        &admin.secret_access_key,
        None,
        None,
        "test",
    );
    let token = presign(&credentials, "us-east-1", "demo", now).unwrap();
    let verified = verify_token(token.token.expose(), "demo", &scenario.identities, now);
    assert_eq!(
        verified.as_deref(),
        Ok("arn:aws:iam::123456789012:user/admin")
    );
    assert!(
        verify_token(token.token.expose(), "other", &scenario.identities, now).is_err(),
        "cluster not bound"
    );
    let late = now + Duration::from_secs(16 * 60);
    assert!(
        verify_token(token.token.expose(), "demo", &scenario.identities, late).is_err(),
        "expired token accepted"
    );
    let forged = Credentials::new(&admin.access_key_id, "not-the-secret", None, None, "test");
    let forged = presign(&forged, "us-east-1", "demo", now).unwrap();
    assert_eq!(
        verify_token(forged.token.expose(), "demo", &scenario.identities, now),
        Err("signature mismatch".to_string())
    );
}

#[test]
fn dry_run_prints_the_kubeconfig_and_the_ca_report() {
    let bed = Testbed::start(Scenario::load("basic.json"));
    let home = common::scratch("kc-dry");
    let (code, stdout, stderr) = ours(
        &bed,
        &home,
        "admin",
        &[
            "kubeconfig",
            "--name",
            "demo",
            "--dry-run",
            "--exec",
            "aws",
            "--profile",
            "ops",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("name: arn:aws:eks:us-east-1:123456789012:cluster/demo"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("server: {}/k8s/demo", bed.k8s_url)),
        "{stdout}"
    );
    assert!(stdout.contains("current-context: arn:aws:eks:us-east-1:123456789012:cluster/demo"));
    assert!(
        stdout.contains("command: aws")
            && stdout.contains("- get-token")
            && stdout.contains("value: ops"),
        "{stdout}"
    );
    assert!(
        stderr.contains("cluster CA: subject CN=aws-auth-audit test CA"),
        "{stderr}"
    );
    assert!(!home.join(".kube/config").exists(), "dry run wrote a file");
    let describes = bed
        .requests()
        .iter()
        .filter(|r| r.server == "eks" && r.path == "/clusters/demo")
        .count();
    assert_eq!(describes, 1);
}

#[test]
fn writes_merge_private_and_refuse_symlinks() {
    let bed = Testbed::start(Scenario::load("basic.json"));
    let home = common::scratch("kc-merge");
    let path = home.join("config");
    std::fs::write(&path, "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: https://other.example\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\nusers:\n- name: other\n  user: {token: keep-me}\ncurrent-context: other\n").unwrap();
    let target = path.to_str().unwrap();
    let write = [
        "kubeconfig",
        "--name",
        "demo",
        "--output",
        target,
        "--alias",
        "demo",
    ];
    let (code, stdout, stderr) = ours(&bed, &home, "admin", &write);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Added new context demo in"), "{stdout}");
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.contains("token: keep-me") && written.contains("server: https://other.example"),
        "{written}"
    );
    assert!(written.contains("current-context: demo"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let (code, stdout, _) = ours(&bed, &home, "admin", &write);
    assert_eq!(code, 0);
    assert!(stdout.contains("Updated context demo"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&path)
            .unwrap()
            .matches("name: demo")
            .count(),
        1,
        "entry duplicated"
    );

    #[cfg(unix)]
    {
        let link = home.join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let (code, _, stderr) = ours(
            &bed,
            &home,
            "admin",
            &[
                "kubeconfig",
                "--name",
                "demo",
                "--output",
                link.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 2);
        assert!(stderr.contains("symbolic link"), "{stderr}");
    }
    let (code, _, stderr) = ours(
        &bed,
        &home,
        "admin",
        &["kubeconfig", "--name", "missing", "--output", target],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no cluster `missing` in us-east-1"),
        "{stderr}"
    );
}

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn kubectl_reads_aws_auth_through_our_kubeconfig_and_token() {
    assert!(
        kubectl_available(),
        "kubectl is required (scripts/setup installs it)"
    );
    let bed = Testbed::start(Scenario::load("basic.json"));
    let home = common::scratch("kc-kubectl");
    let config = home.join("kubeconfig");
    let (code, _, stderr) = ours(
        &bed,
        &home,
        "admin",
        &[
            "kubeconfig",
            "--name",
            "demo",
            "--output",
            config.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let kubectl = |secret: &str| {
        let args = [
            "--kubeconfig",
            config.to_str().unwrap(),
            "get",
            "configmap",
            "aws-auth",
            "-n",
            "kube-system",
            "-o",
            "yaml",
            "--request-timeout",
            "20s",
        ];
        bed.command(std::ffi::OsStr::new("kubectl"), &home, "admin")
            .args(args)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .output()
            .unwrap()
    };
    let good = kubectl(&bed.identity("admin").secret_access_key);
    let stdout = String::from_utf8_lossy(&good.stdout);
    assert!(
        good.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(
        stdout.contains("mapRoles") && stdout.contains("system:masters"),
        "{stdout}"
    );
    let authenticated = bed
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/configmaps/aws-auth") && r.status == 200)
        .filter(|r| r.identity.as_deref() == Some("arn:aws:iam::123456789012:user/admin"))
        .count();
    assert_eq!(authenticated, 1);

    let bad = kubectl("wrong-secret-000000000000000000000000000");
    assert!(!bad.status.success());
    assert!(
        bed.requests().iter().any(|r| r.status == 401),
        "the test bed never refused the forged token"
    );
}
