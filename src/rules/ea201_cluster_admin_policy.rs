//! ## What it does
//! Reports every access entry associated with `AmazonEKSClusterAdminPolicy`, with its scope.
//!
//! ## Why is this bad?
//! `AmazonEKSClusterAdminPolicy` is `cluster-admin`: every verb on every resource and every
//! non-resource URL. Access-policy permissions are invisible to Kubernetes tooling —
//! `kubectl auth can-i --list`, impersonation and every RBAC-only scanner miss them — so these
//! administrators exist only in the EKS API. Each one should be a deliberate, reviewed
//! break-glass path.
//!
//! ## Example
//! `aws eks list-associated-access-policies --cluster-name prod --principal-arn
//! arn:aws:iam::111122223333:role/ci` lists
//! `arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy` at cluster scope.
//!
//! ## Remediation
//! Associate the narrowest policy that works (`AmazonEKSEditPolicy` or `AmazonEKSViewPolicy`,
//! scoped to namespaces), or bind Kubernetes groups to specific roles; keep cluster-admin for
//! a monitored break-glass role assumable by few.
//!
//! ## How to verify by hand
//! `aws eks list-access-entries --cluster-name N --associated-policy-arn
//! arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`.
//!
//! ## References
//! - Amazon EKS user guide, access policy permissions: https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
//! - Amazon EKS best practices, "Remove the cluster-admin permissions from the cluster creator principal"

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA201",
    slug: "cluster-admin-policy",
    severity: Severity::High,
    summary: "`AmazonEKSClusterAdminPolicy`",
    needs: &[Input::AccessEntries],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(entries) = facts.access_entries else {
        return;
    };
    for (entry, policy) in entry_policies(entries) {
        if policy_name(&policy.policy_arn) != "AmazonEKSClusterAdminPolicy" {
            continue;
        }
        let route = format!("{} › {}", entry_route(entry), policy_name(&policy.policy_arn));
        out.emit(
            At::Cluster(&route),
            Some(&entry.principal_arn),
            format!(
                "{} has AmazonEKSClusterAdminPolicy over {}: cluster-admin, invisible to kubectl auth can-i and RBAC tools",
                entry.principal_arn,
                scope_text(&policy.scope)
            ),
            "associate a narrower policy (Edit or View, scoped to namespaces), or keep this entry as a monitored break-glass path".to_string(),
        );
    }
}
