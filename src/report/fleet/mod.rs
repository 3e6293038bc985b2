//! A fleet scan's reports, built from its JSON Lines so that a scan, the merge of shards and a
//! resumed scan give the same report: one line per cluster as it finishes (with its full JSON
//! report), one per target not audited, then a summary; the same as one JSON document; and a
//! table — one row per cluster, the fleet access view (every principal with cluster-admin or
//! admin power anywhere, where and through what), the clusters still in `CONFIG_MAP`, and what
//! could not be checked.

use std::collections::BTreeMap;

mod drift;
mod export;
mod html;
mod junit;
mod markdown;
mod sarif;
mod table;

pub use drift::Drift;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::evidence::{AuthenticationMode, Unknown};
use crate::judge::result::CheckResult;
use crate::model::access::Tier;
use crate::report::json::Report;
use crate::rules::finding::{Severity, Status};

/// One cluster of the fleet: where it is, the exit code it earns alone, and its JSON report.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClusterLine {
    pub account: String,
    pub region: String,
    pub cluster: String,
    pub exit: u8,
    /// The cluster's full `cluster --format json` report.
    pub report: Box<Report<'static>>,
}

impl ClusterLine {
    /// The cluster's line; `threshold` is the scan's `--fail-on` (its report's summary counts
    /// what fails at it).
    pub fn new(
        account: String,
        region: String,
        result: &CheckResult,
        exit: u8,
        threshold: Option<crate::rules::finding::Severity>,
    ) -> ClusterLine {
        ClusterLine {
            account,
            region,
            cluster: result
                .live
                .as_ref()
                .map_or(String::new(), |l| l.cluster.name.clone()),
            exit,
            report: Box::new(Report::of(result, threshold).into_owned()),
        }
    }

    /// Reads a cluster's line: a report of another shape version is refused by name (the
    /// cluster named), never half-read.
    pub fn read(value: Value) -> Result<ClusterLine, String> {
        if let Err(e) = crate::report::json::check_version(&value["report"]) {
            let cluster = value["cluster"].as_str().unwrap_or("?");
            return Err(format!(
                "cluster {}: {e}",
                crate::infra::escape::terminal(cluster)
            ));
        }
        ClusterLine::deserialize(value).map_err(|e| e.to_string())
    }

    fn arn(&self) -> &str {
        self.report.cluster_arn().unwrap_or("?")
    }

    /// `yes`, or `no: unknown(auth_rejected), …`: whether every rule ran, and if not why.
    fn completeness(&self) -> String {
        if self.complete() {
            return "yes".to_string();
        }
        format!("no: {}", self.report.incomplete_reasons().join(", "))
    }

    /// The authentication mode, or `unknown`.
    fn mode_label(&self) -> String {
        self.report
            .mode()
            .map_or_else(|| "unknown".to_string(), ToString::to_string)
    }

    fn kubernetes_version(&self) -> &str {
        self.report
            .cluster
            .as_ref()
            .and_then(|c| c.cluster.kubernetes_version.as_deref())
            .unwrap_or("")
    }

    fn admins_label(&self, tier: Option<Tier>) -> String {
        self.report.admins_label(tier)
    }

    fn incomplete_reasons(&self) -> Vec<&str> {
        self.report.incomplete_reasons()
    }

    fn complete(&self) -> bool {
        self.report.coverage.complete
    }

    fn config_map(&self) -> bool {
        self.report.mode() == Some(&AuthenticationMode::ConfigMap)
    }

    /// The creator the report names, or that it is unknown.
    fn creator(&self) -> String {
        self.report.creator().unwrap_or("unknown").to_string()
    }

    fn hidden_creator(&self) -> bool {
        self.config_map()
            || self
                .report
                .principals()
                .iter()
                .any(|p| p.source.is_hidden())
    }

    fn failing(&self, severity: Severity) -> usize {
        self.report
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail && f.severity == severity)
            .count()
    }

    /// The scope `policy init` writes for this cluster: its admins in effect today, what hid
    /// administrators from the audit, and the generic rules' failing findings.
    pub fn starting_scope(&self) -> crate::policy::StartingScope {
        crate::policy::StartingScope {
            gaps: self.report.admin_gaps(),
            failing: crate::policy::failing_of(self.report.findings.iter().map(|f| {
                (
                    f.code,
                    f.status == Status::Fail,
                    f.principal.as_deref(),
                    f.fingerprint.as_str(),
                )
            })),
            account: Some(self.account.clone()),
            region: Some(self.region.clone()),
            cluster: Some(self.cluster.clone()),
            file: None,
            about: self.arn().to_string(),
            admins: self
                .report
                .admins()
                .chain(self.report.principals().iter().filter(|p| p.is_latent()))
                .map(|p| (p.arn.clone(), format!("{} ({})", p.source, p.tier_reason)))
                .collect(),
        }
    }

    /// `(account, region, cluster)`: the order of every fleet report.
    pub fn key(&self) -> (String, String, String) {
        (
            self.account.clone(),
            self.region.clone(),
            self.cluster.clone(),
        )
    }
}

/// A target that could not be audited, and why.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NotAudited {
    pub account: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub reason: String,
    pub detail: String,
}

impl NotAudited {
    /// What was not audited: `account 1, region eu-west-1, cluster prod` (as far as known).
    pub fn target(&self) -> String {
        let mut target = format!("account {}", self.account);
        if let Some(region) = &self.region {
            target.push_str(&format!(", region {region}"));
        }
        if let Some(cluster) = &self.cluster {
            target.push_str(&format!(", cluster {cluster}"));
        }
        target
    }

    pub fn new(
        account: String,
        region: Option<String>,
        cluster: Option<String>,
        reason: &Unknown,
    ) -> NotAudited {
        NotAudited {
            account,
            region,
            cluster,
            reason: format!("unknown({})", reason.reason.as_str()),
            detail: reason.detail.clone(),
        }
    }
}

/// A region of `--regions all` not enabled for an account: nothing can run there.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Skipped {
    pub account: String,
    pub region: String,
    pub reason: String,
}

/// One line of a scan's JSON Lines.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FleetLine {
    Cluster(ClusterLine),
    NotAudited(NotAudited),
    Skipped(Skipped),
    Summary(Box<FleetSummary>),
}

/// What a scan found before it audited anything, and what each filter left out: so a scan that
/// audits nothing says why (a typo in `--include`, a region with no cluster, an organisation
/// that listed no account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Census {
    /// Accounts the scan covered (the organisation's, the named ones, or the caller's).
    pub accounts: usize,
    /// Account and region pairs whose ListClusters answered (or snapshots replayed).
    pub regions_listed: usize,
    /// Clusters those listed.
    pub clusters_listed: usize,
    /// Left out by `--include` / `--exclude`.
    pub dropped_by_name: usize,
    /// Left out by `--tag`.
    pub dropped_by_tag: usize,
    /// Already done by the scan being resumed.
    pub resumed: usize,
    /// The share of a sharded scan (`--shard I/N`) these counts are of: `merge` knows from it
    /// which shards' parts are missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardId>,
}

/// One shard of a sharded scan: `index` of `count` (0 <= index < count).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ShardId {
    pub index: u32,
    pub count: u32,
}

impl Census {
    /// The shards' censuses as the whole scan's (accounts are counted per shard, so summed
    /// they can count an account twice: the larger of the shards' is kept).
    pub fn add(&mut self, other: &Census) {
        self.accounts = self.accounts.max(other.accounts);
        self.regions_listed += other.regions_listed;
        self.clusters_listed += other.clusters_listed;
        self.dropped_by_name += other.dropped_by_name;
        self.dropped_by_tag += other.dropped_by_tag;
        self.resumed += other.resumed;
    }

    /// `2 account(s), 3 region(s) listed, 5 cluster(s) found: 4 left out by
    /// --include/--exclude, 1 by --tag`.
    pub fn line(&self) -> String {
        let mut out = format!(
            "{} account(s), {} account-region(s) listed, {} cluster(s) found",
            self.accounts, self.regions_listed, self.clusters_listed
        );
        let dropped: Vec<String> = [
            (self.dropped_by_name, "left out by --include/--exclude"),
            (self.dropped_by_tag, "left out by --tag"),
            (self.resumed, "already done (--resume)"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if !dropped.is_empty() {
            out.push_str(&format!(": {}", dropped.join(", ")));
        }
        out
    }
}

/// One way a principal holds admin power on one cluster.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdminPath {
    pub cluster: String,
    pub source: crate::model::access::PrincipalSource,
    pub tier: Tier,
    pub why: String,
}

/// The ways in `pick` chooses from each cluster's report, by principal ARN: each cluster
/// and how.
fn paths_by_principal<'a>(
    clusters: &'a [ClusterLine],
    pick: impl Fn(&'a Report<'static>) -> Vec<&'a crate::model::access::Principal>,
) -> BTreeMap<String, Vec<AdminPath>> {
    let mut view: BTreeMap<String, Vec<AdminPath>> = BTreeMap::new();
    for line in clusters {
        for p in pick(&line.report) {
            view.entry(p.arn.clone()).or_default().push(AdminPath {
                cluster: line.arn().to_string(),
                source: p.source.clone(),
                tier: p.tier,
                why: p.tier_reason.clone(),
            });
        }
    }
    view
}

/// Every principal with cluster-admin or admin power in effect anywhere, by ARN.
fn access_view(clusters: &[ClusterLine]) -> BTreeMap<String, Vec<AdminPath>> {
    paths_by_principal(clusters, |r| r.admins().collect())
}

/// Every latent administrator anywhere (no way in today, but IAM lets it make one), by ARN:
/// each cluster it could administer and how.
fn latent_view(clusters: &[ClusterLine]) -> BTreeMap<String, Vec<AdminPath>> {
    paths_by_principal(clusters, |r| {
        r.principals().iter().filter(|p| p.is_latent()).collect()
    })
}

/// An administrator grant CloudTrail recorded within its window that no longer exists: where,
/// what, by whom, when.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FormerGrant {
    pub cluster: String,
    pub what: String,
    pub actor: String,
    pub time: String,
    pub event_id: String,
}

/// Who had administrator power within CloudTrail's window that is gone now, by principal ARN:
/// each cluster's admin grants marked gone in its history.
pub fn former_admins_view(clusters: &[ClusterLine]) -> BTreeMap<String, Vec<FormerGrant>> {
    let mut view: BTreeMap<String, Vec<FormerGrant>> = BTreeMap::new();
    for line in clusters {
        for item in line.report.history().iter().filter(|h| h.admin && h.gone) {
            let Some(principal) = &item.principal else {
                continue;
            };
            view.entry(principal.clone())
                .or_default()
                .push(FormerGrant {
                    cluster: line.arn().to_string(),
                    what: item.what.clone(),
                    actor: item.actor.clone(),
                    time: item.time.clone(),
                    event_id: item.event_id.clone(),
                });
        }
    }
    view
}

/// The fleet in numbers, and its access view: the last line of the JSON Lines, the `summary`
/// of the JSON report.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FleetSummary {
    pub clusters: usize,
    /// Clusters whose every rule ran.
    pub complete: usize,
    pub not_audited: usize,
    pub skipped: usize,
    /// The clusters still in `CONFIG_MAP` mode, by ARN.
    pub config_map_clusters: Vec<String>,
    /// The exit code the fleet earns.
    pub exit: u8,
    /// Every principal with cluster-admin or admin power in effect anywhere, by ARN.
    pub access: BTreeMap<String, Vec<AdminPath>>,
    /// Every latent administrator (no way in today; IAM lets it make one), by ARN.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub latent: BTreeMap<String, Vec<AdminPath>>,
    /// Who had administrator power within CloudTrail's 90-day window that is gone now (an
    /// admin access policy associated, then disassociated or its entry deleted), by ARN.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub former_admins: BTreeMap<String, Vec<FormerGrant>>,
    /// What changed since the baseline, with `--baseline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
    /// What the scan found and what its filters left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Census>,
}

/// Version of the fleet report's shape (`scan --format json`, and each JSON Lines line).
pub const FLEET_REPORT_VERSION: u32 = 1;

/// `scan --format json`: the whole fleet in one document.
#[derive(Serialize, schemars::JsonSchema)]
pub struct FleetReport<'a> {
    pub version: u32,
    /// Always `FleetReport`.
    pub kind: &'static str,
    pub tool: crate::report::ToolInfo,
    pub clusters: &'a [ClusterLine],
    pub not_audited: &'a [NotAudited],
    pub skipped: &'a [Skipped],
    /// The fleet in numbers, and its access view (as the JSON Lines' summary line).
    pub summary: FleetSummary,
}

/// A fleet report's contents, whatever its format.
pub struct FleetView<'a> {
    pub clusters: &'a [ClusterLine],
    pub not_audited: &'a [NotAudited],
    pub skipped: &'a [Skipped],
    pub exit: u8,
    pub drift: Option<&'a Drift>,
    /// What the scan found and what its filters left out (`None`: a merge of lines that do
    /// not say).
    pub census: Option<&'a Census>,
}

impl FleetView<'_> {
    /// The fleet in numbers, and its access view.
    pub fn summary(&self) -> FleetSummary {
        let clusters = self.clusters;
        FleetSummary {
            clusters: clusters.len(),
            complete: clusters.iter().filter(|c| c.complete()).count(),
            not_audited: self.not_audited.len(),
            skipped: self.skipped.len(),
            config_map_clusters: clusters
                .iter()
                .filter(|c| c.config_map())
                .map(|c| c.arn().to_string())
                .collect(),
            exit: self.exit,
            access: access_view(clusters),
            latent: latent_view(clusters),
            former_admins: former_admins_view(clusters),
            drift: self.drift.cloned(),
            targets: self.census.cloned(),
        }
    }

    /// The whole fleet as one JSON document.
    pub fn json(&self) -> String {
        let report = FleetReport {
            version: FLEET_REPORT_VERSION,
            kind: crate::inputs::kind::FLEET_REPORT_KIND,
            tool: crate::report::ToolInfo::this_build(),
            clusters: self.clusters,
            not_audited: self.not_audited,
            skipped: self.skipped,
            summary: self.summary(),
        };
        let mut text = serde_json::to_string_pretty(&report).expect("serialisable");
        text.push('\n');
        text
    }

    /// The clusters still in `CONFIG_MAP` mode, with the creator each report names.
    fn config_map_clusters(&self) -> Vec<(&str, String)> {
        self.clusters
            .iter()
            .filter(|c| c.config_map())
            .map(|c| (c.arn(), c.creator()))
            .collect()
    }
}

/// A JSON Lines line.
pub fn line(item: &FleetLine) -> String {
    let mut text = serde_json::to_string(item).expect("serialisable");
    text.push('\n');
    text
}

/// A cluster's line, as [`line`] writes `FleetLine::Cluster`, from a borrowed line (a fleet's
/// lines are large: written without a copy).
pub fn cluster_line(cluster: &ClusterLine) -> String {
    #[derive(Serialize)]
    struct Tagged<'a> {
        kind: &'static str,
        #[serde(flatten)]
        line: &'a ClusterLine,
    }
    let mut text = serde_json::to_string(&Tagged {
        kind: "cluster",
        line: cluster,
    })
    .expect("serialisable");
    text.push('\n');
    text
}
