//! What Kubernetes RBAC grants a group: the bindings that name it, the roles they point at,
//! and how much power those roles carry. Pure: reads a [`RbacView`] from the snapshot.

use crate::evidence::{AuthenticationMode, PolicyRule, RbacBinding, RbacRole, RbacView};
use crate::model::access::Tier;
use crate::model::capability::{Capability, Reach, capabilities, read_only};

/// How much a role can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolePower {
    /// `cluster-admin`, or a role whose rules allow every verb on every resource of every API
    /// group: the same power.
    Admin,
    /// Can make itself (or anyone) more powerful: `escalate` or `bind` roles, `impersonate`
    /// users or groups, or write RBAC objects — admin-equivalent, whatever
    /// else the role allows. `how` says which rule gives it.
    Escalation { how: String },
    /// Every verb on every resource of some API groups (`verbs: ["*"]`, `resources: ["*"]`).
    Wildcard { api_groups: Vec<String> },
    /// Anything narrower.
    Limited,
    /// The role the binding points at does not exist: the binding grants nothing (yet).
    Missing,
}

/// One binding that names a group, and what it grants.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub binding: &'a RbacBinding,
    /// `ClusterRoleBinding` or `RoleBinding`.
    pub binding_kind: &'static str,
    pub role: Option<&'a RbacRole>,
    pub power: RolePower,
    /// The dangerous capabilities of the role's rules where the binding applies them.
    pub capabilities: Vec<Capability>,
    /// Every rule of the role only reads, and none reads Secrets.
    pub read_only: bool,
}

/// Administrator power a grant gives: what, and whether it reaches the whole cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminPower {
    pub what: String,
    /// Over the whole cluster (else over the binding's namespace).
    pub cluster_wide: bool,
}

impl Grant<'_> {
    /// `ClusterRoleBinding X → ClusterRole Y`, `RoleBinding ns/X → Role Y`.
    pub fn describe(&self) -> String {
        let binding = match &self.binding.namespace {
            Some(ns) => format!("{} {ns}/{}", self.binding_kind, self.binding.name),
            None => format!("{} {}", self.binding_kind, self.binding.name),
        };
        format!(
            "{binding} → {} {}",
            self.binding.role_ref.kind, self.binding.role_ref.name
        )
    }

    /// Where the grant applies: `None` for the whole cluster, else the namespace.
    pub fn namespace(&self) -> Option<&str> {
        self.binding.namespace.as_deref()
    }

    /// The capabilities that count under `mode`: editing aws-auth only where EKS reads it (an
    /// unknown mode counts it: the verdict then says where it applies).
    pub fn capabilities_under<'s>(
        &'s self,
        mode: Option<&'s AuthenticationMode>,
    ) -> impl Iterator<Item = &'s Capability> {
        self.capabilities
            .iter()
            .filter(move |c| !c.through_aws_auth || mode != Some(&AuthenticationMode::Api))
    }

    /// The administrator power it gives under `mode`: the role's own (cluster-admin, a
    /// wildcard, an escalation), or an admin-tier capability of its rules.
    pub fn admin_power(&self, mode: Option<&AuthenticationMode>) -> Option<AdminPower> {
        let cluster_wide = self.namespace().is_none();
        if let Some(what) = self.power.admin_description() {
            return Some(AdminPower { what, cluster_wide });
        }
        self.capabilities_under(mode)
            .filter(|c| c.tier >= Tier::Admin)
            .max_by_key(|c| c.tier)
            .map(|c| AdminPower {
                what: format!("admin-equivalent power: it {}", c.what),
                cluster_wide: c.tier == Tier::ClusterAdmin,
            })
    }
}

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v == value)
}

/// Whether a rule covers `verb` on `resource` of `api_group` (wildcards included).
fn covers(rule: &PolicyRule, verbs: &[&str], resources: &[&str], api_groups: &[&str]) -> bool {
    let any =
        |list: &[String], wanted: &[&str]| has(list, "*") || wanted.iter().any(|w| has(list, w));
    any(&rule.verbs, verbs) && any(&rule.resources, resources) && any(&rule.api_groups, api_groups)
}

/// The escalation a rule gives, if any: Kubernetes' own privilege-escalation paths (RBAC good
/// practices): `escalate`/`bind` on roles, `impersonate`, writing RBAC objects. A rule limited
/// to named objects (`resourceNames`) is the recommended way to grant these narrowly: its
/// power is that of the objects it names, not judged here.
fn escalation(rule: &PolicyRule) -> Option<String> {
    const RBAC: &[&str] = &["rbac.authorization.k8s.io"];
    if !rule.resource_names.is_empty() {
        return None;
    }
    let said = |what: &str| {
        format!(
            "{what}: verbs [{}] on [{}] of API groups [{}]",
            rule.verbs.join(", "),
            rule.resources.join(", "),
            rule.api_groups.join(", ")
        )
    };
    if covers(
        rule,
        &["escalate", "bind"],
        &["roles", "clusterroles"],
        RBAC,
    ) {
        return Some(said("can escalate or bind roles beyond its own"));
    }
    // Impersonating users or groups reaches `system:masters`; impersonating service accounts
    // is running as them, judged with the namespace they are in (`model::capability`).
    if covers(
        rule,
        &["impersonate"],
        &["users", "groups"],
        &["", "authentication.k8s.io"],
    ) {
        return Some(said("can impersonate users or groups"));
    }
    if covers(
        rule,
        &["create", "update", "patch"],
        &[
            "roles",
            "clusterroles",
            "rolebindings",
            "clusterrolebindings",
        ],
        RBAC,
    ) {
        return Some(said("can write RBAC objects"));
    }
    None
}

/// The power of a role from its rules (and its name, for `cluster-admin`).
pub fn role_power(role: &RbacRole, is_cluster_role: bool) -> RolePower {
    if is_cluster_role && role.name == "cluster-admin" {
        return RolePower::Admin;
    }
    let mut groups = Vec::new();
    let mut escalates = None;
    for rule in &role.rules {
        if has(&rule.verbs, "*") && has(&rule.resources, "*") && rule.resource_names.is_empty() {
            if has(&rule.api_groups, "*") {
                return RolePower::Admin;
            }
            groups.extend(rule.api_groups.iter().cloned());
        }
        if escalates.is_none() {
            escalates = escalation(rule);
        }
    }
    if let Some(how) = escalates {
        return RolePower::Escalation { how };
    }
    if groups.is_empty() {
        RolePower::Limited
    } else {
        groups.sort();
        groups.dedup();
        RolePower::Wildcard { api_groups: groups }
    }
}

fn names_subject(binding: &RbacBinding, kind: &str, name: &str) -> bool {
    binding
        .subjects
        .iter()
        .any(|s| s.kind == kind && s.name == name)
}

fn resolve<'a>(rbac: RbacView<'a>, binding: &'a RbacBinding) -> (Option<&'a RbacRole>, RolePower) {
    let role = match binding.role_ref.kind.as_str() {
        "ClusterRole" => rbac
            .cluster_roles
            .iter()
            .find(|r| r.name == binding.role_ref.name)
            .map(|r| (r, true)),
        "Role" => rbac
            .roles
            .iter()
            .find(|r| r.name == binding.role_ref.name && r.namespace == binding.namespace)
            .map(|r| (r, false)),
        _ => None,
    };
    match role {
        Some((role, is_cluster_role)) => (Some(role), role_power(role, is_cluster_role)),
        None => (None, RolePower::Missing),
    }
}

/// Every binding that names `group` (exact, case-sensitive, as Kubernetes compares), in the
/// order ClusterRoleBindings then RoleBindings, each as listed.
pub fn grants_to_group<'a>(rbac: RbacView<'a>, group: &str) -> Vec<Grant<'a>> {
    grants_to(rbac, "Group", group)
}

/// Every binding that names the user `username` (a subject of kind `User`).
pub fn grants_to_user<'a>(rbac: RbacView<'a>, username: &str) -> Vec<Grant<'a>> {
    grants_to(rbac, "User", username)
}

impl RolePower {
    /// What this power gives, in words, when it is an administrator's: `None` for narrower
    /// power (or a binding to a missing role).
    pub fn admin_description(&self) -> Option<String> {
        match self {
            RolePower::Admin => Some("full control (cluster-admin or `*` on everything)".into()),
            RolePower::Escalation { how } => Some(format!("admin-equivalent power: it {how}")),
            RolePower::Wildcard { api_groups } => Some(format!(
                "every verb on every resource of API group(s) {}",
                api_groups
                    .iter()
                    .map(|g| match g.is_empty() {
                        true => "\"\" (core, secrets included)".to_string(),
                        false => g.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            RolePower::Limited | RolePower::Missing => None,
        }
    }
}

/// Every binding that names a user whose name `wanted` accepts (the principals of one
/// account, say).
pub fn grants_to_users<'a>(rbac: RbacView<'a>, wanted: impl Fn(&str) -> bool) -> Vec<Grant<'a>> {
    grants_where(rbac, |b| {
        b.subjects
            .iter()
            .any(|s| s.kind == "User" && wanted(&s.name))
    })
}

/// Every group a binding gives administrator power over the whole cluster under `mode`, with
/// the grant in words — the groups an access entry could carry to make its principal an
/// administrator. `system:` groups are left out: EKS refuses them in access entries.
pub fn cluster_admin_groups(
    rbac: RbacView<'_>,
    mode: Option<&AuthenticationMode>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let grants = grants_where(rbac, |b| b.subjects.iter().any(|s| s.kind == "Group"));
    for grant in grants {
        let Some(power) = grant.admin_power(mode).filter(|p| p.cluster_wide) else {
            continue;
        };
        for subject in &grant.binding.subjects {
            if subject.kind != "Group"
                || subject.name.starts_with("system:")
                || out.iter().any(|(g, _)| *g == subject.name)
            {
                continue;
            }
            out.push((
                subject.name.clone(),
                format!("{} ({})", grant.describe(), power.what),
            ));
        }
    }
    out
}

fn grants_to<'a>(rbac: RbacView<'a>, kind: &str, name: &str) -> Vec<Grant<'a>> {
    grants_where(rbac, |b| names_subject(b, kind, name))
}

/// Every binding `names` accepts, with its capabilities — a capability of running as a
/// namespace's service accounts raised to the power RBAC gives one of them (service accounts
/// as subjects count: a team namespace whose `deployer` account is bound to cluster-admin makes
/// creating pods there cluster-admin).
fn grants_where<'a>(rbac: RbacView<'a>, names: impl Fn(&RbacBinding) -> bool) -> Vec<Grant<'a>> {
    let mut grants = plain_grants_where(rbac, names);
    for grant in &mut grants {
        for capability in &mut grant.capabilities {
            let Some(namespace) = capability.runs_as_in.as_deref() else {
                continue;
            };
            if let Some((tier, account)) = powerful_service_account(rbac, namespace) {
                capability.tier = tier;
                capability.what = format!("{} — among them {account}", capability.what);
            }
        }
    }
    grants
}

/// The strongest administrator power RBAC gives a service account of `namespace`: the tier
/// and the account with its grant, in words. Judged without aws-auth edits (a service account
/// that may edit aws-auth is an administrator only where EKS reads it: not raised here).
fn powerful_service_account(rbac: RbacView<'_>, namespace: &str) -> Option<(Tier, String)> {
    let of_namespace = |s: &crate::evidence::Subject| {
        s.kind == "ServiceAccount" && s.namespace.as_deref() == Some(namespace)
    };
    plain_grants_where(rbac, |b| b.subjects.iter().any(of_namespace))
        .into_iter()
        .filter_map(|g| {
            let power = g.admin_power(Some(&AuthenticationMode::Api))?;
            let account = g.binding.subjects.iter().find(|s| of_namespace(s))?;
            let tier = if power.cluster_wide {
                Tier::ClusterAdmin
            } else {
                Tier::Admin
            };
            Some((
                tier,
                format!(
                    "service account {namespace}/{}, which {} gives {}",
                    account.name,
                    g.describe(),
                    power.what
                ),
            ))
        })
        .max_by_key(|(tier, _)| *tier)
}

fn plain_grants_where<'a>(
    rbac: RbacView<'a>,
    names: impl Fn(&RbacBinding) -> bool,
) -> Vec<Grant<'a>> {
    let cluster = rbac
        .cluster_role_bindings
        .iter()
        .filter(|b| names(b))
        .map(|b| ("ClusterRoleBinding", b));
    let namespaced = rbac
        .role_bindings
        .iter()
        .filter(|b| names(b))
        .map(|b| ("RoleBinding", b));
    cluster
        .chain(namespaced)
        .map(|(binding_kind, binding)| {
            let (role, power) = resolve(rbac, binding);
            let reach = match &binding.namespace {
                Some(ns) => Reach::Namespace(ns),
                None => Reach::Cluster,
            };
            let rules = role.map_or(&[][..], |r| r.rules.as_slice());
            Grant {
                binding,
                binding_kind,
                role,
                capabilities: capabilities(rules, reach),
                read_only: read_only(rules),
                power,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
