//! ## What it does
//! Reports a mapping that puts a principal in a `system:` group other than
//! `system:masters` (EA113), the node groups (EA115) and `system:authenticated`: groups such
//! as `system:serviceaccounts:kube-system` or `system:monitoring`, and unknown `system:`
//! names. The known groups and what each grants are listed in
//! `policies/privileged-groups.json`.
//!
//! ## Why is this bad?
//! `system:` groups belong to Kubernetes components. Bindings made for them (by Kubernetes,
//! by EKS add-ons, by Helm charts) silently extend to any IAM principal mapped into them:
//! a role in `system:serviceaccounts:kube-system` inherits what kube-system's controllers
//! can do. An unknown `system:` name is at best a typo, at worst a future grant.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Ops
//!     username: ops
//!     groups: [system:serviceaccounts:kube-system]
//! ```
//!
//! ## Remediation
//! Map the principal into a group of your own and bind that group to the permissions it
//! needs.
//!
//! ## How to verify by hand
//! `kubectl get clusterrolebindings,rolebindings -A -o json | jq '.items[] | select(.subjects[]?.name == "GROUP")'`
//! lists what the group is bound to today.
//!
//! ## References
//! - Kubernetes RBAC, default roles and role bindings: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings
//! - Kubernetes, service account groups: https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/

use super::prelude::*;
use crate::model::policies::privileged_groups;

pub const META: RuleMeta = RuleMeta {
    code: "EA114",
    slug: "privileged-system-group",
    severity: Severity::High,
    summary: "other privileged `system:` group on a non-node mapping",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    let facts = privileged_groups();
    for (section, entry) in kept_entries(doc) {
        for (i, group) in entry.row.groups().iter().enumerate() {
            if !group.starts_with("system:")
                || *group == facts.superuser_group.name
                || facts.is_node_group(group)
                || facts.harmless_system_groups.iter().any(|g| g.name == *group)
            {
                continue;
            }
            let effect = facts
                .privileged_system_groups
                .iter()
                .find(|g| g.name == *group || group.starts_with(&format!("{}:", g.name)))
                .map_or("a group reserved for Kubernetes components; any binding made for them applies to this principal".to_string(), |g| g.effect.clone());
            let principal = principal_of(entry);
            emit_grant(
                out,
                At::Entry(section, entry, Field::Group(i)),
                entry,
                principal.as_deref(),
                format!(
                    "{} is mapped into `{group}`: {effect}",
                    principal.as_deref().unwrap_or("(no principal)")
                ),
                "map the principal into a group of your own and bind it to what it needs".to_string(),
            );
        }
    }
}
