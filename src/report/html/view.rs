//! What one audited configuration's page shows: its report document ([`Report`], the one the
//! JSON writer writes and a fleet's cluster line carries, so a cluster looks the same in
//! `cluster --format html` and in a fleet's page), with the access matrix's rows marked for
//! the page. A file's access matrix (which the JSON report leaves out) is added from the
//! result.

use std::borrow::Cow;

use crate::judge::result::CheckResult;
use crate::model::access::{Principal, Tier};
use crate::report::json::Report;
use crate::rules::finding::{Finding, Severity, Status};

/// One row of the access matrix as the page marks it.
#[derive(Debug, Clone)]
pub struct MatrixRow {
    pub principal: Principal,
    /// A rule says EKS never matches this row's ARN.
    pub never_matches: bool,
    /// A diff changes what this way in gives (set by the diff's page).
    pub changed: bool,
    /// The way in without the row's index (see [`MatrixRow::way_in`]).
    way_in: String,
}

impl std::ops::Deref for MatrixRow {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl MatrixRow {
    /// The way in without the row's index: `aws-auth mapRoles`, `access entry (STANDARD)`,
    /// `creator (hidden; …)`. Rows are grouped by it in the graph.
    pub fn way_in(&self) -> &str {
        &self.way_in
    }

    /// The row's index in its aws-auth section (`[3]`), when it is an aws-auth row.
    pub fn index_label(&self) -> Option<String> {
        let source = self.source.to_string();
        source.rfind('[').map(|open| source[open..].to_string())
    }

    /// An administrator path EKS uses today.
    pub fn is_live_admin(&self) -> bool {
        self.in_effect && self.tier.is_admin() && !self.never_matches
    }

    pub fn is_hidden_creator(&self) -> bool {
        self.source.is_hidden()
    }

    /// Whether the row is a node's way in (folded by default in the graph).
    pub fn is_node(&self) -> bool {
        self.tier == Tier::Node
    }
}

/// A finding's status as the page tags it: a failing finding below `--fail-on` says so.
pub fn status_label(finding: &Finding, threshold: Option<Severity>) -> String {
    if finding.status == Status::Fail && !finding.fails_at(threshold) {
        match threshold {
            Some(t) => format!("fail, below --fail-on {t}"),
            None => "fail, not failing the run (--fail-on none)".to_string(),
        }
    } else {
        finding.status.label()
    }
}

/// One audited configuration: a cluster, or the files of a `check`.
#[derive(Debug, Clone)]
pub struct AuditView<'a> {
    pub report: Cow<'a, Report<'a>>,
    pub rows: Vec<MatrixRow>,
}

impl<'a> std::ops::Deref for AuditView<'a> {
    type Target = Report<'a>;

    fn deref(&self) -> &Report<'a> {
        &self.report
    }
}

impl<'a> AuditView<'a> {
    /// The page of a report (a fleet's cluster line carries one).
    pub fn of(report: &'a Report<'a>) -> AuditView<'a> {
        AuditView::marked(Cow::Borrowed(report), report.principals().to_vec())
    }

    /// The page of a judgement: its report (its summary counting what fails at `threshold`),
    /// with a file's access matrix added.
    pub fn from_result(result: &'a CheckResult, threshold: Option<Severity>) -> AuditView<'a> {
        let report = Report::of(result, threshold);
        let principals = match &result.live {
            Some(live) => live.principals.clone(),
            None => result.access_matrix(),
        };
        AuditView::marked(Cow::Owned(report), principals)
    }

    fn marked(report: Cow<'a, Report<'a>>, principals: Vec<Principal>) -> AuditView<'a> {
        let rows = principals
            .into_iter()
            .map(|principal| {
                let source = principal.source.to_string();
                let way_in = match source.strip_suffix(']').and_then(|s| s.rfind('[')) {
                    Some(open) => source[..open].to_string(),
                    None => source,
                };
                MatrixRow {
                    never_matches: report.never_matches(&principal),
                    principal,
                    changed: false,
                    way_in,
                }
            })
            .collect();
        AuditView { report, rows }
    }

    /// The administrator paths EKS uses today.
    pub fn admins(&self) -> impl Iterator<Item = &MatrixRow> {
        self.rows.iter().filter(|r| r.is_live_admin())
    }
}
