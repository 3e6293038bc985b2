//! The tier Kubernetes permissions give a way in: per RBAC binding, from the role's own power
//! and its rules' dangerous capabilities where the binding applies them; per access policy,
//! from its published rules at the association's scope — one capability engine for both
//! (`crate::model::capability`).

use super::Tier;
use crate::evidence::{AccessScope, AuthenticationMode, RbacView, ScopeKind};
use crate::model::capability::{Capability, Reach, SYSTEM_NAMESPACE, capabilities};
use crate::model::policies::AccessPolicyInfo;
use crate::model::rbac::{RolePower, grants_to_group, grants_to_user};

/// The tier one binding gives under `mode`, and why: the role's own power (cluster-admin, a
/// wildcard, an escalation), or the strongest of its rules' dangerous capabilities where the
/// binding applies them (editing aws-auth counts only where EKS reads it), or a viewer's.
pub(super) fn grant_tier(
    g: &crate::model::rbac::Grant<'_>,
    mode: Option<&AuthenticationMode>,
) -> (Tier, String) {
    let own = match (&g.power, g.namespace()) {
        (RolePower::Admin, None) => (Tier::ClusterAdmin, g.describe()),
        // Escalation is admin-equivalent: it can bind itself anything.
        (RolePower::Escalation { how }, None) => (
            Tier::ClusterAdmin,
            format!("{} (admin-equivalent: {how})", g.describe()),
        ),
        (RolePower::Escalation { how }, Some(_)) => (
            Tier::Admin,
            format!(
                "{} (admin-equivalent in its namespace: {how})",
                g.describe()
            ),
        ),
        (RolePower::Admin | RolePower::Wildcard { .. }, _) => (Tier::Admin, g.describe()),
        (RolePower::Limited, _) if g.read_only => {
            (Tier::View, format!("{} (read-only)", g.describe()))
        }
        (RolePower::Limited, _) => (Tier::Custom, g.describe()),
        (RolePower::Missing, _) => (Tier::None, g.describe()),
    };
    match g.capabilities_under(mode).max_by_key(|c| c.tier) {
        Some(capability) if capability.tier > own.0 => (
            capability.tier,
            format!(
                "{} ({}{})",
                g.describe(),
                if capability.tier >= Tier::Admin {
                    "admin-equivalent: it "
                } else {
                    ""
                },
                capability.what
            ),
        ),
        _ => own,
    }
}

/// What RBAC gives these groups and this username (bindings to a `User` subject name a static
/// username; a templated one is known only per session): the tier and why, and every
/// dangerous capability of the bindings, each with the binding it comes through (full control
/// lists none: it says it all). Each binding is resolved once for both.
pub(super) fn rbac_tier(
    rbac: Option<RbacView<'_>>,
    mode: Option<&AuthenticationMode>,
    groups: &[String],
    username: &str,
) -> (Tier, String, Vec<String>) {
    let static_username = !username.is_empty() && !username.contains("{{");
    let user_grants = match rbac {
        Some(rbac) if static_username => grants_to_user(rbac, username),
        _ => Vec::new(),
    };
    let group_grants: Vec<Vec<crate::model::rbac::Grant<'_>>> = groups
        .iter()
        .map(|group| rbac.map_or_else(Vec::new, |rbac| grants_to_group(rbac, group)))
        .collect();
    let mut best = (Tier::None, String::new());
    if let Some((tier, reason)) = user_grants
        .iter()
        .map(|g| grant_tier(g, mode))
        .max_by_key(|(t, _)| *t)
    {
        best = (tier, format!("user {username}: {reason}"));
    }
    let privileged = crate::model::policies::privileged_groups();
    for (group, grants) in groups.iter().zip(&group_grants) {
        let (tier, reason) = if *group == privileged.superuser_group.name {
            (Tier::ClusterAdmin, format!("group {group} (superuser)"))
        } else if privileged.is_node_group(group) {
            (Tier::Node, format!("node group {group}"))
        } else if rbac.is_some() {
            match grants
                .iter()
                .map(|g| grant_tier(g, mode))
                .max_by_key(|(t, _)| *t)
            {
                Some(found) => found,
                None => (Tier::None, format!("group {group}: no binding")),
            }
        } else {
            (Tier::Unknown, format!("group {group}: RBAC not read"))
        };
        if tier > best.0 || best.1.is_empty() {
            best = (tier, reason);
        }
    }
    let mut capabilities: Vec<String> = user_grants
        .iter()
        .chain(group_grants.iter().flatten())
        .filter(|g| g.power != RolePower::Admin)
        .flat_map(|g| {
            g.capabilities_under(mode)
                .map(move |c| format!("{}: {}", g.describe(), c.what))
        })
        .collect();
    capabilities.dedup();
    (best.0, best.1, capabilities)
}

/// Whether an access scope's namespace (a name, or a prefix ending in `*`) covers `namespace`.
fn scope_covers(pattern: &str, namespace: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => namespace.starts_with(prefix),
        None => pattern == namespace,
    }
}

/// The strongest capability an access policy's published rules give at `scope` under `mode`.
pub(super) fn access_policy_capability(
    policy: &AccessPolicyInfo,
    scope: &AccessScope,
    mode: Option<&AuthenticationMode>,
) -> Option<Capability> {
    access_policy_capabilities(policy, scope, mode)
        .into_iter()
        .max_by_key(|c| c.tier)
}

/// Every capability an access policy's published rules give at `scope` under `mode`:
/// cluster-wide at cluster scope; at namespace scope, in `kube-system` when a namespace of the
/// scope covers it, else in the namespaces named.
pub(super) fn access_policy_capabilities(
    policy: &AccessPolicyInfo,
    scope: &AccessScope,
    mode: Option<&AuthenticationMode>,
) -> Vec<Capability> {
    let reaches: Vec<Reach<'_>> = if scope.kind == ScopeKind::Namespace {
        scope
            .namespaces
            .iter()
            .map(|ns| {
                if scope_covers(ns, SYSTEM_NAMESPACE) {
                    Reach::Namespace(SYSTEM_NAMESPACE)
                } else {
                    Reach::Namespace(ns)
                }
            })
            .collect()
    } else {
        vec![Reach::Cluster]
    };
    reaches
        .into_iter()
        .flat_map(|reach| capabilities(&policy.rules, reach))
        .filter(|c| !c.through_aws_auth || mode != Some(&AuthenticationMode::Api))
        .collect()
}

/// Every dangerous capability an access entry's associated policies carry at their scopes,
/// each with the policy and scope it comes through.
pub(super) fn entry_policy_capabilities(
    entry: &crate::evidence::AccessEntry,
    mode: Option<&AuthenticationMode>,
) -> Vec<String> {
    let crate::evidence::Fetched::Found(policies) = &entry.policies else {
        return Vec::new();
    };
    let table = crate::model::policies::access_policies();
    policies
        .iter()
        .filter_map(|p| Some((p, table.find(&p.policy_arn)?)))
        .flat_map(|(p, known)| {
            access_policy_capabilities(known, &p.scope, mode)
                .into_iter()
                .map(move |c| format!("{}: {}", known.name, c.what))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{PolicyRule, RbacBinding, RbacRole, RoleRef, Subject};

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        PolicyRule::of(groups, resources, verbs)
    }

    /// The built-in user-facing roles, as Kubernetes defines them (abridged to the rules that
    /// decide their power).
    fn built_ins() -> Vec<RbacRole> {
        let reads = ["get", "list", "watch"];
        let writes = ["create", "delete", "deletecollection", "patch", "update"];
        let view = vec![rule(
            &["", "apps", "batch"],
            &["pods", "configmaps", "services", "deployments", "jobs"],
            &reads,
        )];
        let mut edit = view.clone();
        edit.extend([
            rule(
                &[""],
                &["pods", "pods/exec", "pods/attach", "secrets", "configmaps"],
                &writes,
            ),
            rule(&[""], &["secrets"], &reads),
            rule(&[""], &["serviceaccounts"], &["impersonate"]),
            rule(
                &["apps"],
                &["deployments", "daemonsets", "statefulsets", "replicasets"],
                &writes,
            ),
            rule(&["batch"], &["jobs", "cronjobs"], &writes),
        ]);
        let mut admin = edit.clone();
        admin.push(rule(
            &["rbac.authorization.k8s.io"],
            &["roles", "rolebindings"],
            &writes,
        ));
        [("view", view), ("edit", edit), ("admin", admin)]
            .into_iter()
            .map(|(name, rules)| RbacRole {
                namespace: None,
                name: name.into(),
                rules,
            })
            .collect()
    }

    fn tier_of(role: &str, namespace: Option<&str>, mode: Option<&AuthenticationMode>) -> Tier {
        let cluster_roles = built_ins();
        let binding = RbacBinding {
            namespace: namespace.map(str::to_string),
            name: "b".into(),
            role_ref: RoleRef {
                kind: "ClusterRole".into(),
                name: role.into(),
            },
            subjects: vec![Subject {
                kind: "Group".into(),
                name: "g".into(),
                namespace: None,
            }],
        };
        let (crbs, rbs) = match namespace {
            None => (vec![binding], vec![]),
            Some(_) => (vec![], vec![binding]),
        };
        let view = RbacView {
            cluster_roles: &cluster_roles,
            cluster_role_bindings: &crbs,
            roles: &[],
            role_bindings: &rbs,
        };
        rbac_tier(Some(view), mode, &["g".to_string()], "").0
    }

    /// `view`, `edit` and `admin` rate as what they are where they are bound; cluster-wide,
    /// `edit` runs code as kube-system's service accounts: admin-equivalent.
    #[test]
    fn the_built_in_roles_rate_as_what_they_are() {
        assert_eq!(tier_of("view", None, None), Tier::View);
        assert_eq!(tier_of("view", Some("team-a"), None), Tier::View);
        assert_eq!(tier_of("edit", Some("team-a"), None), Tier::Edit);
        assert_eq!(tier_of("admin", Some("team-a"), None), Tier::Admin);
        assert_eq!(tier_of("edit", None, None), Tier::ClusterAdmin);
        assert_eq!(
            tier_of("edit", Some("kube-system"), None),
            Tier::ClusterAdmin
        );
    }

    fn policy_at(name: &str, namespaces: &[&str]) -> Option<Capability> {
        let policy = crate::model::policies::access_policies()
            .policies
            .iter()
            .find(|p| p.name == name)
            .unwrap();
        let scope = AccessScope {
            kind: if namespaces.is_empty() {
                ScopeKind::Cluster
            } else {
                ScopeKind::Namespace
            },
            namespaces: namespaces.iter().map(|n| n.to_string()).collect(),
        };
        access_policy_capability(policy, &scope, Some(&AuthenticationMode::Api))
    }

    /// Access policies are judged from their published rules by the same engine: Edit at
    /// cluster scope reaches kube-system's service accounts (admin-equivalent), in a namespace
    /// it is edit; a scope pattern covering kube-system counts as kube-system; AdminView reads
    /// Secrets and, cluster-wide, reaches the kubelet through `nodes/proxy`; SecretReader reads
    /// Secrets; View carries nothing dangerous.
    #[test]
    fn access_policies_carry_the_powers_of_their_rules() {
        let tier = |name: &str, ns: &[&str]| policy_at(name, ns).map(|c| c.tier);
        assert_eq!(tier("AmazonEKSEditPolicy", &[]), Some(Tier::ClusterAdmin));
        assert_eq!(tier("AmazonEKSEditPolicy", &["team-a"]), Some(Tier::Edit));
        assert_eq!(
            tier("AmazonEKSEditPolicy", &["kube-*"]),
            Some(Tier::ClusterAdmin)
        );
        assert_eq!(tier("AmazonEKSAdminPolicy", &["team-a"]), Some(Tier::Edit));
        // `get` on every resource includes `nodes/proxy`: the kubelet's API, exec included.
        assert_eq!(
            tier("AmazonEKSAdminViewPolicy", &[]),
            Some(Tier::ClusterAdmin)
        );
        assert_eq!(
            tier("AmazonEKSAdminViewPolicy", &["team-a"]),
            Some(Tier::Edit)
        );
        assert!(
            policy_at("AmazonEKSSecretReaderPolicy", &[])
                .unwrap()
                .what
                .contains("every Secret cluster-wide")
        );
        assert_eq!(tier("AmazonEKSViewPolicy", &[]), None);
    }
}
