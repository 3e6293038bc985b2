//! A fleet scan's reports, built from its JSON Lines so that a scan, the merge of shards and a
//! resumed scan give the same report: one line per cluster as it finishes (with its full JSON
//! report), one per target not audited, then a summary; the same as one JSON document; and a
//! table — one row per cluster, the fleet access view (every principal with cluster-admin or
//! admin power anywhere, where and through what), the clusters still in `CONFIG_MAP`, and what
//! could not be checked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::evidence::Unknown;
use crate::infra::escape::terminal;
use crate::judge::result::CheckResult;

/// One cluster of the fleet: where it is, the exit code it earns alone, and its JSON report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterLine {
    pub account: String,
    pub region: String,
    pub cluster: String,
    pub exit: u8,
    pub report: Value,
}

impl ClusterLine {
    pub fn new(account: String, region: String, result: &CheckResult, exit: u8) -> ClusterLine {
        ClusterLine {
            account,
            region,
            cluster: result
                .live
                .as_ref()
                .map_or(String::new(), |l| l.cluster.name.clone()),
            exit,
            report: serde_json::from_str(&super::json::render(result)).expect("our own JSON"),
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

    fn complete(&self) -> bool {
        self.report["coverage"]["complete"] == true
    }

    fn config_map(&self) -> bool {
        self.report["cluster"]["authentication_mode"] == "CONFIG_MAP"
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

    /// The scope `policy init` writes for this cluster: its admins in effect today.
    pub fn starting_scope(&self) -> crate::policy::StartingScope {
        crate::policy::StartingScope {
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// One line of a scan's JSON Lines.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FleetLine {
    Cluster(ClusterLine),
    NotAudited(NotAudited),
    Summary(Value),
}

/// One way a principal holds admin power on one cluster.
#[derive(Debug, Clone, Serialize)]
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

/// What changed since an earlier scan: clusters added and gone, administrator paths gained
/// and lost (principal, cluster, path), findings new and fixed per cluster (by fingerprint).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Drift {
    pub baseline: String,
    pub clusters_added: Vec<String>,
    pub clusters_gone: Vec<String>,
    pub admin_paths_gained: Vec<String>,
    pub admin_paths_lost: Vec<String>,
    /// Cluster ARN → fingerprints of its findings the baseline did not have.
    pub findings_new: BTreeMap<String, Vec<String>>,
    /// Cluster ARN → fingerprints the baseline had and this scan does not.
    pub findings_fixed: BTreeMap<String, Vec<String>>,
}

fn fingerprints(line: &ClusterLine) -> std::collections::BTreeSet<String> {
    line.report["findings"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|f| f["fingerprint"].as_str().map(str::to_string))
        .collect()
}

/// `principal on cluster via path` for every administrator path of the clusters.
fn admin_paths(clusters: &[ClusterLine]) -> std::collections::BTreeSet<String> {
    access_view(clusters)
        .into_iter()
        .flat_map(|(arn, paths)| {
            paths
                .into_iter()
                .map(move |p| format!("{arn} on {} via {} ({})", p.cluster, p.source, p.tier))
        })
        .collect()
}

impl Drift {
    /// Compares this scan with the baseline's cluster lines. A cluster the scan could not audit
    /// is neither added nor gone: its findings are unknown, not fixed.
    pub fn between(
        baseline_path: &str,
        before: &[ClusterLine],
        now: &[ClusterLine],
        not_audited: &[NotAudited],
    ) -> Drift {
        let arns = |lines: &[ClusterLine]| -> std::collections::BTreeSet<String> {
            lines.iter().map(|l| l.arn().to_string()).collect()
        };
        let (old, new) = (arns(before), arns(now));
        let unread = |arn: &str| {
            not_audited.iter().any(|n| {
                n.cluster
                    .as_deref()
                    .is_some_and(|c| arn.ends_with(&format!("/{c}")))
                    || (n.cluster.is_none()
                        && arn.contains(&format!(":{}:", n.account))
                        && n.region
                            .as_deref()
                            .is_none_or(|r| arn.contains(&format!(":{r}:"))))
            })
        };
        let (paths_before, paths_now) = (admin_paths(before), admin_paths(now));
        let mut drift = Drift {
            baseline: baseline_path.to_string(),
            clusters_added: new.difference(&old).cloned().collect(),
            clusters_gone: old
                .difference(&new)
                .filter(|arn| !unread(arn))
                .cloned()
                .collect(),
            admin_paths_gained: paths_now.difference(&paths_before).cloned().collect(),
            admin_paths_lost: paths_before
                .difference(&paths_now)
                .filter(|p| !unread(p.split(" on ").nth(1).unwrap_or_default()))
                .cloned()
                .collect(),
            ..Drift::default()
        };
        for line in now {
            let before_line = before.iter().find(|b| b.arn() == line.arn());
            let (had, has) = (
                before_line.map(fingerprints).unwrap_or_default(),
                fingerprints(line),
            );
            let fresh: Vec<String> = has.difference(&had).cloned().collect();
            let fixed: Vec<String> = had.difference(&has).cloned().collect();
            if !fresh.is_empty() {
                drift.findings_new.insert(line.arn().to_string(), fresh);
            }
            if !fixed.is_empty() {
                drift.findings_fixed.insert(line.arn().to_string(), fixed);
            }
        }
        drift
    }

    /// The drift as lines for the table.
    fn text(&self) -> String {
        let mut out = format!(
            "since {}:
",
            terminal(&self.baseline)
        );
        for (what, items) in [
            ("cluster added", &self.clusters_added),
            ("cluster gone", &self.clusters_gone),
            ("admin path gained", &self.admin_paths_gained),
            ("admin path lost", &self.admin_paths_lost),
        ] {
            for item in items {
                out.push_str(&format!(
                    "  {what}: {}
",
                    terminal(item)
                ));
            }
        }
        for (cluster, new) in &self.findings_new {
            out.push_str(&format!(
                "  {} new finding(s) on {}
",
                new.len(),
                terminal(cluster)
            ));
        }
        for (cluster, fixed) in &self.findings_fixed {
            out.push_str(&format!(
                "  {} finding(s) fixed on {}
",
                fixed.len(),
                terminal(cluster)
            ));
        }
        if out.lines().count() == 1 {
            out.push_str("  no change\n");
        }
        out
    }
}

/// The fleet in numbers, and its access view.
pub fn summary(
    clusters: &[ClusterLine],
    not_audited: &[NotAudited],
    exit: u8,
    drift: Option<&Drift>,
) -> Value {
    let mut value = json!({
        "clusters": clusters.len(),
        "complete": clusters.iter().filter(|c| c.complete()).count(),
        "not_audited": not_audited.len(),
        "config_map_clusters": clusters.iter().filter(|c| c.config_map()).map(ClusterLine::arn).collect::<Vec<_>>(),
        "exit": exit,
        "access": access_view(clusters),
    });
    if let Some(drift) = drift {
        value["drift"] = serde_json::to_value(drift).expect("serialisable");
    }
    value
}

/// A JSON Lines line.
pub fn line(item: &FleetLine) -> String {
    let mut text = serde_json::to_string(item).expect("serialisable");
    text.push('\n');
    text
}

/// The whole fleet as one JSON document.
pub fn json(
    clusters: &[ClusterLine],
    not_audited: &[NotAudited],
    exit: u8,
    drift: Option<&Drift>,
) -> String {
    let mut text = serde_json::to_string_pretty(&json!({
        "version": 1,
        "kind": "FleetReport",
        "clusters": clusters,
        "not_audited": not_audited,
        "summary": summary(clusters, not_audited, exit, drift),
    }))
    .expect("serialisable");
    text.push('\n');
    text
}

/// The fleet as a person reads it.
pub fn table(
    clusters: &[ClusterLine],
    not_audited: &[NotAudited],
    exit: u8,
    drift: Option<&Drift>,
) -> String {
    let mut out = format!(
        "aws-auth-audit scan: {} cluster(s) audited, {} target(s) not audited, exit {exit}\n",
        clusters.len(),
        not_audited.len()
    );
    let mut rows = comfy_table::Table::new();
    rows.set_header([
        "account",
        "region",
        "cluster",
        "mode",
        "version",
        "admins",
        "hidden creator",
        "findings",
        "complete",
    ]);
    for c in clusters {
        let cluster = &c.report["cluster"];
        let complete = if c.complete() {
            "yes".to_string()
        } else {
            let reasons: std::collections::BTreeSet<&str> = c.report["coverage"]["not_evaluated"]
                .as_array()
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .filter_map(|n| n["reason"].as_str())
                .map(|r| r.split(':').next().unwrap_or(r))
                .collect();
            format!("no: {}", reasons.into_iter().collect::<Vec<_>>().join(", "))
        };
        rows.add_row([
            terminal(&c.account),
            terminal(&c.region),
            terminal(&c.cluster),
            terminal(cluster["authentication_mode"].as_str().unwrap_or("unknown")),
            terminal(cluster["kubernetes_version"].as_str().unwrap_or("")),
            c.admins()
                .filter(|p| p["tier"] == "cluster-admin")
                .count()
                .to_string(),
            if c.hidden_creator() { "yes" } else { "no" }.to_string(),
            format!(
                "{} critical, {} high, {} medium, {} low",
                c.failing("critical"),
                c.failing("high"),
                c.failing("medium"),
                c.failing("low")
            ),
            terminal(&complete),
        ]);
    }
    out.push_str(&format!("{rows}\n"));
    let view = access_view(clusters);
    if !view.is_empty() {
        out.push_str("who can administer, across the fleet:\n");
        for (arn, paths) in &view {
            out.push_str(&format!(
                "  {} — {} cluster(s)\n",
                terminal(arn),
                paths.len()
            ));
            for path in paths {
                out.push_str(&format!(
                    "    {}: {} via {} ({})\n",
                    terminal(&path.cluster),
                    terminal(&path.tier),
                    terminal(&path.source),
                    terminal(&path.why)
                ));
            }
        }
    }
    for item in not_audited {
        out.push_str(&format!(
            "not audited: account {}{}{}: {}: {}\n",
            terminal(&item.account),
            item.region
                .as_ref()
                .map_or(String::new(), |r| format!(", region {}", terminal(r))),
            item.cluster
                .as_ref()
                .map_or(String::new(), |c| format!(", cluster {}", terminal(c))),
            item.reason,
            terminal(&item.detail)
        ));
    }
    if let Some(drift) = drift {
        out.push_str(&drift.text());
    }
    out
}
