//! The versioned JSON report, serialised straight from the results (no intermediate tree):
//! its shape is [`Report`]'s `Serialize` derive, which the schema, [`value`] and [`write`]
//! all use.

use serde::Serialize;

use super::JSON_REPORT_VERSION;
use crate::judge::result::{CheckResult, Coverage};
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::awsauth::{Row, SectionKey};
use crate::rules::finding::{Finding, Severity};

/// A kept row, as EKS holds it.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(untagged)]
enum KeptRow<'a> {
    Role(&'a crate::model::awsauth::RoleMapping),
    User(&'a crate::model::awsauth::UserMapping),
}

#[derive(Serialize, schemars::JsonSchema)]
struct AwsAuth<'a> {
    map_roles: Vec<KeptRow<'a>>,
    map_users: Vec<KeptRow<'a>>,
    map_accounts: Vec<&'a str>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Input<'a> {
    source: &'a str,
    configmap: &'a str,
    aws_auth: AwsAuth<'a>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Summary {
    findings: usize,
    /// The severity from which a failing finding fails the run (`--fail-on`), or `none`.
    fail_on: &'static str,
    /// Failing findings (status `fail`) at or above `fail_on`: what fails the run.
    failing: usize,
    /// Failing findings below `fail_on`: reported, not failing the run.
    below_fail_on: usize,
    /// Findings a waiver of the policy accepts: counted apart from the failing.
    waived: usize,
    unknown: usize,
    by_severity: BySeverity,
}

/// The `check`/`cluster --format json` report.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Report<'a> {
    version: u32,
    tool: super::ToolInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<&'a crate::judge::result::LiveContext>,
    /// The organisation policy judged against, when one applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a crate::judge::result::AppliedPolicy>,
    inputs: Vec<Input<'a>>,
    /// The access matrix of a live audit: one row per way in.
    #[serde(skip_serializing_if = "Option::is_none")]
    principals: Option<&'a [crate::model::access::Principal]>,
    findings: &'a [Finding],
    notes: &'a [String],
    coverage: &'a Coverage,
    summary: Summary,
}

fn input(doc: &AwsAuthDocument) -> Input<'_> {
    let rows = |key: SectionKey| {
        doc.section(key)
            .kept()
            .map(|e| match &e.row {
                Row::Role(r) => KeptRow::Role(r),
                Row::User(u) => KeptRow::User(u),
            })
            .collect()
    };
    Input {
        source: &doc.path,
        configmap: &doc.configmap,
        aws_auth: AwsAuth {
            map_roles: rows(SectionKey::MapRoles),
            map_users: rows(SectionKey::MapUsers),
            map_accounts: doc
                .section(SectionKey::MapAccounts)
                .kept_accounts()
                .map(|a| a.account.as_str())
                .collect(),
        },
    }
}

fn summary(findings: &[Finding], threshold: Option<Severity>) -> Summary {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let tally = crate::rules::finding::Tally::of(findings);
    let failing = threshold.map_or(0, |t| tally.failing_from(Some(t)));
    Summary {
        findings: findings.len(),
        fail_on: threshold.map_or("none", Severity::as_str),
        failing,
        below_fail_on: tally.failing_from(None) - failing,
        waived: tally.waived,
        unknown: tally.undecided,
        by_severity: BySeverity {
            critical: count(Severity::Critical),
            high: count(Severity::High),
            medium: count(Severity::Medium),
            low: count(Severity::Low),
            info: count(Severity::Info),
        },
    }
}

fn report(result: &CheckResult, threshold: Option<Severity>) -> Report<'_> {
    Report {
        version: JSON_REPORT_VERSION,
        tool: super::ToolInfo::this_build(),
        cluster: result.live.as_ref(),
        policy: result.policy.as_ref(),
        inputs: result.documents.iter().map(input).collect(),
        principals: result.live.as_ref().map(|l| l.principals.as_slice()),
        findings: &result.findings,
        notes: &result.notes,
        coverage: &result.coverage,
        summary: summary(&result.findings, threshold),
    }
}

/// The report, `threshold` being `--fail-on` (what its summary counts as failing).
pub fn render(result: &CheckResult, threshold: Option<Severity>) -> String {
    // Reserved up front (a finding writes about 1.5 KB): growing a 4 MB report by doubling
    // would copy it and touch twice its pages. Untouched reserve costs no memory.
    let mut text = Vec::with_capacity(64 * 1024 + 2048 * result.findings.len());
    write(result, threshold, &mut text).expect("writing into memory");
    String::from_utf8(text).expect("serde_json writes UTF-8")
}

/// Writes the report to `out` as it is serialised (stdout needs no copy of it in memory).
pub fn write(
    result: &CheckResult,
    threshold: Option<Severity>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report(result, threshold))?;
    out.write_all(b"\n")
}

/// The same report as a JSON value (a fleet's cluster line carries it; the HTML page reads it).
pub fn value(result: &CheckResult, threshold: Option<Severity>) -> serde_json::Value {
    serde_json::to_value(report(result, threshold)).expect("serialisable")
}
