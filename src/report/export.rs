//! What the findings exporters (ASFF for AWS Security Hub, OCSF Detection Findings) need of a
//! judgement beyond its findings: the cluster a finding is about (its ARN, account, region,
//! partition), the instant the evidence describes, each finding's stable id and its rule's
//! page. One place, so both formats name a finding and its resource the same way.

use std::borrow::Cow;

use crate::judge::result::{CheckResult, Coverage, LiveContext};
use crate::rules::finding::{Finding, Status, fingerprint};

/// What the exporters read of a judgement: the cluster (for a live audit or a snapshot), the
/// findings and the coverage — the same whether the judgement was just made (`cluster`,
/// `check`) or is a fleet line's report read back (`scan`, `merge`).
#[derive(Debug, Clone, Copy)]
pub struct Judged<'a> {
    pub live: Option<&'a LiveContext>,
    pub findings: &'a [Finding],
    pub coverage: &'a Coverage,
}

impl<'a> From<&'a CheckResult> for Judged<'a> {
    fn from(result: &'a CheckResult) -> Judged<'a> {
        Judged {
            live: result.live.as_ref(),
            findings: &result.findings,
            coverage: &result.coverage,
        }
    }
}

impl<'a> From<&'a super::json::Report<'_>> for Judged<'a> {
    fn from(report: &'a super::json::Report<'_>) -> Judged<'a> {
        Judged {
            live: report.cluster.as_deref(),
            findings: &report.findings,
            coverage: &report.coverage,
        }
    }
}

/// The audited cluster, as the exporters name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTarget {
    /// The cluster's ARN; for a region the scan could not list, `…:cluster/*` (every cluster
    /// there), so the items' ids stay stable and apart.
    pub cluster_arn: String,
    /// The cluster's name; empty for a region the scan could not list.
    pub cluster_name: String,
    pub account: String,
    pub region: String,
    pub partition: String,
}

/// Why a judgement cannot be exported to a format that needs a cluster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{format} describes findings of a cluster in an AWS account: audit a cluster (`cluster`, `scan`) or judge a snapshot, not a file"
)]
pub struct NoCluster {
    pub format: &'static str,
}

impl ExportTarget {
    /// The cluster of a live audit or a snapshot; `None` for files and plans (no account).
    pub fn of(judged: Judged<'_>) -> Option<ExportTarget> {
        let live = judged.live?;
        let arn = crate::model::arn::parse(&live.cluster.arn).ok()?;
        (!arn.account.is_empty()).then(|| ExportTarget {
            cluster_arn: live.cluster.arn.clone(),
            cluster_name: live.cluster.name.clone(),
            account: arn.account.to_string(),
            region: live
                .cluster
                .region
                .clone()
                .unwrap_or_else(|| arn.region.to_string()),
            partition: arn.partition.to_string(),
        })
    }

    /// The resource the exporters name: the cluster (`AwsEksCluster`), or for a region the
    /// scan could not list, the account (`AwsAccount`): `(type, id)`.
    pub fn resource(&self) -> (&'static str, String) {
        match self.cluster_name.is_empty() {
            false => ("AwsEksCluster", self.cluster_arn.clone()),
            true => ("AwsAccount", format!("AWS::::Account:{}", self.account)),
        }
    }

    /// A finding's id, stable from run to run: the cluster and the finding's fingerprint (so
    /// the next run updates it, and one that no longer occurs can be closed by id).
    pub fn finding_id(&self, finding: &Finding) -> String {
        format!(
            "{}/aws-auth-audit/{}",
            self.cluster_arn, finding.fingerprint
        )
    }
}

/// The instant the evidence describes: a snapshot's collection (so a replay exports the same
/// times), else `now` (RFC 3339).
pub fn observed_at(judged: Judged<'_>, now: &str) -> String {
    judged
        .live
        .and_then(|l| l.collected_at.clone())
        .unwrap_or_else(|| now.to_string())
}

/// The code a fleet export gives a cluster the scan could not audit: no rule ran there, so no
/// rule's code is right, and "no finding" would read as a pass.
pub const NOT_AUDITED: &str = "not-audited";

/// A rule's one-line summary, as an exported finding's title says it.
pub fn summary_of(code: &str) -> &'static str {
    match code {
        NOT_AUDITED => "the cluster could not be audited",
        _ => crate::rules::find(code).map_or("", |r| r.meta.summary),
    }
}

/// The rule's page, in the repository at this version (for a cluster not audited, the fleet
/// documentation's).
pub fn rule_url(code: &str) -> String {
    if code == NOT_AUDITED {
        return format!(
            "{}/blob/v{}/docs/fleet.md",
            env!("CARGO_PKG_REPOSITORY"),
            env!("CARGO_PKG_VERSION")
        );
    }
    format!(
        "{}/blob/v{}/docs/rules/{code}.md",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION")
    )
}

/// What an exporter exports: every finding, and one undecided item per rule that could not be
/// evaluated (`unknown(…)`, with why) — so an audit that could not look is never exported as
/// an empty, clean-looking list.
pub fn exported(judged: Judged<'_>) -> Vec<Cow<'_, Finding>> {
    let scope = judged.live.map_or("files", |l| l.cluster.arn.as_str());
    let mut out: Vec<Cow<'_, Finding>> = judged.findings.iter().map(Cow::Borrowed).collect();
    // The coverage lists each undecided finding too (`list_undecided`): exported once, as the
    // finding it is.
    let undecided: Vec<(&str, String)> = judged
        .findings
        .iter()
        .filter_map(|f| Some((f.code, crate::judge::result::undecided_reason(f)?)))
        .collect();
    for missing in &judged.coverage.not_evaluated {
        if undecided
            .iter()
            .any(|(code, reason)| *code == missing.code && *reason == missing.reason)
        {
            continue;
        }
        let Some(rule) = crate::rules::find(missing.code) else {
            continue;
        };
        out.push(Cow::Owned(Finding {
            code: rule.meta.code,
            slug: rule.meta.slug,
            severity: rule.meta.severity,
            status: Status::Unknown("not_evaluated".into()),
            message: format!(
                "{} {} could not be evaluated: {}",
                rule.meta.code, rule.meta.summary, missing.reason
            ),
            principal: None,
            location: crate::model::location::Location {
                route: format!("{scope} › coverage"),
                ..Default::default()
            },
            remediation:
                "make the missing evidence readable (see the reason), then run the audit again"
                    .to_string(),
            fingerprint: fingerprint(&[rule.meta.code, scope, "not evaluated"]),
            controls: Vec::new(),
            waiver: None,
        }));
    }
    out
}
