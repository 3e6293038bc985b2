//! Power tiers, ordered from none to cluster-admin.

use serde::Serialize;

/// How much a principal can do in the cluster.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    /// Authenticates, and nothing binds it.
    None,
    /// What it can do is not known (an access policy the table lacks, RBAC not read).
    Unknown,
    /// The node identity (Node authorizer, bootstrap).
    Node,
    /// Read most resources, no secrets.
    View,
    /// Something narrower than edit, per RBAC roles.
    Custom,
    /// Workloads, secrets, impersonation of service accounts.
    Edit,
    /// Administers namespaces (or every namespace).
    Admin,
    /// Everything.
    ClusterAdmin,
}

impl Tier {
    /// Cluster-admin or admin: an administrator's tier.
    pub fn is_admin(self) -> bool {
        matches!(self, Tier::ClusterAdmin | Tier::Admin)
    }

    /// The tier of an access policy (`tier` from `policies/access-policies.json`).
    pub fn from_policy(tier: &str, cluster_scope: bool) -> Tier {
        match tier {
            "cluster-admin" if cluster_scope => Tier::ClusterAdmin,
            "cluster-admin" | "admin" => Tier::Admin,
            "edit" => Tier::Edit,
            "view" => Tier::View,
            "node" => Tier::Node,
            "custom" | "service" => Tier::Custom,
            _ => Tier::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::None => "none",
            Tier::Unknown => "unknown",
            Tier::Node => "node",
            Tier::View => "view",
            Tier::Custom => "custom",
            Tier::Edit => "edit",
            Tier::Admin => "admin",
            Tier::ClusterAdmin => "cluster-admin",
        }
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
