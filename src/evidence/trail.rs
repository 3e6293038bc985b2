//! CloudTrail's management events of EKS (`eks.amazonaws.com`) that grant, change or remove a
//! way into a cluster, and who called: what the audit read from one `LookupEvents` stream per
//! account and region, kept per cluster in its snapshot so a replay attributes the same way.

use serde::{Deserialize, Serialize};

use super::Unknown;

/// The EKS events of one cluster within CloudTrail's window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Trail {
    /// The window read (RFC 3339): CloudTrail's event history keeps 90 days.
    pub window_start: String,
    pub window_end: String,
    /// The cluster's events, oldest first.
    pub events: Vec<TrailEvent>,
    /// Set when the stream stopped early (throttled or denied at a later page, the page limit
    /// reached): events before `window_start`… are missing, and attribution says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<Unknown>,
    /// Pages of `LookupEvents` read for the account and region (shared by its clusters).
    #[serde(default)]
    pub pages: usize,
    /// With `scan --baseline`: the events before this instant (RFC 3339) were carried from the
    /// baseline's complete read of them, and CloudTrail was read only from shortly before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_until: Option<String>,
}

impl Trail {
    /// A read of the events since `newer.window_start` joined to an `earlier` complete read of
    /// the window before it: `earlier`'s events still inside the new window, then `newer`'s —
    /// an event both hold (the overlap read twice) once, as `newer` has it. The window is the
    /// new one, from `window_start` (CloudTrail's 90 days back from now) to `newer`'s end.
    pub fn carried_forward(earlier: &Trail, newer: Trail, window_start: &str) -> Trail {
        let since = newer.window_start.clone();
        let fresh: std::collections::BTreeSet<&str> =
            newer.events.iter().map(|e| e.event_id.as_str()).collect();
        let seconds = |t: &str| crate::infra::time::parse_secs(t).unwrap_or(0);
        let in_window = |t: &str| seconds(t) >= seconds(window_start);
        let mut events: Vec<TrailEvent> = earlier
            .events
            .iter()
            .filter(|e| in_window(&e.event_time) && !fresh.contains(e.event_id.as_str()))
            .cloned()
            .collect();
        events.extend(newer.events);
        // Oldest first, as a whole read keeps them (the sort is stable: ties keep their order).
        events.sort_by_key(|e| seconds(&e.event_time));
        Trail {
            window_start: window_start.to_string(),
            window_end: newer.window_end,
            events,
            incomplete: newer.incomplete,
            pages: newer.pages,
            carried_until: Some(since),
        }
    }
}

/// One EKS management event, as far as attribution needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrailEvent {
    pub event_id: String,
    /// `CreateAccessEntry`, `AssociateAccessPolicy`, `UpdateClusterConfig`, …
    pub event_name: String,
    /// RFC 3339.
    pub event_time: String,
    /// The IAM principal the call was about (`principalArn`, URL-decoded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_arn: Option<String>,
    /// `cluster`, or `namespace: a, b`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_scope: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kubernetes_groups: Vec<String>,
    /// The authentication mode asked for (`CreateCluster`, `UpdateClusterConfig`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_mode: Option<String>,
    pub actor: TrailActor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Set when the call failed: it granted nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// For `CreateCluster`: the `bootstrapClusterCreatorAdminPermissions` it asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_creator_admin: Option<bool>,
}

/// Who made a call (`userIdentity`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrailActor {
    /// `AssumedRole`, `IAMUser`, `Root`, `AWSService`, `IdentityCenterUser`, …
    pub identity_type: String,
    /// The principal: the role (with its path) that issued a session, the IAM user, the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The session's name (for Identity Center, usually the person's user name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// The Identity Center user the call was made on behalf of (its user id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// The AWS service that made the call for someone (`eks.amazonaws.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
}

impl TrailActor {
    /// Whether EKS itself made the call (its service-linked role, or a call it invoked): entries
    /// of node groups, Fargate profiles and capabilities.
    pub fn is_eks_itself(&self) -> bool {
        self.invoked_by.as_deref() == Some("eks.amazonaws.com")
            || self
                .principal
                .as_deref()
                .is_some_and(|p| p.contains("/AWSServiceRoleForAmazonEKS"))
    }

    /// `arn:aws:iam::1:role/Platform (session alice, source identity alice@corp)`.
    pub fn describe(&self) -> String {
        if self.is_eks_itself() {
            return "EKS itself (its service-linked role)".to_string();
        }
        let mut said = self
            .principal
            .clone()
            .unwrap_or_else(|| format!("an unnamed {} caller", self.identity_type));
        let mut extra = Vec::new();
        if let Some(session) = &self.session_name {
            extra.push(format!("session {session}"));
        }
        if let Some(source) = &self.source_identity {
            extra.push(format!("source identity {source}"));
        }
        if let Some(user) = &self.on_behalf_of {
            extra.push(format!("Identity Center user {user}"));
        }
        if let Some(service) = &self.invoked_by {
            extra.push(format!("through {service}"));
        }
        if !extra.is_empty() {
            said.push_str(&format!(" ({})", extra.join(", ")));
        }
        said
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, time: &str) -> TrailEvent {
        TrailEvent {
            event_id: id.into(),
            event_name: "CreateAccessEntry".into(),
            event_time: time.into(),
            principal_arn: None,
            policy_arn: None,
            access_scope: None,
            kubernetes_groups: Vec::new(),
            authentication_mode: None,
            actor: TrailActor::default(),
            source_ip: None,
            user_agent: None,
            error_code: None,
            bootstrap_creator_admin: None,
        }
    }

    fn trail(start: &str, end: &str, events: Vec<TrailEvent>) -> Trail {
        Trail {
            window_start: start.into(),
            window_end: end.into(),
            events,
            incomplete: None,
            pages: 1,
            carried_until: None,
        }
    }

    /// The earlier read's events still in the window, then the new ones; the overlap once;
    /// what fell out of CloudTrail's 90 days gone, as a whole read would have it.
    #[test]
    fn a_trail_carried_forward_is_what_a_whole_read_gives() {
        let earlier = trail(
            "2026-08-01T00:00:00Z",
            "2026-11-01T00:00:00Z",
            vec![
                event("too-old", "2026-08-15T00:00:00Z"),
                event("kept", "2026-10-01T00:00:00Z"),
                event("overlap", "2026-10-31T23:30:00Z"),
            ],
        );
        let newer = trail(
            "2026-10-31T23:00:00Z",
            "2026-12-07T00:00:00Z",
            vec![
                event("overlap", "2026-10-31T23:30:00Z"),
                event("new", "2026-12-01T00:00:00Z"),
            ],
        );
        let carried = Trail::carried_forward(&earlier, newer, "2026-09-08T00:00:00Z");
        let ids: Vec<&str> = carried.events.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["kept", "overlap", "new"]);
        assert_eq!(carried.window_start, "2026-09-08T00:00:00Z");
        assert_eq!(carried.window_end, "2026-12-07T00:00:00Z");
        assert_eq!(
            carried.carried_until.as_deref(),
            Some("2026-10-31T23:00:00Z")
        );
        assert!(carried.incomplete.is_none());
    }
}
