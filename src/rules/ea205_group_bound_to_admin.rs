//! ## What it does
//! For every group that aws-auth maps a principal into, reads the cluster's
//! ClusterRoleBindings and RoleBindings and reports each binding that gives the group
//! `cluster-admin`, a role that allows every verb on every resource (`verbs: ["*"]`,
//! `resources: ["*"]`), a role that can escalate — `escalate` or `bind` roles, `impersonate`
//! users or groups, or write RBAC objects —, or a role with an admin-equivalent capability
//! where the binding applies it: running code as `kube-system`'s service accounts (creating or
//! patching pods or workloads there, `exec`/`attach`, ephemeral containers, service-account
//! tokens, token Secrets, impersonating its service accounts — the controller manager's
//! accounts there hold cluster-wide power on every EKS cluster), editing `kube-system/aws-auth`
//! (where the mode reads it: not in `API` mode), the kubelet's API through `nodes/proxy` (`get`
//! is enough), mutating admission webhooks, host-path persistent volumes, or evicting pods
//! while patching nodes. The finding names the rule or capability that gives it. A
//! ClusterRoleBinding, or a capability that reaches past its namespace (a RoleBinding in
//! `kube-system`), makes the principal an administrator of the whole cluster (high); a
//! RoleBinding elsewhere, of one namespace (medium). Narrower dangerous capabilities (reading
//! Secrets, running as another namespace's service accounts) are EA213's.
//!
//! ## Why is this bad?
//! aws-auth shows only a group name such as `platform-admins`; the power lies in RBAC, where a
//! review of aws-auth never looks. A group bound to `cluster-admin` is as powerful as
//! `system:masters` for everything RBAC governs (every resource, every secret), only less
//! visible. A wildcard role keeps that power when new resource types are installed. A role
//! that may bind roles, impersonate or write bindings looks narrow and is not: its holder
//! binds itself `cluster-admin`, or acts as `system:masters`, in one request.
//!
//! ## Example
//! ```yaml
//! # aws-auth
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/CI
//!     username: ci
//!     groups: [deployers]
//! # RBAC
//! kind: ClusterRoleBinding
//! metadata: {name: deployers-admin}
//! roleRef: {kind: ClusterRole, name: cluster-admin}
//! subjects: [{kind: Group, name: deployers}]
//! ```
//!
//! ## Remediation
//! Bind the group to the narrowest role that does the job (`edit` or a custom role), in the
//! namespaces where it is needed (a RoleBinding rather than a ClusterRoleBinding). Keep
//! cluster-wide administration for a break-glass role assumable by few.
//!
//! ## How to verify by hand
//! `kubectl get clusterrolebindings,rolebindings -A -o json | jq '.items[] |
//! select(any(.subjects[]?; .kind=="Group" and .name=="GROUP")) | {name: .metadata.name,
//! ns: .metadata.namespace, role: .roleRef}'`, then `kubectl get clusterrole NAME -o yaml` for
//! each role it names.
//!
//! ## References
//! - Kubernetes RBAC, "Default roles and role bindings" (`cluster-admin`): https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles
//! - Kubernetes RBAC good practices, "Least privilege" and wildcards: https://kubernetes.io/docs/concepts/security/rbac-good-practices/
//! - Kubernetes RBAC good practices, "Privilege escalation risks" (`escalate`, `bind`,
//!   `impersonate`, writing bindings): https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
//! - Amazon EKS user guide, "Grant IAM users and roles access to Kubernetes APIs": https://docs.aws.amazon.com/eks/latest/userguide/grant-k8s-access.html

use super::prelude::*;
use super::ClusterFacts;
use crate::model::rbac::grants_to_group;

pub const META: RuleMeta = RuleMeta {
    code: "EA205",
    slug: "group-bound-to-admin",
    severity: Severity::High,
    summary: "group bound to cluster-admin, a wildcard role or an escalating role",
    needs: &[Input::AwsAuth, Input::Rbac],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(doc), Some(rbac)) = (facts.aws_auth, facts.rbac) else {
        return;
    };
    for (section, entry) in kept_entries(doc) {
        for (i, group) in entry.row.groups().iter().enumerate() {
            if group.is_empty() || group.contains("{{") {
                continue;
            }
            let principal = principal_of(entry);
            let who = principal.as_deref().unwrap_or("(no principal)");
            for grant in grants_to_group(rbac, group) {
                let Some(power) = grant.admin_power(facts.mode()) else {
                    continue;
                };
                let what = &power.what;
                let (severity, scope) = grant_reach(&grant, &power);
                out.emit_with(
                    At::Entry(section, entry, Field::Group(i)),
                    principal.as_deref(),
                    severity,
                    format!(
                        "{who} is mapped into group `{group}`, which {} gives {what} over {scope}",
                        grant.describe()
                    ),
                    format!(
                        "bind `{group}` to the narrowest role that works, in the namespaces that need it, instead of {}",
                        grant.describe()
                    ),
                );
            }
        }
    }
}
