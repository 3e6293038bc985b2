//! ## What it does
//! For every group an aws-auth row or an access entry puts a principal in, reads the bindings
//! that name the group and reports each one whose role carries a dangerous capability short of
//! administration where the binding applies it: reading Secrets (every service-account token and
//! stored credential in reach), running code as a namespace's service accounts (creating or
//! patching pods or workloads — Deployments, DaemonSets, StatefulSets, ReplicaSets, Jobs,
//! CronJobs, ReplicationControllers —, `exec`, `attach`, ephemeral containers, service-account
//! tokens, token Secrets), writing validating admission webhooks or policies (which see every
//! object sent to them), or patching namespaces (relaxing their Pod Security labels). The same
//! capabilities in `kube-system`, or cluster-wide, are administrator power: EA205 and EA211
//! report those (admin-equivalent, with the capability named), and this rule does not repeat
//! them.
//!
//! Matching is RBAC's own: wildcards in verbs, resources and API groups, subresources
//! (`pods/exec`, `*/exec`), `resourceNames` limiting a rule to the objects it names. A
//! resource name that does not exist matches nothing (`secret`, singular).
//!
//! ## Why is this bad?
//! aws-auth and access entries show only a group name; what the group can do lies in RBAC,
//! and roles that look narrow are not. A role that may read Secrets holds every credential in
//! reach; a role that may create a Deployment in a namespace runs code as every service account
//! there, with whatever those accounts may do — the power of a namespace is that of its most
//! powerful service account.
//!
//! ## Example
//! ```yaml
//! # aws-auth
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/support
//!     username: support
//!     groups: [support]
//! # RBAC
//! kind: ClusterRole
//! metadata: {name: support}
//! rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
//! ---
//! kind: ClusterRoleBinding
//! metadata: {name: support}
//! roleRef: {kind: ClusterRole, name: support}
//! subjects: [{kind: Group, name: support}]
//! ```
//!
//! ## Remediation
//! Narrow the role: name the Secrets it needs (`resourceNames`), bind it in the namespaces that
//! need it (a RoleBinding), and keep workload creation away from namespaces whose service
//! accounts hold power. Review what the namespace's service accounts may do before granting
//! pod creation there.
//!
//! ## How to verify by hand
//! `kubectl auth can-i --list --as=USERNAME --as-group=GROUP -n NAMESPACE`, and for one
//! capability `kubectl auth can-i list secrets -A --as-group=GROUP --as=x`.
//!
//! ## References
//! - Kubernetes RBAC good practices, "Privilege escalation risks" (Secrets, workload
//!   creation, persistent volumes, nodes/proxy, escalate/bind, CSRs, token request,
//!   admission webhooks, namespace modification): https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
//! - Kubernetes, "Using RBAC Authorization" (resources, subresources, resourceNames): https://kubernetes.io/docs/reference/access-authn-authz/rbac/

use super::ClusterFacts;
use super::prelude::*;
use crate::model::access::Tier;
use crate::model::rbac::{Grant, grants_to_group};

pub const META: RuleMeta = RuleMeta {
    code: "EA213",
    slug: "group-bound-to-sensitive-capability",
    severity: Severity::Medium,
    summary: "group bound to a role that reads Secrets, runs as a namespace's service accounts or sees admission traffic",
    needs: &[Input::AwsAuth, Input::AccessEntries, Input::Rbac],
};

/// The capabilities short of administration a grant gives under the mode, in words; none when
/// it gives administration (EA205, EA211) or nothing dangerous.
fn sensitive(grant: &Grant<'_>, mode: Option<&AuthenticationMode>) -> Option<String> {
    if grant.admin_power(mode).is_some() {
        return None;
    }
    let found: Vec<&str> = grant
        .capabilities_under(mode)
        .filter(|c| c.tier < Tier::Admin)
        .map(|c| c.what.as_str())
        .collect();
    (!found.is_empty()).then(|| found.join("; it "))
}

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(rbac) = facts.rbac else {
        return;
    };
    let mode = facts.mode();
    if let Some(doc) = facts.aws_auth {
        for (section, entry) in kept_entries(doc) {
            let principal = principal_of(entry);
            let who = principal.as_deref().unwrap_or("(no principal)");
            for (i, group) in entry.row.groups().iter().enumerate() {
                if group.is_empty() || group.contains("{{") {
                    continue;
                }
                for grant in grants_to_group(rbac, group) {
                    let Some(what) = sensitive(&grant, mode) else {
                        continue;
                    };
                    out.emit(
                        At::Entry(section, entry, Field::Group(i)),
                        principal.as_deref(),
                        format!(
                            "{who} is mapped into group `{group}`, and through {} it {what}",
                            grant.describe()
                        ),
                        format!(
                            "narrow {}: name the objects it needs, bind it only where needed",
                            grant.describe()
                        ),
                    );
                }
            }
        }
    }
    for entry in facts
        .access_entries
        .unwrap_or_default()
        .iter()
        .filter(|e| e.kind == AccessEntryType::Standard)
    {
        for group in &entry.kubernetes_groups {
            for grant in grants_to_group(rbac, group) {
                let Some(what) = sensitive(&grant, mode) else {
                    continue;
                };
                out.emit(
                    At::Cluster(&entry_route(entry)),
                    Some(&entry.principal_arn),
                    format!(
                        "{}'s access entry puts it in group `{group}`, and through {} it {what}",
                        entry.principal_arn,
                        grant.describe()
                    ),
                    format!(
                        "narrow {}: name the objects it needs, bind it only where needed",
                        grant.describe()
                    ),
                );
            }
        }
    }
}
