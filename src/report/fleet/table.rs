//! The fleet as a person reads it in a terminal.

use super::{FleetView, access_view};
use crate::infra::escape::terminal;

/// The fleet as a person reads it.
impl FleetView<'_> {
    pub fn table(&self) -> String {
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
            let complete = c.completeness();
            rows.add_row([
                terminal(&c.account),
                terminal(&c.region),
                terminal(&c.cluster),
                terminal(cluster["authentication_mode"].as_str().unwrap_or("unknown")),
                terminal(cluster["kubernetes_version"].as_str().unwrap_or("")),
                c.admins_label(Some("cluster-admin")),
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
