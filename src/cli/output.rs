//! Where reports go and what they earn: the one format dispatch, writing to stdout or to a
//! file (0600, atomically), and the exit status of a judged result.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::args::{ColorChoice, FailOn};
use super::error::{CliError, CliResult};
use crate::cli::exit::ExitStatus;
use crate::judge::result::CheckResult;
use crate::report::{self, Format};

pub use super::args::ReportArgs;

/// Whether the table report is coloured.
pub fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// The report of a judgement in the chosen format (ASFF needs a cluster: a file's judgement
/// is a usage error there).
pub fn render(result: &CheckResult, report: &ReportArgs) -> Result<String, CliError> {
    Ok(match report.format {
        Format::Table => report::table::render(
            result,
            use_color(report.color, report.output.is_some()),
            report.fail_on.threshold(),
            table_width(report.output.is_some()),
        ),
        Format::Json => report::json::render(result, report.fail_on.threshold()),
        Format::Sarif => report::sarif::render(result),
        Format::Markdown => report::markdown::render(result, report.fail_on.threshold()),
        Format::Junit => report::junit::check(result, report.fail_on.threshold()),
        Format::Dot => report::graph::dot(result),
        Format::Mermaid => report::graph::mermaid(result),
        Format::Html => report::html::check(
            result,
            &outcome(
                exit_status(result, report.fail_on, report.allow_incomplete),
                report.fail_on,
            ),
            &written_at(),
        ),
        Format::Asff => report::asff::render(result, &written_at())
            .map_err(|e| CliError::input(e.to_string()))?,
        Format::Ocsf => report::ocsf::render(result, &written_at()),
    })
}

/// The width tables are laid out to: `COLUMNS` when set (the shell's convention), else the
/// terminal's when the report goes to one, else a fixed width (a pipe or a file reads the same
/// wherever it was made).
pub fn table_width(to_file: bool) -> usize {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
    {
        return columns;
    }
    if !to_file
        && std::io::stdout().is_terminal()
        && let Some((terminal_size::Width(columns), _)) =
            terminal_size::terminal_size_of(std::io::stdout())
    {
        return usize::from(columns);
    }
    report::table::DEFAULT_WIDTH
}

/// When a report is written, as it says (RFC 3339): now, or `SOURCE_DATE_EPOCH` (seconds since
/// 1970, the reproducible-builds convention) when set, so a report rendered again from the
/// same evidence is the same bytes.
pub fn written_at() -> String {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    crate::infra::time::rfc3339(match epoch {
        Some(seconds) => std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds),
        None => std::time::SystemTime::now(),
    })
}

/// The verdict a report states: the exit code and what it means.
pub fn outcome(status: ExitStatus, fail_on: FailOn) -> report::html::Outcome {
    let threshold = fail_on
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string());
    let meaning = match status {
        ExitStatus::Clean => {
            format!("complete, and no finding at or above --fail-on {threshold}")
        }
        ExitStatus::Findings => format!("a finding at or above --fail-on {threshold}"),
        ExitStatus::Incomplete => {
            "incomplete: a check could not be done, which is not a pass".to_string()
        }
        ExitStatus::InputError => "an input error".to_string(),
        ExitStatus::Internal => "an internal error".to_string(),
    };
    report::html::Outcome {
        exit: status.code(),
        meaning,
        threshold: fail_on.threshold(),
    }
}

/// For SARIF: the result with every absolute file path of a finding made relative to the
/// repository that holds the file (code scanning maps a result to a file by its path in the
/// repository; an absolute path of the runner maps to nothing). `None` when no path needs it.
fn repository_relative(result: &CheckResult) -> Option<CheckResult> {
    let relative = |path: &str| -> Option<String> {
        let file = Path::new(path);
        if !file.is_absolute() {
            return None;
        }
        let root = file.ancestors().skip(1).find(|d| d.join(".git").exists())?;
        Some(
            file.strip_prefix(root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/"),
        )
    };
    if !result
        .findings
        .iter()
        .any(|f| relative(&f.location.path).is_some())
    {
        return None;
    }
    let mut adjusted = result.clone();
    for finding in &mut adjusted.findings {
        if let Some(path) = relative(&finding.location.path) {
            finding.location.path = path;
        }
    }
    Some(adjusted)
}

/// Renders a report, writes it, and gives the exit code it earns.
pub fn deliver(result: &CheckResult, report: &ReportArgs) -> CliResult {
    super::policy::warn_uncovered(&[result]);
    let relative = (report.format == Format::Sarif)
        .then(|| repository_relative(result))
        .flatten();
    let result = relative.as_ref().unwrap_or(result);
    // The table, JSON and SARIF go straight to stdout as they are written: a 1 MiB aws-auth
    // makes a report of megabytes, which need not be held in memory too.
    let streamed = report.output.is_none()
        && matches!(report.format, Format::Table | Format::Json | Format::Sarif);
    if streamed {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        let written = match report.format {
            Format::Json => report::json::write(result, report.fail_on.threshold(), &mut out),
            Format::Sarif => report::sarif::write(result, &mut out),
            _ => report::table::write(
                result,
                use_color(report.color, false),
                report.fail_on.threshold(),
                table_width(false),
                &mut out,
            ),
        };
        stdout_result(written.and_then(|()| out.flush()))?;
    } else {
        write_report(report.output.as_deref(), &render(result, report)?)?;
    }
    Ok(exit_status(result, report.fail_on, report.allow_incomplete))
}

/// Writes text to stdout. A closed pipe (`| head`) is not an error worth a message.
pub fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout_result(
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush()),
    )
}

/// A write to stdout: a closed pipe (`| head`) is not an error worth a message.
fn stdout_result(written: std::io::Result<()>) -> Result<(), CliError> {
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::input(format!("writing the report: {e}"))),
    }
}

/// Writes `text` to `path` with mode 0600, atomically.
pub fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    crate::infra::output::write_private_atomic(path, text.as_bytes())
        .map_err(|e| CliError::input(format!("{}: {e}", path.display())))
}

/// The KMS key `--s3-kms-key` names, for every report written to S3 in this process.
static S3_KMS_KEY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Says which KMS key encrypts reports written to S3 (`--s3-kms-key`; once, at start).
pub fn set_s3_kms_key(key: Option<String>) {
    let _ = S3_KMS_KEY.set(key);
}

/// The UTC day this run started, `YYYY-MM-DD`: what `{date}` in an output path stands for
/// (`SOURCE_DATE_EPOCH` when set, as for `written_at`).
fn run_date() -> &'static str {
    static DATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DATE.get_or_init(|| written_at().chars().take(10).collect())
}

/// An output (or `merge` input) path with its placeholders filled in: `{date}`, the UTC day the
/// run started (`2026-12-07`), and `{shard}`, a sharded scan's index (`--shard 2/4` → `2`) — so
/// a CronJob whose image has no shell still writes each run's and each shard's part under its
/// own name. `{shard}` anywhere else is an error, never left in a name.
pub fn expand_path(path: &Path, shard: Option<(u32, u32)>) -> Result<PathBuf, CliError> {
    let Some(text) = path.to_str() else {
        return Ok(path.to_path_buf());
    };
    if !text.contains('{') {
        return Ok(path.to_path_buf());
    }
    let dated = text.replace("{date}", run_date());
    let expanded = match shard {
        Some((index, _)) => dated.replace("{shard}", &index.to_string()),
        None if dated.contains("{shard}") => {
            return Err(CliError::input(format!(
                "{}: {{shard}} stands for a sharded scan's index: pass --shard I/N or --shards N",
                crate::infra::escape::terminal(text)
            )));
        }
        None => dated,
    };
    Ok(PathBuf::from(expanded))
}

/// The KMS key `--s3-kms-key` named, if any.
pub fn s3_kms_key() -> Option<String> {
    S3_KMS_KEY.get().cloned().flatten()
}

/// Writes a report to `output` — a file (0600, atomically) or `s3://BUCKET/KEY` (encrypted at
/// rest) — or to stdout. Either failing is exit 2; a failed upload writes the report to stdout
/// instead, so it is not lost, and names the bucket, the key and the AWS error. `{date}` in the
/// path is the run's day ([`expand_path`]).
pub fn write_report(output: Option<&Path>, text: &str) -> Result<(), CliError> {
    let output = output.map(|p| expand_path(p, None)).transpose()?;
    let output = output.as_deref();
    let s3 = output
        .and_then(|p| p.to_str())
        .and_then(crate::source::s3::location);
    match (output, s3) {
        (_, Some((bucket, key))) => write_s3(bucket, key, text),
        (Some(path), None) => write_file(path, text),
        (None, _) => write_stdout(text),
    }
}

/// Writes what is not the report (`cluster --snapshot`) to a file (0600, atomically) or to
/// `s3://BUCKET/KEY`; a failed upload is exit 2 naming the bucket, the key and the AWS error —
/// never put on stdout, where the report goes.
pub fn write_beside_report(path: &Path, text: &str) -> Result<(), CliError> {
    let path = expand_path(path, None)?;
    let Some((bucket, key)) = path.to_str().and_then(crate::source::s3::location) else {
        return write_file(&path, text);
    };
    upload(bucket, key, text)?
        .map_err(|failure| CliError::input(upload_failed(bucket, key, &failure)))
}

/// Objects read from S3 with the standard credentials, each at most `max` bytes and named
/// `s3://BUCKET/KEY`: with `listing`, every `.json`/`.jsonl` object under the prefix `key` (in
/// key order), else the one object `key`.
pub fn read_s3(
    bucket: &str,
    key: &str,
    listing: bool,
    max: usize,
) -> Result<Vec<(String, Vec<u8>)>, CliError> {
    runtime()?
        .block_on(Box::pin(async {
            let session = crate::source::aws::AwsSession::new(
                &crate::source::aws::CredentialOptions::default(),
            )
            .await;
            match listing {
                true => crate::source::s3::parts(&session, bucket, key, max).await,
                false => crate::source::s3::object(&session, bucket, key, max)
                    .await
                    .map(|object| vec![object]),
            }
        }))
        .map_err(|e| CliError::input(crate::infra::escape::terminal(&e)))
}

/// One object put to S3 with the standard credentials, encrypted at rest (`--s3-kms-key`).
fn upload(
    bucket: &str,
    key: &str,
    text: &str,
) -> Result<Result<(), crate::source::aws::AwsFailure>, CliError> {
    let kms = s3_kms_key();
    let body = text.as_bytes().to_vec();
    Ok(runtime()?.block_on(Box::pin(async {
        let session =
            crate::source::aws::AwsSession::new(&crate::source::aws::CredentialOptions::default())
                .await;
        crate::source::s3::put(&session, bucket, key, body, kms.as_deref()).await
    })))
}

/// `s3://BUCKET/KEY: the upload failed (CLASS): detail`, each part escaped.
pub fn upload_failed(bucket: &str, key: &str, failure: &crate::source::aws::AwsFailure) -> String {
    format!(
        "s3://{}/{}: the upload failed ({:?}): {}",
        crate::infra::escape::terminal(bucket),
        crate::infra::escape::terminal(key),
        failure.class,
        crate::infra::escape::terminal(&failure.detail())
    )
}

fn write_s3(bucket: &str, key: &str, text: &str) -> Result<(), CliError> {
    match upload(bucket, key, text)? {
        Ok(()) => Ok(()),
        Err(failure) => {
            write_stdout(text)?;
            Err(CliError::input(format!(
                "{}; the report was written to stdout instead",
                upload_failed(bucket, key, &failure)
            )))
        }
    }
}

/// The exit code a report earns: incomplete coverage first (unless allowed), then findings at
/// or above the threshold.
pub fn exit_status(result: &CheckResult, fail_on: FailOn, allow_incomplete: bool) -> ExitStatus {
    ExitStatus::judged(
        !result.coverage.complete,
        allow_incomplete,
        result.fails_at(fail_on.threshold()),
    )
}

/// A runtime on every core for a fleet scan: many clusters in flight, each with its TLS
/// handshakes, token signing and judging.
pub fn fleet_runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("starting the async runtime: {e}")))
}

/// A single-threaded async runtime for the commands that read AWS or a cluster.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("starting the async runtime: {e}")))
}
