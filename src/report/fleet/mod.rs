//! A fleet scan's reports, built from its JSON Lines so that a scan, the merge of shards and a
//! resumed scan give the same report: one line per cluster as it finishes (with its full JSON
//! report), one per target not audited, then a summary; the same as one JSON document; and a
//! table — one row per cluster, the fleet access view (every principal with cluster-admin or
//! admin power anywhere, where and through what), the clusters still in `CONFIG_MAP`, and what
//! could not be checked.

use std::collections::BTreeMap;

mod drift;
mod html;
mod junit;
mod markdown;
mod sarif;
mod table;

pub use drift::Drift;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::evidence::Unknown;
use crate::judge::result::CheckResult;

/// One cluster of the fleet: where it is, the exit code it earns alone, and its JSON report.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClusterLine {
    pub account: String,
    pub region: String,
    pub cluster: String,
    pub exit: u8,
    /// The cluster's full `cluster --format json` report.
    #[schemars(with = "crate::report::json::Report<'static>")]
    pub report: Value,
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
            report: super::json::value(result, threshold),
        }
    }

    fn arn(&self) -> &str {
        self.report["cluster"]["arn"].as_str().unwrap_or("?")
    }

    fn principals(&self) -> &[Value] {
        self.report["principals"]
            .as_array()
            .map_or(&[], Vec::as_slice)
    }

    fn admins(&self) -> impl Iterator<Item = &Value> {
        self.principals().iter().filter(|p| {
            p["in_effect"] == true && (p["tier"] == "cluster-admin" || p["tier"] == "admin")
        })
    }

    /// What this cluster's audit could not read that shows administrators.
    fn admin_gaps(&self) -> Vec<crate::policy::AdminGap> {
        let not_evaluated = self.report["coverage"]["not_evaluated"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        crate::policy::admin_gaps(not_evaluated.iter().map(|n| {
            (
                n["code"].as_str().unwrap_or_default(),
                n["reason"].as_str().unwrap_or_default(),
            )
        }))
    }

    /// How many administrator paths of `tier` (any admin tier when `None`) are in effect:
    /// `at least N (aws-auth not read)` when the audit could not see them all.
    fn admins_label(&self, tier: Option<&str>) -> String {
        let count = self
            .admins()
            .filter(|p| tier.is_none_or(|t| p["tier"] == t))
            .count();
        crate::policy::admin_count(count, &self.admin_gaps())
    }

    /// Why some rules did not run (`unknown(auth_rejected)`, each once), none when all did.
    fn incomplete_reasons(&self) -> Vec<&str> {
        let reasons: std::collections::BTreeSet<&str> = self.report["coverage"]["not_evaluated"]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|n| n["reason"].as_str())
            .map(|r| r.split(':').next().unwrap_or(r))
            .collect();
        reasons.into_iter().collect()
    }

    /// `yes`, or `no: unknown(auth_rejected), …`: whether every rule ran, and if not why.
    fn completeness(&self) -> String {
        if self.complete() {
            return "yes".to_string();
        }
        format!("no: {}", self.incomplete_reasons().join(", "))
    }

    fn complete(&self) -> bool {
        self.report["coverage"]["complete"] == true
    }

    fn config_map(&self) -> bool {
        self.report["cluster"]["authentication_mode"] == "CONFIG_MAP"
    }

    /// The creator the report names (a principal whose way in is the creator: from
    /// CloudTrail, `--creator`, or the audit's own caller), or that it is unknown.
    fn creator(&self) -> String {
        self.principals()
            .iter()
            .find(|p| {
                p["source"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("creator"))
            })
            .and_then(|p| p["arn"].as_str())
            .map_or_else(|| "unknown".to_string(), str::to_string)
    }

    fn hidden_creator(&self) -> bool {
        self.config_map()
            || self.principals().iter().any(|p| {
                p["source"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("creator (hidden"))
            })
    }

    fn failing(&self, severity: &str) -> usize {
        self.report["findings"].as_array().map_or(0, |f| {
            f.iter()
                .filter(|f| f["status"] == "fail" && f["severity"] == severity)
                .count()
        })
    }

    /// The scope `policy init` writes for this cluster: its admins in effect today, what hid
    /// administrators from the audit, and the generic rules' failing findings.
    pub fn starting_scope(&self) -> crate::policy::StartingScope {
        let list = |key: &str| self.report[key].as_array().map_or(&[][..], Vec::as_slice);
        let text = |v: &'_ Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        let findings: Vec<(String, bool, Option<String>, String)> = list("findings")
            .iter()
            .map(|f| {
                (
                    text(f, "code"),
                    f["status"] == "fail",
                    f["principal"].as_str().map(str::to_string),
                    text(f, "fingerprint"),
                )
            })
            .collect();
        crate::policy::StartingScope {
            gaps: self.admin_gaps(),
            failing: crate::policy::failing_of(
                findings
                    .iter()
                    .map(|(c, fail, p, fp)| (c.as_str(), *fail, p.as_deref(), fp.as_str())),
            ),
            account: Some(self.account.clone()),
            region: Some(self.region.clone()),
            cluster: Some(self.cluster.clone()),
            file: None,
            about: self.arn().to_string(),
            admins: self
                .admins()
                .map(|p| {
                    let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                    (
                        text("arn"),
                        format!("{} ({})", text("source"), text("tier_reason")),
                    )
                })
                .collect(),
        }
    }

    /// Refuses a cluster's report of another shape version than this build writes: read as
    /// this build's shape it would be half-read (a renamed field silently empty).
    pub fn check_shape(&self) -> Result<(), String> {
        match self.report["version"].as_u64() {
            Some(v) if v == u64::from(crate::report::JSON_REPORT_VERSION) => Ok(()),
            found => Err(format!(
                "the report of cluster {} has shape version {}, and this build reads version {}: read it with the build that wrote it, or scan again",
                self.cluster,
                found.map_or_else(|| "(none)".to_string(), |v| v.to_string()),
                crate::report::JSON_REPORT_VERSION
            )),
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
    Summary(Value),
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
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
struct AdminPath {
    cluster: String,
    source: String,
    tier: String,
    why: String,
}

/// Every principal with cluster-admin or admin power in effect anywhere, by ARN.
fn access_view(clusters: &[ClusterLine]) -> BTreeMap<String, Vec<AdminPath>> {
    let mut view: BTreeMap<String, Vec<AdminPath>> = BTreeMap::new();
    for line in clusters {
        for p in line.admins() {
            let text = |key: &str| p[key].as_str().unwrap_or_default().to_string();
            view.entry(text("arn")).or_default().push(AdminPath {
                cluster: line.arn().to_string(),
                source: text("source"),
                tier: text("tier"),
                why: text("tier_reason"),
            });
        }
    }
    view
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
    pub summary: Value,
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
    pub fn summary(&self) -> Value {
        let clusters = self.clusters;
        let mut value = json!({
            "clusters": clusters.len(),
            "complete": clusters.iter().filter(|c| c.complete()).count(),
            "not_audited": self.not_audited.len(),
            "skipped": self.skipped.len(),
            "config_map_clusters": clusters.iter().filter(|c| c.config_map()).map(ClusterLine::arn).collect::<Vec<_>>(),
            "exit": self.exit,
            "access": access_view(clusters),
        });
        if let Some(drift) = self.drift {
            value["drift"] = serde_json::to_value(drift).expect("serialisable");
        }
        if let Some(census) = self.census {
            value["targets"] = serde_json::to_value(census).expect("serialisable");
        }
        value
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
