//! What the Kubernetes API says: the aws-auth object, the caller, and RBAC.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fetched, Unknown};

/// `kube-system/aws-auth` as the API returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AwsAuthObject {
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// When the object last changed, as far as the API says: the latest of
    /// `creationTimestamp` and every `managedFields[].time` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// `binaryData` keys: present in the object, never read by EKS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binary_data_keys: Vec<String>,
    /// Who wrote the object (`metadata.managedFields`): each field manager — kubectl,
    /// Terraform's provider, eksctl, a controller — with its operation and time. Empty in a
    /// snapshot collected before this build recorded them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writers: Vec<FieldWriter>,
}

/// One entry of an object's `managedFields`: a manager that wrote some of its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldWriter {
    /// `kubectl-edit`, `kubectl-client-side-apply`, `Terraform`, `eksctl`, …
    pub manager: String,
    /// `Update` or `Apply`.
    pub operation: String,
    /// When it last wrote (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Whether the fields it owns include `data` (the mappings), not only metadata.
    pub writes_data: bool,
}

/// Who the API server says the caller is (SelfSubjectReview `status.userInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// The first value of an `extra` key (the authenticator puts `arn`, `canonicalArn`,
    /// `sessionName`, `accessKeyId`, `principalId` there).
    pub fn extra_value(&self, key: &str) -> Option<&str> {
        self.extra.get(key)?.first().map(String::as_str)
    }

    /// The caller's IAM identity when the authenticator said it, else its username.
    pub fn identity(&self) -> &str {
        self.extra_value("canonicalArn")
            .or_else(|| self.extra_value("arn"))
            .unwrap_or(&self.username)
    }
}

/// One rule of a Role or ClusterRole, as Kubernetes spells it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default)]
    pub verbs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(
        default,
        rename = "nonResourceURLs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// A rule of `verbs` on `resources` of `api_groups` (on every object).
    pub fn of(api_groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        let strings = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        PolicyRule {
            api_groups: strings(api_groups),
            resources: strings(resources),
            verbs: strings(verbs),
            ..PolicyRule::default()
        }
    }
}

/// A Role (namespaced) or ClusterRole (`namespace` empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RbacRole {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RoleRef {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A RoleBinding (namespaced) or ClusterRoleBinding (`namespace` empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RbacBinding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub role_ref: RoleRef,
    #[serde(default)]
    pub subjects: Vec<Subject>,
}

/// The cluster's RBAC objects, each kind listed once (all namespaces, all pages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rbac {
    pub cluster_roles: Fetched<Vec<RbacRole>>,
    pub cluster_role_bindings: Fetched<Vec<RbacBinding>>,
    pub roles: Fetched<Vec<RbacRole>>,
    pub role_bindings: Fetched<Vec<RbacBinding>>,
}

impl Rbac {
    /// Every list, or the first reason one of them is missing.
    pub fn complete(&self) -> Result<RbacView<'_>, &Unknown> {
        fn list<T>(fetched: &Fetched<Vec<T>>) -> Result<&[T], &Unknown> {
            match fetched {
                Fetched::Found(items) => Ok(items),
                // A list that 404s is a cluster without that API: nothing of that kind.
                Fetched::Absent => Ok(&[]),
                Fetched::Unknown(unknown) => Err(unknown),
            }
        }
        Ok(RbacView {
            cluster_roles: list(&self.cluster_roles)?,
            cluster_role_bindings: list(&self.cluster_role_bindings)?,
            roles: list(&self.roles)?,
            role_bindings: list(&self.role_bindings)?,
        })
    }
}

/// All four RBAC lists, known to be complete.
#[derive(Debug, Clone, Copy)]
pub struct RbacView<'a> {
    pub cluster_roles: &'a [RbacRole],
    pub cluster_role_bindings: &'a [RbacBinding],
    pub roles: &'a [RbacRole],
    pub role_bindings: &'a [RbacBinding],
}
