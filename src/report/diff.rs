//! The `diff` report, in every format: what the change does to access (verdicts), then the
//! findings it introduces, fixes, or leaves as they were.

use serde_json::{Value, json};

use super::sarif::{
    level, not_evaluated_invocation, rule_descriptors, sarif_result, security_severity,
    uri_reference,
};
use crate::diff::{DiffResult, Side, Verdict, VerdictKind};
use crate::infra::escape::{markdown, terminal};
use crate::rules::finding::Finding;

/// One line a reader can act on: `2 access changes (1 high), 1 new finding, 1 fixed`; what
/// could not be evaluated, and findings gone with a removed row, are counted apart.
pub fn summary(diff: &DiffResult) -> String {
    let worst = diff.verdicts.iter().map(|v| v.severity).max();
    let undecided = match diff.not_evaluated.as_slice() {
        [] => String::new(),
        [one] => format!(", 1 not evaluated ({one})"),
        many => format!(", {} not evaluated", many.len()),
    };
    let removed = match diff.findings.removed.len() {
        0 => String::new(),
        n => format!(", {n} gone with a removed row"),
    };
    format!(
        "{} access change(s){}{undecided}, {} new finding(s), {} fixed{removed}, {} unchanged",
        diff.verdicts.len(),
        worst.map_or(String::new(), |w| format!(" (worst: {w})")),
        diff.findings.new.len(),
        diff.findings.fixed.len(),
        diff.findings.unchanged.len()
    )
}

/// The title of the findings that went with a removed row or entry.
const REMOVED_TITLE: &str = "Gone with a removed row (not fixed: what they judged is gone)";

/// A verdict kind as the JSON report spells it (`admin_granted`).
pub fn kind_name(kind: VerdictKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn where_of(verdict: &Verdict) -> String {
    let place = verdict.location.display();
    if verdict.side == Side::Base {
        format!("{place} (BASE)")
    } else {
        place
    }
}

pub fn table(diff: &DiffResult) -> String {
    let mut out = format!(
        "aws-auth-audit diff {} → {}\n{}\n",
        terminal(&diff.base),
        terminal(&diff.head),
        summary(diff)
    );
    if !diff.verdicts.is_empty() {
        out.push_str("\nAccess changes:\n");
        for v in &diff.verdicts {
            out.push_str(&format!(
                "  {:<8} {:<20} {}\n           {}\n",
                v.severity.as_str(),
                kind_name(v.kind),
                terminal(&where_of(v)),
                terminal(&v.message)
            ));
        }
    }
    for (title, findings) in [
        ("New findings", &diff.findings.new),
        ("Fixed findings", &diff.findings.fixed),
        (REMOVED_TITLE, &diff.findings.removed),
    ] {
        if findings.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n"));
        for f in findings {
            out.push_str(&format!(
                "  {:<8} {} {}\n           {}\n",
                f.severity.as_str(),
                f.code,
                terminal(&f.location.display()),
                terminal(&f.message)
            ));
        }
    }
    for note in &diff.notes {
        out.push_str(&format!("\nnote: {}\n", terminal(note)));
    }
    out
}

/// The `diff --format json` report.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct DiffReport<'a> {
    /// The shape's version (`JSON_REPORT_VERSION`).
    pub version: u32,
    pub tool: super::ToolInfo,
    pub base: &'a str,
    pub head: &'a str,
    /// The change in one sentence.
    pub summary: String,
    pub verdicts: &'a [crate::diff::Verdict],
    pub findings: &'a crate::diff::FindingChanges,
    pub notes: &'a [String],
}

pub fn json(diff: &DiffResult) -> String {
    let report = DiffReport {
        version: super::JSON_REPORT_VERSION,
        tool: super::ToolInfo::this_build(),
        base: &diff.base,
        head: &diff.head,
        summary: summary(diff),
        verdicts: &diff.verdicts,
        findings: &diff.findings,
        notes: &diff.notes,
    };
    let mut text = serde_json::to_string_pretty(&report).expect("serialisable");
    text.push('\n');
    text
}

pub fn markdown_comment(diff: &DiffResult) -> String {
    let mut out = String::from("## aws-auth-audit: access changes\n\n");
    out.push_str(&format!(
        "`{}` → `{}`: **{}**\n",
        markdown(&diff.base),
        markdown(&diff.head),
        markdown(&summary(diff))
    ));
    if diff.verdicts.is_empty() && !diff.not_evaluated.is_empty() {
        out.push_str(&format!(
            "\nNo access change seen, but {} item(s) could not be evaluated, so the change may still alter who can get in: {}.\n",
            diff.not_evaluated.len(),
            markdown(&diff.not_evaluated.join("; "))
        ));
    } else if diff.verdicts.is_empty() {
        out.push_str("\nNo change to who can get in, or as whom.\n");
    } else {
        out.push_str("\n| severity | change | where | what it means |\n|---|---|---|---|\n");
        for v in &diff.verdicts {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                v.severity,
                kind_name(v.kind),
                markdown(&where_of(v)),
                markdown(&v.message)
            ));
        }
    }
    for (title, findings) in [
        ("New findings", &diff.findings.new),
        ("Fixed findings", &diff.findings.fixed),
        (REMOVED_TITLE, &diff.findings.removed),
        ("Unchanged findings", &diff.findings.unchanged),
    ] {
        if findings.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n<details><summary>{title} ({})</summary>\n\n{}\n</details>\n",
            findings.len(),
            super::markdown::findings_table(findings)
        ));
    }
    for note in &diff.notes {
        out.push_str(&format!("\n> note: {}\n", markdown(note)));
    }
    out
}

/// The SARIF rule id of a verdict kind.
fn verdict_rule(kind: VerdictKind) -> String {
    format!("diff/{}", kind_name(kind))
}

const VERDICT_KINDS: [(VerdictKind, &str); 13] = [
    (
        VerdictKind::SectionLost,
        "a section that parsed no longer does: every row in it is dropped",
    ),
    (
        VerdictKind::NodeRoleDropped,
        "a node role's mapping is gone: its nodes can no longer join",
    ),
    (
        VerdictKind::AdminGranted,
        "a principal gains system:masters",
    ),
    (
        VerdictKind::LastAdminRemoved,
        "the last visible admin path is removed",
    ),
    (
        VerdictKind::AccountAdded,
        "an account is added to mapAccounts",
    ),
    (
        VerdictKind::NeverMatchesAdded,
        "a new mapping that EKS never matches (role path)",
    ),
    (VerdictKind::ModeChanged, "the authentication mode changes"),
    (VerdictKind::SectionRestored, "a section parses again"),
    (VerdictKind::Added, "a mapping is added"),
    (VerdictKind::Removed, "a mapping is removed"),
    (
        VerdictKind::Changed,
        "a mapping's username or groups change",
    ),
    // Last, and only with a policy: the indices of the others do not move.
    (
        VerdictKind::PolicyAdminGranted,
        "administrator power the organisation policy does not allow",
    ),
    (
        VerdictKind::PolicyAdminLost,
        "an expected administrator loses its path",
    ),
];

fn verdict_result(v: &Verdict, rule_index: usize) -> Value {
    // Annotations belong on HEAD's lines; what only BASE has gets a logical location.
    let locations = if v.side == Side::Head && v.location.in_file() {
        json!([{
            "physicalLocation": {
                "artifactLocation": {"uri": uri_reference(&v.location.path)},
                "region": {"startLine": v.location.line, "startColumn": v.location.column.max(1)},
            },
            "logicalLocations": [{"fullyQualifiedName": v.location.route}],
        }])
    } else {
        json!([{"logicalLocations": [{"fullyQualifiedName": format!("{} ({})", v.location.route, v.side)}]}])
    };
    json!({
        "ruleId": verdict_rule(v.kind),
        "ruleIndex": rule_index,
        "level": level(v.severity),
        "message": {"text": v.message},
        "locations": locations,
        "partialFingerprints": {"awsAuthAudit/v1": crate::rules::finding::fingerprint(&[&verdict_rule(v.kind), v.principal.as_deref().unwrap_or(&v.location.route)])},
        "properties": {"severity": v.severity.as_str()},
    })
}

/// SARIF for code scanning: the verdicts and the findings the change introduces, on HEAD.
pub fn sarif(diff: &DiffResult) -> String {
    let mut rules = rule_descriptors(diff.policy_applied);
    let first_verdict_rule = rules.len();
    for (kind, text) in VERDICT_KINDS
        .into_iter()
        .filter(|(kind, _)| diff.policy_applied || !kind.is_policy())
    {
        let severity = diff
            .verdicts
            .iter()
            .find(|v| v.kind == kind)
            .map_or(crate::rules::finding::Severity::Info, |v| v.severity);
        rules.push(json!({
            "id": verdict_rule(kind),
            "name": kind_name(kind),
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": level(severity)},
            "properties": {"tags": ["security", "eks", "aws-auth", "diff"], "security-severity": security_severity(severity)},
        }));
    }
    let mut results: Vec<Value> = diff
        .verdicts
        .iter()
        .map(|v| {
            let index = VERDICT_KINDS
                .iter()
                .position(|(k, _)| *k == v.kind)
                .unwrap_or(0);
            verdict_result(v, first_verdict_rule + index)
        })
        .collect();
    results.extend(
        diff.findings
            .new
            .iter()
            .map(|f: &Finding| serde_json::to_value(sarif_result(f)).expect("serialisable")),
    );
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "aws-auth-audit",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/aws-auth-audit/aws-auth-audit",
                "rules": rules,
                "properties": super::ToolInfo::this_build().sarif_properties(),
            }},
            "invocations": not_evaluated_invocation(
                diff.not_evaluated.iter().map(|n| (None, n.as_str()))
            ),
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"base": diff.base, "head": diff.head, "summary": summary(diff)},
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).expect("serialisable");
    text.push('\n');
    text
}
