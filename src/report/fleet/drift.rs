//! What changed since an earlier scan: clusters added and gone, administrator paths gained and
//! lost, findings new and fixed per cluster.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ClusterLine, NotAudited, access_view};
use crate::infra::escape::terminal;

/// What changed since an earlier scan: clusters added and gone, administrator paths gained
/// and lost (principal, cluster, path), findings new and fixed per cluster (by fingerprint).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, schemars::JsonSchema)]
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
    line.report
        .findings
        .iter()
        .map(|f| f.fingerprint.clone())
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

    /// The lists of changes, each with what its items are.
    pub(super) fn lists(&self) -> [(&'static str, &Vec<String>); 4] {
        [
            ("cluster added", &self.clusters_added),
            ("cluster gone", &self.clusters_gone),
            ("admin path gained", &self.admin_paths_gained),
            ("admin path lost", &self.admin_paths_lost),
        ]
    }

    /// The drift as lines for the table.
    pub(super) fn text(&self) -> String {
        let mut out = format!(
            "since {}:
",
            terminal(&self.baseline)
        );
        for (what, items) in self.lists() {
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
