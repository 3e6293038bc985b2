//! `cluster` and `collect`: a live cluster read through the collection entry point
//! (`crate::source::audit`), then judged, or written as a snapshot.

use std::io::Write;
use std::path::PathBuf;

use super::args::ClusterTarget;
use super::error::{CliError, CliResult};
use super::output::{ReportArgs, deliver, runtime, write_stdout};
use crate::cli::exit::ExitStatus;
use crate::evidence::Snapshot;
use crate::infra::escape::terminal;
use crate::source::audit::{AuditOptions, Target, collect_target};
use crate::source::aws::{AwsSession, CredentialOptions};

/// Reads the cluster the target names into a snapshot. Errors that stop the audit before any
/// read (bad name, no cluster, a kubeconfig we refuse) are exit 2.
pub fn collect_snapshot(target: ClusterTarget) -> Result<Snapshot, CliError> {
    let options = AuditOptions::new(
        target.timeout,
        target.page_size,
        target.deadline,
        !target.no_iam,
        target.creator.clone(),
    );
    let credentials = CredentialOptions {
        region: target.region,
        profile: target.profile,
        role_arn: target.role_arn,
    };
    let audit_target = match (target.name, target.context) {
        (Some(name), _) => Target::Name(name),
        (None, Some(context)) => Target::Context {
            context,
            options: crate::source::context::ContextOptions {
                kubeconfig: target.kubeconfig,
                allow_exec: target.allow_exec,
                insecure_skip_tls_verify: target.insecure_skip_tls_verify,
            },
        },
        (None, None) => unreachable!("clap requires --name or --context"),
    };
    Ok(runtime()?.block_on(async {
        let session = AwsSession::new(&credentials).await;
        collect_target(&session, &audit_target, &options).await
    })?)
}

/// `cluster`: read, optionally keep the snapshot, judge; with `security_hub`, import the
/// findings into Security Hub once the report is out (a failed import is exit 2, the report
/// already written).
pub fn run(
    target: ClusterTarget,
    report: ReportArgs,
    evidence: Option<PathBuf>,
    policy: Option<&crate::policy::Policy>,
    security_hub: bool,
) -> CliResult {
    let credentials = CredentialOptions {
        region: target.region.clone(),
        profile: target.profile.clone(),
        role_arn: target.role_arn.clone(),
    };
    let snapshot = collect_snapshot(target)?;
    // The snapshot first (it survives a judgement that fails); a snapshot that could not be
    // written is exit 2 — after the report, which is not lost for it.
    let kept = evidence
        .map(|path| super::output::write_beside_report(&path, &snapshot.to_json()))
        .transpose();
    let step = policy.map(super::policy::step);
    let finish: Vec<&dyn crate::judge::Finish> = step.iter().map(|s| s as _).collect();
    let result = crate::judge::judge_snapshot(&snapshot, &finish)?;
    let status = deliver(&result, &report)?;
    kept?;
    if security_hub {
        super::security_hub::import_cluster(&result, credentials)?;
    }
    Ok(status)
}

/// `collect`: read and write the snapshot; exit 3 when a read failed (unless allowed).
pub fn run_collect(target: ClusterTarget, output: PathBuf, allow_incomplete: bool) -> CliResult {
    let snapshot = collect_snapshot(target)?;
    let text = snapshot.to_json();
    if output.as_os_str() == "-" {
        write_stdout(&text)?;
    } else {
        // A file (0600, atomically) or `s3://BUCKET/KEY` (encrypted at rest; a failed upload
        // puts the snapshot on stdout instead).
        super::output::write_report(Some(&output), &text)?;
    }
    let unknown = snapshot.unknown_reads();
    for (what, unknown) in &unknown {
        let _ = writeln!(
            std::io::stderr(),
            "not read: {what}: unknown({}): {}",
            unknown.reason.as_str(),
            terminal(&unknown.detail)
        );
    }
    // Say what was written, and what judges it: a silent success reads like nothing happened.
    let written = if output.as_os_str() == "-" {
        "standard output".to_string()
    } else {
        output.display().to_string()
    };
    let _ = writeln!(
        std::io::stderr(),
        "collected {} into {}{}; judge it with `aws-auth-audit check {}`",
        terminal(&snapshot.cluster.arn),
        terminal(&written),
        if unknown.is_empty() {
            String::new()
        } else {
            format!(" ({} read(s) unknown, listed above)", unknown.len())
        },
        terminal(if output.as_os_str() == "-" {
            "FILE"
        } else {
            &written
        })
    );
    Ok(ExitStatus::judged(
        !unknown.is_empty(),
        allow_incomplete,
        false,
    ))
}
