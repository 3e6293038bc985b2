//! The versioned JSON report, serialised straight from the results (no intermediate tree):
//! its shape is [`Report`]'s `Serialize` derive, which the schema, [`value`] and [`write`]
//! all use.

//! The check report: one document type, [`Report`], that the JSON writer writes, the HTML page
//! and every fleet view read (a fleet's cluster line carries one), and `merge`, `--baseline`,
//! `--resume` and `policy init --from` read back. Borrowed from a judgement to be written
//! (nothing is copied), owned when read back; a renamed field is a compile error in both.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::JSON_REPORT_VERSION;
use crate::judge::result::{AppliedPolicy, CheckResult, Coverage, LiveContext};
use crate::model::access::{Principal, Tier};
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::awsauth::{RoleMapping, Row, SectionKey, UserMapping};
use crate::rules::finding::{Finding, Severity, Status};

/// A kept row, as EKS holds it.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum KeptRow<'a> {
    Role(Cow<'a, RoleMapping>),
    User(Cow<'a, UserMapping>),
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AwsAuth<'a> {
    pub map_roles: Vec<KeptRow<'a>>,
    pub map_users: Vec<KeptRow<'a>>,
    pub map_accounts: Vec<Cow<'a, str>>,
}

/// One judged ConfigMap.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Input<'a> {
    pub source: Cow<'a, str>,
    pub configmap: Cow<'a, str>,
    pub aws_auth: AwsAuth<'a>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BySeverity {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    pub findings: usize,
    /// The severity from which a failing finding fails the run (`--fail-on`), or `none`.
    pub fail_on: FailOn,
    /// Failing findings (status `fail`) at or above `fail_on`: what fails the run.
    pub failing: usize,
    /// Failing findings below `fail_on`: reported, not failing the run.
    pub below_fail_on: usize,
    /// Findings a waiver of the policy accepts: counted apart from the failing.
    pub waived: usize,
    pub unknown: usize,
    pub by_severity: BySeverity,
}

/// `--fail-on` as a report states it: a severity, or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn(pub Option<Severity>);

impl Serialize for FailOn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.map_or("none", Severity::as_str))
    }
}

impl<'de> Deserialize<'de> for FailOn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        if text == "none" {
            return Ok(FailOn(None));
        }
        Severity::deserialize(serde::de::value::StrDeserializer::<D::Error>::new(&text))
            .map(|s| FailOn(Some(s)))
    }
}

/// A severity, or `none`.
impl schemars::JsonSchema for FailOn {
    fn schema_name() -> Cow<'static, str> {
        "FailOn".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": ["critical", "high", "medium", "low", "info", "none"],
        })
    }
}

/// The `check`/`cluster --format json` report.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report<'a> {
    pub version: u32,
    pub tool: super::ToolInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Cow<'a, LiveContext>>,
    /// The organisation policy judged against, when one applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Cow<'a, AppliedPolicy>>,
    pub inputs: Vec<Input<'a>>,
    /// The access matrix of a live audit: one row per way in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principals: Option<Cow<'a, [Principal]>>,
    /// CloudTrail's record of access changes within its 90-day window, oldest first: who
    /// created, changed or removed each access entry and policy association, and who switched
    /// the mode; `gone` marks a grant that no longer exists. Only where CloudTrail was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Cow<'a, [crate::model::access::history::HistoryItem]>>,
    /// The CloudTrail events the history and the provenance were read from, when CloudTrail's
    /// window was read whole: a later `scan --baseline` with this report carries them forward
    /// and reads CloudTrail only after `window_end`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail: Option<Cow<'a, crate::evidence::Trail>>,
    pub findings: Cow<'a, [Finding]>,
    pub notes: Cow<'a, [String]>,
    pub coverage: Cow<'a, Coverage>,
    pub summary: Summary,
}

/// The rules that report a row EKS never matches: its grant is dead today.
const NEVER_MATCHES: [&str; 3] = ["EA107", "EA108", "EA109"];

impl Report<'_> {
    /// The report of a judgement, `threshold` being `--fail-on` (what its summary counts as
    /// failing).
    pub fn of(result: &CheckResult, threshold: Option<Severity>) -> Report<'_> {
        Report {
            version: JSON_REPORT_VERSION,
            tool: super::ToolInfo::this_build(),
            cluster: result.live.as_ref().map(Cow::Borrowed),
            policy: result.policy.as_ref().map(Cow::Borrowed),
            inputs: result.documents.iter().map(input).collect(),
            principals: result
                .live
                .as_ref()
                .map(|l| Cow::Borrowed(l.principals.as_slice())),
            history: result
                .live
                .as_ref()
                .filter(|l| !l.history.is_empty())
                .map(|l| Cow::Borrowed(l.history.as_slice())),
            trail: result
                .live
                .as_ref()
                .and_then(|l| l.trail.as_ref())
                .map(Cow::Borrowed),
            findings: Cow::Borrowed(&result.findings),
            notes: Cow::Borrowed(&result.notes),
            coverage: Cow::Borrowed(&result.coverage),
            summary: summary(&result.findings, threshold),
        }
    }

    /// The same report, owning what it holds (a fleet's cluster line keeps one).
    pub fn into_owned(self) -> Report<'static> {
        let rows = |rows: Vec<KeptRow<'_>>| -> Vec<KeptRow<'static>> {
            rows.into_iter()
                .map(|r| match r {
                    KeptRow::Role(r) => KeptRow::Role(Cow::Owned(r.into_owned())),
                    KeptRow::User(u) => KeptRow::User(Cow::Owned(u.into_owned())),
                })
                .collect()
        };
        Report {
            version: self.version,
            tool: self.tool,
            // The context's own copies of the matrix, the history and the CloudTrail events
            // (which it keeps for judging, and a report read back never has) are left out: the
            // report holds each once — a fleet keeps hundreds of these.
            cluster: self.cluster.map(|c| {
                let mut context = c.into_owned();
                context.principals = Vec::new();
                context.history = Vec::new();
                context.trail = None;
                Cow::Owned(context)
            }),
            policy: self.policy.map(|p| Cow::Owned(p.into_owned())),
            inputs: self
                .inputs
                .into_iter()
                .map(|i| Input {
                    source: Cow::Owned(i.source.into_owned()),
                    configmap: Cow::Owned(i.configmap.into_owned()),
                    aws_auth: AwsAuth {
                        map_roles: rows(i.aws_auth.map_roles),
                        map_users: rows(i.aws_auth.map_users),
                        map_accounts: i
                            .aws_auth
                            .map_accounts
                            .into_iter()
                            .map(|a| Cow::Owned(a.into_owned()))
                            .collect(),
                    },
                })
                .collect(),
            principals: self.principals.map(|p| Cow::Owned(p.into_owned())),
            history: self.history.map(|h| Cow::Owned(h.into_owned())),
            trail: self.trail.map(|t| Cow::Owned(t.into_owned())),
            findings: Cow::Owned(self.findings.into_owned()),
            notes: Cow::Owned(self.notes.into_owned()),
            coverage: Cow::Owned(self.coverage.into_owned()),
            summary: self.summary,
        }
    }

    /// `--fail-on` as the report's summary says it.
    pub fn threshold(&self) -> Option<Severity> {
        self.summary.fail_on.0
    }

    /// The cluster's ARN, when a live audit wrote the report.
    pub fn cluster_arn(&self) -> Option<&str> {
        self.cluster.as_ref().map(|c| c.cluster.arn.as_str())
    }

    /// The access history the report carries (none without CloudTrail).
    pub fn history(&self) -> &[crate::model::access::history::HistoryItem] {
        self.history.as_deref().unwrap_or_default()
    }

    /// The access matrix the report carries (none for files).
    pub fn principals(&self) -> &[Principal] {
        self.principals.as_deref().unwrap_or_default()
    }

    /// Whether a rule reports that EKS never matches this way in's ARN: its grant is dead.
    pub fn never_matches(&self, principal: &Principal) -> bool {
        self.findings.iter().any(|f| {
            NEVER_MATCHES.contains(&f.code)
                && f.principal.as_deref() == Some(principal.arn.as_str())
        })
    }

    /// The administrator paths EKS uses today: in effect, cluster-admin or admin, and not a
    /// row EKS never matches.
    pub fn admins(&self) -> impl Iterator<Item = &Principal> {
        self.principals()
            .iter()
            .filter(|p| p.in_effect && p.tier.is_admin() && !self.never_matches(p))
    }

    /// What the audit could not read that shows administrators: its count of them is a lower
    /// bound.
    pub fn admin_gaps(&self) -> Vec<crate::policy::AdminGap> {
        crate::policy::admin_gaps(
            self.coverage
                .not_evaluated
                .iter()
                .map(|n| (n.code, n.reason.as_str())),
        )
    }

    /// How many administrator paths of `tier` (any admin tier when `None`) are in effect:
    /// `at least N (aws-auth not read)` when the audit could not see them all.
    pub fn admins_label(&self, tier: Option<Tier>) -> String {
        let count = self
            .admins()
            .filter(|p| tier.is_none_or(|t| p.tier == t))
            .count();
        crate::policy::admin_count(count, &self.admin_gaps())
    }

    /// Findings that fail the run: failing (not waived, informational or undecided) at or
    /// above `--fail-on`.
    pub fn failing(&self) -> impl Iterator<Item = &Finding> {
        let threshold = self.threshold();
        self.findings.iter().filter(move |f| f.fails_at(threshold))
    }

    /// Why some rules did not run (`unknown(auth_rejected)`, each once), none when all did.
    pub fn incomplete_reasons(&self) -> Vec<&str> {
        let reasons: std::collections::BTreeSet<&str> = self
            .coverage
            .not_evaluated
            .iter()
            .map(|n| n.reason.split(':').next().unwrap_or(&n.reason))
            .collect();
        reasons.into_iter().collect()
    }

    /// What could not be checked, one line per reason with the rules it stopped.
    pub fn incomplete_lines(&self) -> Vec<String> {
        let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
        for missing in &self.coverage.not_evaluated {
            match reasons.iter_mut().find(|(r, _)| *r == missing.reason) {
                Some((_, codes)) => codes.push(missing.code),
                None => reasons.push((&missing.reason, vec![missing.code])),
            }
        }
        let mut lines: Vec<String> = reasons
            .into_iter()
            .map(|(reason, codes)| format!("{reason} — not evaluated: {}", codes.join(", ")))
            .collect();
        let undecided = self
            .findings
            .iter()
            .filter(|f| matches!(f.status, Status::Unknown(_)))
            .count();
        if undecided > 0 {
            lines.push(format!(
                "{undecided} finding(s) could not be decided (status unknown): see the findings"
            ));
        }
        lines
    }

    /// What was audited, in one line: the cluster ARN, or the files.
    pub fn subject(&self) -> String {
        match self.cluster_arn() {
            Some(arn) => arn.to_string(),
            None if self.inputs.is_empty() => "no input".to_string(),
            None => self
                .inputs
                .iter()
                .map(|i| format!("{} ({})", i.source, i.configmap))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// The creator the report names (a way in that is the creator's: from CloudTrail,
    /// `--creator`, or the audit's own caller).
    pub fn creator(&self) -> Option<&str> {
        self.principals()
            .iter()
            .find(|p| p.source.is_creator())
            .map(|p| p.arn.as_str())
    }

    /// The cluster's authentication mode, when the audit read it.
    pub fn mode(&self) -> Option<&crate::evidence::AuthenticationMode> {
        self.cluster.as_ref()?.cluster.authentication_mode.as_ref()
    }
}

/// Why a JSON report could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ShapeError {
    #[error(
        "the report has shape version {found}, and this build reads version {JSON_REPORT_VERSION}: read it with the build that wrote it, or audit again"
    )]
    Version { found: String },
    #[error("the JSON report does not have the shape this version writes: {0}")]
    Shape(#[from] serde_json::Error),
}

/// Only the version of a report: read first, so a report of another shape is refused by name,
/// never half-read.
#[derive(Deserialize)]
struct VersionOnly {
    version: Option<serde_json::Value>,
}

impl Report<'static> {
    /// Reads a report back (a `cluster --format json` report, or a fleet line's).
    pub fn read(value: serde_json::Value) -> Result<Report<'static>, ShapeError> {
        check_version(&value)?;
        Ok(Report::deserialize(value)?)
    }
}

/// Refuses a report of another shape version than this build writes.
pub fn check_version(value: &serde_json::Value) -> Result<(), ShapeError> {
    let found = VersionOnly::deserialize(value).ok().and_then(|v| v.version);
    match found {
        Some(v) if v.as_u64() == Some(u64::from(JSON_REPORT_VERSION)) => Ok(()),
        other => Err(ShapeError::Version {
            found: other.map_or_else(|| "(none)".to_string(), |v| v.to_string()),
        }),
    }
}

fn input(doc: &AwsAuthDocument) -> Input<'_> {
    let rows = |key: SectionKey| {
        doc.section(key)
            .kept()
            .map(|e| match &e.row {
                Row::Role(r) => KeptRow::Role(Cow::Borrowed(r)),
                Row::User(u) => KeptRow::User(Cow::Borrowed(u)),
            })
            .collect()
    };
    Input {
        source: Cow::Borrowed(&doc.path),
        configmap: Cow::Borrowed(&doc.configmap),
        aws_auth: AwsAuth {
            map_roles: rows(SectionKey::MapRoles),
            map_users: rows(SectionKey::MapUsers),
            map_accounts: doc
                .section(SectionKey::MapAccounts)
                .kept_accounts()
                .map(|a| Cow::Borrowed(a.account.as_str()))
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
        fail_on: FailOn(threshold),
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
    serde_json::to_writer_pretty(&mut *out, &Report::of(result, threshold))?;
    out.write_all(b"\n")
}

/// The same report as a JSON value (a fleet's cluster line carries it; the HTML page reads it).
pub fn value(result: &CheckResult, threshold: Option<Severity>) -> serde_json::Value {
    serde_json::to_value(Report::of(result, threshold)).expect("serialisable")
}

/// The baseline of `check --baseline REPORT.json`: the fingerprints of a report this build
/// wrote (one of another shape version is refused by name).
pub fn read_baseline(
    input: &crate::inputs::manifest::InputFile,
) -> Result<crate::judge::baseline::Baseline, crate::judge::baseline::BaselineError> {
    let path = input.path.as_str();
    let invalid = |line, column, message: String| crate::judge::baseline::BaselineError::Invalid {
        path: path.to_string(),
        line,
        column,
        message,
    };
    let value: serde_json::Value = serde_json::from_slice(&input.bytes)
        .map_err(|e| invalid(e.line(), e.column(), e.to_string()))?;
    let report = Report::read(value)
        .map_err(|e| invalid(1, 1, format!("not a `check --format json` report: {e}")))?;
    let fingerprints = report
        .findings
        .iter()
        .map(|f| f.fingerprint.clone())
        .collect();
    Ok(crate::judge::baseline::Baseline::of(path, fingerprints))
}
