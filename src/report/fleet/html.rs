//! The fleet as one HTML page: what could not be checked first, one row per cluster with its
//! verdict and a link to its section, the fleet access view (a principal that administers many
//! clusters, at a glance), the clusters still in `CONFIG_MAP`, what changed since the
//! baseline, then each cluster's section as `cluster --format html` shows it.

use crate::rules::finding::Severity;
use std::collections::BTreeSet;

use super::{FleetView, access_view};
use crate::report::html::audit::{self, Outcome};
use crate::report::html::page::{coverage_banner, document, esc, facts, sortable_table_head};
use crate::report::html::view::AuditView;

/// A fleet with more clusters than this shows each cluster's section folded.
const FOLD_CLUSTERS_ABOVE: usize = 3;

/// What a cluster's own exit code means in the fleet's table.
fn meaning(exit: u8) -> &'static str {
    match exit {
        0 => "clean",
        1 => "findings at or above --fail-on",
        3 => "incomplete",
        _ => "error",
    }
}

impl FleetView<'_> {
    /// The fleet's page; `written` is when (RFC 3339), the caller's to say.
    pub fn html(&self, written: &str) -> String {
        let complete = self.clusters.iter().filter(|c| c.complete()).count();
        let mut body = format!(
            "<header>\n<h1>aws-auth-audit: who can get into the fleet</h1>\n{}</header>\n",
            facts(&[
                (
                    "Clusters audited",
                    format!("{} ({complete} complete)", self.clusters.len())
                ),
                ("Targets not audited", self.not_audited.len().to_string()),
                ("Regions skipped", self.skipped.len().to_string()),
                ("When", format!("report written {written}")),
            ])
        );
        let incomplete: Vec<String> = self
            .not_audited
            .iter()
            .map(|item| format!("{}: {}: {}", item.target(), item.reason, item.detail))
            .chain(self.clusters.iter().filter(|c| !c.complete()).map(|c| {
                format!(
                    "{}: some checks could not be done (see its section)",
                    c.arn()
                )
            }))
            .collect();
        body.push_str(&coverage_banner(
            "coverage",
            "Coverage complete: every target in scope was audited completely.",
            &format!(
                "Incomplete: {} target(s) could not be checked completely",
                incomplete.len()
            ),
            "What could not be checked is not a pass.",
            &incomplete,
        ));
        body.push_str(&format!(
            "<p class=\"verdict exit-{0}\">Verdict: exit {0} — {1}</p>\n",
            self.exit,
            meaning(self.exit)
        ));
        body.push_str(&self.cluster_table());
        body.push_str(&self.admin_view());
        body.push_str(&self.latent_and_former_view());
        let legacy = self.config_map_clusters();
        if !legacy.is_empty() {
            body.push_str("<h2>Still in CONFIG_MAP</h2>\n<p>The creator holds system:masters invisibly and unrevocably.</p>\n<ul>\n");
            for (arn, creator) in legacy {
                body.push_str(&format!(
                    "<li><code>{}</code> — creator <code>{}</code></li>\n",
                    esc(arn),
                    esc(&creator)
                ));
            }
            body.push_str("</ul>\n");
        }
        if !self.skipped.is_empty() {
            body.push_str("<h2>Skipped (not an error)</h2>\n<ul>\n");
            for item in self.skipped {
                body.push_str(&format!(
                    "<li>account {}, region {}: {}</li>\n",
                    esc(&item.account),
                    esc(&item.region),
                    esc(&item.reason)
                ));
            }
            body.push_str("</ul>\n");
        }
        if let Some(drift) = self.drift {
            body.push_str(&format!("<h2>Since {}</h2>\n<ul>\n", esc(&drift.baseline)));
            for (what, items) in drift.lists() {
                for item in items {
                    body.push_str(&format!("<li>{what}: {}</li>\n", esc(item)));
                }
            }
            for (cluster, new) in &drift.findings_new {
                body.push_str(&format!(
                    "<li>{} new finding(s) on {}</li>\n",
                    new.len(),
                    esc(cluster)
                ));
            }
            for (cluster, fixed) in &drift.findings_fixed {
                body.push_str(&format!(
                    "<li>{} finding(s) fixed on {}</li>\n",
                    fixed.len(),
                    esc(cluster)
                ));
            }
            body.push_str("</ul>\n");
        }
        let mut codes = BTreeSet::new();
        for (i, line) in self.clusters.iter().enumerate() {
            let view = AuditView::of(&line.report);
            codes.extend(view.findings.iter().map(|f| f.code.to_string()));
            // A large fleet's clusters are folded (the table links to each, and opens it).
            body.push_str(&format!(
                "<details class=\"cluster\" id=\"c{i}\"{open}><summary><h2>{arn} <span class=\"muted\">— exit {exit}: {meaning}</span></h2></summary>\n{header}",
                open = if self.clusters.len() > FOLD_CLUSTERS_ABOVE { "" } else { " open" },
                arn = esc(line.arn()),
                exit = line.exit,
                meaning = meaning(line.exit),
                header = audit::header(
                    &view,
                    (
                        "Where",
                        format!("account {}, region {}", line.account, line.region)
                    )
                )
            ));
            let outcome = Outcome {
                exit: line.exit,
                meaning: format!("{} (this cluster alone)", meaning(line.exit)),
                threshold: view.threshold(),
            };
            body.push_str(&audit::body(&view, &format!("c{i}"), Some(&outcome), 3));
            body.push_str("</details>\n");
        }
        body.push_str(&audit::rules_appendix(&codes));
        document("aws-auth-audit: fleet", &body)
    }

    /// One row per cluster: where, mode, verdict, administrators, findings; linked to its
    /// section.
    fn cluster_table(&self) -> String {
        let mut out = format!(
            "<h2>Clusters ({})</h2>\n{}",
            self.clusters.len(),
            sortable_table_head(
                "clusters",
                "Filter clusters",
                self.clusters.len(),
                &[
                    "cluster",
                    "account",
                    "region",
                    "mode",
                    "verdict",
                    "administrators",
                    "hidden creator",
                    "critical",
                    "high",
                    "medium",
                    "low",
                    "complete",
                ],
            )
        );
        for (i, c) in self.clusters.iter().enumerate() {
            out.push_str(&format!(
                "<tr class=\"cluster-row exit-{exit}\"><td><a href=\"#c{i}\">{name}</a></td><td>{account}</td><td>{region}</td><td>{mode}</td><td data-sort=\"{exit}\">exit {exit}: {meaning}</td><td>{admins}</td><td>{hidden}</td><td>{critical}</td><td>{high}</td><td>{medium}</td><td>{low}</td><td>{complete}</td></tr>\n",
                exit = c.exit,
                name = esc(&c.cluster),
                account = esc(&c.account),
                region = esc(&c.region),
                mode = esc(&c.mode_label()),
                meaning = meaning(c.exit),
                admins = esc(&c.admins_label(None)),
                hidden = if c.hidden_creator() { "yes" } else { "no" },
                critical = c.failing(Severity::Critical),
                high = c.failing(Severity::High),
                medium = c.failing(Severity::Medium),
                low = c.failing(Severity::Low),
                complete = esc(&c.completeness()),
            ));
        }
        out.push_str("</tbody></table></div>\n");
        out
    }

    /// Who could make themselves administrators (IAM, before SCPs), and who had administrator
    /// power within CloudTrail's window that is gone now — each said only when there is one.
    fn latent_and_former_view(&self) -> String {
        let mut out = String::new();
        let latent = super::latent_view(self.clusters);
        if !latent.is_empty() {
            out.push_str(&format!(
                "<h2>Who could make themselves administrators ({} principal(s))</h2>\n<p>What IAM allows them, before SCPs and permission boundaries of other accounts.</p>\n<div class=\"scroll\"><table id=\"fleet-latent\"><thead><tr><th scope=\"col\">principal</th><th scope=\"col\">how</th></tr></thead>\n<tbody>\n",
                latent.len()
            ));
            for (arn, paths) in &latent {
                let how: Vec<String> = paths
                    .iter()
                    .map(|p| esc(&format!("{}: {}", p.cluster, p.why)))
                    .collect();
                out.push_str(&format!(
                    "<tr class=\"fleet-latent\"><td class=\"mono\">{}</td><td>{}</td></tr>\n",
                    esc(arn),
                    how.join("<br>")
                ));
            }
            out.push_str("</tbody></table></div>\n");
        }
        let former = super::former_admins_view(self.clusters);
        if !former.is_empty() {
            out.push_str(&format!(
                "<h2>Who had administrator power, gone now ({} principal(s))</h2>\n<p>Within CloudTrail's 90-day window: an administrator's access granted, then taken away.</p>\n<div class=\"scroll\"><table id=\"fleet-former\"><thead><tr><th scope=\"col\">principal</th><th scope=\"col\">cluster</th><th scope=\"col\">what</th><th scope=\"col\">by</th><th scope=\"col\">when</th></tr></thead>\n<tbody>\n",
                former.len()
            ));
            for (arn, grants) in &former {
                for grant in grants {
                    out.push_str(&format!(
                        "<tr class=\"fleet-former\"><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td title=\"event {}\">{}</td></tr>\n",
                        esc(arn),
                        esc(&grant.cluster),
                        esc(&grant.what),
                        esc(&grant.actor),
                        esc(&grant.event_id),
                        esc(&grant.time)
                    ));
                }
            }
            out.push_str("</tbody></table></div>\n");
        }
        out
    }

    /// Every principal with admin power anywhere, most clusters first.
    fn admin_view(&self) -> String {
        let view = access_view(self.clusters);
        let mut principals: Vec<_> = view.iter().collect();
        principals.sort_by_key(|(arn, paths)| (std::cmp::Reverse(paths.len()), *arn));
        let mut out = format!(
            "<h2>Who can administer, across the fleet ({} principal(s))</h2>\n",
            principals.len()
        );
        if principals.is_empty() {
            out.push_str("<p>No principal holds admin or cluster-admin power in effect.</p>\n");
            return out;
        }
        out.push_str("<div class=\"scroll\"><table class=\"sortable\" id=\"fleet-admins\"><thead><tr><th scope=\"col\"><button type=\"button\">principal</button></th><th scope=\"col\"><button type=\"button\">clusters</button></th><th scope=\"col\">how</th></tr></thead>\n<tbody>\n");
        for (arn, paths) in principals {
            let clusters: BTreeSet<&str> = paths.iter().map(|p| p.cluster.as_str()).collect();
            let how: Vec<String> = paths
                .iter()
                .map(|p| format!("{}: {} via {} ({})", p.cluster, p.tier, p.source, p.why))
                .collect();
            out.push_str(&format!(
                "<tr class=\"fleet-admin\"><td class=\"mono\">{}</td><td data-sort=\"{n}\">{n}</td><td>{}</td></tr>\n",
                esc(arn),
                how.iter().map(|h| esc(h)).collect::<Vec<_>>().join("<br>"),
                n = clusters.len(),
            ));
        }
        out.push_str("</tbody></table></div>\n");
        out
    }
}
