//! A fleet scan's reports: JSON Lines (one line per cluster as it finishes, with its full
//! report, then one summary line), one JSON document, and a table — one row per cluster, the
//! fleet access view (every principal with cluster-admin or admin power anywhere, where and
//! through what), the clusters still in `CONFIG_MAP`, and what could not be checked.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::evidence::{AuthenticationMode, Unknown};
use crate::infra::escape::terminal;
use crate::judge::result::CheckResult;
use crate::model::access::Tier;
use crate::rules::finding::{Severity, Status};

/// One cluster of the fleet, judged.
pub struct ClusterOutcome {
    pub account: String,
    pub region: String,
    pub result: CheckResult,
    /// The exit code this cluster alone earns.
    pub exit: u8,
}

/// A target that could not be audited, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotAudited {
    pub account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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

/// One way a principal holds admin power on one cluster.
#[derive(Debug, Clone, Serialize)]
struct AdminPath {
    cluster: String,
    source: String,
    tier: &'static str,
    why: String,
}

fn name_of(outcome: &ClusterOutcome) -> &str {
    outcome
        .result
        .live
        .as_ref()
        .map_or("?", |l| l.cluster.name.as_str())
}

fn arn_of(outcome: &ClusterOutcome) -> &str {
    outcome
        .result
        .live
        .as_ref()
        .map_or("?", |l| l.cluster.arn.as_str())
}

/// Every principal with cluster-admin or admin power in effect anywhere, by ARN.
fn access_view(clusters: &[ClusterOutcome]) -> BTreeMap<String, Vec<AdminPath>> {
    let mut view: BTreeMap<String, Vec<AdminPath>> = BTreeMap::new();
    for outcome in clusters {
        let Some(live) = &outcome.result.live else {
            continue;
        };
        for p in &live.principals {
            if !p.in_effect || !matches!(p.tier, Tier::ClusterAdmin | Tier::Admin) {
                continue;
            }
            view.entry(p.arn.clone()).or_default().push(AdminPath {
                cluster: live.cluster.arn.clone(),
                source: p.source.to_string(),
                tier: p.tier.as_str(),
                why: p.tier_reason.clone(),
            });
        }
    }
    view
}

fn count(result: &CheckResult, severity: Severity) -> usize {
    result
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail && f.severity == severity)
        .count()
}

fn hidden_creator(result: &CheckResult) -> bool {
    result.live.as_ref().is_some_and(|l| {
        l.cluster.authentication_mode == Some(AuthenticationMode::ConfigMap)
            || l.principals.iter().any(|p| p.source.is_hidden())
    })
}

/// One cluster's JSON Lines line: where it is, the exit code it earns, and its full report.
pub fn cluster_line(outcome: &ClusterOutcome) -> String {
    let report: Value =
        serde_json::from_str(&super::json::render(&outcome.result)).expect("our own JSON");
    let mut line = serde_json::to_string(&json!({
        "kind": "cluster",
        "account": outcome.account,
        "region": outcome.region,
        "cluster": name_of(outcome),
        "exit": outcome.exit,
        "report": report,
    }))
    .expect("serialisable");
    line.push('\n');
    line
}

/// A target that could not be audited, as a JSON Lines line.
pub fn not_audited_line(item: &NotAudited) -> String {
    let mut value = serde_json::to_value(item).expect("serialisable");
    value["kind"] = json!("not_audited");
    let mut line = value.to_string();
    line.push('\n');
    line
}

fn summary(clusters: &[ClusterOutcome], not_audited: &[NotAudited], exit: u8) -> Value {
    json!({
        "clusters": clusters.len(),
        "complete": clusters.iter().filter(|c| c.result.coverage.complete).count(),
        "not_audited": not_audited.len(),
        "config_map_clusters": clusters.iter().filter(|c| hidden_creator(&c.result)).map(arn_of).collect::<Vec<_>>(),
        "exit": exit,
    })
}

/// The last JSON Lines line: the fleet in numbers, and its access view.
pub fn summary_line(clusters: &[ClusterOutcome], not_audited: &[NotAudited], exit: u8) -> String {
    let mut value = summary(clusters, not_audited, exit);
    value["kind"] = json!("summary");
    value["access"] = serde_json::to_value(access_view(clusters)).expect("serialisable");
    let mut line = value.to_string();
    line.push('\n');
    line
}

/// The whole fleet as one JSON document.
pub fn json(clusters: &[ClusterOutcome], not_audited: &[NotAudited], exit: u8) -> String {
    let lines: Vec<Value> = clusters
        .iter()
        .map(|c| serde_json::from_str(&cluster_line(c)).expect("our own JSON"))
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "version": 1,
        "kind": "FleetReport",
        "clusters": lines,
        "not_audited": not_audited,
        "access": access_view(clusters),
        "summary": summary(clusters, not_audited, exit),
    }))
    .expect("serialisable");
    text.push('\n');
    text
}

/// The fleet as a person reads it.
pub fn table(clusters: &[ClusterOutcome], not_audited: &[NotAudited], exit: u8) -> String {
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
        let live = c.result.live.as_ref();
        let admins = live.map_or(0, |l| {
            l.principals
                .iter()
                .filter(|p| p.in_effect && p.tier == Tier::ClusterAdmin)
                .count()
        });
        let complete = if c.result.coverage.complete {
            "yes".to_string()
        } else {
            let reasons: Vec<&str> = c
                .result
                .coverage
                .not_evaluated
                .iter()
                .map(|n| n.reason.split(':').next().unwrap_or(&n.reason))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            format!("no: {}", reasons.join(", "))
        };
        rows.add_row([
            terminal(&c.account),
            terminal(&c.region),
            terminal(name_of(c)),
            live.and_then(|l| l.cluster.authentication_mode.as_ref())
                .map_or("unknown".to_string(), |m| m.to_string()),
            live.and_then(|l| l.cluster.kubernetes_version.clone())
                .unwrap_or_default(),
            admins.to_string(),
            if hidden_creator(&c.result) {
                "yes"
            } else {
                "no"
            }
            .to_string(),
            format!(
                "{} critical, {} high, {} medium, {} low",
                count(&c.result, Severity::Critical),
                count(&c.result, Severity::High),
                count(&c.result, Severity::Medium),
                count(&c.result, Severity::Low)
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
                    path.tier,
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
    out
}
