//! ## What it does
//! In `API` mode, reports an aws-auth ConfigMap that still maps principals.
//!
//! ## Why is this bad?
//! EKS ignores aws-auth in `API` mode. Its mappings look like access to anyone who reads
//! them — reviewers, tools, the next administrator — and grant nothing; a reader may "fix"
//! access there and wonder why nothing changes.
//!
//! ## Example
//! `authenticationMode: API`, and aws-auth still maps `role/ops` to `system:masters`.
//!
//! ## Remediation
//! Delete the ConfigMap (`kubectl -n kube-system delete configmap aws-auth`) once its mappings
//! exist as access entries.
//!
//! ## How to verify by hand
//! `aws eks describe-cluster --query cluster.accessConfig.authenticationMode` and
//! `kubectl -n kube-system get configmap aws-auth`.
//!
//! ## References
//! - Amazon EKS user guide, authentication modes ("API: aws-auth is ignored"): https://docs.aws.amazon.com/eks/latest/userguide/grant-k8s-access.html

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA305",
    slug: "ignored-aws-auth",
    severity: Severity::Low,
    summary: "aws-auth present but ignored (`API` mode)",
    needs: &[Input::AwsAuth, Input::Mode],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(doc) = facts.aws_auth else {
        return;
    };
    if facts.mode() != Some(&AuthenticationMode::Api) {
        return;
    }
    let rows = kept_entries(doc).count()
        + doc.section(SectionKey::MapAccounts).kept_accounts().count();
    if rows == 0 {
        return;
    }
    out.emit(
        At::Cluster("authentication mode"),
        None,
        format!("the cluster's mode is API: EKS ignores aws-auth, whose {rows} mapping(s) grant nothing"),
        "delete the aws-auth ConfigMap once its mappings exist as access entries".to_string(),
    );
}
