//! ## What it does
//! Reports access entries associated with a policy that allows `serviceaccounts`
//! `impersonate` in its scope: `AmazonEKSEditPolicy` and `AmazonEKSAdminPolicy` (from
//! `policies/access-policies.json`), at any scope.
//!
//! ## Why is this bad?
//! Impersonating a service account gives its permissions. Every namespace has service
//! accounts bound to more than their users are (controllers, operators, CI deployers): an
//! "edit" user can become any of them and act with their RBAC — an escalation path that no
//! RBAC review of the user shows.
//!
//! ## Example
//! `AmazonEKSEditPolicy` scoped to namespace `payments`, where the `payments-operator`
//! service account may update Secrets cluster-wide through a ClusterRoleBinding.
//!
//! ## Remediation
//! Use `AmazonEKSViewPolicy`, or bind a custom Role (without `impersonate`) to a Kubernetes
//! group of the entry; audit the service accounts of the namespaces in scope.
//!
//! ## How to verify by hand
//! `kubectl get clusterrolebindings,rolebindings -A -o wide` for the service accounts of the
//! namespaces in scope.
//!
//! ## References
//! - Amazon EKS user guide, access policy permissions (`serviceaccounts: impersonate` in Edit and Admin): https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
//! - Kubernetes RBAC good practices, impersonation: https://kubernetes.io/docs/concepts/security/rbac-good-practices/

use super::ClusterFacts;
use super::prelude::*;
use crate::model::policies::access_policies;

pub const META: RuleMeta = RuleMeta {
    code: "EA203",
    slug: "impersonate-policy",
    severity: Severity::Medium,
    summary: "policy that allows `serviceaccounts impersonate`",
    needs: &[Input::AccessEntries],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(entries) = facts.access_entries else {
        return;
    };
    for (entry, policy) in entry_policies(entries) {
        let Some(known) = access_policies().find(&policy.policy_arn) else {
            continue;
        };
        if !known.impersonate || known.tier == "cluster-admin" {
            continue;
        }
        let route = format!("{} › {}", entry_route(entry), known.name);
        out.emit(
            At::Cluster(&route),
            Some(&entry.principal_arn),
            format!(
                "{} has {} over {}, which allows impersonating every service account there, and so their permissions{}",
                entry.principal_arn,
                known.name,
                scope_text(&policy.scope),
                known.caveat()
            ),
            "use AmazonEKSViewPolicy, or a custom Role bound to one of the entry's Kubernetes groups, without impersonate".to_string(),
        );
    }
}
