//! ## What it does
//! For every group a STANDARD access entry puts its principal in (`kubernetesGroups`), reads
//! the cluster's ClusterRoleBindings and RoleBindings and reports each binding that gives the
//! group `cluster-admin`, a role that allows every verb on every resource, or a role that can
//! escalate (`escalate`/`bind` roles, `impersonate` users or groups, write RBAC objects), or a
//! role with an admin-equivalent capability where the binding applies it (EA205 lists them:
//! running as `kube-system`'s service accounts, editing aws-auth where the mode reads it,
//! `nodes/proxy`, mutating webhooks, host-path volumes, stealing pods). A ClusterRoleBinding,
//! or a capability that reaches past its namespace, makes the principal an administrator of the
//! whole cluster (high); a RoleBinding elsewhere, of one namespace (medium). EA205 does the same
//! for aws-auth's groups.
//!
//! ## Why is this bad?
//! An access entry's policies are in plain sight in the EKS console; its groups are not — the
//! power lies in RBAC. An entry with no access policy at all, reviewed as "no access", is a
//! cluster administrator when one of its groups is bound to `cluster-admin`.
//!
//! ## Example
//! ```sh
//! aws eks create-access-entry --cluster-name prod \
//!     --principal-arn arn:aws:iam::111122223333:role/CI --kubernetes-groups deployers
//! # and in the cluster: ClusterRoleBinding deployers-admin → ClusterRole cluster-admin
//! ```
//!
//! ## Remediation
//! Bind the group to the narrowest role that does the job, in the namespaces that need it, or
//! give the entry a scoped access policy instead of a group.
//!
//! ## How to verify by hand
//! `aws eks describe-access-entry --cluster-name C --principal-arn ARN --query
//! accessEntry.kubernetesGroups`, then the bindings naming each group as for EA205.
//!
//! ## References
//! - Amazon EKS user guide, "Grant IAM users access to Kubernetes with EKS access entries"
//!   (`kubernetesGroups`): https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
//! - Kubernetes RBAC good practices, "Privilege escalation risks": https://kubernetes.io/docs/concepts/security/rbac-good-practices/

use super::ClusterFacts;
use super::prelude::*;
use crate::evidence::AccessEntryType;
use crate::model::rbac::grants_to_group;

pub const META: RuleMeta = RuleMeta {
    code: "EA211",
    slug: "entry-group-bound-to-admin",
    severity: Severity::High,
    summary: "access entry's group bound to cluster-admin, a wildcard role or an escalating role",
    needs: &[Input::AccessEntries, Input::Rbac],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(entries), Some(rbac)) = (facts.access_entries, facts.rbac) else {
        return;
    };
    for entry in entries.iter().filter(|e| e.kind == AccessEntryType::Standard) {
        for group in &entry.kubernetes_groups {
            for grant in grants_to_group(rbac, group) {
                let Some(power) = grant.admin_power(facts.mode()) else {
                    continue;
                };
                let what = &power.what;
                let (severity, scope) = grant_reach(&grant, &power);
                out.emit_with(
                    At::Cluster(&entry_route(entry)),
                    Some(&entry.principal_arn),
                    severity,
                    format!(
                        "{}'s access entry puts it in group `{group}`, which {} gives {what} over {scope}",
                        entry.principal_arn,
                        grant.describe()
                    ),
                    format!(
                        "bind `{group}` to the narrowest role that works, or give the entry a scoped access policy instead, rather than {}",
                        grant.describe()
                    ),
                );
            }
        }
    }
}
