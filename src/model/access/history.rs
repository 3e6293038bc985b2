//! Who granted each access entry and policy association, and what changed within CloudTrail's
//! window: the cluster's EKS events (`evidence::Trail`) set beside the entries that exist now.
//! An event is matched to the entry that exists now by its principal and time; a grant whose
//! entry or association is gone (deleted, disassociated, replaced) is history — "who had access
//! that is gone now". Pure.

use crate::evidence::{AccessEntry, AccessEntryType, Fetched, Trail, TrailEvent};
use crate::infra::time::parse_secs as seconds;
use crate::model::iam::Wanted;
use crate::model::policies::access_policies;

/// How far apart an entry's `createdAt` and its `CreateAccessEntry` event may be and still be
/// the same creation.
const SAME_CREATION_SECS: i64 = 600;

/// One change to who may get in, as CloudTrail recorded it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct HistoryItem {
    /// RFC 3339.
    pub time: String,
    /// The EKS API call (`CreateAccessEntry`, `AssociateAccessPolicy`, `UpdateClusterConfig`, …).
    pub event: String,
    /// What it did, in words.
    pub what: String,
    /// The IAM principal it granted to or took from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Who called, in words (role with path, session, source identity, Identity Center user).
    pub actor: String,
    /// The calling principal's ARN (a session's issuing role with its path, the IAM user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_arn: Option<String>,
    pub event_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// What it granted is gone now (the entry deleted or re-created, the policy disassociated).
    pub gone: bool,
    /// It granted, or removed, administrator power (an admin-tier access policy).
    pub admin: bool,
}

/// Whether `principal` (an event's) is `arn`: the same IAM principal, ARNs compared as IAM
/// names them (by account, kind and name), else exactly.
fn same_principal(principal: Option<&str>, arn: &str) -> bool {
    let Some(principal) = principal else {
        return false;
    };
    match (Wanted::from_arn(principal), Wanted::from_arn(arn)) {
        (Some(a), Some(b)) => a == b,
        _ => principal == arn,
    }
}

/// Whether an event is about `arn`.
fn about(event: &TrailEvent, arn: &str) -> bool {
    same_principal(event.principal_arn.as_deref(), arn)
}

impl HistoryItem {
    /// What a reader is told of it beside its text: `admin` (an administrator's grant or
    /// removal), `gone now` (what it granted no longer exists).
    pub fn marks(&self) -> Vec<&'static str> {
        let mut marks = Vec::new();
        if self.admin {
            marks.push("admin");
        }
        if self.gone {
            marks.push("gone now");
        }
        marks
    }

    /// Whether it granted (or took) access of `arn` (the same IAM principal).
    pub fn is_about(&self, arn: &str) -> bool {
        same_principal(self.principal.as_deref(), arn)
    }

    /// Whether it granted something that is still there: an entry or an admin association
    /// not since removed.
    pub fn grants_now(&self) -> bool {
        !self.gone
            && matches!(
                self.event.as_str(),
                "CreateAccessEntry" | "AssociateAccessPolicy" | "UpdateAccessEntry"
            )
    }
}

fn admin_policy(policy_arn: Option<&str>) -> bool {
    policy_arn
        .and_then(|arn| access_policies().find(arn))
        .is_some_and(|p| matches!(p.tier.as_str(), "cluster-admin" | "admin"))
}

fn policy_name(policy_arn: Option<&str>) -> &str {
    policy_arn
        .map(|arn| arn.rsplit('/').next().unwrap_or(arn))
        .unwrap_or("an access policy")
}

/// Whether a later event of `names` is about the same principal (and, given, the same policy).
fn undone_later(
    trail: &Trail,
    index: usize,
    names: &[&str],
    principal: &str,
    policy: Option<&str>,
) -> bool {
    trail.events[index + 1..].iter().any(|e| {
        e.error_code.is_none()
            && names.contains(&e.event_name.as_str())
            && about(e, principal)
            && (policy.is_none()
                || e.event_name == "DeleteAccessEntry"
                || e.policy_arn.as_deref() == policy)
    })
}

/// The cluster's access history within the window, oldest first: every successful event that
/// created, changed or removed a way in or the mode, with whether what it granted is gone now.
pub fn of_cluster(trail: &Trail, entries: &[AccessEntry]) -> Vec<HistoryItem> {
    let current = |arn: &str| {
        entries
            .iter()
            .find(|e| same_principal(Some(&e.principal_arn), arn))
    };
    let associated = |arn: &str, policy: Option<&str>| {
        current(arn).is_some_and(|e| match &e.policies {
            Fetched::Found(policies) => policies
                .iter()
                .any(|p| Some(p.policy_arn.as_str()) == policy),
            _ => true,
        })
    };
    let mut out = Vec::new();
    for (index, event) in trail.events.iter().enumerate() {
        if event.error_code.is_some() {
            continue;
        }
        let principal = event.principal_arn.as_deref();
        let who = principal.unwrap_or("an unnamed principal");
        let policy = event.policy_arn.as_deref();
        let (what, gone, admin) = match event.event_name.as_str() {
            "CreateAccessEntry" => {
                let groups = if event.kubernetes_groups.is_empty() {
                    String::new()
                } else {
                    format!(" in groups [{}]", event.kubernetes_groups.join(", "))
                };
                let gone = principal.is_none_or(|p| {
                    current(p).is_none()
                        || undone_later(trail, index, &["DeleteAccessEntry"], p, None)
                });
                (
                    format!("created an access entry for {who}{groups}"),
                    gone,
                    false,
                )
            }
            "UpdateAccessEntry" => (
                format!(
                    "changed the access entry of {who}{}",
                    if event.kubernetes_groups.is_empty() {
                        String::new()
                    } else {
                        format!(" (groups [{}])", event.kubernetes_groups.join(", "))
                    }
                ),
                principal.is_none_or(|p| current(p).is_none()),
                false,
            ),
            "DeleteAccessEntry" => (format!("deleted the access entry of {who}"), false, false),
            "AssociateAccessPolicy" => {
                let gone = principal.is_none_or(|p| {
                    !associated(p, policy)
                        || undone_later(
                            trail,
                            index,
                            &["DisassociateAccessPolicy", "DeleteAccessEntry"],
                            p,
                            policy,
                        )
                });
                (
                    format!(
                        "associated {} ({}) with {who}",
                        policy_name(policy),
                        event
                            .access_scope
                            .as_deref()
                            .unwrap_or("scope not recorded")
                    ),
                    gone,
                    admin_policy(policy),
                )
            }
            "DisassociateAccessPolicy" => (
                format!("disassociated {} from {who}", policy_name(policy)),
                false,
                admin_policy(policy),
            ),
            "UpdateClusterConfig" => match &event.authentication_mode {
                Some(mode) => (
                    format!("switched the authentication mode to {mode}"),
                    false,
                    false,
                ),
                None => continue,
            },
            "CreateCluster" => (
                format!(
                    "created the cluster{}",
                    event
                        .authentication_mode
                        .as_deref()
                        .map_or(String::new(), |m| format!(" in mode {m}"))
                ),
                false,
                true,
            ),
            other => (format!("{other} for {who}"), false, false),
        };
        out.push(HistoryItem {
            time: event.event_time.clone(),
            event: event.event_name.clone(),
            what,
            principal: event.principal_arn.clone(),
            actor: event.actor.describe(),
            actor_arn: event.actor.principal.clone(),
            event_id: event.event_id.clone(),
            source_ip: event.source_ip.clone(),
            user_agent: event.user_agent.clone(),
            gone,
            admin,
        });
    }
    out
}

/// Every write of aws-auth in the audit log, as lines of the access history (which rows each
/// added and removed).
pub fn aws_auth_writes(
    log: &crate::evidence::AuditLog,
    doc: Option<&crate::model::awsauth::document::AwsAuthDocument>,
) -> Vec<HistoryItem> {
    super::aws_auth_history::history_items(log, doc)
}

/// Who created an access entry that exists now, and who associated its policies, in words: the
/// `CreateAccessEntry` event that matches its principal and creation time, the latest
/// `AssociateAccessPolicy` of each policy it has — or why the actor is unknown (before the
/// window, CloudTrail unread or read in part, no matching event).
pub fn entry_provenance(entry: &AccessEntry, trail: Option<&Fetched<Trail>>) -> String {
    let created = entry.created_at.as_deref().map_or_else(
        || "access entry".to_string(),
        |t| format!("access entry created at {t}"),
    );
    let trail = match trail {
        Some(Fetched::Found(trail)) => trail,
        Some(Fetched::Unknown(u)) => {
            return format!(
                "{created} (EKS API); its actor not read: CloudTrail unknown({}): {}",
                u.reason.as_str(),
                u.detail
            );
        }
        Some(Fetched::Absent) | None => return format!("{created} (EKS API)"),
    };
    let events = |name: &'static str| {
        trail.events.iter().filter(move |e| {
            e.event_name == name && e.error_code.is_none() && about(e, &entry.principal_arn)
        })
    };
    let creation = events("CreateAccessEntry").next_back();
    let created_secs = entry.created_at.as_deref().and_then(seconds);
    let window_start = seconds(&trail.window_start);
    let mut said = match creation {
        Some(event) => {
            let matches = match (created_secs, seconds(&event.event_time)) {
                (Some(a), Some(b)) => (a - b).abs() <= SAME_CREATION_SECS,
                _ => true,
            };
            if matches {
                format!("{created} by {}{}", event.actor.describe(), origin(event))
            } else {
                format!(
                    "{created} (EKS API); the latest CreateAccessEntry for it in CloudTrail is at {} by {} — the times do not match (re-created since, or the event belongs to an earlier entry)",
                    event.event_time,
                    event.actor.describe()
                )
            }
        }
        None if entry.kind != AccessEntryType::Standard => format!(
            "{created} by EKS itself (entries of type {} are made by EKS for node groups, Fargate profiles or capabilities)",
            entry.kind
        ),
        None if created_secs
            .zip(window_start)
            .is_some_and(|(created, start)| created < start) =>
        {
            format!(
                "{created}, before CloudTrail's 90-day window (from {}): actor unknown",
                trail.window_start
            )
        }
        None => match &trail.incomplete {
            Some(u) => format!(
                "{created} (EKS API); actor unknown: CloudTrail was read in part: unknown({}): {}",
                u.reason.as_str(),
                u.detail
            ),
            None if created_secs.is_some() => format!(
                "{created} (EKS API); no CloudTrail event names its creator, though the window covers it (a mismatch)"
            ),
            None => format!(
                "{created} (EKS API); no CloudTrail event in the window (from {}) names its creator: created before it, or not recorded",
                trail.window_start
            ),
        },
    };
    if let Fetched::Found(policies) = &entry.policies {
        for policy in policies {
            let association = events("AssociateAccessPolicy")
                .rfind(|e| e.policy_arn.as_deref() == Some(policy.policy_arn.as_str()));
            if let Some(event) = association {
                said.push_str(&format!(
                    "; {} associated at {} by {}",
                    policy_name(Some(&policy.policy_arn)),
                    event.event_time,
                    event.actor.describe()
                ));
            }
        }
    }
    said
}

fn origin(event: &TrailEvent) -> String {
    let mut parts = Vec::new();
    if let Some(ip) = &event.source_ip {
        parts.push(format!("from {ip}"));
    }
    if let Some(agent) = &event.user_agent {
        parts.push(format!("with {agent}"));
    }
    parts.push(format!("event {}", event.event_id));
    format!(" ({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{AccessScope, AssociatedPolicy, ScopeKind, TrailActor};

    const ADMIN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
    const CI: &str = "arn:aws:iam::111122223333:role/ci";

    fn event(name: &str, time: &str, policy: Option<&str>) -> TrailEvent {
        TrailEvent {
            event_id: format!("{name}-{time}"),
            event_name: name.into(),
            event_time: time.into(),
            principal_arn: Some(CI.into()),
            policy_arn: policy.map(str::to_string),
            access_scope: policy.map(|_| "cluster".into()),
            kubernetes_groups: Vec::new(),
            authentication_mode: None,
            actor: TrailActor {
                identity_type: "IAMUser".into(),
                principal: Some("arn:aws:iam::111122223333:user/ops".into()),
                ..Default::default()
            },
            source_ip: None,
            user_agent: None,
            error_code: None,
            bootstrap_creator_admin: None,
        }
    }

    fn trail(events: Vec<TrailEvent>) -> Trail {
        Trail {
            window_start: "2026-09-01T00:00:00Z".into(),
            window_end: "2026-11-30T00:00:00Z".into(),
            events,
            incomplete: None,
            pages: 1,
            carried_until: None,
        }
    }

    fn ci_entry(created_at: &str, policies: &[&str]) -> AccessEntry {
        AccessEntry {
            principal_arn: CI.into(),
            kind: AccessEntryType::Standard,
            username: None,
            kubernetes_groups: Vec::new(),
            created_at: Some(created_at.into()),
            policies: Fetched::Found(
                policies
                    .iter()
                    .map(|p| AssociatedPolicy {
                        policy_arn: p.to_string(),
                        scope: AccessScope {
                            kind: ScopeKind::Cluster,
                            namespaces: Vec::new(),
                        },
                        associated_at: None,
                    })
                    .collect(),
            ),
            unread: None,
        }
    }

    /// An entry created, given admin, deleted and created again without it: the first grant
    /// and its admin association are gone, the second creation is current — and the entry's
    /// provenance names the second creation, not the first.
    #[test]
    fn a_recreated_entry_leaves_the_first_grant_in_history() {
        let trail = trail(vec![
            event("CreateAccessEntry", "2026-10-01T00:00:00Z", None),
            event("AssociateAccessPolicy", "2026-10-01T00:01:00Z", Some(ADMIN)),
            event("DeleteAccessEntry", "2026-10-10T00:00:00Z", None),
            event("CreateAccessEntry", "2026-10-20T00:00:00Z", None),
        ]);
        let entries = [ci_entry("2026-10-20T00:00:30Z", &[])];
        let history = of_cluster(&trail, &entries);
        let marks: Vec<(&str, bool, bool)> = history
            .iter()
            .map(|h| (h.event.as_str(), h.gone, h.admin))
            .collect();
        assert_eq!(
            marks,
            [
                ("CreateAccessEntry", true, false),
                ("AssociateAccessPolicy", true, true),
                ("DeleteAccessEntry", false, false),
                ("CreateAccessEntry", false, false),
            ]
        );
        let said = entry_provenance(&entries[0], Some(&Fetched::Found(trail)));
        assert!(
            said.starts_with(
                "access entry created at 2026-10-20T00:00:30Z by arn:aws:iam::111122223333:user/ops"
            ),
            "{said}"
        );
    }

    #[test]
    fn why_an_actor_is_unknown_is_said() {
        let empty = Fetched::Found(trail(Vec::new()));
        let old = ci_entry("2026-01-01T00:00:00Z", &[ADMIN]);
        assert!(entry_provenance(&old, Some(&empty)).contains("before CloudTrail's 90-day window"));
        let recent = ci_entry("2026-10-05T00:00:00Z", &[ADMIN]);
        assert!(entry_provenance(&recent, Some(&empty)).contains("(a mismatch)"));
        let mut partial = trail(Vec::new());
        partial.incomplete = Some(crate::evidence::Unknown {
            reason: crate::evidence::UnknownReason::Throttled,
            detail: "throttled at page 3".into(),
        });
        assert!(
            entry_provenance(&recent, Some(&Fetched::Found(partial)))
                .contains("actor unknown: CloudTrail was read in part: unknown(throttled)")
        );
    }
}
