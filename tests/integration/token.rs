//! The EKS token: a known-answer test against botocore's signer (what `aws eks get-token`
//! uses), and the `token` command as a kubeconfig exec plugin runs it.

use crate::common;
use crate::support::testbed::moto;

use std::process::Command;
use std::time::{Duration, SystemTime};

use aws_auth_audit::source::token::{TOKEN_PREFIX, presign};
use aws_credential_types::Credentials;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 2026-11-28T12:00:00Z
const SIGNED_AT: u64 = 1_795_867_200;

fn reference_url(session: Option<&str>, region: &str, cluster: &str) -> String {
    let script = common::repo().join("tests/integration/support/eks_token_reference.py");
    let output = Command::new("python3")
        .arg(script)
        .args([
            ACCESS_KEY,
            SECRET_KEY,
            session.unwrap_or("-"),
            region,
            cluster,
            "20261128T120000Z",
        ])
        .output()
        .expect("python3 runs (scripts/test needs python3 with botocore)");
    assert!(
        output.status.success(),
        "reference signer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn our_url(session: Option<&str>, region: &str, cluster: &str) -> String {
    let credentials = Credentials::new(
        ACCESS_KEY,
        SECRET_KEY,
        session.map(str::to_string),
        None,
        "test",
    );
    let token = presign(
        &credentials,
        region,
        cluster,
        SystemTime::UNIX_EPOCH + Duration::from_secs(SIGNED_AT),
    )
    .unwrap();
    let body = token
        .token
        .expose()
        .strip_prefix(TOKEN_PREFIX)
        .expect("prefix");
    String::from_utf8(URL_SAFE_NO_PAD.decode(body).expect("unpadded base64url")).unwrap()
}

fn query(url: &str) -> Vec<(String, String)> {
    url.split_once('?')
        .unwrap()
        .1
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn signature_equals_botocores() {
    for (session, region, cluster) in [
        (None, "us-east-1", "demo"),
        (None, "eu-west-1", "prod_cluster-1"),
        (
            Some("FwoGZXIvYXdzEXAMPLE//session+token=="),
            "us-east-1",
            "demo",
        ),
    ] {
        let ours = query(&our_url(session, region, cluster));
        let reference = query(&reference_url(session, region, cluster));
        let get = |q: &[(String, String)], k: &str| {
            q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        };
        assert_eq!(
            get(&ours, "X-Amz-Signature"),
            get(&reference, "X-Amz-Signature"),
            "{region} {cluster} {session:?}"
        );
        // Same parameters with the same values; the CLI puts X-Amz-Security-Token before the
        // signature and aws-sigv4 after it, both signing it.
        let mut a = ours.clone();
        let mut b = reference.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        let order = |q: &[(String, String)]| {
            q.iter()
                .map(|(k, _)| k.clone())
                .filter(|k| k != "X-Amz-Security-Token")
                .collect::<Vec<_>>()
        };
        assert_eq!(order(&ours), order(&reference));
    }
}

#[test]
fn a_wrong_cluster_or_key_gives_another_signature() {
    let reference = query(&reference_url(None, "us-east-1", "demo"));
    let other = query(&our_url(None, "us-east-1", "other"));
    assert_ne!(reference.last(), other.last());
}

/// The presigned STS URL inside the token of an `ExecCredential`.
fn presigned_url(exec_credential: &str) -> String {
    let credential: Value = serde_json::from_str(exec_credential).unwrap();
    let token = credential["status"]["token"].as_str().unwrap();
    let body = token
        .strip_prefix(TOKEN_PREFIX)
        .expect("k8s-aws-v1. prefix");
    String::from_utf8(URL_SAFE_NO_PAD.decode(body).expect("unpadded base64url")).unwrap()
}

fn token_command(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aws-auth-audit"));
    command
        .arg("token")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", common::scratch("token-home"))
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn token_prints_an_exec_credential() {
    let canary_secret = "CANARYsecretKEY0123456789abcdefghijklmnop";
    let (code, stdout, stderr) = token_command(
        &["--cluster-name", "demo", "--region", "eu-west-1"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIACANARY0000000001"),
            ("AWS_SECRET_ACCESS_KEY", canary_secret),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let credential: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        credential["apiVersion"],
        "client.authentication.k8s.io/v1beta1"
    );
    assert_eq!(credential["kind"], "ExecCredential");
    let url = presigned_url(&stdout);
    assert!(
        url.starts_with(
            "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"
        ),
        "{url}"
    );
    assert!(url.contains("X-Amz-Credential=AKIACANARY0000000001%2F"));
    assert!(url.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"));
    assert!(!stdout.contains(canary_secret) && !stderr.contains(canary_secret));
    // expires 14 minutes after signing
    let expiry = credential["status"]["expirationTimestamp"]
        .as_str()
        .unwrap();
    let signed = url.split("X-Amz-Date=").nth(1).unwrap()[..16].to_string();
    let minutes =
        |hhmm: &str| hhmm[..2].parse::<i64>().unwrap() * 60 + hhmm[2..4].parse::<i64>().unwrap();
    let signed_minutes = minutes(&signed[9..13]);
    let expiry_minutes = minutes(&expiry[11..16].replace(':', ""));
    assert_eq!(
        (expiry_minutes - signed_minutes).rem_euclid(24 * 60),
        14,
        "{signed} vs {expiry}"
    );
}

#[test]
fn token_errors_are_clear_and_quick() {
    let (code, _, stderr) =
        token_command(&["--cluster-name", "demo", "--region", "eu-west-1"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no AWS credentials"), "{stderr}");
    let (code, _, stderr) = token_command(
        &["--cluster-name", "bad name;rm", "--region", "eu-west-1"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAX"),
            ("AWS_SECRET_ACCESS_KEY", "y"),
        ],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("not an EKS cluster name"), "{stderr}");
    let (code, _, stderr) = token_command(
        &["--cluster-name", "demo"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAX"),
            ("AWS_SECRET_ACCESS_KEY", "y"),
        ],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("no AWS region"), "{stderr}");
}

#[test]
fn role_arn_assumes_the_role_first() {
    let moto = moto::Moto::start();
    let (code, stdout, stderr) = token_command(
        &[
            "--cluster-name",
            "demo",
            "--region",
            "us-east-1",
            "--role-arn",
            "arn:aws:iam::123456789012:role/EksAdmin",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIABASE000000000001"),
            ("AWS_SECRET_ACCESS_KEY", "base-secret"),
            ("AWS_ENDPOINT_URL_STS", &moto.url),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let url = presigned_url(&stdout);
    // Signed with the role's temporary credentials, not the caller's own key.
    assert!(!url.contains("AKIABASE000000000001"), "{url}");
    assert!(url.contains("X-Amz-Credential=ASIA"), "{url}");
    assert!(url.contains("X-Amz-Security-Token="), "{url}");
}
