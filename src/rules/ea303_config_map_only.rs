//! ## What it does
//! Reports a cluster whose authentication mode is `CONFIG_MAP`: aws-auth is its only source
//! of access.
//!
//! ## Why is this bad?
//! aws-auth is deprecated. One syntax error in it drops every mapping (EA101) and locks
//! everyone out, with no API to repair access but the hidden creator; edits are Kubernetes
//! writes that IAM policies and CloudTrail do not govern; matching is by ARN string
//! (re-created principals inherit access). Access entries fix each of these.
//!
//! ## Example
//! `authenticationMode: CONFIG_MAP`.
//!
//! ## Remediation
//! `aws eks update-cluster-config --name N --access-config
//! authenticationMode=API_AND_CONFIG_MAP`, migrate the mappings to access entries (`eksctl
//! utils migrate-to-access-entry`), then move to `API`. The change is one-way.
//!
//! ## How to verify by hand
//! `aws eks describe-cluster --name N --query cluster.accessConfig.authenticationMode`.
//!
//! ## References
//! - Amazon EKS user guide, "The aws-auth ConfigMap is deprecated": https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html
//! - Amazon EKS user guide, setting the authentication mode: https://docs.aws.amazon.com/eks/latest/userguide/grant-k8s-access.html

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA303",
    slug: "config-map-only",
    severity: Severity::Medium,
    summary: "`CONFIG_MAP`-only authentication",
    needs: &[Input::Mode],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    if facts.mode() != Some(&AuthenticationMode::ConfigMap) {
        return;
    }
    out.emit(
        At::Cluster("authentication mode"),
        None,
        "the cluster authenticates through the deprecated aws-auth ConfigMap only (CONFIG_MAP): one bad edit locks everyone out, and matching is by ARN string".to_string(),
        "switch to API_AND_CONFIG_MAP, migrate the mappings to access entries, then switch to API (one-way changes)".to_string(),
    );
}
