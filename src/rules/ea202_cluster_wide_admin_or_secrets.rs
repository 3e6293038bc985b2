//! ## What it does
//! Reports access entries associated, at cluster scope, with a policy that administers
//! namespaces or reads secrets: `AmazonEKSAdminPolicy`, `AmazonEKSEditPolicy`,
//! `AmazonEKSAdminViewPolicy`, `AmazonEKSSecretReaderPolicy`, `AmazonEKSSecretAdminPolicy`,
//! and the EKS Capabilities' and AWS services' policies the table rates admin or
//! secret-reading (what each can do comes from `policies/access-policies.json`; a policy whose
//! rules AWS does not publish is rated by what AWS documents of it, and the finding says so).
//! The cluster-admin ones are EA201's.
//!
//! ## Why is this bad?
//! At cluster scope these policies reach every namespace, `kube-system` included: the
//! secrets of every workload and add-on (service-account tokens, cloud credentials), and for
//! the admin policy the namespace-level RBAC of all of them. They are often associated at
//! cluster scope for convenience where one or two namespaces were meant.
//!
//! ## Example
//! `AmazonEKSAdminViewPolicy` at cluster scope for a read-only auditor role: it can read every
//! Secret.
//!
//! ## Remediation
//! Scope the association to the namespaces that need it (`--access-scope
//! type=namespace,namespaces=app-*`), or use `AmazonEKSViewPolicy`, which reads no secrets.
//!
//! ## How to verify by hand
//! `aws eks list-associated-access-policies --cluster-name N --principal-arn ARN` shows
//! `accessScope.type`.
//!
//! ## References
//! - Amazon EKS user guide, access policy permissions: https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html

use super::ClusterFacts;
use super::prelude::*;
use crate::model::policies::access_policies;

pub const META: RuleMeta = RuleMeta {
    code: "EA202",
    slug: "cluster-wide-admin-or-secrets",
    severity: Severity::Medium,
    summary: "secrets-reading or admin policy at cluster scope",
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
        if policy.scope.kind == ScopeKind::Namespace
            || known.tier == "cluster-admin"
            || !(known.secrets || known.tier == "admin")
        {
            continue;
        }
        let route = format!("{} › {}", entry_route(entry), known.name);
        out.emit(
            At::Cluster(&route),
            Some(&entry.principal_arn),
            format!(
                "{}{} has {} at cluster scope ({}{}): every namespace, kube-system included",
                entry.principal_arn,
                crate::model::access::capability_of(entry).map_or(String::new(), |c| format!(
                    " (an entry EKS Capabilities created for the {c} capability's role)"
                )),
                known.name,
                known.equivalent,
                known.caveat()
            ),
            format!(
                "scope {} to the namespaces that need it, or use AmazonEKSViewPolicy (no secrets)",
                known.name
            ),
        );
    }
}
