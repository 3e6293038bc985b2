//! The fleet as a person reads it in a terminal.

use super::{FleetView, access_view};
use crate::infra::escape::terminal;
use crate::model::access::Tier;
use crate::report::table::{GridCell, draw};
use crate::rules::finding::Severity;

const HEADER: [&str; 9] = [
    "account",
    "region",
    "cluster",
    "mode",
    "version",
    "admins",
    "hidden creator",
    "findings",
    "complete",
];

/// The fleet as a person reads it.
impl FleetView<'_> {
    /// `width`: the terminal's, or [`crate::report::table::DEFAULT_WIDTH`].
    pub fn table(&self, width: usize) -> String {
        let (clusters, not_audited, exit, drift) =
            (self.clusters, self.not_audited, self.exit, self.drift);
        let mut out = format!(
            "aws-auth-audit scan: {} cluster(s) audited, {} target(s) not audited, exit {exit}\n",
            clusters.len(),
            not_audited.len()
        );
        if let Some(census) = self.census {
            out.push_str(&format!("targets: {}\n", census.line()));
        }
        let rows: Vec<Vec<GridCell>> = clusters
            .iter()
            .map(|c| {
                [
                    terminal(&c.account),
                    terminal(&c.region),
                    terminal(&c.cluster),
                    terminal(&c.mode_label()),
                    terminal(c.kubernetes_version()),
                    c.admins_label(Some(Tier::ClusterAdmin)),
                    if c.hidden_creator() { "yes" } else { "no" }.to_string(),
                    format!(
                        "{} critical, {} high, {} medium, {} low",
                        c.failing(Severity::Critical),
                        c.failing(Severity::High),
                        c.failing(Severity::Medium),
                        c.failing(Severity::Low)
                    ),
                    // A reason a line: the cell is never cut inside one.
                    if c.complete() {
                        "yes".to_string()
                    } else {
                        std::iter::once("no:".to_string())
                            .chain(c.incomplete_reasons().into_iter().map(terminal))
                            .collect::<Vec<_>>()
                            .join("\n")
                    },
                ]
                .into_iter()
                .map(GridCell::plain)
                .collect()
            })
            .collect();
        let mut table = Vec::new();
        draw(&mut table, &HEADER, &rows, width).expect("writing to memory");
        out.push_str(&String::from_utf8(table).expect("the table is text"));
        out.push_str(&paths_section(
            "who can administer, across the fleet:",
            &access_view(clusters),
            true,
        ));
        out.push_str(&paths_section(
            "who could make themselves administrators (IAM, before SCPs):",
            &super::latent_view(clusters),
            false,
        ));
        let former = super::former_admins_view(clusters);
        if !former.is_empty() {
            out.push_str("who had administrator power in CloudTrail's window, gone now:\n");
            for (arn, grants) in &former {
                out.push_str(&format!("  {}\n", terminal(arn)));
                for grant in grants {
                    out.push_str(&format!(
                        "    {}: {} — by {} at {} (event {})\n",
                        terminal(&grant.cluster),
                        terminal(&grant.what),
                        terminal(&grant.actor),
                        terminal(&grant.time),
                        terminal(&grant.event_id)
                    ));
                }
            }
        }
        for item in not_audited {
            out.push_str(&format!(
                "not audited: {}: {}: {}\n",
                terminal(&item.target()),
                item.reason,
                terminal(&item.detail)
            ));
        }
        for (arn, creator) in self.config_map_clusters() {
            out.push_str(&format!(
            "still in CONFIG_MAP (its creator holds system:masters invisibly): {} — creator {}\n",
            terminal(arn),
            terminal(&creator)
        ));
        }
        for item in self.skipped {
            out.push_str(&format!(
                "skipped: account {}, region {}: {}\n",
                terminal(&item.account),
                terminal(&item.region),
                terminal(&item.reason)
            ));
        }
        if let Some(drift) = drift {
            out.push_str(&drift.text());
        }
        out
    }
}

/// One principal a line, each way with its cluster: `title`, then nothing when `view` is empty.
/// `with_tier` says the tier before the way in (the administrators'; a latent one's is always
/// cluster-admin).
fn paths_section(
    title: &str,
    view: &std::collections::BTreeMap<String, Vec<super::AdminPath>>,
    with_tier: bool,
) -> String {
    if view.is_empty() {
        return String::new();
    }
    let mut out = format!("{title}\n");
    for (arn, paths) in view {
        out.push_str(&format!(
            "  {} — {} cluster(s)\n",
            terminal(arn),
            paths.len()
        ));
        for path in paths {
            let tier = if with_tier {
                format!("{} via ", terminal(path.tier.as_str()))
            } else {
                String::new()
            };
            out.push_str(&format!(
                "    {}: {tier}{} ({})\n",
                terminal(&path.cluster),
                terminal(&path.source.to_string()),
                terminal(&path.why)
            ));
        }
    }
    out
}
