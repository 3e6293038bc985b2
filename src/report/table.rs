//! The human report: one row per finding, then a summary.

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use crate::infra::escape::terminal;
use crate::judge::result::CheckResult;
use crate::rules::finding::Severity;

/// The most of one value a table cell shows: a table lays out every cell at once, and one
/// value of a hostile megabyte (a 900,000-character role name) would take it minutes.
const CELL_MAX: usize = 1_000;

/// A value for a table cell: escaped for the terminal, and cut at [`CELL_MAX`] characters with
/// how much was left out (the JSON report has it whole).
fn cell(text: &str) -> String {
    match text.char_indices().nth(CELL_MAX) {
        Some((at, _)) => format!(
            "{}… ({} more characters: see --format json)",
            terminal(&text[..at]),
            text[at..].chars().count()
        ),
        None => terminal(text),
    }
}

fn color(severity: Severity) -> Color {
    match severity {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
        Severity::Info => Color::Grey,
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
fn access_matrix(principals: &[crate::model::access::Principal], colored: bool) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(160)
        .set_header(["principal", "source", "as", "power", "in effect"]);
    for p in principals {
        let mut grants = vec![format!("user {}", p.username)];
        if !p.groups.is_empty() {
            grants.push(format!("groups {}", p.groups.join(", ")));
        }
        grants.extend(p.policies.iter().cloned());
        table.add_row(vec![
            Cell::new(cell(&p.arn)),
            Cell::new(cell(&p.source.to_string())),
            Cell::new(
                grants
                    .iter()
                    .map(|g| cell(g))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Cell::new(format!("{}\n({})", p.tier.as_str(), cell(&p.tier_reason))),
            Cell::new(if p.in_effect {
                if p.note.is_empty() {
                    "yes".to_string()
                } else {
                    format!("yes: {}", cell(&p.note))
                }
            } else {
                format!("no: {}", cell(&p.note))
            }),
        ]);
    }
    if colored {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    format!("access matrix ({} way(s) in):\n{table}\n", principals.len())
}

pub fn render(result: &CheckResult, colored: bool) -> String {
    // The table of a large audit is megabytes: it is joined to the rest once, at its size (a
    // string grown by pushing would copy it and double it).
    let mut table_text = String::new();
    let mut head = String::new();
    if let Some(live) = &result.live {
        head.push_str(&cell(&live.headline()));
        head.push('\n');
    }
    if result.findings.is_empty() {
        head.push_str(if result.coverage.complete {
            "No findings: every rule was evaluated.\n"
        } else {
            "No findings, but coverage is incomplete: see below.\n"
        });
    } else {
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(160)
            .set_header(["severity", "rule", "location", "finding"]);
        for f in &result.findings {
            let mut severity = Cell::new(f.severity.as_str());
            if colored {
                severity = severity.fg(color(f.severity));
            }
            table.add_row(vec![
                severity,
                Cell::new(format!("{} {}", f.code, f.slug)),
                Cell::new(cell(&f.location.display())),
                Cell::new(format!(
                    "{}\nfix: {}",
                    cell(&f.message),
                    cell(&f.remediation)
                )),
            ]);
        }
        if colored {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table_text = table.to_string();
    }
    let mut out = String::new();
    if let Some(live) = result.live.as_ref().filter(|l| !l.principals.is_empty()) {
        out.push_str(&access_matrix(&live.principals, colored));
    }
    for note in &result.notes {
        out.push_str(&format!("note: {}\n", cell(note)));
    }
    out.push_str(&not_evaluated_lines(result));
    let count = |s: Severity| result.findings.iter().filter(|f| f.severity == s).count();
    out.push_str(&format!(
        "{} finding(s): {} critical, {} high, {} medium, {} low, {} info; {} rule(s) evaluated{}\n",
        result.findings.len(),
        count(Severity::Critical),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low),
        count(Severity::Info),
        result.coverage.rules_evaluated.len(),
        if result.coverage.complete {
            ""
        } else {
            ", coverage incomplete"
        }
    ));
    let after_table = if table_text.is_empty() { "" } else { "\n" };
    [head.as_str(), &table_text, after_table, &out].concat()
}
