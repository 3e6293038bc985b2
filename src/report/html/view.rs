//! What one audited configuration's page shows, read back from its JSON report: a cluster of
//! a fleet is only its JSON line, and a single audit renders the same JSON, so a cluster looks
//! the same in `cluster --format html` and in a fleet's page. A file's access matrix (which
//! the JSON report leaves out) is added from the result. A member the writer always writes has
//! no default here: renamed on one side, it is an error, never an empty value.

use serde::Deserialize;
use serde_json::Value;

use crate::judge::result::CheckResult;
use crate::model::access::Tier;
use crate::rules::finding::Severity;

/// The rules that report a row EKS never matches: its grant is dead today.
const NEVER_MATCHES: [&str; 3] = ["EA107", "EA108", "EA109"];

/// The cluster a live audit read, as its JSON report says.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClusterFacts {
    pub name: String,
    pub arn: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub kubernetes_version: Option<String>,
    #[serde(default)]
    pub authentication_mode: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub transport: Option<TransportFacts>,
    #[serde(default)]
    pub caller: Option<CallerFacts>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransportFacts {
    pub via: String,
    pub tls_verified: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CallerFacts {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub extra: std::collections::BTreeMap<String, Vec<String>>,
}

impl CallerFacts {
    /// The caller's IAM identity when the authenticator said it, else its username.
    pub fn identity(&self) -> &str {
        ["canonicalArn", "arn"]
            .iter()
            .find_map(|k| self.extra.get(*k).and_then(|v| v.first()))
            .map_or(&self.username, |s| s)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyFacts {
    pub path: String,
    pub digest: String,
    #[serde(default)]
    pub extends: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LocationFacts {
    pub route: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
}

impl LocationFacts {
    /// `path:line:column` in a file, else the route into the cluster's configuration.
    pub fn display(&self) -> String {
        if self.line > 0 && !self.path.is_empty() {
            format!("{}:{}:{}", self.path, self.line, self.column)
        } else {
            self.route.clone()
        }
    }
}

/// A finding as the page shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct FindingRow {
    pub code: String,
    pub slug: String,
    pub severity: Severity,
    /// `fail`, `info`, `waived`, `unknown(REASON)`.
    pub status: String,
    pub message: String,
    #[serde(default)]
    pub principal: Option<String>,
    pub location: LocationFacts,
    pub remediation: String,
}

impl FindingRow {
    /// Whether it fails a run at `threshold` (`--fail-on`; `None`: nothing fails).
    pub fn fails_at(&self, threshold: Option<Severity>) -> bool {
        self.status == "fail" && threshold.is_some_and(|t| self.severity >= t)
    }

    /// Its status as the page tags it: a failing finding below `--fail-on` says so.
    pub fn status_label(&self, threshold: Option<Severity>) -> String {
        if self.status == "fail" && !self.fails_at(threshold) {
            match threshold {
                Some(t) => format!("fail, below --fail-on {t}"),
                None => "fail, not failing the run (--fail-on none)".to_string(),
            }
        } else {
            self.status.clone()
        }
    }
}

/// One row of the access matrix: one way in.
#[derive(Debug, Clone, Deserialize)]
pub struct MatrixRow {
    pub arn: String,
    /// `aws-auth mapRoles[1]`, `access entry (STANDARD)`, `creator (hidden; …)`.
    pub source: String,
    pub username: String,
    pub groups: Vec<String>,
    pub policies: Vec<String>,
    pub tier: Tier,
    pub tier_reason: String,
    pub in_effect: bool,
    #[serde(default)]
    pub note: String,
    /// A rule says EKS never matches this row's ARN (filled in after reading).
    #[serde(skip)]
    pub never_matches: bool,
    /// A diff changes what this way in gives (set by the diff's page).
    #[serde(skip)]
    pub changed: bool,
}

impl MatrixRow {
    /// The way in without the row's index: `aws-auth mapRoles`, `access entry (STANDARD)`,
    /// `creator (hidden; …)`. Rows are grouped by it in the graph.
    pub fn way_in(&self) -> &str {
        match self.source.strip_suffix(']').and_then(|s| s.rfind('[')) {
            Some(open) => &self.source[..open],
            None => &self.source,
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.tier, Tier::ClusterAdmin | Tier::Admin)
    }

    /// An administrator path EKS uses today.
    pub fn is_live_admin(&self) -> bool {
        self.in_effect && self.is_admin() && !self.never_matches
    }

    pub fn is_hidden_creator(&self) -> bool {
        self.source.starts_with("creator (hidden")
    }

    /// Whether the row is a node's way in (folded by default in the graph).
    pub fn is_node(&self) -> bool {
        self.tier == Tier::Node
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NotEvaluatedFacts {
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CoverageFacts {
    pub complete: bool,
    pub rules_evaluated: Vec<String>,
    pub not_evaluated: Vec<NotEvaluatedFacts>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InputFacts {
    pub source: String,
    pub configmap: String,
}

/// One audited configuration: a cluster, or the files of a `check`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditView {
    #[serde(default)]
    pub cluster: Option<ClusterFacts>,
    #[serde(default)]
    pub policy: Option<PolicyFacts>,
    pub inputs: Vec<InputFacts>,
    #[serde(default, rename = "principals")]
    pub rows: Vec<MatrixRow>,
    pub findings: Vec<FindingRow>,
    pub notes: Vec<String>,
    pub coverage: CoverageFacts,
    pub summary: SummaryFacts,
}

/// What the report's summary says the run fails at.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SummaryFacts {
    /// `--fail-on`: a severity, or `none`.
    pub fail_on: String,
}

/// Why a report could not be read back into a page (a JSON line from another version).
#[derive(Debug, thiserror::Error)]
#[error("the JSON report does not have the shape this version writes: {0}")]
pub struct ShapeError(#[from] serde_json::Error);

impl AuditView {
    /// Reads a `cluster --format json` report (a fleet's cluster line carries one).
    pub fn from_json(report: &Value) -> Result<AuditView, ShapeError> {
        let mut view = AuditView::deserialize(report)?;
        view.mark_never_matching();
        Ok(view)
    }

    /// What the audit could not read that shows administrators: its count of them is a lower
    /// bound.
    pub fn admin_gaps(&self) -> Vec<crate::policy::AdminGap> {
        crate::policy::admin_gaps(
            self.coverage
                .not_evaluated
                .iter()
                .map(|n| (n.code.as_str(), n.reason.as_str())),
        )
    }

    /// The severity from which a failing finding fails the run, as the report says.
    pub fn threshold(&self) -> Option<Severity> {
        Severity::deserialize(serde_json::Value::String(self.summary.fail_on.clone())).ok()
    }

    /// The page of a judgement: its JSON report (its summary counting what fails at
    /// `threshold`), with a file's access matrix added.
    pub fn from_result(result: &CheckResult, threshold: Option<Severity>) -> AuditView {
        let report = crate::report::json::value(result, threshold);
        let mut view = AuditView::deserialize(&report).expect("our own JSON has our shape");
        if result.live.is_none() {
            view.rows = result
                .access_matrix()
                .iter()
                .map(|p| {
                    MatrixRow::deserialize(serde_json::to_value(p).expect("serialisable"))
                        .expect("our own shape")
                })
                .collect();
        }
        view.mark_never_matching();
        view
    }

    /// Marks the rows a rule reports as never matching.
    fn mark_never_matching(&mut self) {
        for row in &mut self.rows {
            row.never_matches = self.findings.iter().any(|f| {
                NEVER_MATCHES.contains(&f.code.as_str())
                    && f.principal.as_deref() == Some(row.arn.as_str())
            });
        }
    }

    /// What was audited, in one line: the cluster ARN, or the files.
    pub fn subject(&self) -> String {
        match &self.cluster {
            Some(c) => c.arn.clone(),
            None if self.inputs.is_empty() => "no input".to_string(),
            None => self
                .inputs
                .iter()
                .map(|i| format!("{} ({})", i.source, i.configmap))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Findings that fail the run: failing (not waived, informational or undecided) at or
    /// above `--fail-on`.
    pub fn failing(&self) -> impl Iterator<Item = &FindingRow> {
        let threshold = self.threshold();
        self.findings.iter().filter(move |f| f.fails_at(threshold))
    }

    /// The administrator paths EKS uses today.
    pub fn admins(&self) -> impl Iterator<Item = &MatrixRow> {
        self.rows.iter().filter(|r| r.is_live_admin())
    }

    /// What could not be checked, one line per reason with the rules it stopped.
    pub fn incomplete_lines(&self) -> Vec<String> {
        let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
        for missing in &self.coverage.not_evaluated {
            match reasons.iter_mut().find(|(r, _)| *r == missing.reason) {
                Some((_, codes)) => codes.push(&missing.code),
                None => reasons.push((&missing.reason, vec![&missing.code])),
            }
        }
        let mut lines: Vec<String> = reasons
            .into_iter()
            .map(|(reason, codes)| format!("{reason} — not evaluated: {}", codes.join(", ")))
            .collect();
        let undecided = self
            .findings
            .iter()
            .filter(|f| f.status.starts_with("unknown("))
            .count();
        if undecided > 0 {
            lines.push(format!(
                "{undecided} finding(s) could not be decided (status unknown): see the findings"
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::AuditView;

    /// A member the writer always writes, renamed, is an error, not an empty list.
    #[test]
    fn a_renamed_member_is_an_error_not_an_empty_value() {
        let file = crate::inputs::manifest::InputFile {
            path: "aws-auth.yaml".into(),
            bytes: include_bytes!("../../../examples/aws-auth.yaml").to_vec(),
        };
        let result = crate::judge::check(&[file]).unwrap();
        let mut report = crate::report::json::value(&result, None);
        assert!(AuditView::from_json(&report).is_ok());
        let findings = report["findings"].take();
        report.as_object_mut().unwrap().remove("findings");
        report["finding"] = findings;
        assert!(AuditView::from_json(&report).is_err());
    }
}
