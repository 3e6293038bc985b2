//! The fleet as Markdown, for a job summary or a ticket: what could not be checked first, then
//! one row per cluster, who can administer across the fleet, who could make themselves
//! administrators, who had administrator power in CloudTrail's window that is gone now, the
//! clusters still in `CONFIG_MAP`, and what changed since the baseline.

use super::{FleetView, access_view};
use crate::infra::escape::markdown;
use crate::model::access::Tier;
use crate::rules::finding::Severity;

impl FleetView<'_> {
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "## aws-auth-audit scan\n\n{} cluster(s) audited ({} complete), {} target(s) not audited, exit {}.\n",
            self.clusters.len(),
            self.clusters.iter().filter(|c| c.complete()).count(),
            self.not_audited.len(),
            self.exit
        );
        if let Some(census) = self.census {
            out.push_str(&format!("\nTargets: {}.\n", markdown(&census.line())));
        }
        if !self.not_audited.is_empty() {
            out.push_str("\n> **Incomplete.** These could not be checked:\n>\n");
            for item in self.not_audited {
                out.push_str(&format!(
                    "> - {}: {}: {}\n",
                    markdown(&item.target()),
                    markdown(&item.reason),
                    markdown(&item.detail)
                ));
            }
        }
        out.push_str(
            "\n| account | region | cluster | mode | version | cluster-admins | hidden creator | findings (critical/high/medium/low) | complete |\n|---|---|---|---|---|---|---|---|---|\n",
        );
        for c in self.clusters {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {}/{}/{}/{} | {} |\n",
                markdown(&c.account),
                markdown(&c.region),
                markdown(&c.cluster),
                markdown(&c.mode_label()),
                markdown(c.kubernetes_version()),
                c.admins_label(Some(Tier::ClusterAdmin)),
                if c.hidden_creator() { "yes" } else { "no" },
                c.failing(Severity::Critical),
                c.failing(Severity::High),
                c.failing(Severity::Medium),
                c.failing(Severity::Low),
                markdown(&c.completeness())
            ));
        }
        let view = access_view(self.clusters);
        out.push_str(&paths_table(
            "Who can administer, across the fleet",
            &view,
            |p| {
                format!(
                    "{}: {} via {}",
                    markdown(&p.cluster),
                    markdown(p.tier.as_str()),
                    markdown(&p.source.to_string())
                )
            },
        ));
        out.push_str(&paths_table(
            "Who could make themselves administrators — IAM, before SCPs",
            &super::latent_view(self.clusters),
            |p| format!("{}: {}", markdown(&p.cluster), markdown(&p.why)),
        ));
        let former = super::former_admins_view(self.clusters);
        if !former.is_empty() {
            out.push_str(&format!(
                "\n<details><summary>Who had administrator power in CloudTrail's window, gone now ({} principal(s))</summary>\n\n| principal | cluster | what | by | when | event |\n|---|---|---|---|---|---|\n",
                former.len()
            ));
            for (arn, grants) in &former {
                for grant in grants {
                    out.push_str(&format!(
                        "| {} | {} | {} | {} | {} | {} |\n",
                        markdown(arn),
                        markdown(&grant.cluster),
                        markdown(&grant.what),
                        markdown(&grant.actor),
                        markdown(&grant.time),
                        markdown(&grant.event_id)
                    ));
                }
            }
            out.push_str("\n</details>\n");
        }
        let legacy = self.config_map_clusters();
        if !legacy.is_empty() {
            out.push_str("\n**Still in `CONFIG_MAP`** (the creator holds `system:masters` invisibly and unrevocably):\n\n");
            for (arn, creator) in legacy {
                out.push_str(&format!(
                    "- {} — creator {}\n",
                    markdown(arn),
                    markdown(&creator)
                ));
            }
        }
        if !self.skipped.is_empty() {
            out.push_str("\nSkipped (not an error):\n\n");
            for item in self.skipped {
                out.push_str(&format!(
                    "- account {}, region {}: {}\n",
                    markdown(&item.account),
                    markdown(&item.region),
                    markdown(&item.reason)
                ));
            }
        }
        if let Some(drift) = self.drift {
            out.push_str(&format!("\n### Since {}\n\n", markdown(&drift.baseline)));
            let mut any = false;
            for (what, items) in drift.lists() {
                for item in items {
                    any = true;
                    out.push_str(&format!("- {what}: {}\n", markdown(item)));
                }
            }
            for (cluster, new) in &drift.findings_new {
                any = true;
                out.push_str(&format!(
                    "- {} new finding(s) on {}\n",
                    new.len(),
                    markdown(cluster)
                ));
            }
            for (cluster, fixed) in &drift.findings_fixed {
                any = true;
                out.push_str(&format!(
                    "- {} finding(s) fixed on {}\n",
                    fixed.len(),
                    markdown(cluster)
                ));
            }
            if !any {
                out.push_str("No change.\n");
            }
        }
        out
    }
}

/// A folded table of principals and their ways (`how` says each), or nothing when there is none.
fn paths_table(
    title: &str,
    view: &std::collections::BTreeMap<String, Vec<super::AdminPath>>,
    how: impl Fn(&super::AdminPath) -> String,
) -> String {
    if view.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n<details><summary>{title} ({} principal(s))</summary>\n\n| principal | clusters | how |\n|---|---|---|\n",
        view.len()
    );
    for (arn, paths) in view {
        let ways: Vec<String> = paths.iter().map(&how).collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            markdown(arn),
            paths.len(),
            ways.join("<br>")
        ));
    }
    out.push_str("\n</details>\n");
    out
}
