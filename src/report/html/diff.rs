//! The page of a `diff`: the verdicts first (what the change does to access, strongest
//! first), then every way in whose access changes, before and after, then the access graph
//! after the change, then the findings the change introduces, fixes and keeps.

use std::collections::{BTreeMap, BTreeSet};

use super::audit::{Outcome, by_severity, rules_appendix};
use super::graph::{PrincipalClasses, access_graph};
use super::page::{coverage_banner, document, esc, facts, severity_badge};
use super::view::{AuditView, MatrixRow};
use crate::diff::DiffResult;
use crate::judge::result::CheckResult;

/// What a way in gives, as one line: identity, power, effect.
fn describe(row: &MatrixRow) -> String {
    let mut text = format!(
        "as {} in [{}] → {} ({})",
        if row.username.is_empty() {
            "(no username)"
        } else {
            &row.username
        },
        row.groups.join(", "),
        row.tier.as_str(),
        row.tier_reason
    );
    if !row.policies.is_empty() {
        text.push_str(&format!(" with {}", row.policies.join("; ")));
    }
    if row.never_matches {
        text.push_str("; never matches");
    } else if !row.in_effect {
        text.push_str(&format!("; not in effect: {}", row.note));
    }
    text
}

/// Every way in keyed by principal and way in (not by row index, which a reordering moves).
fn paths(view: &AuditView) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for row in &view.rows {
        out.insert(
            (row.arn.trim().to_string(), row.way_in().to_string()),
            describe(row),
        );
    }
    out
}

/// The ways in whose access differs: (principal, way in, before, after).
fn changed_paths(
    base: &AuditView,
    head: &AuditView,
) -> Vec<(String, String, Option<String>, Option<String>)> {
    let (before, after) = (paths(base), paths(head));
    let keys: BTreeSet<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter_map(|key| {
            let (b, a) = (before.get(key), after.get(key));
            (b != a).then(|| (key.0.clone(), key.1.clone(), b.cloned(), a.cloned()))
        })
        .collect()
}

/// The page of a diff between two judged versions.
pub fn diff(
    result: &DiffResult,
    base: &CheckResult,
    head: &CheckResult,
    outcome: &Outcome,
) -> String {
    let (before, mut after) = (
        AuditView::from_result(base, outcome.threshold),
        AuditView::from_result(head, outcome.threshold),
    );
    let mut body = format!(
        "<header>\n<h1>aws-auth-audit: what this change does to access</h1>\n{}</header>\n",
        facts(&[
            ("Base", result.base.clone()),
            ("Head", result.head.clone()),
            (
                "Policy",
                if result.policy_applied {
                    "applied to both sides".to_string()
                } else {
                    "none applied".to_string()
                }
            ),
        ])
    );
    let incomplete: Vec<String> = [(&result.base, &before), (&result.head, &after)]
        .into_iter()
        .flat_map(|(name, view)| {
            view.incomplete_lines()
                .into_iter()
                .map(move |line| format!("{name}: {line}"))
        })
        .collect();
    body.push_str(&coverage_banner(
        "coverage",
        "Coverage complete on both sides.",
        "Incomplete: the comparison may miss changes",
        "What could not be checked on either side is not a pass:",
        &incomplete,
    ));
    body.push_str(&format!(
        "<p class=\"verdict exit-{0}\">Verdict: exit {0} — {1}</p>\n<h2>Verdicts ({2})</h2>\n",
        outcome.exit,
        esc(&outcome.meaning),
        result.verdicts.len()
    ));
    if result.verdicts.is_empty() {
        body.push_str("<p>No change to who can get in, or as whom.</p>\n");
    } else {
        body.push_str("<table id=\"verdicts\"><thead><tr><th scope=\"col\">severity</th><th scope=\"col\">change</th><th scope=\"col\">where</th><th scope=\"col\">what it means</th></tr></thead>\n<tbody>\n");
        let mut verdicts: Vec<_> = result.verdicts.iter().collect();
        verdicts.sort_by_key(|v| std::cmp::Reverse(v.severity));
        for v in verdicts {
            body.push_str(&format!(
                "<tr class=\"verdict-row\" data-kind=\"{kind}\"><td>{badge}</td><td>{kind}</td><td><code>{place}</code> ({side})</td><td>{message}</td></tr>\n",
                kind = crate::report::diff::kind_name(v.kind),
                badge = severity_badge(v.severity),
                place = esc(&v.location.display()),
                side = v.side,
                message = esc(&v.message),
            ));
        }
        body.push_str("</tbody></table>\n");
    }
    let changed = changed_paths(&before, &after);
    body.push_str(&format!(
        "<h2>Access before and after ({} changed way(s) in)</h2>\n",
        changed.len()
    ));
    if changed.is_empty() {
        body.push_str("<p>No way in gives different access.</p>\n");
    } else {
        body.push_str("<table id=\"changed-paths\"><thead><tr><th scope=\"col\">principal</th><th scope=\"col\">way in</th><th scope=\"col\">before</th><th scope=\"col\">after</th></tr></thead>\n<tbody>\n");
        for (arn, way, b, a) in &changed {
            body.push_str(&format!(
                "<tr class=\"changed-path\"><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(arn),
                esc(way),
                esc(b.as_deref().unwrap_or("(no such way in)")),
                esc(a.as_deref().unwrap_or("(removed)"))
            ));
        }
        body.push_str("</tbody></table>\n");
    }
    for row in &mut after.rows {
        row.changed = changed
            .iter()
            .any(|(arn, way, _, _)| *arn == row.arn.trim() && way.as_str() == row.way_in());
    }
    body.push_str(&format!(
        "<h2>Access graph after the change</h2>\n<p>Ways in the change touches are outlined and marked “changed”.</p>\n{}",
        access_graph(&after.rows, &PrincipalClasses::new("h", &after.rows))
    ));
    let mut codes = BTreeSet::new();
    for (kind, title, list) in [
        ("new", "New findings", &result.findings.new),
        ("fixed", "Fixed findings", &result.findings.fixed),
        (
            "removed",
            "Gone with a removed row (not fixed: what they judged is gone)",
            &result.findings.removed,
        ),
        (
            "unchanged",
            "Unchanged findings",
            &result.findings.unchanged,
        ),
    ] {
        let rows = list.as_slice();
        codes.extend(rows.iter().map(|f| f.code.to_string()));
        body.push_str(&format!(
            "<section class=\"finding-changes\" data-kind=\"{kind}\"><h2>{title} ({})</h2>\n{}</section>\n",
            rows.len(),
            by_severity(rows, outcome.threshold, &format!("d-{kind}"), "h3")
        ));
    }
    if !result.notes.is_empty() {
        body.push_str("<h2>Notes</h2>\n<ul>\n");
        for note in &result.notes {
            body.push_str(&format!("<li>{}</li>\n", esc(note)));
        }
        body.push_str("</ul>\n");
    }
    body.push_str(&rules_appendix(&codes));
    document(
        &format!("aws-auth-audit diff: {} → {}", result.base, result.head),
        &body,
    )
}
