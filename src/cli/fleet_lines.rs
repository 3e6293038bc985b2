//! A fleet's JSON Lines: read back (`merge`, `--baseline`, `--resume`, `policy init`), written
//! as they come, and gathered into the fleet report and the exit code it earns — the worst over
//! the fleet, an empty fleet included.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::FleetFormat;
use super::error::{CliError, CliResult};
use super::output::write_report;
use crate::cli::exit::ExitStatus;
use crate::inputs::kind::InputKind;
use crate::inputs::manifest::InputFile;
use crate::report::fleet::{
    Census, ClusterLine, FLEET_REPORT_VERSION, FleetLine, FleetView, NotAudited, Skipped,
};

/// Where a fleet's JSON Lines go as they come: stdout or a file created 0600 (each line flushed,
/// so a killed scan keeps what it did and `--resume` goes on from it), or `s3://BUCKET/KEY`,
/// where the lines are kept in memory (~20 KB a cluster) and uploaded once, whole, when the scan
/// ends — S3 has no append. For the other formats, nothing: they are written whole at the end.
pub(super) enum LineSink {
    Nothing,
    Stdout(std::io::Stdout),
    File(std::fs::File),
    S3 { path: PathBuf, lines: String },
}

impl LineSink {
    pub(super) fn new(format: FleetFormat, output: Option<&Path>) -> Result<LineSink, CliError> {
        if format != FleetFormat::Jsonl {
            return Ok(LineSink::Nothing);
        }
        let Some(path) = output else {
            return Ok(LineSink::Stdout(std::io::stdout()));
        };
        if path
            .to_str()
            .and_then(crate::source::s3::location)
            .is_some()
        {
            return Ok(LineSink::S3 {
                path: path.to_path_buf(),
                lines: String::new(),
            });
        }
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
        Ok(LineSink::File(file))
    }

    /// One line (already ending in a newline).
    pub(super) fn write(&mut self, line: &str) -> Result<(), CliError> {
        let written = match self {
            LineSink::Nothing => Ok(()),
            LineSink::S3 { lines, .. } => {
                lines.push_str(line);
                Ok(())
            }
            LineSink::Stdout(out) => out.write_all(line.as_bytes()).and_then(|()| out.flush()),
            LineSink::File(file) => file.write_all(line.as_bytes()).and_then(|()| file.flush()),
        };
        match written {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(CliError::input(format!("writing the report: {e}")))
            }
            _ => Ok(()),
        }
    }

    /// Ends the lines: for S3, the upload (a failed one writes the lines to stdout, exit 2).
    pub(super) fn close(self) -> Result<(), CliError> {
        match self {
            LineSink::S3 { path, lines } => write_report(Some(&path), &lines),
            _ => Ok(()),
        }
    }
}

/// The largest scan output `merge`, `--baseline`, `--resume` and `policy init` read:
/// a cluster's line is ~20 KB, so this is tens of thousands of clusters.
pub const MAX_FLEET_FILE_BYTES: usize = 1024 * 1024 * 1024;

/// The lines of a scan's JSON Lines file (or of its JSON report); a line that is not one is an
/// error at its line.
pub fn read_lines(path: &Path) -> Result<Vec<FleetLine>, CliError> {
    let input = crate::source::file::read_whole(&path.to_string_lossy(), MAX_FLEET_FILE_BYTES)?;
    lines_of(&input)
}

/// The lines of a scan's output already read: its JSON report's clusters, or its JSON Lines.
/// A cluster's report of another shape version is refused by name, never half-read.
pub fn lines_of(input: &InputFile) -> Result<Vec<FleetLine>, CliError> {
    let text = String::from_utf8_lossy(&input.bytes);
    if crate::inputs::kind::kind_of(&input.bytes) == InputKind::FleetReport
        && let Ok(mut report) = serde_json::from_str::<serde_json::Value>(&text)
    {
        if report["version"].as_u64() != Some(u64::from(FLEET_REPORT_VERSION)) {
            return Err(CliError::input(format!(
                "{}: a fleet report of shape version {}, and this build reads version {FLEET_REPORT_VERSION}: read it with the build that wrote it, or scan again",
                input.path, report["version"]
            )));
        }
        let clusters = match report["clusters"].take() {
            serde_json::Value::Array(clusters) => clusters,
            _ => Vec::new(),
        };
        return clusters
            .into_iter()
            .map(|c| {
                ClusterLine::read(c)
                    .map(FleetLine::Cluster)
                    .map_err(|e| CliError::input(format!("{}: {e}", input.path)))
            })
            .collect();
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let not_a_line = |e: serde_json::Error| {
                CliError::input(format!(
                    "{}:{}:{}: not a line of `scan --format jsonl`: {e}",
                    input.path,
                    i + 1,
                    e.column()
                ))
            };
            let value: serde_json::Value = serde_json::from_str(l).map_err(not_a_line)?;
            if value["kind"] == "cluster" {
                return ClusterLine::read(value)
                    .map(FleetLine::Cluster)
                    .map_err(|e| CliError::input(format!("{}:{}:1: {e}", input.path, i + 1)));
            }
            serde_json::from_value(value).map_err(not_a_line)
        })
        .collect()
}

/// What a fleet report is made of, and the exit code it earns.
#[derive(Default)]
pub(super) struct Fleet {
    pub(super) clusters: Vec<ClusterLine>,
    pub(super) not_audited: Vec<NotAudited>,
    /// Regions of `--regions all` not enabled for an account: said, not an error.
    pub(super) skipped: Vec<Skipped>,
    pub(super) status: Option<ExitStatus>,
    /// The earlier scan compared with: its path and cluster lines.
    pub(super) baseline: Option<(String, Vec<ClusterLine>)>,
    /// Ctrl-C stopped the scan: what finished is reported, and the report says so.
    pub(super) interrupted: bool,
    /// What the scan found and what its filters left out.
    pub(super) census: Option<Census>,
    /// Whether a fleet with no cluster audited is judged: not for one shard (its share may be
    /// empty; `merge` judges the whole), nor with `--allow-empty-fleet`.
    pub(super) judge_empty: bool,
}

impl Fleet {
    pub(super) fn add_cluster(&mut self, line: ClusterLine) {
        self.status = self.status.max(Some(ExitStatus::from_code(line.exit)));
        self.clusters.push(line);
    }

    pub(super) fn add_not_audited(&mut self, item: NotAudited, allow_incomplete: bool) {
        if !allow_incomplete {
            self.status = self.status.max(Some(ExitStatus::Incomplete));
        }
        self.not_audited.push(item);
    }

    /// Writes the report (JSON Lines: only the summary; the rest went out as it came).
    pub(super) fn finish(
        mut self,
        format: FleetFormat,
        threshold: Option<crate::rules::finding::Severity>,
        output: Option<&Path>,
        mut lines: LineSink,
    ) -> CliResult {
        self.clusters.sort_by_key(ClusterLine::key);
        // Targets finish in any order: the report's order is the targets'.
        self.not_audited.sort_by(|a, b| {
            (&a.account, &a.region, &a.cluster).cmp(&(&b.account, &b.region, &b.cluster))
        });
        let drift = self.baseline.as_ref().map(|(path, before)| {
            crate::report::fleet::Drift::between(path, before, &self.clusters, &self.not_audited)
        });
        // A scan that audited nothing checked nothing: never a pass.
        if self.judge_empty
            && !self.interrupted
            && self.clusters.is_empty()
            && self.not_audited.is_empty()
        {
            let found = self
                .census
                .as_ref()
                .map_or_else(|| "no cluster in the lines read".to_string(), Census::line);
            let item = NotAudited {
                account: "(the whole scan)".into(),
                region: None,
                cluster: None,
                reason: "unknown(empty fleet)".into(),
                detail: format!(
                    "no cluster was audited ({found}): check --include/--exclude/--tag, the regions and the accounts; pass --allow-empty-fleet when an empty fleet is expected"
                ),
            };
            if format == FleetFormat::Jsonl {
                lines.write(&crate::report::fleet::line(&FleetLine::NotAudited(
                    item.clone(),
                )))?;
            }
            self.not_audited.push(item);
            self.status = self.status.max(Some(ExitStatus::Incomplete));
        }
        let status = self.status.unwrap_or(ExitStatus::Clean);
        let code = status.code();
        if self.interrupted {
            self.not_audited.push(NotAudited {
                account: "(the rest of the fleet)".into(),
                region: None,
                cluster: None,
                reason: "unknown(interrupted)".into(),
                detail: "the scan was interrupted (Ctrl-C) before it finished".into(),
            });
        }
        self.skipped
            .sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
        let view = FleetView {
            clusters: &self.clusters,
            not_audited: &self.not_audited,
            skipped: &self.skipped,
            exit: code,
            drift: drift.as_ref(),
            census: self.census.as_ref(),
        };
        match format {
            FleetFormat::Jsonl => {
                lines.write(&crate::report::fleet::line(&FleetLine::Summary(Box::new(
                    view.summary(),
                ))))?;
                lines.close()?;
            }
            FleetFormat::Json => write_report(output, &view.json())?,
            FleetFormat::Table => write_report(
                output,
                &view.table(super::output::table_width(output.is_some())),
            )?,
            FleetFormat::Markdown => write_report(output, &view.markdown())?,
            FleetFormat::Sarif => write_report(output, &view.sarif())?,
            FleetFormat::Junit => write_report(output, &view.junit(threshold))?,
            FleetFormat::Html => write_report(output, &view.html(&super::output::written_at()))?,
            FleetFormat::Asff => write_report(output, &view.asff(&super::output::written_at()))?,
            FleetFormat::Ocsf => write_report(output, &view.ocsf(&super::output::written_at()))?,
        }
        // Written to a file, the report is out of sight: stderr ends with what it says.
        if let Some(path) = output {
            let _ = writeln!(
                std::io::stderr(),
                "scan: {} cluster(s) audited, {} target(s) not audited, exit {code}; report written to {}",
                self.clusters.len(),
                self.not_audited.len(),
                crate::infra::escape::terminal(&path.display().to_string())
            );
        }
        Ok(status)
    }
}

/// The census a scan keeps as its targets are listed.
pub(super) fn census_of(fleet: &mut Fleet) -> &mut Census {
    fleet.census.get_or_insert_with(Census::default)
}
