//! A live audit through an existing kubeconfig (`--context`), against the local test bed: its
//! exec plugin runs only with `--allow-exec`, and its insecure flag is refused unless
//! `--insecure-skip-tls-verify` asks for it, and then said in the report.

use crate::common;
use crate::support::testbed;

use std::ffi::OsStr;
use std::path::Path;

use testbed::{Scenario, Testbed};

use super::live_access::{findings, k8s_requests, ours};

/// Writes a kubeconfig for `cluster` with our `kubeconfig --exec self`, returning its path.
pub(crate) fn kubeconfig_for(bed: &Testbed, home: &Path, cluster: &str) -> std::path::PathBuf {
    let path = home.join("kubeconfig");
    let written = ours(
        bed,
        home,
        &[
            "kubeconfig",
            "--name",
            cluster,
            "--exec",
            "self",
            "--output",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    path
}

#[test]
fn a_kubeconfig_context_runs_its_exec_plugin_only_when_allowed() {
    let bed = Testbed::start(Scenario::load("access.json"));
    let home = common::scratch("live-context");
    let config = kubeconfig_for(&bed, &home, "legacy");
    let config_arg = config.to_str().unwrap();
    let context = "arn:aws:eks:us-east-1:123456789012:cluster/legacy";
    let base = [
        "cluster",
        "--context",
        context,
        "--kubeconfig",
        config_arg,
        "--format",
        "json",
    ];
    let refused = ours(&bed, &home, &base);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("--allow-exec"),
        "{}",
        refused.stderr
    );
    assert!(k8s_requests(&bed, "legacy").is_empty(), "nothing ran");

    let mut allowed_args = base.to_vec();
    allowed_args.push("--allow-exec");
    let allowed = ours(&bed, &home, &allowed_args);
    assert_eq!(allowed.code, 1, "{}", allowed.stderr);
    let report = allowed.json();
    assert_eq!(
        report["cluster"]["transport"]["via"],
        format!("kubeconfig context {context}")
    );
    assert_eq!(report["cluster"]["arn"], context);
    assert_eq!(report["cluster"]["name"], "legacy");
    assert_eq!(findings(&report, "EA306").len(), 1);
    // Our token plugin signed for the right cluster: every request was authenticated.
    assert!(k8s_requests(&bed, "legacy").iter().all(|r| r.3 != 401));

    // KUBECONFIG is honoured when --kubeconfig is not given.
    let from_env = bed
        .command(
            OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit")),
            &home,
            "admin",
        )
        .args([
            "cluster",
            "--context",
            context,
            "--allow-exec",
            "--format",
            "json",
        ])
        .env("KUBECONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(from_env.status.code(), Some(1));

    let missing = ours(
        &bed,
        &home,
        &["cluster", "--context", "nope", "--kubeconfig", config_arg],
    );
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no context `nope`"),
        "{}",
        missing.stderr
    );
}

#[test]
fn an_insecure_kubeconfig_is_refused_unless_asked_and_then_said() {
    let bed = Testbed::start(Scenario::load("access.json"));
    let home = common::scratch("live-insecure");
    let config = kubeconfig_for(&bed, &home, "legacy");
    let text = std::fs::read_to_string(&config).unwrap();
    let insecure = text.replacen(
        "certificate-authority-data:",
        "insecure-skip-tls-verify: true\n    x-removed-ca:",
        1,
    );
    assert_ne!(insecure, text);
    std::fs::write(&config, insecure).unwrap();
    let context = "arn:aws:eks:us-east-1:123456789012:cluster/legacy";
    let base = [
        "cluster",
        "--context",
        context,
        "--kubeconfig",
        config.to_str().unwrap(),
        "--allow-exec",
        "--format",
        "json",
    ];
    let refused = ours(&bed, &home, &base);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("insecure-skip-tls-verify"),
        "{}",
        refused.stderr
    );
    let mut args = base.to_vec();
    args.push("--insecure-skip-tls-verify");
    let accepted = ours(&bed, &home, &args);
    assert_eq!(accepted.code, 1, "{}", accepted.stderr);
    let report = accepted.json();
    assert_eq!(report["cluster"]["transport"]["tls_verified"], false);
    assert!(
        report["notes"]
            .to_string()
            .contains("TLS verification was skipped"),
        "{}",
        report["notes"]
    );
    let table = ours(
        &bed,
        &home,
        &[
            &args[..6],
            &["--insecure-skip-tls-verify", "--color", "never"],
        ]
        .concat(),
    );
    assert!(
        table.stdout.contains("TLS verification was skipped"),
        "{}",
        table.stdout
    );
}
