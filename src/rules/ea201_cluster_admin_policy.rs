//! ## What it does
//! Reports every access entry associated with `AmazonEKSClusterAdminPolicy`, with its scope —
//! and with any other access policy that `policies/access-policies.json` rates cluster-admin
//! (`AmazonEKSArgoCDClusterPolicy`: the Argo CD capability applies whatever its applications
//! hold, cluster-wide). A policy whose rules AWS does not publish is rated by what AWS
//! documents of it, and the finding says so. An entry EKS Capabilities created for a
//! capability's role is named as such.
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
    summary: "`AmazonEKSClusterAdminPolicy`, or another cluster-admin access policy",
    needs: &[Input::AccessEntries],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(entries) = facts.access_entries else {
        return;
    };
    for (entry, policy) in entry_policies(entries) {
        let name = policy_name(&policy.policy_arn);
        let known = crate::model::policies::access_policies().find(&policy.policy_arn);
        let rated = known.is_some_and(|k| k.tier == "cluster-admin");
        if name != "AmazonEKSClusterAdminPolicy" && !rated {
            continue;
        }
        let what = match known {
            Some(k) if name != "AmazonEKSClusterAdminPolicy" => {
                format!("{}{}", k.equivalent, k.caveat())
            }
            _ => "cluster-admin".to_string(),
        };
        let made_by = crate::model::access::capability_of(entry).map_or(String::new(), |c| {
            format!(" (an entry EKS Capabilities created for the {c} capability's role)")
        });
        let route = format!("{} › {name}", entry_route(entry));
        out.emit(
            At::Cluster(&route),
            Some(&entry.principal_arn),
            format!(
                "{}{made_by} has {name} over {}: {what}, invisible to kubectl auth can-i and RBAC tools",
                entry.principal_arn,
                scope_text(&policy.scope)
            ),
            if made_by.is_empty() {
                "associate a narrower policy (Edit or View, scoped to namespaces), or keep this entry as a monitored break-glass path".to_string()
            } else {
                "the entry is the capability's own: limit what the capability may apply (Argo CD projects, ACK role selectors) and who may write the resources it acts on; deleting the capability removes it".to_string()
            },
        );
    }
}
