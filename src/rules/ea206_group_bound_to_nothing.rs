//! ## What it does
//! For every group that aws-auth maps a principal into, and every `kubernetesGroups` name of a
//! `STANDARD` access entry (when the audit read the entries), reports the groups that no
//! ClusterRoleBinding or RoleBinding names, or that are named only by bindings whose role does
//! not exist. Groups that carry power without RBAC are left out: `system:masters` (superuser),
//! `system:nodes` (the Node authorizer) and `system:authenticated` (everyone has it).
//! Templated groups (`{{…}}`) are skipped: which binding they meet depends on the caller.
//! An entry that could not be read is reported as undecided, never skipped.
//! EKS does not check an access entry's groups either: "if you create an access entry for a
//! group that currently doesn't exist, EKS will create the group instead of returning an
//! error".
//!
//! ## Why is this bad?
//! The mapping authenticates the principal but grants it nothing, which is dead configuration
//! at best. At worst it is a typo (`platform-admin` for `platform-admins`) that left someone
//! without the access the reviewer believes they have, or a trap: whoever later creates a
//! binding for that name (or the missing role) silently grants every principal mapped into it.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Viewer
//!     username: viewer:{{SessionName}}
//!     groups: [read-only]    # no binding names `read-only`
//! ```
//!
//! ## Remediation
//! Fix the group name to the one the bindings use, create the binding the mapping was meant to
//! use, or remove the mapping.
//!
//! ## How to verify by hand
//! `kubectl get clusterrolebindings,rolebindings -A -o json | jq -r '.items[] |
//! select(any(.subjects[]?; .kind=="Group" and .name=="GROUP")) | .metadata.name'` prints
//! nothing for such a group; `kubectl auth can-i --list --as=X --as-group=GROUP` shows only
//! what every authenticated user may do.
//!
//! ## References
//! - Kubernetes RBAC, "Referring to subjects": https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-subjects
//! - Amazon EKS user guide, aws-auth `groups` must match RBAC subjects: https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html

use super::ClusterFacts;
use super::prelude::*;
use crate::model::rbac::{RolePower, grants_to_group};

pub const META: RuleMeta = RuleMeta {
    code: "EA206",
    slug: "group-bound-to-nothing",
    severity: Severity::Low,
    summary: "group bound to nothing",
    needs: &[Input::AwsAuth, Input::Rbac],
};

/// Groups whose power does not come from RBAC bindings.
const NOT_RBAC: [&str; 3] = ["system:masters", "system:nodes", "system:authenticated"];

/// Why `group` grants nothing, or `None` when a binding gives it some power.
fn why_powerless(rbac: crate::evidence::RbacView<'_>, group: &str) -> Option<String> {
    if group.is_empty() || group.contains("{{") || NOT_RBAC.contains(&group) {
        return None;
    }
    let grants = grants_to_group(rbac, group);
    if grants.iter().any(|g| g.power != RolePower::Missing) {
        return None;
    }
    let near = rbac
        .cluster_role_bindings
        .iter()
        .chain(rbac.role_bindings)
        .flat_map(|b| &b.subjects)
        .find(|s| s.kind == "Group" && s.name != group && s.name.eq_ignore_ascii_case(group));
    Some(if grants.is_empty() {
        match near {
            Some(s) => format!(
                "no binding names it (bindings name `{}`: group names are case-sensitive)",
                s.name
            ),
            None => "no ClusterRoleBinding or RoleBinding names it".to_string(),
        }
    } else {
        format!(
            "the only bindings that name it point at roles that do not exist ({})",
            grants.iter().map(|g| g.describe()).collect::<Vec<_>>().join("; ")
        )
    })
}

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(rbac) = facts.rbac else {
        return;
    };
    for (section, entry) in facts.aws_auth.into_iter().flat_map(kept_entries) {
        for (i, group) in entry.row.groups().iter().enumerate() {
            let Some(why) = why_powerless(rbac, group) else {
                continue;
            };
            let principal = principal_of(entry);
            let who = principal.as_deref().unwrap_or("(no principal)");
            out.emit(
                At::Entry(section, entry, Field::Group(i)),
                principal.as_deref(),
                format!("{who} is mapped into group `{group}`, but {why}: the group grants nothing"),
                format!("correct the group name to one a binding uses, add the intended binding, or remove `{group}` from the mapping"),
            );
        }
    }
    for (principal, reason) in facts.entries_undecided {
        let (route, message) = if principal.is_empty() {
            (
                "access entries".to_string(),
                format!("the access entries' groups are not judged: {reason}"),
            )
        } else {
            (
                format!("access-entry {principal}"),
                format!("the groups of {principal}'s access entry are not judged: {reason}"),
            )
        };
        out.emit_unknown(
            At::Cluster(&route),
            (!principal.is_empty()).then_some(principal.as_str()),
            "entry-not-read",
            message,
        );
    }
    let entries = facts.access_entries.unwrap_or_default();
    for entry in entries.iter().filter(|e| e.kind == AccessEntryType::Standard) {
        for (i, group) in entry.kubernetes_groups.iter().enumerate() {
            let Some(why) = why_powerless(rbac, group) else {
                continue;
            };
            out.emit(
                At::Cluster(&format!("{} › kubernetesGroups[{i}]", entry_route(entry))),
                Some(&entry.principal_arn),
                format!(
                    "the access entry of {} puts it in group `{group}`, but {why}: the group grants nothing",
                    entry.principal_arn
                ),
                format!(
                    "aws eks update-access-entry --cluster-name {} --principal-arn {} --kubernetes-groups with the group a binding uses, or add the intended binding",
                    facts.cluster_name(),
                    entry.principal_arn
                ),
            );
        }
    }
}
