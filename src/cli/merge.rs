//! `merge`: the parts of a sharded scan — files, or every part under an `s3://` prefix —
//! joined into the one fleet report and exit code, with what the parts cannot vouch for (a
//! missing shard, an unfinished part) said as targets not audited.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::args::{FailOn, FleetFormat};
use super::error::{CliError, CliResult};
use super::fleet_lines::{Fleet, LineSink, census_of};
use crate::report::fleet::{Census, ClusterLine, FleetLine, NotAudited};

/// One part `merge` read: its name, its lines, and whether it is JSON Lines (a part a scan
/// wrote as it went, which ends in a summary line when the scan finished).
struct Part {
    name: String,
    lines: Vec<FleetLine>,
    streamed: bool,
}

impl Part {
    fn of(input: &crate::inputs::manifest::InputFile) -> Result<Part, CliError> {
        Ok(Part {
            name: input.path.clone(),
            lines: super::fleet_lines::lines_of(input)?,
            streamed: crate::inputs::kind::kind_of(&input.bytes)
                != crate::inputs::kind::InputKind::FleetReport,
        })
    }
}

/// A shard's parts: a file, one object `s3://BUCKET/KEY` (a key not ending in `/`), or every
/// part under an `s3://BUCKET/PREFIX/` (in key order).
fn shard_parts(shard: &std::path::Path) -> Result<Vec<Part>, CliError> {
    let Some((bucket, prefix)) = shard.to_str().and_then(crate::source::s3::prefix_location) else {
        let input = crate::source::file::read_whole(
            &shard.to_string_lossy(),
            super::fleet_lines::MAX_FLEET_FILE_BYTES,
        )?;
        return Ok(vec![Part::of(&input)?]);
    };
    let one_object = !prefix.is_empty() && !prefix.ends_with('/');
    let parts = super::output::read_s3(
        bucket,
        prefix,
        !one_object,
        super::fleet_lines::MAX_FLEET_FILE_BYTES,
    )?;
    if parts.is_empty() {
        return Err(CliError::input(format!(
            "s3://{bucket}/{prefix}: no shard part (.jsonl or .json) under this prefix"
        )));
    }
    parts
        .into_iter()
        .map(|(path, bytes)| Part::of(&crate::inputs::manifest::InputFile { path, bytes }))
        .collect()
}

/// What the parts cannot vouch for, as targets not audited: a shard of a sharded scan whose
/// part is missing (its pod failed, or had not written yet), and a part a scan was still
/// writing (JSON Lines with no summary line). Either way some of the fleet is not in the merged
/// report, and it must not look whole.
fn missing_shares(parts: &[Part]) -> Vec<NotAudited> {
    let mut missing = Vec::new();
    let mut shards: std::collections::BTreeMap<u32, BTreeSet<u32>> = Default::default();
    for part in parts {
        let summaries: Vec<&Census> = part
            .lines
            .iter()
            .filter_map(|line| match line {
                FleetLine::Summary(summary) => Some(summary.targets.as_ref()),
                _ => None,
            })
            .flatten()
            .collect();
        let finished = part
            .lines
            .iter()
            .any(|line| matches!(line, FleetLine::Summary(_)));
        if part.streamed && !finished {
            missing.push(NotAudited {
                account: format!("(the part {})", part.name),
                region: None,
                cluster: None,
                reason: "unknown(part unfinished)".into(),
                detail: "the part has no summary line: the scan writing it had not finished (killed, out of time, or still running), so the clusters it had not reached are missing; run that scan again, or pass its part to `scan --resume`".into(),
            });
        }
        for shard in summaries.iter().filter_map(|census| census.shard) {
            shards.entry(shard.count).or_default().insert(shard.index);
        }
    }
    for (count, seen) in shards {
        for index in (0..count).filter(|i| !seen.contains(i)) {
            missing.push(NotAudited {
                account: format!("(shard {index}/{count})"),
                region: None,
                cluster: None,
                reason: "unknown(shard missing)".into(),
                detail: format!(
                    "no part of shard {index} of {count} was read: its account × region pairs are not in this report (did its pod fail, or has it not finished?)"
                ),
            });
        }
    }
    missing
}

/// `merge SHARD…`: the shards' lines joined into the one fleet report and exit code. A
/// cluster two shards both report is counted once; a missing shard or an unfinished part is
/// a target not audited ([`missing_shares`]).
pub struct MergeArgs {
    pub shards: Vec<PathBuf>,
    pub format: FleetFormat,
    pub output: Option<PathBuf>,
    pub allow_incomplete: bool,
    pub allow_empty_fleet: bool,
    pub fail_on: FailOn,
    /// With `--security-hub`: how the import reaches each cluster's account.
    pub security_hub: Option<super::security_hub::AccountAccess>,
}

pub fn run_merge(args: MergeArgs) -> CliResult {
    let MergeArgs {
        shards,
        format,
        output,
        allow_incomplete,
        allow_empty_fleet,
        fail_on,
        security_hub,
    } = args;
    let mut fleet = Fleet {
        judge_empty: !allow_empty_fleet,
        ..Fleet::default()
    };
    let mut parts = Vec::new();
    for shard in &shards {
        parts.extend(shard_parts(shard)?);
    }
    for item in missing_shares(&parts) {
        fleet.add_not_audited(item, allow_incomplete);
    }
    let mut seen = BTreeSet::new();
    for line in parts.into_iter().flat_map(|part| part.lines) {
        match line {
            FleetLine::Cluster(done) => {
                if seen.insert(done.key()) {
                    fleet.add_cluster(done);
                }
            }
            FleetLine::NotAudited(item) => fleet.add_not_audited(item, allow_incomplete),
            FleetLine::Skipped(item) => fleet.skipped.push(item),
            // Each shard's census, summed: what the whole scan found and left out.
            FleetLine::Summary(summary) => {
                if let Some(census) = &summary.targets {
                    census_of(&mut fleet).add(census);
                }
            }
        }
    }
    let mut lines = LineSink::new(format, output.as_deref())?;
    fleet.clusters.sort_by_key(ClusterLine::key);
    for line in &fleet.clusters {
        lines.write(&crate::report::fleet::cluster_line(line))?;
    }
    for item in &fleet.not_audited {
        lines.write(&crate::report::fleet::line(&FleetLine::NotAudited(
            item.clone(),
        )))?;
    }
    for item in &fleet.skipped {
        lines.write(&crate::report::fleet::line(&FleetLine::Skipped(
            item.clone(),
        )))?;
    }
    super::security_hub::report_then_import(
        fleet,
        format,
        fail_on.threshold(),
        output.as_deref(),
        lines,
        security_hub,
    )
}
