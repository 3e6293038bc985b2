//! Access declared by infrastructure code — what a Terraform plan or an eksctl ClusterConfig
//! says aws-auth, the access entries and the authentication mode will be —
//! judged by `crate::judge::judge_declared`. Pure.

use std::collections::BTreeMap;

use crate::evidence::AccessEntry;

/// What infrastructure code declares: one side of a Terraform plan, or an eksctl
/// ClusterConfig.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeclaredAccess {
    /// The aws-auth ConfigMap's data, with the resource's address.
    pub aws_auth: Option<(String, BTreeMap<String, String>)>,
    pub entries: Vec<AccessEntry>,
    /// The cluster's `access_config.authentication_mode`, when the plan has the cluster.
    pub mode: Option<crate::evidence::AuthenticationMode>,
    /// `WHERE: what` for every value not known until apply.
    pub unknown: Vec<String>,
}
