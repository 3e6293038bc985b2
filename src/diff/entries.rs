//! What a change does to access entries and the mode — an entry added, removed or changed, a
//! node-type entry removed, the authentication mode switched — and, with an organisation
//! policy, an administrator it does not allow or an expected one that loses its path.

use std::collections::BTreeMap;

use super::{Side, Verdict, VerdictKind, grants, groups_text};
use crate::evidence::AuthenticationMode;
use crate::judge::result::CheckResult;
use crate::rules::finding::{Finding, Location, Severity, Status};

/// The access-entry rows of a version's access matrix (snapshots and plans), by lower-cased
/// principal ARN.
fn entry_rows(result: &CheckResult) -> BTreeMap<String, &crate::model::access::Principal> {
    result
        .live
        .iter()
        .flat_map(|l| &l.principals)
        .filter(|p| p.source.is_access_entry())
        .map(|p| (p.arn.to_lowercase(), p))
        .collect()
}

fn entry_location(p: &crate::model::access::Principal) -> Location {
    Location {
        route: format!("access-entry {}", p.arn),
        ..Location::default()
    }
}

fn policies_text(p: &crate::model::access::Principal) -> String {
    if p.policies.is_empty() {
        "no access policy".to_string()
    } else {
        p.policies.join("; ")
    }
}

/// What the change does against the organisation policy: an administrator it does not allow,
/// an expected administrator that loses its path — each a failing verdict naming the policy line.
pub(super) fn policy_verdicts(new: &[Finding], verdicts: &mut Vec<Verdict>) {
    for finding in new.iter().filter(|f| f.status == Status::Fail) {
        let (kind, what) = match finding.code {
            "EA501" => (
                VerdictKind::PolicyAdminGranted,
                "gives administrator power the organisation policy does not allow",
            ),
            "EA502" => (
                VerdictKind::PolicyAdminLost,
                "takes away an expected administrator's path",
            ),
            _ => continue,
        };
        verdicts.push(Verdict {
            kind,
            severity: Severity::High,
            principal: finding.principal.clone(),
            message: format!("{what}: {}", finding.message),
            location: finding.location.clone(),
            side: Side::Head,
        });
    }
}

/// Access entries added, removed, changed; a node-type entry removed; the mode changed.
pub(super) fn entry_verdicts(base: &CheckResult, head: &CheckResult, verdicts: &mut Vec<Verdict>) {
    let (before, after) = (entry_rows(base), entry_rows(head));
    for (key, old) in &before {
        let node_type = !matches!(
            old.source,
            crate::model::access::PrincipalSource::AccessEntry(
                crate::evidence::AccessEntryType::Standard
            )
        );
        match after.get(key) {
            None if node_type => verdicts.push(Verdict {
                kind: VerdictKind::NodeRoleDropped,
                severity: Severity::Critical,
                principal: Some(old.arn.clone()),
                message: format!(
                    "removes the {} for {}: nodes using the role can no longer join (unless aws-auth maps it, in a mode that reads aws-auth)",
                    old.source, old.arn
                ),
                location: entry_location(old),
                side: Side::Base,
            }),
            None => verdicts.push(Verdict {
                kind: VerdictKind::Removed,
                severity: Severity::Info,
                principal: Some(old.arn.clone()),
                message: format!("removes the access entry of {} ({})", old.arn, policies_text(old)),
                location: entry_location(old),
                side: Side::Base,
            }),
            Some(new) if new.groups != old.groups || new.policies != old.policies || new.username != old.username => {
                let mut parts = Vec::new();
                if new.policies != old.policies {
                    parts.push(format!("policies {} → {}", policies_text(old), policies_text(new)));
                }
                if new.groups != old.groups {
                    parts.push(format!("groups {} → {}", groups_text(&old.groups), groups_text(&new.groups)));
                }
                if new.username != old.username {
                    parts.push(format!("username `{}` → `{}`", old.username, new.username));
                }
                verdicts.push(Verdict {
                    kind: VerdictKind::Changed,
                    severity: Severity::Info,
                    principal: Some(new.arn.clone()),
                    message: format!("changes the access entry of {}: {}", new.arn, parts.join("; ")),
                    location: entry_location(new),
                    side: Side::Head,
                });
            }
            Some(_) => {}
        }
    }
    for (key, new) in &after {
        if !before.contains_key(key) {
            verdicts.push(Verdict {
                kind: VerdictKind::Added,
                severity: Severity::Info,
                principal: Some(new.arn.clone()),
                message: format!(
                    "adds an access entry for {} ({}; power {})",
                    new.arn,
                    policies_text(new),
                    new.tier.as_str()
                ),
                location: entry_location(new),
                side: Side::Head,
            });
        }
    }
    let mode = |r: &CheckResult| {
        r.live
            .as_ref()
            .and_then(|l| l.cluster.authentication_mode.clone())
    };
    if let (Some(old), Some(new)) = (mode(base), mode(head))
        && old != new
    {
        let rows = head.documents.first().map_or(0, |d| grants(d).len());
        let (severity, consequence) = match new {
            AuthenticationMode::Api if rows > 0 => (
                Severity::High,
                format!("aws-auth is ignored from now on: its {rows} mapping(s) stop granting anything, and the switch cannot be undone"),
            ),
            AuthenticationMode::Api => (Severity::Medium, "aws-auth is ignored from now on, and the switch cannot be undone".to_string()),
            _ => (
                Severity::Medium,
                "access entries now apply, and win over the same principal's aws-auth row; EKS materialises the creator's admin as an entry; the switch cannot be undone".to_string(),
            ),
        };
        verdicts.push(Verdict {
            kind: VerdictKind::ModeChanged,
            severity,
            principal: None,
            message: format!("switches the authentication mode {old} → {new}: {consequence}"),
            location: Location {
                route: "aws_eks_cluster access_config.authentication_mode".to_string(),
                ..Location::default()
            },
            side: Side::Head,
        });
    }
}
