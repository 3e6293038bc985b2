//! Effective access: who can get in, as whom, with what power — aws-auth rows and access
//! entries merged the way EKS merges them under the cluster's authentication mode, plus the
//! hidden creator when the evidence shows it. Pure: reads what the snapshot holds.

mod aws_auth_history;
pub mod history;
mod iam_view;
mod map_accounts;
mod provenance;
mod rbac_tier;
mod source;
mod tier;
pub mod whois;

pub use iam_view::{IamSummary, PrincipalView};
pub use provenance::{attach_provenance, creator_hints};
pub use source::{LatentPath, PrincipalSource};
pub use tier::Tier;

use rbac_tier::rbac_tier;

use crate::evidence::{AuthenticationMode, ScopeKind};
use serde::Serialize;

use crate::evidence::{AccessEntry, Fetched, RbacView, UserInfo};
use crate::model::awsauth::SectionKey;
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::iam::Wanted;
use crate::model::policies::access_policies;

/// One way into the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Principal {
    /// The ARN as the source names it (an aws-auth row, an access entry).
    pub arn: String,
    /// `aws-auth mapRoles[1]`, `access entry (STANDARD)`, `creator (hidden; …)`.
    pub source: PrincipalSource,
    pub username: String,
    pub groups: Vec<String>,
    /// Access policies with their scope: `AmazonEKSViewPolicy (namespaces a, b)`.
    pub policies: Vec<String>,
    pub tier: Tier,
    /// Why this tier.
    pub tier_reason: String,
    /// Whether EKS uses this source for this principal under the mode.
    pub in_effect: bool,
    /// Every dangerous capability this way in carries (reading Secrets, running as a
    /// namespace's service accounts, editing aws-auth, …), each with the binding or access
    /// policy it comes through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// Who granted this way in and when, as far as the audit read it: an access entry's
    /// creation time, aws-auth's last writer of `data` (its `managedFields`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    /// Why not, or what the verdict rests on.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// What IAM says of the principal (real ARN with path, id, dates, who can assume), when
    /// the audit read IAM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<PrincipalView>,
}

/// The `arn` of a `mapAccounts` row: `account 111122223333 (every principal)`.
pub(super) const EVERY_PRINCIPAL_OF: &str = "account ";
pub(super) const EVERY_PRINCIPAL_TAIL: &str = " (every principal)";

impl Principal {
    /// No way in today, but IAM lets it make one (a latent administrator's row).
    pub fn is_latent(&self) -> bool {
        matches!(self.source, PrincipalSource::Latent(_))
    }

    /// An administrator the organisation policy's `admins` must list: one in effect today, or a
    /// latent one.
    pub fn is_admin_or_latent(&self) -> bool {
        (self.in_effect && self.tier.is_admin()) || self.is_latent()
    }

    /// The account a `mapAccounts` row opens, whole.
    pub fn mapped_account(&self) -> Option<&str> {
        match self.source {
            PrincipalSource::MapAccounts { .. } => self
                .arn
                .strip_prefix(EVERY_PRINCIPAL_OF)?
                .strip_suffix(EVERY_PRINCIPAL_TAIL),
            _ => None,
        }
    }
}

/// What the matrix is built from.
#[derive(Debug, Clone, Copy)]
pub struct AccessInputs<'a> {
    pub mode: Option<&'a AuthenticationMode>,
    pub aws_auth: Option<&'a AwsAuthDocument>,
    /// aws-auth was in scope but could not be read: why. Its side of the matrix is unknown.
    pub aws_auth_unread: Option<&'a str>,
    pub entries: Option<&'a [AccessEntry]>,
    pub rbac: Option<RbacView<'a>>,
    pub caller: Option<&'a UserInfo>,
    /// The creator, when CloudTrail or the user named it.
    pub creator: Option<&'a crate::evidence::Creator>,
}

fn policy_tier(
    entry: &AccessEntry,
    mode: Option<&AuthenticationMode>,
) -> (Tier, String, Vec<String>) {
    let Fetched::Found(policies) = &entry.policies else {
        return (Tier::Unknown, "policies not read".into(), Vec::new());
    };
    let mut best = (Tier::None, String::new());
    let mut listed = Vec::new();
    for policy in policies {
        let name = policy
            .policy_arn
            .strip_prefix(&access_policies().arn_prefix)
            .unwrap_or(&policy.policy_arn);
        let scope = if policy.scope.kind == ScopeKind::Namespace {
            format!("namespaces {}", policy.scope.namespaces.join(", "))
        } else {
            "cluster".to_string()
        };
        listed.push(format!("{name} ({scope})"));
        let known = access_policies().find(&policy.policy_arn);
        let (tier, what) = association_tier(&policy.policy_arn, &policy.scope, mode);
        if tier > best.0 || best.1.is_empty() {
            best = (
                tier,
                format!(
                    "{name} at {scope} scope{what}{}",
                    known.map_or("", |k| k.caveat())
                ),
            );
        }
    }
    (best.0, best.1, listed)
}

/// The tier an access policy gives at `scope` under `mode`: its documented tier, or higher when
/// its published rules (judged as RBAC roles are) reach further — then what they reach
/// (`: admin-equivalent: it …`), else an empty text. A policy the table lacks is `unknown`.
pub fn association_tier(
    policy_arn: &str,
    scope: &crate::evidence::AccessScope,
    mode: Option<&AuthenticationMode>,
) -> (Tier, String) {
    let cluster_scope = scope.kind != ScopeKind::Namespace;
    let known = access_policies().find(policy_arn);
    let tier = known.map_or(Tier::Unknown, |k| Tier::from_policy(&k.tier, cluster_scope));
    match known.and_then(|k| rbac_tier::access_policy_capability(k, scope, mode)) {
        Some(capability) if capability.tier > tier => {
            let admin = if capability.tier >= Tier::Admin {
                "admin-equivalent: it "
            } else {
                ""
            };
            (capability.tier, format!(": {admin}{}", capability.what))
        }
        _ => (tier, String::new()),
    }
}

/// The EKS Capability (ACK, Argo CD, kro) an entry belongs to: EKS creates the capability
/// role's entry itself, with the capability's access policy.
pub fn capability_of(entry: &AccessEntry) -> Option<&'static str> {
    let Fetched::Found(policies) = &entry.policies else {
        return None;
    };
    policies.iter().find_map(|p| {
        access_policies()
            .find(&p.policy_arn)
            .and_then(|k| k.capability.as_deref())
    })
}

/// Attaches what IAM said to each row of the matrix (matched by account, kind and name:
/// names are unique per account whatever the path).
pub fn attach_iam(principals: &mut [Principal], iam: &IamSummary) {
    for principal in principals {
        let Some(wanted) = Wanted::from_arn(&principal.arn) else {
            continue;
        };
        principal.iam = iam
            .principals
            .iter()
            .find(|p| p.kind == wanted.kind && p.account == wanted.account && p.name == wanted.name)
            .cloned();
    }
}

/// Every principal aws-auth or an access entry names, and the hidden creator when the caller
/// is it, with its tier and whether it is in effect under the mode.
pub fn matrix(inputs: AccessInputs<'_>) -> Vec<Principal> {
    let mut out = Vec::new();
    let entries = inputs.entries.unwrap_or(&[]);
    for entry in entries {
        let (policy, policy_reason, policies) = policy_tier(entry, inputs.mode);
        let (group, group_reason, group_capabilities) = rbac_tier(
            inputs.rbac,
            inputs.mode,
            &entry.kubernetes_groups,
            entry.username.as_deref().unwrap_or_default(),
        );
        let (mut tier, mut reason) = if group > policy {
            (group, group_reason)
        } else {
            (policy, policy_reason)
        };
        // A node-type entry (EC2_LINUX, HYBRID_LINUX, HYPERPOD_LINUX…) takes no access policy:
        // EKS gives its principal the node identity.
        if entry.kind.is_node() && tier < Tier::Node {
            (tier, reason) = (
                Tier::Node,
                format!(
                    "node entry ({}): EKS gives it the node identity",
                    entry.kind
                ),
            );
        }
        let (in_effect, mut note) = match (inputs.mode, &entry.unread) {
            (Some(AuthenticationMode::ConfigMap), _) => (
                false,
                "CONFIG_MAP mode: access entries are not used".to_string(),
            ),
            (_, Some(unread)) => (
                true,
                format!(
                    "could not be read, so its power is unknown: {}",
                    unread.detail
                ),
            ),
            _ => (true, String::new()),
        };
        if let Some(capability) = capability_of(entry) {
            note = [
                note.as_str(),
                &format!("created by EKS Capabilities for the {capability} capability's role"),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("; ");
        }
        let mut capabilities = rbac_tier::entry_policy_capabilities(entry, inputs.mode);
        capabilities.extend(group_capabilities);
        out.push(Principal {
            provenance: None,
            capabilities,
            arn: entry.principal_arn.clone(),
            source: PrincipalSource::AccessEntry(entry.kind.clone()),
            username: entry.username.clone().unwrap_or_default(),
            groups: entry.kubernetes_groups.clone(),
            policies,
            tier,
            tier_reason: reason,
            in_effect,
            note,
            iam: None,
        });
    }
    if let Some(doc) = inputs.aws_auth {
        for section in [SectionKey::MapRoles, SectionKey::MapUsers] {
            for row in doc.section(section).kept() {
                let arn = row.row.arn().trim().to_string();
                let (tier, reason, capabilities) = rbac_tier(
                    inputs.rbac,
                    inputs.mode,
                    row.row.groups(),
                    row.row.username(),
                );
                let wanted = Wanted::from_arn(&arn);
                let shadowed = entries
                    .iter()
                    .any(|e| wanted.is_some() && Wanted::from_arn(&e.principal_arn) == wanted);
                let has_path = row.row.has_role_path();
                let (in_effect, note) = match inputs.mode {
                    Some(AuthenticationMode::Api) => {
                        (false, "API mode: aws-auth is ignored".to_string())
                    }
                    _ if has_path => (false, "the ARN has a path: it never matches".to_string()),
                    _ if let Some(why) = crate::model::awsauth::template::never_renders(
                        &arn,
                        row.row.username(),
                        row.row.groups(),
                    ) =>
                    {
                        (
                            false,
                            format!("EKS rejects every request it matches: {why}"),
                        )
                    }
                    Some(AuthenticationMode::ApiAndConfigMap) if shadowed => (
                        false,
                        "an access entry for the same principal takes priority".to_string(),
                    ),
                    None => (
                        true,
                        "in effect unless the mode is API (mode unknown)".to_string(),
                    ),
                    _ => (true, String::new()),
                };
                out.push(Principal {
                    provenance: None,
                    capabilities,
                    arn: if arn.is_empty() {
                        row.row.principal().into_owned()
                    } else {
                        arn
                    },
                    source: PrincipalSource::AwsAuth {
                        section,
                        index: row.index,
                    },
                    username: row.row.username().to_string(),
                    groups: row.row.groups().to_vec(),
                    policies: Vec::new(),
                    tier,
                    tier_reason: reason,
                    in_effect,
                    note,
                    iam: None,
                });
            }
        }
    }
    if let Some(doc) = inputs.aws_auth {
        out.extend(map_accounts::map_accounts_rows(doc, inputs));
    }
    if let Some(reason) = inputs.aws_auth_unread {
        out.push(Principal {
            provenance: None,
            capabilities: Vec::new(),
            arn: "kube-system/aws-auth".to_string(),
            source: PrincipalSource::AwsAuthUnread,
            username: String::new(),
            groups: Vec::new(),
            policies: Vec::new(),
            tier: Tier::Unknown,
            tier_reason: "aws-auth could not be read".to_string(),
            in_effect: !matches!(inputs.mode, Some(AuthenticationMode::Api)),
            note: format!("every mapping it holds is unknown: {reason}"),
            iam: None,
        });
    }
    if let (Some(AuthenticationMode::Api | AuthenticationMode::ApiAndConfigMap), Some(creator)) =
        (inputs.mode, inputs.creator)
    {
        let wanted = Wanted::from_arn(&creator.arn);
        let has_entry = entries
            .iter()
            .any(|e| wanted.is_some() && Wanted::from_arn(&e.principal_arn) == wanted);
        if !has_entry {
            out.push(Principal {
                provenance: None,
                capabilities: Vec::new(),
                arn: creator.arn.clone(),
                source: PrincipalSource::CreatorWithoutEntry(creator.source.clone()),
                username: String::new(),
                groups: Vec::new(),
                policies: Vec::new(),
                tier: Tier::None,
                tier_reason: "no access entry names the creator".to_string(),
                in_effect: false,
                note: "in an access-entry mode the creator's admin is an access entry, and it is gone (deleted, or never made: bootstrapClusterCreatorAdminPermissions=false); EKS documents no residual grant, which has not been verified on a live cluster".to_string(),
                iam: None,
            });
        }
    }
    if let (Some(AuthenticationMode::ConfigMap), Some(creator)) = (inputs.mode, inputs.creator) {
        out.push(Principal {
            provenance: None,
            capabilities: Vec::new(),
            arn: creator.arn.clone(),
            source: PrincipalSource::HiddenCreator(creator.source.clone()),
            username: String::new(),
            groups: vec![
                crate::model::policies::privileged_groups()
                    .superuser_group
                    .name
                    .clone(),
            ],
            policies: Vec::new(),
            tier: Tier::ClusterAdmin,
            tier_reason: "CONFIG_MAP gives the creator system:masters".to_string(),
            in_effect: true,
            note: "no configuration shows it, and it cannot be revoked".to_string(),
            iam: None,
        });
    }
    let masters = &crate::model::policies::privileged_groups()
        .superuser_group
        .name;
    // With aws-auth unread, a caller in system:masters may well be mapped there: not hidden.
    if let Some(caller) = inputs.caller.filter(|_| inputs.aws_auth_unread.is_none())
        && caller.groups.iter().any(|g| g == masters)
    {
        let arn = caller
            .extra_value("canonicalArn")
            .or(caller.extra_value("arn"))
            .unwrap_or(&caller.username)
            .to_string();
        let visible = out.iter().any(|p| {
            p.in_effect
                && p.tier == Tier::ClusterAdmin
                && Wanted::from_arn(&p.arn).is_some()
                && Wanted::from_arn(&p.arn) == Wanted::from_arn(&arn)
        });
        if !visible {
            out.push(Principal {
                provenance: None,
                capabilities: Vec::new(),
                arn,
                source: PrincipalSource::HiddenCaller,
                username: caller.username.clone(),
                groups: caller.groups.clone(),
                policies: Vec::new(),
                tier: Tier::ClusterAdmin,
                tier_reason: "system:masters with no visible mapping".to_string(),
                in_effect: true,
                note: "seen through SelfSubjectReview; no configuration shows it".to_string(),
                iam: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{AccessScope, AssociatedPolicy};
    use crate::inputs::manifest::InputFile;
    use crate::model::awsauth::documents::read_documents;

    fn doc() -> AwsAuthDocument {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/ops\n      username: ops\n      groups: [system:masters]\n    - rolearn: arn:aws:iam::111122223333:role/team/dev\n      username: dev\n      groups: [system:masters]\n";
        read_documents(&[InputFile {
            path: "a.yaml".into(),
            bytes: yaml.as_bytes().to_vec(),
        }])
        .unwrap()
        .0
        .remove(0)
    }

    fn entry(arn: &str, policy: &str) -> AccessEntry {
        AccessEntry {
            principal_arn: arn.into(),
            kind: "STANDARD".into(),
            username: None,
            kubernetes_groups: Vec::new(),
            created_at: None,
            policies: Fetched::Found(vec![AssociatedPolicy {
                policy_arn: format!("arn:aws:eks::aws:cluster-access-policy/{policy}"),
                scope: AccessScope {
                    kind: "cluster".into(),
                    namespaces: Vec::new(),
                },
                associated_at: None,
            }]),
            unread: None,
        }
    }

    /// (source, tier, in effect) for each row, under `mode`.
    fn rows(mode: &str) -> Vec<(String, Tier, bool)> {
        let doc = doc();
        let entries = [entry(
            "arn:aws:iam::111122223333:role/x/ops",
            "AmazonEKSViewPolicy",
        )];
        matrix(AccessInputs {
            aws_auth_unread: None,
            mode: Some(&AuthenticationMode::parse(mode)),
            aws_auth: Some(&doc),
            entries: Some(&entries),
            rbac: None,
            caller: None,
            creator: None,
        })
        .into_iter()
        .map(|p| (p.source.to_string(), p.tier, p.in_effect))
        .collect()
    }

    #[test]
    fn the_mode_decides_which_source_is_in_effect() {
        let entry = "access entry (STANDARD)".to_string();
        let ops = "aws-auth mapRoles[0]".to_string();
        let dev = "aws-auth mapRoles[1]".to_string();
        assert_eq!(
            rows("CONFIG_MAP"),
            [
                (entry.clone(), Tier::View, false),
                (ops.clone(), Tier::ClusterAdmin, true),
                (dev.clone(), Tier::ClusterAdmin, false),
            ]
        );
        assert_eq!(
            rows("API_AND_CONFIG_MAP"),
            [
                (entry.clone(), Tier::View, true),
                (ops.clone(), Tier::ClusterAdmin, false),
                (dev.clone(), Tier::ClusterAdmin, false),
            ],
            "the entry for role ops (with a path) shadows the row; the path row never matches"
        );
        assert_eq!(
            rows("API"),
            [
                (entry, Tier::View, true),
                (ops, Tier::ClusterAdmin, false),
                (dev, Tier::ClusterAdmin, false),
            ]
        );
    }

    /// A HYPERPOD_LINUX entry is a node's; an entry with a capability's policy is said to be
    /// the one EKS Capabilities made, and a policy whose rules are not published says so.
    #[test]
    fn node_entries_and_capability_entries() {
        let mut hyperpod = entry("arn:aws:iam::111122223333:role/hp", "AmazonEKSViewPolicy");
        hyperpod.kind = "HYPERPOD_LINUX".into();
        hyperpod.policies = Fetched::Found(Vec::new());
        let ack = entry("arn:aws:iam::111122223333:role/ack", "AmazonEKSACKPolicy");
        let rows = matrix(AccessInputs {
            aws_auth_unread: None,
            mode: Some(&AuthenticationMode::parse("API")),
            aws_auth: None,
            entries: Some(&[hyperpod, ack]),
            rbac: None,
            caller: None,
            creator: None,
        });
        assert_eq!(rows[0].tier, Tier::Node, "{}", rows[0].tier_reason);
        assert!(rows[0].tier_reason.contains("HYPERPOD_LINUX"));
        assert_eq!(rows[1].tier, Tier::Admin);
        assert!(rows[1].note.contains("EKS Capabilities") && rows[1].note.contains("ACK"));
        assert!(
            rows[1].tier_reason.contains("not published"),
            "{}",
            rows[1].tier_reason
        );
    }

    #[test]
    fn tiers_order_and_policies() {
        assert!(
            Tier::ClusterAdmin > Tier::Admin && Tier::Admin > Tier::Edit && Tier::Edit > Tier::View
        );
        assert_eq!(Tier::from_policy("cluster-admin", true), Tier::ClusterAdmin);
        assert_eq!(Tier::from_policy("cluster-admin", false), Tier::Admin);
        assert_eq!(Tier::from_policy("mystery", true), Tier::Unknown);
    }
}
