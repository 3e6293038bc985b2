//! The cluster's Kubernetes audit log, as far as aws-auth goes: every write of
//! `kube-system/aws-auth` (create, update, patch, delete) with who made it and, where the
//! request carried it, the ConfigMap's `data` after it — so successive edits tell which row
//! each one added or removed. Read from CloudWatch Logs where the cluster sends its audit log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Unknown;

/// The writes of aws-auth within the window read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditLog {
    /// RFC 3339.
    pub window_start: String,
    pub window_end: String,
    /// Oldest first.
    pub writes: Vec<AwsAuthWrite>,
    /// Set when the read stopped early (throttled, denied at a later page, the page limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<Unknown>,
}

/// One write of `kube-system/aws-auth` the API server accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AwsAuthWrite {
    pub audit_id: String,
    /// RFC 3339 (`requestReceivedTimestamp`).
    pub time: String,
    /// `create`, `update`, `patch`, `delete`.
    pub verb: String,
    /// The Kubernetes username (`user.username`).
    pub username: String,
    /// The IAM principal behind it (`user.extra.canonicalArn`, else `user.extra.arn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The ConfigMap's `data` keys the request set (every key for a create or an update; the
    /// keys a patch names); `None` when the request body was not logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<BTreeMap<String, String>>,
}

impl AwsAuthWrite {
    /// `arn:aws:iam::1:role/Ops (username ops:alice, session alice, from 203.0.113.9)`.
    pub fn describe(&self) -> String {
        let mut extra = vec![format!("username {}", self.username)];
        if let Some(session) = &self.session_name {
            extra.push(format!("session {session}"));
        }
        if let Some(ip) = &self.source_ip {
            extra.push(format!("from {ip}"));
        }
        match &self.arn {
            Some(arn) => format!("{arn} ({})", extra.join(", ")),
            None => extra.join(", "),
        }
    }
}
