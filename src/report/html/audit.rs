//! The sections of one audited configuration (a cluster, or the files of a `check`): what was
//! audited, coverage first, the ten-second summary, the access graph, the access matrix, the
//! findings by severity, notes. A single audit's page and each cluster of a fleet's page are
//! made of these.

use std::collections::BTreeSet;

use super::graph::{PrincipalClasses, access_graph};
use super::page::{coverage_banner, esc, facts, severity_badge, sortable_table_head};
use super::view::{AuditView, MatrixRow, status_label};
use crate::rules::finding::Finding;
use crate::rules::finding::Severity;

/// Strongest first.
pub const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// How the run ends: its exit code and what that means, as the page's verdict.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub exit: u8,
    pub meaning: String,
    /// `--fail-on`: the severity from which a failing finding fails the run.
    pub threshold: Option<Severity>,
}

/// What was audited, and how; `context` is one more fact with its label (`When` for a page of
/// its own, `Where` for a cluster of a fleet's page).
pub fn header(view: &AuditView, context: (&str, String)) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    match &view.cluster {
        Some(live) => {
            let c = &live.cluster;
            pairs.push(("Cluster", c.arn.clone()));
            if let Some(mode) = &c.authentication_mode {
                pairs.push(("Authentication mode", mode.to_string()));
            }
            if let Some(version) = &c.kubernetes_version {
                pairs.push(("Kubernetes", version.clone()));
            }
            if let Some(created) = &c.created_at {
                pairs.push(("Created", created.clone()));
            }
            {
                let t = &live.transport;
                pairs.push((
                    "Read via",
                    format!(
                        "{}{}",
                        t.via,
                        if t.tls_verified {
                            " (TLS verified)"
                        } else {
                            " WITHOUT TLS verification: nothing read can be trusted"
                        }
                    ),
                ));
            }
            if let Some(caller) = &live.caller {
                pairs.push((
                    "Audited by",
                    format!(
                        "{} (Kubernetes user {}, groups {})",
                        caller.identity(),
                        caller.username,
                        caller.groups.join(", ")
                    ),
                ));
            }
        }
        None => pairs.push(("Audited", view.subject())),
    }
    pairs.push(context);
    pairs.push((
        "Policy",
        match &view.policy {
            Some(p) if p.extends.is_empty() => format!("{} ({})", p.path, p.digest),
            Some(p) => format!(
                "{} ({}; extends {})",
                p.path,
                p.digest,
                p.extends.join(", ")
            ),
            None => "none applied".to_string(),
        },
    ));
    facts(&pairs)
}

/// Coverage first: a banner that cannot be missed when anything could not be checked.
pub fn coverage(view: &AuditView, id: &str) -> String {
    let mut lines = view.incomplete_lines();
    if !view.coverage.complete && lines.is_empty() {
        lines.push("the judgement says it is incomplete".to_string());
    }
    coverage_banner(
        id,
        &format!(
            "Coverage complete: all {} rules in scope were evaluated.",
            view.coverage.rules_evaluated.len()
        ),
        &format!(
            "Incomplete: {} check(s) could not be done",
            view.coverage.not_evaluated.len()
        ),
        &format!(
            "What could not be checked is not a pass. {} of the rules in scope were evaluated; these were not:",
            view.coverage.rules_evaluated.len()
        ),
        &lines,
    )
}

fn admin_item(row: &MatrixRow) -> String {
    format!(
        "<li><code>{}</code> via {} — <span class=\"admin-text\">{}</span>: {}</li>\n",
        esc(&row.arn),
        esc(&row.source.to_string()),
        row.tier.as_str(),
        esc(&row.tier_reason)
    )
}

/// The ten-second summary: the verdict, the administrators by path, the hidden creator,
/// findings by severity.
pub fn summary(view: &AuditView, outcome: Option<&Outcome>, heading: &str) -> String {
    let mut out = format!("<{heading}>Summary</{heading}>\n");
    if let Some(outcome) = outcome {
        out.push_str(&format!(
            "<p class=\"verdict exit-{0}\">Verdict: exit {0} — {1}</p>\n",
            outcome.exit,
            esc(&outcome.meaning)
        ));
    }
    let admins: Vec<&MatrixRow> = view.admins().collect();
    out.push_str(&format!(
        "<p><strong>Administrators: {}</strong> path(s) to admin or cluster-admin that EKS uses today.</p>\n<ul class=\"admins\">\n",
        esc(&crate::policy::admin_count(admins.len(), &view.admin_gaps()))
    ));
    for row in &admins {
        out.push_str(&admin_item(row));
    }
    out.push_str("</ul>\n");
    let dormant: Vec<&MatrixRow> = view
        .rows
        .iter()
        .filter(|r| r.tier.is_admin() && !r.is_live_admin())
        .collect();
    if !dormant.is_empty() {
        out.push_str(&format!(
            "<p>Administrator grants not in effect today ({}): they become live if the mode changes or the ARN is corrected.</p>\n<ul class=\"admins\">\n",
            dormant.len()
        ));
        for row in dormant {
            out.push_str(&admin_item(row));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&format!(
        "<p><strong>Hidden creator:</strong> {}</p>\n",
        esc(&hidden_creator(view))
    ));
    out.push_str("<p class=\"cards\"><strong>Findings:</strong> ");
    for severity in SEVERITIES {
        let count = view.failing().filter(|f| f.severity == severity).count();
        out.push_str(&format!("{} {count} ", severity_badge(severity)));
    }
    let tally = crate::rules::finding::Tally::of(view.findings.iter());
    let threshold = view.threshold();
    let below = tally.failing_from(None) - threshold.map_or(0, |t| tally.failing_from(Some(t)));
    out.push_str(&format!(
        "<span class=\"muted\">(failing at or above --fail-on {}; apart from them: {below} below it, {} waived, {} undecided, {} informational)</span></p>\n",
        threshold.map_or("none", Severity::as_str),
        tally.waived,
        tally.undecided,
        tally.informational
    ));
    out
}

/// What the page says of the creator's invisible `system:masters`.
fn hidden_creator(view: &AuditView) -> String {
    if let Some(row) = view.rows.iter().find(|r| r.is_hidden_creator()) {
        return format!("{} — {} ({})", row.arn, row.tier_reason, row.note);
    }
    if let Some(f) = view.findings.iter().find(|f| f.code == "EA301") {
        return f.message.clone();
    }
    match view.mode() {
        Some(crate::evidence::AuthenticationMode::ConfigMap) => {
            "CONFIG_MAP mode: the creator holds system:masters invisibly; the audit could not name it".to_string()
        }
        Some(_) => "none: in an access-entry mode the creator's admin is an access entry (listed in the matrix if present)".to_string(),
        None => "not known from a file: only a live audit reads the mode and the creator".to_string(),
    }
}

fn matrix_row(row: &MatrixRow, class: &str) -> String {
    let state = if row.is_live_admin() {
        " admin"
    } else if !row.in_effect || row.never_matches {
        " dead"
    } else {
        ""
    };
    let effect = if row.never_matches {
        "no: its ARN never matches".to_string()
    } else if row.in_effect {
        "yes".to_string()
    } else {
        format!("no: {}", row.note)
    };
    format!(
        "<tr class=\"{class}{state}\"><td class=\"mono\">{}</td><td{}>{}</td><td>{}</td><td>{}</td><td>{}</td><td data-sort=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n",
        esc(&row.arn),
        // Who granted it, on hover (the history below lists every grant in full).
        row.provenance
            .as_deref()
            .map_or(String::new(), |g| format!(" title=\"granted: {}\"", esc(g))),
        esc(&row.source.to_string()),
        esc(&row.username),
        esc(&row.groups.join(", ")),
        esc(&row.policies.join("; ")),
        row.tier as u8,
        row.tier.as_str(),
        esc(&row.tier_reason),
        esc(&effect)
    )
}

/// CloudTrail's access history as a timeline, oldest first: each change with who made it; an
/// administrator's grant and a grant that is gone now are marked.
pub fn history(view: &AuditView, heading: &str) -> String {
    let history = view.history();
    if history.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<{heading}>Access history ({} changes in CloudTrail's window)</{heading}>\n<ol class=\"timeline\">\n",
        history.len()
    );
    for h in history {
        let marks: String = h
            .marks()
            .iter()
            .map(|m| {
                let class = m.split(' ').next().unwrap_or(m);
                format!(" <span class=\"mark {class}\">{m}</span>")
            })
            .collect();
        out.push_str(&format!(
            "<li class=\"{}\"><time>{}</time> {}{marks}<br><small>by {} — event {}</small></li>\n",
            if h.gone { "gone" } else { "current" },
            esc(&h.time),
            esc(&h.what),
            esc(&h.actor),
            esc(&h.event_id)
        ));
    }
    out.push_str("</ol>\n");
    out
}

/// The access matrix as a sortable, filterable table.
pub fn matrix(view: &AuditView, classes: &PrincipalClasses, id: &str, heading: &str) -> String {
    let mut out = format!(
        "<{heading}>Access matrix ({} ways in)</{heading}>\n{}",
        view.rows.len(),
        sortable_table_head(
            id,
            "Filter rows",
            view.rows.len(),
            &[
                "principal",
                "way in",
                "username",
                "groups",
                "access policies",
                "power",
                "why",
                "in effect",
            ],
        )
    );
    for row in &view.rows {
        out.push_str(&matrix_row(row, &classes.of(&row.arn)));
    }
    out.push_str("</tbody></table></div>\n");
    out
}

fn finding(f: &Finding, threshold: Option<Severity>, id: &str) -> String {
    let border = if f.severity >= Severity::High {
        format!(" sev-{}-border", f.severity.as_str())
    } else {
        String::new()
    };
    let mut out = format!(
        "<article class=\"finding{border}\" id=\"{id}\" data-code=\"{code}\" data-status=\"{status}\">\n<p>{badge} <a href=\"#rule-{code}\"><strong>{code}</strong> {slug}</a> <span class=\"muted\">{status}</span></p>\n<p>{message}</p>\n<p><span class=\"muted\">Where:</span> <code>{location}</code></p>\n",
        badge = severity_badge(f.severity),
        code = esc(f.code),
        slug = esc(f.slug),
        status = esc(&status_label(f, threshold)),
        message = esc(&f.message),
        location = esc(&f.location.display()),
    );
    if let Some(principal) = &f.principal {
        out.push_str(&format!(
            "<p><span class=\"muted\">Principal:</span> <code>{}</code></p>\n",
            esc(principal)
        ));
    }
    out.push_str(&format!(
        "<p><span class=\"muted\">Fix:</span> {}</p>\n</article>\n",
        esc(&f.remediation)
    ));
    out
}

/// Findings grouped by severity (strongest first), each with its evidence, location, fix and
/// a link to its rule's documentation (in the page).
pub fn by_severity(
    list: &[Finding],
    threshold: Option<Severity>,
    id: &str,
    heading: &str,
) -> String {
    let mut out = String::new();
    if list.is_empty() {
        out.push_str("<p>No findings.</p>\n");
    }
    for severity in SEVERITIES {
        let group: Vec<&Finding> = list.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "<section class=\"severity\" data-severity=\"{0}\"><{heading}>{1} ({2} finding(s))</{heading}>\n",
            severity.as_str(),
            severity_badge(severity),
            group.len()
        ));
        for (i, f) in group.iter().enumerate() {
            out.push_str(&finding(
                f,
                threshold,
                &format!("{id}-{}-{i}", severity.as_str()),
            ));
        }
        out.push_str("</section>\n");
    }
    out
}

/// The findings of one audit by severity, then its notes.
pub fn findings(view: &AuditView, id: &str, heading: &str, sub: &str) -> String {
    let mut out = format!(
        "<{heading}>Findings ({})</{heading}>\n{}",
        view.findings.len(),
        by_severity(&view.findings, view.threshold(), id, sub)
    );
    if !view.notes.is_empty() {
        out.push_str(&format!("<{sub}>Notes</{sub}>\n<ul>\n"));
        for note in view.notes.iter() {
            out.push_str(&format!("<li>{}</li>\n", esc(note)));
        }
        out.push_str("</ul>\n");
    }
    out
}

/// The documentation of every rule the page cites, once, so each link works offline.
pub fn rules_appendix(codes: &BTreeSet<String>) -> String {
    if codes.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2 id=\"rules\">Rules cited</h2>\n");
    for code in codes {
        let Some(rule) = crate::rules::find(code) else {
            continue;
        };
        out.push_str(&format!(
            "<details id=\"rule-{code}\"><summary><strong>{code}</strong> {slug} ({severity}): {summary}</summary>\n<div class=\"pre\">{doc}</div>\n</details>\n",
            code = esc(code),
            slug = rule.meta.slug,
            severity = rule.meta.severity,
            summary = esc(rule.meta.summary),
            doc = esc_multiline(&rule.doc()),
        ));
    }
    out
}

/// Multi-line text of ours (rule documentation): escaped line by line, newlines kept.
fn esc_multiline(text: &str) -> String {
    text.lines().map(esc).collect::<Vec<_>>().join("\n")
}

/// Everything about one audited configuration, under `heading` level headings.
pub fn body(view: &AuditView, prefix: &str, outcome: Option<&Outcome>, level: u8) -> String {
    let (heading, sub) = (format!("h{level}"), format!("h{}", level + 1));
    let classes = PrincipalClasses::new(prefix, &view.rows);
    let mut out = coverage(view, &format!("{prefix}-coverage"));
    out.push_str(&summary(view, outcome, &heading));
    out.push_str(&format!(
        "<{heading}>Access graph</{heading}>\n{}",
        access_graph(&view.rows, &classes)
    ));
    out.push_str(&matrix(
        view,
        &classes,
        &format!("{prefix}-matrix"),
        &heading,
    ));
    out.push_str(&history(view, &heading));
    out.push_str(&findings(view, &format!("{prefix}-f"), &heading, &sub));
    out
}
