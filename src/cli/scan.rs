//! `scan` and `merge`: a fleet audit. The reads stream from `source::fleet`; each cluster is
//! judged as `cluster` judges it (the policy included) and, in JSON Lines, written as it
//! finishes — a killed scan keeps what it did, and `--resume` goes on from it. `--shard I/N`
//! takes a deterministic share of the account × region pairs; `merge` joins the shards' lines
//! into the one fleet report. `--evidence DIR` keeps every snapshot, and `--replay DIR` judges
//! them again offline into the same report. The exit code is the worst over the fleet.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::{FailOn, FleetFormat};
use super::error::{CliError, CliResult};
use super::fleet_lines::{Fleet, LineSink, census_of, read_lines};
use super::output::{exit_status, fleet_runtime, write_file};
use super::security_hub::{AccountAccess, report_then_import};
use crate::cli::exit::ExitStatus;
use crate::evidence::Snapshot;
use crate::report::fleet::{Census, ClusterLine, FleetLine, NotAudited, ShardId, Skipped};
use crate::source::aws::{AwsSession, CredentialOptions};
use crate::source::fleet::{FleetItem, FleetOptions, scan};

pub struct ScanArgs {
    pub fleet: FleetOptions,
    pub profile: Option<String>,
    pub format: FleetFormat,
    pub output: Option<PathBuf>,
    pub fail_on: FailOn,
    pub allow_incomplete: bool,
    /// A scan whose targets hold no cluster is not exit 3.
    pub allow_empty_fleet: bool,
    pub policy: Option<crate::policy::Policy>,
    pub evidence: Option<PathBuf>,
    pub resume: Option<PathBuf>,
    pub replay: Option<PathBuf>,
    /// An earlier scan (its JSON Lines or JSON report): report what changed.
    pub baseline: Option<PathBuf>,
    /// Findings the baseline already had count toward --fail-on too.
    pub fail_on_existing: bool,
    /// No progress on stderr.
    pub quiet: bool,
    /// Import each audited cluster's findings into Security Hub once the report is written.
    pub security_hub: bool,
}

/// `ACCOUNT_REGION_CLUSTER.json`, the snapshot's name in `--evidence DIR`.
fn evidence_name(account: &str, region: &str, cluster: &str) -> String {
    let safe = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    format!("{}_{}_{}.json", safe(account), safe(region), safe(cluster))
}

pub fn run(args: ScanArgs) -> CliResult {
    let step = args.policy.as_ref().map(super::policy::step);
    let finish: Vec<&dyn crate::judge::Finish> = step.iter().map(|s| s as _).collect();
    let mut lines = LineSink::new(args.format, args.output.as_deref())?;
    let mut fleet = Fleet {
        census: Some(Census {
            shard: args
                .fleet
                .shard
                .map(|(index, count)| ShardId { index, count }),
            ..Census::default()
        }),
        judge_empty: !args.allow_empty_fleet && args.fleet.shard.is_none(),
        ..Fleet::default()
    };
    if let Some(path) = &args.baseline {
        let before: Vec<ClusterLine> = read_lines(path)?
            .into_iter()
            .filter_map(|l| match l {
                FleetLine::Cluster(c) => Some(c),
                _ => None,
            })
            .collect();
        fleet.baseline = Some((path.display().to_string(), before));
    }
    // Per cluster, the findings the baseline already had (unless they count too).
    let known: std::collections::BTreeMap<String, BTreeSet<String>> = fleet
        .baseline
        .iter()
        .filter(|_| !args.fail_on_existing)
        .flat_map(|(_, lines)| lines.iter())
        .map(|l| {
            let prints = l
                .report
                .findings
                .iter()
                .map(|f| f.fingerprint.clone())
                .collect();
            (
                l.report.cluster_arn().unwrap_or_default().to_string(),
                prints,
            )
        })
        .collect();
    // With `--evidence s3://BUCKET/PREFIX/`, where the snapshots go: each is uploaded by the
    // caller of `judge` (the scan's async loop), which gets back its key and text.
    let evidence_s3 = args
        .evidence
        .as_ref()
        .and_then(|dir| dir.to_str())
        .and_then(crate::source::s3::prefix_location)
        .map(|(bucket, prefix)| (bucket.to_string(), prefix.to_string()));
    let judge = |account: String,
                 region: String,
                 snapshot: &Snapshot,
                 fleet: &mut Fleet,
                 lines: &mut LineSink|
     -> Result<Option<(String, String)>, CliError> {
        let result = crate::judge::judge_snapshot(snapshot, &finish)?;
        // The report keeps every finding; the exit code counts only what the baseline lacks.
        let exit = match known.get(&snapshot.cluster.arn) {
            Some(prints) => {
                let mut new_only = result.clone();
                new_only
                    .findings
                    .retain(|f| !prints.contains(&f.fingerprint));
                exit_status(&new_only, args.fail_on, args.allow_incomplete)
            }
            None => exit_status(&result, args.fail_on, args.allow_incomplete),
        };
        let line = ClusterLine::new(
            account,
            region,
            &result,
            exit.code(),
            args.fail_on.threshold(),
        );
        let name = evidence_name(&line.account, &line.region, &line.cluster);
        let upload = match (&args.evidence, &evidence_s3) {
            (_, Some((_, prefix))) => Some((format!("{prefix}{name}"), snapshot.to_json())),
            (Some(dir), None) => {
                write_file(&dir.join(name), &snapshot.to_json())?;
                None
            }
            (None, None) => None,
        };
        lines.write(&crate::report::fleet::cluster_line(&line))?;
        // The CloudTrail events a report carries are for the next scan's baseline: once its line
        // is written, only a JSON report (written whole at the end) still needs them in memory.
        let mut line = line;
        if args.format != FleetFormat::Json {
            line.report.trail = None;
        }
        fleet.add_cluster(line);
        Ok(upload)
    };
    if let Some(dir) = args.evidence.as_ref().filter(|_| evidence_s3.is_none()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::input(format!("{}: {e}", dir.display())))?;
    }
    // Offline: the snapshots an earlier scan kept, judged again.
    if let Some(dir) = &args.replay {
        let snapshots = kept_snapshots(dir)?;
        // Replayed: every snapshot is a cluster found; its account and region were listed.
        let mut pairs = BTreeSet::new();
        fleet.census = Some(Census {
            clusters_listed: snapshots.len(),
            ..Census::default()
        });
        for input in snapshots {
            let snapshot = super::check::read_snapshot(&input)?;
            let arn = crate::model::arn::parse(&snapshot.cluster.arn).ok();
            let account = arn.as_ref().map_or("", |a| a.account).to_string();
            let region = snapshot.cluster.region.clone().unwrap_or_default();
            pairs.insert((account.clone(), region.clone()));
            let census = census_of(&mut fleet);
            census.regions_listed = pairs.len();
            census.accounts = pairs.iter().map(|(a, _)| a).collect::<BTreeSet<_>>().len();
            judge(account, region, &snapshot, &mut fleet, &mut lines)?;
        }
        return report_then_import(
            fleet,
            args.format,
            args.fail_on.threshold(),
            args.output.as_deref(),
            lines,
            hub(&args),
        );
    }
    // Resuming: what the partial scan finished is kept; what it could not read is tried again.
    let mut options = args.fleet.clone();
    // The baseline's complete CloudTrail reads, carried forward: each account and region whose
    // clusters all have one is read only from shortly before its end.
    // (Taken out of the baseline's lines, not copied: drift needs the rest of them.)
    if let Some((_, before)) = &mut fleet.baseline {
        options.audit.carried_trails = std::sync::Arc::new(
            before
                .iter_mut()
                .filter_map(|line| {
                    let trail = line.report.trail.take()?.into_owned();
                    Some((line.report.cluster_arn()?.to_string(), trail))
                })
                .collect(),
        );
    }
    if let Some(partial) = &args.resume {
        for line in read_lines(partial)? {
            if let FleetLine::Cluster(done) = line {
                options.skip.insert(done.key());
                lines.write(&crate::report::fleet::cluster_line(&done))?;
                fleet.add_cluster(done);
            }
        }
    }
    let credentials = CredentialOptions {
        region: options.regions.first().cloned(),
        profile: args.profile.clone(),
        role_arn: None,
    };
    let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
    let mut progress = Progress::new(args.quiet);
    let interrupted = fleet_runtime()?.block_on(async {
        let session = AwsSession::new(&credentials).await;
        let producer = async { scan(&session, &options, sender).await };
        let consumer = async {
            let mut tick = tokio::time::interval(PROGRESS_EVERY);
            tick.tick().await;
            loop {
                let item = tokio::select! {
                    item = receiver.recv() => item,
                    _ = tick.tick() => {
                        progress.show();
                        continue;
                    }
                };
                let Some(item) = item else { break };
                match item {
                    FleetItem::Accounts { count } => census_of(&mut fleet).accounts = count,
                    FleetItem::Found {
                        listed,
                        by_name,
                        resumed,
                    } => {
                        progress.total += listed - by_name - resumed;
                        let census = census_of(&mut fleet);
                        census.regions_listed += 1;
                        census.clusters_listed += listed;
                        census.dropped_by_name += by_name;
                        census.resumed += resumed;
                    }
                    FleetItem::Filtered => {
                        progress.done += 1;
                        census_of(&mut fleet).dropped_by_tag += 1;
                    }
                    FleetItem::Collected {
                        account,
                        region,
                        snapshot,
                    } => {
                        progress.done += 1;
                        if let Some((key, text)) =
                            judge(account, region, &snapshot, &mut fleet, &mut lines)?
                            && let Some((bucket, _)) = &evidence_s3
                        {
                            keep_in_s3(&session, bucket, &key, text).await?;
                        }
                    }
                    FleetItem::Skipped {
                        account,
                        region,
                        reason,
                    } => {
                        let item = Skipped {
                            account,
                            region,
                            reason,
                        };
                        lines.write(&crate::report::fleet::line(&FleetLine::Skipped(
                            item.clone(),
                        )))?;
                        fleet.skipped.push(item);
                    }
                    FleetItem::NotAudited {
                        account,
                        region,
                        cluster,
                        reason,
                    } => {
                        if cluster.is_some() {
                            progress.done += 1;
                        }
                        progress.failed += 1;
                        let item = NotAudited::new(account, region, cluster, &reason);
                        lines.write(&crate::report::fleet::line(&FleetLine::NotAudited(
                            item.clone(),
                        )))?;
                        fleet.add_not_audited(item, args.allow_incomplete);
                    }
                }
            }
            Ok::<(), CliError>(())
        };
        // Ctrl-C: what finished is written, the scan says it was interrupted, exit 3.
        tokio::select! {
            ((), consumed) = async { tokio::join!(producer, consumer) } => consumed.map(|()| false),
            _ = tokio::signal::ctrl_c() => Ok(true),
        }
    })?;
    progress.end();
    if interrupted {
        fleet.interrupted = true;
        fleet.status = Some(ExitStatus::Incomplete);
    }
    report_then_import(
        fleet,
        args.format,
        args.fail_on.threshold(),
        args.output.as_deref(),
        lines,
        hub(&args),
    )
}

/// With `--security-hub`: how the import reaches each account — as the scan read it.
fn hub(args: &ScanArgs) -> Option<AccountAccess> {
    args.security_hub.then(|| AccountAccess {
        base: CredentialOptions {
            region: args.fleet.regions.first().cloned(),
            profile: args.profile.clone(),
            role_arn: None,
        },
        role_name: args.fleet.role_name.clone(),
        external_id: args.fleet.external_id.clone(),
    })
}

/// The snapshots `--replay` judges: every `.json` file of a folder, or every `.json` object
/// under `s3://BUCKET/PREFIX/`, by name.
fn kept_snapshots(dir: &Path) -> Result<Vec<crate::inputs::manifest::InputFile>, CliError> {
    if let Some((bucket, prefix)) = dir.to_str().and_then(crate::source::s3::prefix_location) {
        let parts = super::output::read_s3(
            bucket,
            prefix,
            true,
            crate::inputs::manifest::MAX_INPUT_BYTES,
        )?;
        return Ok(parts
            .into_iter()
            .filter(|(path, _)| path.ends_with(".json"))
            .map(|(path, bytes)| crate::inputs::manifest::InputFile { path, bytes })
            .collect());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| CliError::input(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| Ok(crate::source::file::read_input(&path.to_string_lossy())?))
        .collect()
}

/// One snapshot of `--evidence s3://…` uploaded (encrypted at rest, `--s3-kms-key` honoured). A
/// failed upload stops the scan, as a failed write to an evidence folder does: exit 2 naming
/// the bucket, the key and the AWS error.
async fn keep_in_s3(
    session: &AwsSession,
    bucket: &str,
    key: &str,
    text: String,
) -> Result<(), CliError> {
    let kms = super::output::s3_kms_key();
    crate::source::s3::put(session, bucket, key, text.into_bytes(), kms.as_deref())
        .await
        .map_err(|failure| {
            CliError::input(format!(
                "--evidence {}",
                super::output::upload_failed(bucket, key, &failure)
            ))
        })
}

/// How often a scan says how far it is.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Progress on stderr: a line rewritten in place on a terminal, a plain line every few seconds
/// elsewhere (a CI job, a CronJob's log); nothing with `--quiet`.
struct Progress {
    quiet: bool,
    terminal: bool,
    started: std::time::Instant,
    total: usize,
    done: usize,
    failed: usize,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        use std::io::IsTerminal;
        Progress {
            quiet,
            terminal: std::io::stderr().is_terminal(),
            started: std::time::Instant::now(),
            total: 0,
            done: 0,
            failed: 0,
        }
    }

    fn line(&self) -> String {
        let elapsed = self.started.elapsed().as_secs();
        let eta = match (self.done, self.total.saturating_sub(self.done)) {
            (0, _) | (_, 0) => String::new(),
            (done, left) => format!(", about {}s left", elapsed * left as u64 / done as u64),
        };
        format!(
            "scan: {}/{} cluster(s) done, {} target(s) not audited, {}s{eta}",
            self.done, self.total, self.failed, elapsed
        )
    }

    fn show(&self) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r\x1b[2K{}", self.line())
        } else {
            writeln!(err, "{}", self.line())
        };
    }

    fn end(&self) {
        if !self.quiet && self.terminal {
            let _ = writeln!(std::io::stderr(), "\r\x1b[2K{}", self.line());
        }
    }
}

/// `--accounts-file`: account ids one a line; `#` starts a comment; each checked.
pub fn read_accounts(path: &Path) -> Result<Vec<String>, CliError> {
    let input = crate::source::file::read_input(&path.to_string_lossy())?;
    let text = String::from_utf8_lossy(&input.bytes);
    let mut accounts = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let id = line.split('#').next().unwrap_or_default().trim();
        if id.is_empty() {
            continue;
        }
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CliError::input(format!(
                "{}:{}:1: `{id}` is not an AWS account id (12 digits)",
                input.path,
                i + 1
            )));
        }
        accounts.push(id.to_string());
    }
    Ok(accounts)
}

/// `--shard I/N`, or `--shards N` with the index from the engine's environment
/// (`JOB_COMPLETION_INDEX` of a Kubernetes Indexed Job, `AWS_BATCH_JOB_ARRAY_INDEX` of an AWS
/// Batch array job).
pub fn shard(shard: Option<&str>, shards: Option<u32>) -> Result<Option<(u32, u32)>, CliError> {
    if let Some(text) = shard {
        let parsed = text
            .split_once('/')
            .and_then(|(i, n)| Some((i.parse::<u32>().ok()?, n.parse::<u32>().ok()?)));
        return match parsed {
            Some((i, n)) if n > 0 && i < n => Ok(Some((i, n))),
            _ => Err(CliError::input(format!(
                "--shard {text}: expected I/N with 0 <= I < N (e.g. 0/4)"
            ))),
        };
    }
    let Some(count) = shards else {
        return Ok(None);
    };
    let index = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .ok_or_else(|| {
            CliError::input(
                "--shards N needs the shard's index: set JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX, or pass --shard I/N",
            )
        })?;
    match index.trim().parse::<u32>() {
        Ok(i) if count > 0 && i < count => Ok(Some((i, count))),
        _ => Err(CliError::input(format!(
            "shard index `{index}` is not below --shards {count}"
        ))),
    }
}
