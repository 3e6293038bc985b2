//! The human report: one row per finding, then a summary.

mod grid;

use std::io::Write;

pub(crate) use grid::GridCell;

use crate::infra::escape::terminal;
use crate::judge::result::CheckResult;
use crate::rules::finding::{Severity, Status, Tally};

/// The most of one value a table cell shows: a table lays out every cell at once, and one
/// value of a hostile megabyte (a 900,000-character role name) would take it minutes.
const CELL_MAX: usize = 1_000;

/// A value for a table cell: escaped for the terminal, and cut at [`CELL_MAX`] characters with
/// how much was left out (the JSON report has it whole).
fn cell(text: &str) -> String {
    // (A text of at most CELL_MAX bytes has at most CELL_MAX characters.)
    let cut = (text.len() > CELL_MAX)
        .then(|| text.char_indices().nth(CELL_MAX))
        .flatten();
    match cut {
        Some((at, _)) => format!(
            "{}… ({} more characters: see --format json)",
            terminal(&text[..at]),
            text[at..].chars().count()
        ),
        None => terminal(text),
    }
}

/// The width tables are laid out to when the caller has none: not a terminal (a pipe, a file).
pub const DEFAULT_WIDTH: usize = 120;

/// The narrowest width tables are laid out to (a smaller terminal scrolls).
pub const MIN_WIDTH: usize = 60;

const FINDINGS_HEADER: [&str; 4] = ["severity", "rule", "location", "finding"];

/// A severity's colour as the SGR parameters of a foreground colour (the 256-colour codes of
/// the bright ANSI colours, as comfy-table writes [`color`]'s through crossterm).
fn sgr_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "5;13",
        Severity::High => "5;9",
        Severity::Medium => "5;11",
        Severity::Low => "5;12",
        Severity::Info => "5;7",
    }
}

/// One line per distinct reason, naming the rules it stopped: an unreadable aws-auth stops
/// every rule for the same reason, which is one line, not twenty-four.
pub fn not_evaluated_lines(result: &CheckResult) -> String {
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for missing in &result.coverage.not_evaluated {
        match reasons.iter_mut().find(|(r, _)| *r == missing.reason) {
            Some((_, codes)) => codes.push(missing.code),
            None => reasons.push((&missing.reason, vec![missing.code])),
        }
    }
    reasons
        .into_iter()
        .map(|(reason, codes)| {
            let rules = match codes.as_slice() {
                [one] => one.to_string(),
                [first, .., last] => format!("{} rules, {first}–{last}", codes.len()),
                [] => String::new(),
            };
            format!("not evaluated ({rules}): {}\n", terminal(reason))
        })
        .collect()
}

/// The access matrix: one row per way in, with its power and whether EKS uses it.
fn access_matrix(
    out: &mut impl Write,
    principals: &[crate::model::access::Principal],
    width: usize,
) -> std::io::Result<()> {
    let rows: Vec<Vec<GridCell>> = principals
        .iter()
        .map(|p| {
            let mut grants = vec![format!("user {}", p.username)];
            if !p.groups.is_empty() {
                grants.push(format!("groups {}", p.groups.join(", ")));
            }
            grants.extend(p.policies.iter().cloned());
            vec![
                GridCell::plain(cell(&p.arn)),
                GridCell::plain(match &p.provenance {
                    Some(granted) => {
                        format!("{}\n({})", cell(&p.source.to_string()), cell(granted))
                    }
                    None => cell(&p.source.to_string()),
                }),
                GridCell::plain(
                    grants
                        .iter()
                        .map(|g| cell(g))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                GridCell::plain(
                    std::iter::once(format!("{}\n({})", p.tier.as_str(), cell(&p.tier_reason)))
                        .chain(p.capabilities.iter().map(|c| format!("· {}", cell(c))))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                GridCell::plain(match (p.in_effect, p.note.is_empty()) {
                    (true, true) => "yes".to_string(),
                    (true, false) => format!("yes: {}", cell(&p.note)),
                    (false, _) => format!("no: {}", cell(&p.note)),
                }),
            ]
        })
        .collect();
    writeln!(out, "access matrix ({} way(s) in):", principals.len())?;
    draw(out, &MATRIX_HEADER, &rows, width)
}

const MATRIX_HEADER: [&str; 5] = ["principal", "source", "as", "power", "in effect"];

/// CloudTrail's access history within its window: one row per change, oldest first; a grant
/// that is gone now says so, an administrator's is marked.
fn access_history(
    out: &mut impl Write,
    history: &[crate::model::access::history::HistoryItem],
    width: usize,
) -> std::io::Result<()> {
    let rows: Vec<Vec<GridCell>> = history
        .iter()
        .map(|h| {
            let marks = h.marks();
            vec![
                GridCell::plain(cell(&h.time)),
                GridCell::plain(if marks.is_empty() {
                    cell(&h.what)
                } else {
                    format!("{}\n({})", cell(&h.what), marks.join(", "))
                }),
                GridCell::plain(format!("{}\n{}", cell(&h.actor), cell(&h.event_id))),
            ]
        })
        .collect();
    writeln!(
        out,
        "access history ({} change(s) in CloudTrail's window):",
        history.len()
    )?;
    draw(out, &HISTORY_HEADER, &rows, width)
}

const HISTORY_HEADER: [&str; 3] = ["when", "what", "who (event)"];

/// Draws a table of the human reports, every one in the same style, `width` columns wide
/// (at least [`MIN_WIDTH`]).
pub(crate) fn draw(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<GridCell>],
    width: usize,
) -> std::io::Result<()> {
    grid::write(out, header, rows, width.max(MIN_WIDTH))
}

/// The report as one text.
pub fn render(
    result: &CheckResult,
    colored: bool,
    threshold: Option<Severity>,
    width: usize,
) -> String {
    let mut out = Vec::new();
    write(result, colored, threshold, width, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("the table is text")
}

/// Writes the report: the findings' table a line at a time (the table of a large audit is
/// megabytes, not held whole in memory on top of its layout).
/// `threshold` is `--fail-on`, what the summary counts as failing the run.
/// `width` is the terminal's (or [`DEFAULT_WIDTH`]).
pub fn write(
    result: &CheckResult,
    colored: bool,
    threshold: Option<Severity>,
    width: usize,
    out: &mut impl Write,
) -> std::io::Result<()> {
    if let Some(live) = &result.live {
        writeln!(out, "{}", cell(&live.headline()))?;
    }
    if result.findings.is_empty() {
        if result.coverage.complete {
            writeln!(
                out,
                "No findings: all {} rule(s) in scope were evaluated.",
                result.coverage.rules_evaluated.len()
            )?;
        } else {
            out.write_all(b"No findings, but coverage is incomplete: see below.\n")?;
        }
    } else {
        let rows: Vec<Vec<GridCell>> = result
            .findings
            .iter()
            .map(|f| {
                let waiver = f
                    .waiver_line()
                    .map_or(String::new(), |w| format!("\n{}", cell(&w)));
                vec![
                    GridCell {
                        text: f.severity_label(),
                        color: (colored && f.status == Status::Fail).then(|| sgr_color(f.severity)),
                    },
                    GridCell::plain(format!("{} {}", f.code, f.slug)),
                    GridCell::plain(cell(&f.location.display())),
                    GridCell::plain(format!(
                        "{}\nfix: {}{waiver}",
                        cell(&f.message),
                        cell(&f.remediation)
                    )),
                ]
            })
            .collect();
        draw(out, &FINDINGS_HEADER, &rows, width)?;
    }
    if let Some(live) = result.live.as_ref().filter(|l| !l.principals.is_empty()) {
        access_matrix(out, &live.principals, width)?;
    }
    if let Some(live) = result.live.as_ref().filter(|l| !l.history.is_empty()) {
        access_history(out, &live.history, width)?;
    }
    for note in &result.notes {
        writeln!(out, "note: {}", cell(note))?;
    }
    out.write_all(not_evaluated_lines(result).as_bytes())?;
    writeln!(
        out,
        "{} finding(s): {}; {} rule(s) evaluated{}",
        result.findings.len(),
        Tally::of(&result.findings).line(threshold),
        result.coverage.rules_evaluated.len(),
        if result.coverage.complete {
            ""
        } else {
            ", coverage incomplete"
        }
    )
}
