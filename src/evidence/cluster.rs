//! What EKS says of the cluster: DescribeCluster, its mode changes, the access policies it
//! offers, its access entries, node roles, and who created it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AccessEntryType, AuthenticationMode, CreatorSource, Fetched, ScopeKind, Unknown};

/// The cluster as DescribeCluster (or the kubeconfig context) named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClusterInfo {
    pub name: String,
    /// The cluster ARN; for a kubeconfig context without one, `context/NAME`.
    pub arn: String,
    pub endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_mode: Option<AuthenticationMode>,
    /// `accessConfig.bootstrapClusterCreatorAdminPermissions`: a creation-time record only
    /// (it stays `true` after the creator's entry is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_creator_admin: Option<bool>,
    /// When the cluster was created (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The cluster's tags (DescribeCluster): provenance hints such as
    /// `aws:cloudformation:stack-name` or eksctl's and Terraform's tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Whether the control plane's audit log goes to CloudWatch Logs (DescribeCluster's
    /// `logging`); `None` when not said (a kubeconfig context, an older snapshot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_log: Option<bool>,
}

/// One change of the cluster's authentication mode: an EKS update of type
/// `AccessConfigUpdate` (ListUpdates / DescribeUpdate). It dates a migration from
/// `CONFIG_MAP`, which is when EKS materialises the legacy creator's access entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ModeChange {
    pub id: String,
    /// `Successful`, `InProgress`, `Failed`, `Cancelled`.
    pub status: String,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The `AuthenticationMode` it asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<AuthenticationMode>,
}

/// An access policy EKS offers (ListAccessPolicies): names only; the API does not expose
/// what a policy grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OfferedPolicy {
    pub name: String,
    pub arn: String,
}

/// How the Kubernetes API was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Transport {
    /// `describe-cluster` (in-memory client) or `kubeconfig context NAME`.
    pub via: String,
    /// False when TLS verification was skipped on the user's explicit request: nothing read
    /// through it can be trusted to come from the cluster.
    pub tls_verified: bool,
    /// The AWS identity the bearer tokens were signed as (STS GetCallerIdentity), asked when the
    /// cluster rejected a token (HTTP 401): whom to grant access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_as: Option<String>,
}

/// Where an access policy applies: `cluster`, or `namespace` with names (wildcards allowed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccessScope {
    #[serde(rename = "type")]
    pub kind: ScopeKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

/// An access policy associated with an access entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AssociatedPolicy {
    pub policy_arn: String,
    pub scope: AccessScope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_at: Option<String>,
}

/// One EKS access entry (DescribeAccessEntry + ListAssociatedAccessPolicies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccessEntry {
    pub principal_arn: String,
    /// `STANDARD`, `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`, `HYBRID_LINUX`, `EC2`.
    #[serde(rename = "type")]
    pub kind: AccessEntryType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default)]
    pub kubernetes_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    pub policies: Fetched<Vec<AssociatedPolicy>>,
    /// Set when ListAccessEntries named this principal but DescribeAccessEntry failed: only
    /// the ARN is known, and the checks that need the rest say so for this entry alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<Unknown>,
}

/// A role that nodes or pods run as: a managed node group's node role, or a Fargate
/// profile's pod execution role. EKS must be able to map it, or they cannot join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NodeRole {
    /// `nodegroup NAME` or `fargate-profile NAME`.
    pub owner: String,
    pub role_arn: String,
}

/// Who created the cluster, and what it asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Creator {
    /// The IAM role (a session's issuer) or user that signed `CreateCluster`.
    pub arn: String,
    /// `cloudtrail` (a `CreateCluster` event) or `user` (`--creator`).
    pub source: CreatorSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The access configuration the creator asked for, when the event records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_bootstrap_admin: Option<bool>,
}
