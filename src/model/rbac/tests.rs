//! The RBAC model's tests: role power, grants to groups and users, and service accounts as
//! subjects.
use super::*;
use crate::evidence::{PolicyRule, RoleRef, Subject};

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule::of(groups, resources, verbs)
}

fn role(name: &str, namespace: Option<&str>, rules: Vec<PolicyRule>) -> RbacRole {
    RbacRole {
        namespace: namespace.map(str::to_string),
        name: name.into(),
        rules,
    }
}

fn binding(
    name: &str,
    namespace: Option<&str>,
    kind: &str,
    role: &str,
    group: &str,
) -> RbacBinding {
    RbacBinding {
        namespace: namespace.map(str::to_string),
        name: name.into(),
        role_ref: RoleRef {
            kind: kind.into(),
            name: role.into(),
        },
        subjects: vec![Subject {
            kind: "Group".into(),
            name: group.into(),
            namespace: None,
        }],
    }
}

#[test]
fn power_of_roles() {
    let cases = [
        (role("cluster-admin", None, vec![]), true, RolePower::Admin),
        (
            role("cluster-admin", Some("ns"), vec![]),
            false,
            RolePower::Limited,
        ),
        (
            role("all", None, vec![rule(&["*"], &["*"], &["*"])]),
            true,
            RolePower::Admin,
        ),
        // Every verb on every core resource includes impersonating users and groups
        // (`system:masters` among them): admin-equivalent.
        (
            role("core", None, vec![rule(&[""], &["*"], &["*"])]),
            true,
            RolePower::Escalation {
                how: "can impersonate users or groups: verbs [*] on [*] of API groups []".into(),
            },
        ),
        (
            role("apps", None, vec![rule(&["apps"], &["*"], &["*"])]),
            true,
            RolePower::Wildcard {
                api_groups: vec!["apps".into()],
            },
        ),
        (
            role(
                "named",
                None,
                vec![PolicyRule {
                    resource_names: vec!["x".into()],
                    ..rule(&["*"], &["*"], &["*"])
                }],
            ),
            true,
            RolePower::Limited,
        ),
        (
            role("view", None, vec![rule(&["*"], &["*"], &["get", "list"])]),
            true,
            RolePower::Limited,
        ),
        (
            role("pods", None, vec![rule(&[""], &["pods"], &["*"])]),
            true,
            RolePower::Limited,
        ),
    ];
    for (role, cluster, expected) in cases {
        assert_eq!(role_power(&role, cluster), expected, "{}", role.name);
    }
}

/// Escalation is power: binding or escalating roles, impersonating, writing RBAC objects
/// (not when limited to named objects, and not reading them).
#[test]
fn escalating_roles_are_admin_equivalent() {
    const RBAC: &str = "rbac.authorization.k8s.io";
    let escalating = [
        ("binder", rule(&[RBAC], &["clusterroles"], &["bind"])),
        ("escalator", rule(&[RBAC], &["roles"], &["escalate"])),
        ("any-rbac-verb", rule(&[RBAC], &["clusterroles"], &["*"])),
        ("impersonator", rule(&[""], &["users"], &["impersonate"])),
        (
            "binding-writer",
            rule(&[RBAC], &["clusterrolebindings"], &["create"]),
        ),
        ("role-patcher", rule(&["*"], &["roles"], &["patch"])),
    ];
    for (name, r) in escalating {
        let power = role_power(&role(name, None, vec![r]), true);
        assert!(
            matches!(power, RolePower::Escalation { .. }),
            "{name}: {power:?}"
        );
    }
    let harmless = [
        (
            "rbac-reader",
            rule(
                &[RBAC],
                &["clusterroles", "rolebindings"],
                &["get", "list", "watch"],
            ),
        ),
        ("pods-writer", rule(&[""], &["pods"], &["create", "update"])),
        (
            "named-binder",
            PolicyRule {
                resource_names: vec!["view".into()],
                ..rule(&[RBAC], &["clusterroles"], &["bind"])
            },
        ),
    ];
    for (name, r) in harmless {
        assert_eq!(
            role_power(&role(name, None, vec![r]), true),
            RolePower::Limited,
            "{name}"
        );
    }
}

#[test]
fn grants_resolve_roles_by_kind_and_namespace() {
    let cluster_roles = vec![role("cluster-admin", None, vec![])];
    let roles = vec![role(
        "deployer",
        Some("apps"),
        vec![rule(&["apps"], &["*"], &["*"])],
    )];
    let crbs = vec![
        binding("ops", None, "ClusterRole", "cluster-admin", "ops"),
        binding("x", None, "ClusterRole", "cluster-admin", "Ops"),
    ];
    let rbs = vec![
        binding("d", Some("apps"), "Role", "deployer", "ops"),
        binding("gone", Some("web"), "Role", "deployer", "ops"),
    ];
    let view = RbacView {
        cluster_roles: &cluster_roles,
        cluster_role_bindings: &crbs,
        roles: &roles,
        role_bindings: &rbs,
    };
    let grants = grants_to_group(view, "ops");
    let summary: Vec<(String, RolePower)> = grants
        .iter()
        .map(|g| (g.describe(), g.power.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "ClusterRoleBinding ops → ClusterRole cluster-admin".to_string(),
                RolePower::Admin
            ),
            (
                "RoleBinding apps/d → Role deployer".to_string(),
                RolePower::Wildcard {
                    api_groups: vec!["apps".into()]
                }
            ),
            (
                "RoleBinding web/gone → Role deployer".to_string(),
                RolePower::Missing
            ),
        ]
    );
    assert!(grants_to_group(view, "nobody").is_empty());
}

/// Service accounts as subjects count: creating pods in `team-a` is running as its service
/// accounts, and `team-a/deployer` is bound to cluster-admin — so the group that may create
/// pods there is a cluster administrator, and says through which account. Without that
/// binding it is edit in its namespace.
#[test]
fn a_powerful_service_account_raises_running_as_it() {
    let cluster_roles = vec![
        role("cluster-admin", None, vec![]),
        role("pod-maker", None, vec![rule(&[""], &["pods"], &["create"])]),
    ];
    let mut to_account = binding("deployer-admin", None, "ClusterRole", "cluster-admin", "-");
    to_account.subjects = vec![Subject {
        kind: "ServiceAccount".into(),
        name: "deployer".into(),
        namespace: Some("team-a".into()),
    }];
    let rbs = vec![binding(
        "makers",
        Some("team-a"),
        "ClusterRole",
        "pod-maker",
        "makers",
    )];
    let tier_of = |crbs: &[RbacBinding]| {
        let view = RbacView {
            cluster_roles: &cluster_roles,
            cluster_role_bindings: crbs,
            roles: &[],
            role_bindings: &rbs,
        };
        let grants = grants_to_group(view, "makers");
        let capability = grants[0].capabilities[0].clone();
        (capability.tier, capability.what)
    };
    let (tier, what) = tier_of(std::slice::from_ref(&to_account));
    assert_eq!(tier, Tier::ClusterAdmin);
    assert!(
        what.ends_with(
            "among them service account team-a/deployer, which ClusterRoleBinding deployer-admin → ClusterRole cluster-admin gives full control (cluster-admin or `*` on everything)"
        ),
        "{what}"
    );
    let (tier, what) = tier_of(&[]);
    assert_eq!(tier, Tier::Edit);
    assert!(!what.contains("among them"), "{what}");
    // An account of another namespace does not count.
    to_account.subjects[0].namespace = Some("team-b".into());
    assert_eq!(tier_of(std::slice::from_ref(&to_account)).0, Tier::Edit);
}
