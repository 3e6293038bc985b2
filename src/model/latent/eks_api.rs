//! The EKS API's ways for a principal to make itself an administrator, each a short series of
//! calls IAM must allow:
//!
//! - **an access policy**: create an access entry for itself (`eks:CreateAccessEntry` on the
//!   cluster) — or use the one it has — and associate an admin-tier access policy with it at
//!   cluster scope (`eks:AssociateAccessPolicy` on the entry): `AmazonEKSClusterAdminPolicy`,
//!   or `AmazonEKSAdminPolicy`/`AmazonEKSEditPolicy`, whose rules at cluster scope reach
//!   admin-equivalent power;
//! - **a powerful group**: create its entry with a Kubernetes group RBAC binds to cluster-wide
//!   administrator power (`eks:CreateAccessEntry` with `kubernetesGroups`), or add the group to
//!   the entry it has (`eks:UpdateAccessEntry`) — no access policy needed, so a Deny on
//!   `eks:AssociateAccessPolicy` does not close it;
//!
//! and in `CONFIG_MAP` mode, first switch the mode (`eks:UpdateClusterConfig`): EKS takes access
//! entries only in the others.
//!
//! Each call is evaluated with what the audit knows of its request: the access policy's ARN, its
//! scope (`cluster`, no namespaces), the entry's principal, its type (`STANDARD`), its groups,
//! the region — so a policy that allows `eks:AssociateAccessPolicy` only for the View policy, or
//! only at namespace scope, closes that way. What the caller chooses freely and the audit cannot
//! know (tags, a username, the target mode) leaves a condition on it undecided. An access entry's
//! ARN ends in an id EKS assigns; the audit matches policies against the entry's ARN with that
//! id unknown, so a `Resource` naming one exact existing entry by its id is not matched.

use super::{LatentAdmin, policies_of, unreadable_conditions};
use crate::evidence::{AccessScope, AuthenticationMode, IamAuthorization, ScopeKind};
use crate::model::access::Tier;
use crate::model::iam::Wanted;
use crate::model::iam_condition::RequestContext;
use crate::model::iam_eval::{NamedPolicy, Request, Verdict, evaluate_request};

/// The cluster the principals could make themselves administrators of.
pub struct Target<'a> {
    pub cluster_arn: &'a str,
    pub mode: Option<&'a AuthenticationMode>,
    /// Groups RBAC binds to cluster-wide administrator power, each with how.
    pub admin_groups: &'a [(String, String)],
    /// Principals with a `STANDARD` access entry of their own today (no administrator's).
    pub with_entry: &'a [Wanted],
}

/// One call of a way: the action, its resource, its request's context, and what it does.
struct Call {
    action: &'static str,
    resource: String,
    context: RequestContext,
    does: String,
}

/// The ARN an access entry for `principal` on `cluster_arn` has (its last part, an id EKS
/// assigns, unknown here).
fn entry_arn(cluster_arn: &str, principal: &str) -> Option<String> {
    let cluster = crate::model::arn::parse(cluster_arn).ok()?;
    let name = cluster.resource.strip_prefix("cluster/")?;
    let who = crate::model::arn::parse(principal).ok()?;
    let (kind, rest) = who.resource.split_once('/')?;
    let principal_name = rest.rsplit('/').next()?;
    Some(format!(
        "arn:{}:eks:{}:{}:access-entry/{name}/{kind}/{}/{principal_name}/new",
        cluster.partition, cluster.region, cluster.account, who.account
    ))
}

/// The access policies that make an administrator at cluster scope, strongest first, with the
/// tier each gives and why.
fn admin_policies(mode: Option<&AuthenticationMode>) -> Vec<(String, Tier, String)> {
    let table = crate::model::policies::access_policies();
    let cluster = AccessScope {
        kind: ScopeKind::Cluster,
        namespaces: Vec::new(),
    };
    [
        "AmazonEKSClusterAdminPolicy",
        "AmazonEKSAdminPolicy",
        "AmazonEKSEditPolicy",
    ]
    .into_iter()
    .filter_map(|name| {
        let arn = format!("{}{name}", table.arn_prefix);
        let (tier, what) = crate::model::access::association_tier(&arn, &cluster, mode);
        tier.is_admin()
            .then(|| (arn, tier, format!("{name}{what}")))
    })
    .collect()
}

/// One way: its calls, the tier it yields, and in words what it yields.
struct Way {
    calls: Vec<Call>,
    tier: Tier,
    yields: String,
}

/// Every way `principal` has, in the order tried (access policies, then groups).
fn ways(target: &Target<'_>, principal: &str, region: &str) -> Vec<Way> {
    let Some(entry) = entry_arn(target.cluster_arn, principal) else {
        return Vec::new();
    };
    let has_entry = Wanted::from_arn(principal).is_some_and(|w| target.with_entry.contains(&w));
    let base = || RequestContext::default().with("aws:RequestedRegion", &[region]);
    let switch = || Call {
        action: "eks:UpdateClusterConfig",
        resource: target.cluster_arn.to_string(),
        context: base(),
        does: "switch the authentication mode to API_AND_CONFIG_MAP".to_string(),
    };
    let create = |groups: &[&str], does: String| Call {
        action: "eks:CreateAccessEntry",
        resource: target.cluster_arn.to_string(),
        context: base()
            .with("eks:principalArn", &[principal])
            .with("eks:accessEntryType", &["STANDARD"])
            .with("eks:kubernetesGroups", groups),
        does,
    };
    let prelude = |mut calls: Vec<Call>| {
        if target.mode == Some(&AuthenticationMode::ConfigMap) {
            calls.insert(0, switch());
        }
        calls
    };
    let mut out = Vec::new();
    for (policy_arn, tier, yields) in admin_policies(target.mode) {
        let name = policy_arn.rsplit('/').next().unwrap_or(&policy_arn);
        let mut calls = Vec::new();
        if !has_entry {
            calls.push(create(&[], "create an access entry for itself".into()));
        }
        calls.push(Call {
            action: "eks:AssociateAccessPolicy",
            resource: entry.clone(),
            context: base()
                .with("eks:principalArn", &[principal])
                .with("eks:policyArn", &[&policy_arn])
                .with("eks:accessScope", &["cluster"])
                .with("eks:namespaces", &[]),
            does: format!(
                "associate {name} with {} at cluster scope",
                if has_entry { "its access entry" } else { "it" }
            ),
        });
        out.push(Way {
            calls: prelude(calls),
            tier,
            yields,
        });
    }
    for (group, how) in target.admin_groups {
        let call = if has_entry {
            Call {
                action: "eks:UpdateAccessEntry",
                resource: entry.clone(),
                context: base()
                    .with("eks:principalArn", &[principal])
                    .with("eks:kubernetesGroups", &[group]),
                does: format!("add the group {group} to its access entry"),
            }
        } else {
            create(
                &[group],
                format!("create an access entry for itself in the group {group}"),
            )
        };
        out.push(Way {
            calls: prelude(vec![call]),
            tier: Tier::ClusterAdmin,
            yields: format!("group {group}: {how}"),
        });
    }
    out
}

/// Whether the policies allow every call of `way`: the chain in words and the conditions it
/// rests on, or `None` when a call is denied or not allowed.
fn open(
    way: &Way,
    identity: &[NamedPolicy],
    boundary: Option<&NamedPolicy>,
) -> Option<(Vec<String>, Vec<String>)> {
    let mut chain = Vec::new();
    let mut conditions = Vec::new();
    for call in &way.calls {
        let request = Request {
            action: call.action,
            resource: &call.resource,
            context: &call.context,
        };
        let (does, action) = (&call.does, call.action);
        match evaluate_request(identity, boundary, &request) {
            Verdict::Allowed { by } => chain.push(format!("{does} ({action}, allowed by {by})")),
            Verdict::Conditional { by, conditions: c } => {
                chain.push(format!(
                    "{does} ({action}, allowed by {by} under conditions)"
                ));
                conditions.extend(c.into_iter().map(|c| format!("{action}: {c}")));
            }
            Verdict::Denied { .. } | Verdict::NotAllowed { .. } => return None,
        }
    }
    Some((chain, conditions))
}

/// Every principal of the account that could give itself administrator power on the target
/// cluster through the EKS API, but `already_admin` says is no administrator today: by its
/// first way that is open without condition, else its first conditional one.
pub fn through_eks_api(
    authorization: &IamAuthorization,
    target: &Target<'_>,
    already_admin: impl Fn(&str) -> bool,
) -> Vec<LatentAdmin> {
    let region = crate::model::arn::parse(target.cluster_arn)
        .map(|a| a.region.to_string())
        .unwrap_or_default();
    let mut out = Vec::new();
    for principal in &authorization.principals {
        if already_admin(&principal.arn) {
            continue;
        }
        let (identity, boundary, unreadable) = policies_of(principal);
        let mut best: Option<LatentAdmin> = None;
        for way in ways(target, &principal.arn, &region) {
            let Some((chain, conditions)) = open(&way, &identity, boundary.as_ref()) else {
                continue;
            };
            let unconditional = conditions.is_empty();
            let latent = LatentAdmin {
                arn: principal.arn.clone(),
                chain,
                conditions,
                tier: way.tier,
                yields: format!("{} ({})", way.tier, way.yields),
            };
            match &best {
                None => best = Some(latent),
                Some(b) if unconditional && !b.conditions.is_empty() => best = Some(latent),
                Some(_) => {}
            }
            if unconditional {
                break;
            }
        }
        if let Some(mut latent) = best {
            latent
                .conditions
                .extend(unreadable_conditions(unreadable.clone()));
            out.push(latent);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{CLUSTER, account, principal};
    use super::*;
    use serde_json::json;

    const VIEW: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
    const EDIT: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy";

    fn latent_with(
        principals: Vec<crate::evidence::AuthorizedPrincipal>,
        mode: AuthenticationMode,
        admin_groups: &[(String, String)],
        with_entry: &[Wanted],
    ) -> Vec<LatentAdmin> {
        let target = Target {
            cluster_arn: CLUSTER,
            mode: Some(&mode),
            admin_groups,
            with_entry,
        };
        through_eks_api(&account(principals), &target, |arn| {
            arn.ends_with("/platform")
        })
    }

    fn latent(
        principals: Vec<crate::evidence::AuthorizedPrincipal>,
        mode: AuthenticationMode,
    ) -> Vec<LatentAdmin> {
        latent_with(principals, mode, &[], &[])
    }

    fn arns(found: &[LatentAdmin]) -> Vec<&str> {
        found.iter().map(|l| l.arn.as_str()).collect()
    }

    #[test]
    fn who_may_create_and_associate_an_entry_is_a_latent_admin() {
        let found = latent(
            vec![
                principal(
                    "ci",
                    json!({"Effect": "Allow", "Action": "eks:*", "Resource": "*"}),
                ),
                principal(
                    "viewer",
                    json!({"Effect": "Allow", "Action": ["eks:Describe*", "eks:List*"], "Resource": "*"}),
                ),
                principal(
                    "half",
                    json!({"Effect": "Allow", "Action": "eks:CreateAccessEntry", "Resource": CLUSTER}),
                ),
                principal(
                    "elsewhere",
                    json!({"Effect": "Allow", "Action": "eks:*", "Resource": "arn:aws:eks:*:*:*/staging*"}),
                ),
                principal(
                    "platform",
                    json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
                ),
                principal(
                    "scoped",
                    json!([
                        {"Effect": "Allow", "Action": "eks:CreateAccessEntry", "Resource": CLUSTER},
                        {"Effect": "Allow", "Action": "eks:AssociateAccessPolicy", "Resource": "arn:aws:eks:eu-west-1:111122223333:access-entry/prod/*"}
                    ]),
                ),
            ],
            AuthenticationMode::ApiAndConfigMap,
        );
        assert_eq!(
            arns(&found),
            [
                "arn:aws:iam::111122223333:role/ci",
                "arn:aws:iam::111122223333:role/scoped"
            ]
        );
        assert!(found[0].chain[0].contains(
            "create an access entry for itself (eks:CreateAccessEntry, allowed by inline ci"
        ));
        assert_eq!(found[0].tier, Tier::ClusterAdmin);
        assert!(found.iter().all(|l| l.conditions.is_empty()));
    }

    #[test]
    fn config_map_mode_needs_the_mode_switch_too() {
        let create_only = principal(
            "no-switch",
            json!({"Effect": "Allow", "Action": ["eks:CreateAccessEntry", "eks:AssociateAccessPolicy"], "Resource": "*"}),
        );
        let all = principal(
            "all",
            json!({"Effect": "Allow", "Action": "eks:*", "Resource": "*"}),
        );
        let found = latent(vec![create_only, all], AuthenticationMode::ConfigMap);
        assert_eq!(arns(&found), ["arn:aws:iam::111122223333:role/all"]);
        assert!(found[0].chain[0].starts_with("switch the authentication mode"));
    }

    #[test]
    fn a_deny_closes_it_and_an_unknown_condition_leaves_it_conditional() {
        let denied = principal(
            "denied",
            json!([
                {"Effect": "Allow", "Action": "eks:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "eks:AssociateAccessPolicy", "Resource": "*"}
            ]),
        );
        let mfa = principal(
            "mfa",
            json!({"Effect": "Allow", "Action": "eks:*", "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
        );
        let found = latent(vec![denied, mfa], AuthenticationMode::Api);
        assert_eq!(arns(&found), ["arn:aws:iam::111122223333:role/mfa"]);
        assert!(
            found[0]
                .conditions
                .iter()
                .any(|c| c.contains("aws:MultiFactorAuthPresent"))
        );
    }

    /// The conditions the audit knows of each call are decided: the View policy only, a
    /// namespace scope only, another region — no way in; the cluster-admin policy named, or the
    /// cluster's region — a way in, without condition.
    #[test]
    fn conditions_on_the_request_are_decided() {
        let with = |name: &str, condition: serde_json::Value| {
            principal(
                name,
                json!([
                    {"Effect": "Allow", "Action": "eks:CreateAccessEntry", "Resource": "*"},
                    {"Effect": "Allow", "Action": "eks:AssociateAccessPolicy", "Resource": "*", "Condition": condition}
                ]),
            )
        };
        let found = latent(
            vec![
                with("view-only", json!({"ArnEquals": {"eks:policyArn": VIEW}})),
                with(
                    "namespaced",
                    json!({"StringEquals": {"eks:accessScope": "namespace"}}),
                ),
                with(
                    "other-region",
                    json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
                ),
                with(
                    "own-region",
                    json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
                ),
                with("edit-only", json!({"ArnEquals": {"eks:policyArn": EDIT}})),
                with(
                    "not-for-itself",
                    json!({"ArnNotEquals": {"eks:principalArn": "arn:aws:iam::111122223333:role/not-for-itself"}}),
                ),
            ],
            AuthenticationMode::Api,
        );
        assert_eq!(
            arns(&found),
            [
                "arn:aws:iam::111122223333:role/own-region",
                "arn:aws:iam::111122223333:role/edit-only"
            ]
        );
        assert!(found.iter().all(|l| l.conditions.is_empty()));
        // Edit at cluster scope is admin-equivalent, and says why.
        assert!(
            found[1]
                .yields
                .contains("AmazonEKSEditPolicy: admin-equivalent"),
            "{}",
            found[1].yields
        );
    }

    /// A Kubernetes group RBAC binds to cluster-admin is a way in of its own: a Deny on
    /// associating access policies leaves it open; a principal with an entry adds the group by
    /// UpdateAccessEntry; a condition on the groups it may set decides it.
    #[test]
    fn a_powerful_group_is_a_way_without_access_policies() {
        let groups = [(
            "platform-admins".to_string(),
            "ClusterRoleBinding admins → ClusterRole cluster-admin".to_string(),
        )];
        let no_policies = principal(
            "no-policies",
            json!([
                {"Effect": "Allow", "Action": "eks:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "eks:AssociateAccessPolicy", "Resource": "*"}
            ]),
        );
        let updater = principal(
            "updater",
            json!({"Effect": "Allow", "Action": "eks:UpdateAccessEntry", "Resource": "*"}),
        );
        let only_dev = principal(
            "only-dev",
            json!({"Effect": "Allow", "Action": "eks:CreateAccessEntry", "Resource": "*",
            "Condition": {"ForAllValues:StringEquals": {"eks:kubernetesGroups": ["dev"]}}}),
        );
        let with_entry = [Wanted::from_arn("arn:aws:iam::111122223333:role/updater").unwrap()];
        let found = latent_with(
            vec![no_policies, updater, only_dev],
            AuthenticationMode::Api,
            &groups,
            &with_entry,
        );
        assert_eq!(
            arns(&found),
            [
                "arn:aws:iam::111122223333:role/no-policies",
                "arn:aws:iam::111122223333:role/updater"
            ]
        );
        assert!(found[0].chain[0].contains("in the group platform-admins"));
        assert!(found[1].chain[0].starts_with("add the group platform-admins to its access entry"));
        assert!(found[1].yields.contains("ClusterRole cluster-admin"));
        // Without the group, the denied principal has no way.
        assert!(
            latent(
                vec![principal(
                    "no-policies",
                    json!([
                        {"Effect": "Allow", "Action": "eks:*", "Resource": "*"},
                        {"Effect": "Deny", "Action": "eks:AssociateAccessPolicy", "Resource": "*"}
                    ]),
                )],
                AuthenticationMode::Api
            )
            .is_empty()
        );
    }
}
