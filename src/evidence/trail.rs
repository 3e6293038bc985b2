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
