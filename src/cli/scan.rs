//! `scan`: a fleet audit. The reads stream from `source::fleet`; each cluster is judged as
//! `cluster` judges it (the policy included) and, in JSON Lines, written as it finishes — a
//! killed scan keeps what it did. The exit code is the worst over the fleet.

use std::io::Write;
use std::path::PathBuf;

use super::args::{FailOn, FleetFormat};
use super::error::{CliError, CliResult};
use super::output::{exit_status, runtime, write_report};
use crate::cli::exit::ExitStatus;
use crate::report::fleet::{ClusterOutcome, NotAudited};
use crate::source::audit::AuditOptions;
use crate::source::aws::{AwsSession, CredentialOptions};
use crate::source::fleet::{FleetItem, FleetOptions, scan};

pub struct ScanArgs {
    pub fleet: FleetOptions,
    pub profile: Option<String>,
    pub format: FleetFormat,
    pub output: Option<PathBuf>,
    pub fail_on: FailOn,
    pub allow_incomplete: bool,
    pub policy: Option<crate::policy::Policy>,
}

/// The worse of two exit codes: 2 and 4 first, then 3, 1, 0.
fn worst(a: ExitStatus, b: ExitStatus) -> ExitStatus {
    let rank = |s: ExitStatus| match s {
        ExitStatus::Internal => 5,
        ExitStatus::InputError => 4,
        ExitStatus::Incomplete => 3,
        ExitStatus::Findings => 2,
        ExitStatus::Clean => 1,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// Where JSON Lines go as they come: stdout, or a file created 0600.
fn line_sink(output: Option<&PathBuf>) -> Result<Box<dyn Write>, CliError> {
    match output {
        None => Ok(Box::new(std::io::stdout())),
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let file = options
                .open(path)
                .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
            Ok(Box::new(file))
        }
    }
}

pub fn run(args: ScanArgs) -> CliResult {
    let step = args.policy.as_ref().map(super::policy::step);
    let finish: Vec<&dyn crate::judge::Finish> = step.iter().map(|s| s as _).collect();
    let mut sink = match args.format {
        FleetFormat::Jsonl => Some(line_sink(args.output.as_ref())?),
        _ => None,
    };
    let mut write_line = |line: &str| -> Result<(), CliError> {
        if let Some(sink) = sink.as_mut() {
            sink.write_all(line.as_bytes())
                .and_then(|()| sink.flush())
                .map_err(|e| CliError::input(format!("writing the report: {e}")))?;
        }
        Ok(())
    };
    let mut clusters = Vec::new();
    let mut not_audited = Vec::new();
    let mut status = ExitStatus::Clean;
    let runtime = runtime()?;
    let credentials = CredentialOptions {
        region: args.fleet.regions.first().cloned(),
        profile: args.profile.clone(),
        role_arn: None,
    };
    let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
    let fleet = args.fleet.clone();
    runtime.block_on(async {
        let session = AwsSession::new(&credentials).await;
        let producer = async move { scan(&session, &fleet, sender).await };
        let consumer = async {
            while let Some(item) = receiver.recv().await {
                match item {
                    FleetItem::Collected {
                        account,
                        region,
                        snapshot,
                    } => {
                        let result = crate::judge::judge_snapshot(&snapshot, &finish)?;
                        let exit = exit_status(&result, args.fail_on, args.allow_incomplete);
                        status = worst(status, exit);
                        let outcome = ClusterOutcome {
                            account,
                            region,
                            result,
                            exit: exit.code(),
                        };
                        write_line(&crate::report::fleet::cluster_line(&outcome))?;
                        clusters.push(outcome);
                    }
                    FleetItem::NotAudited {
                        account,
                        region,
                        cluster,
                        reason,
                    } => {
                        if !args.allow_incomplete {
                            status = worst(status, ExitStatus::Incomplete);
                        }
                        let item = NotAudited::new(account, region, cluster, &reason);
                        write_line(&crate::report::fleet::not_audited_line(&item))?;
                        not_audited.push(item);
                    }
                }
            }
            Ok::<(), CliError>(())
        };
        let ((), consumed) = tokio::join!(producer, consumer);
        consumed
    })?;
    // The same order on every run: by account, region, cluster.
    clusters.sort_by(|a, b| {
        let key = |c: &ClusterOutcome| {
            (
                c.account.clone(),
                c.region.clone(),
                c.result.live.as_ref().map(|l| l.cluster.name.clone()),
            )
        };
        key(a).cmp(&key(b))
    });
    let code = status.code();
    match args.format {
        FleetFormat::Jsonl => write_line(&crate::report::fleet::summary_line(
            &clusters,
            &not_audited,
            code,
        ))?,
        FleetFormat::Json => write_report(
            args.output.as_deref(),
            &crate::report::fleet::json(&clusters, &not_audited, code),
        )?,
        FleetFormat::Table => write_report(
            args.output.as_deref(),
            &crate::report::fleet::table(&clusters, &not_audited, code),
        )?,
    }
    Ok(status)
}

/// The audit options of `scan` (those of `cluster`).
pub fn audit_options(timeout: u64, page_size: u32, deadline: u64, no_iam: bool) -> AuditOptions {
    AuditOptions::new(
        std::time::Duration::from_secs(timeout.max(1)),
        page_size,
        std::time::Duration::from_secs(deadline),
        !no_iam,
        None,
    )
}
