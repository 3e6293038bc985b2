//! Latent administrators: principals with no way into the cluster today whose IAM policies let
//! them make one for themselves in a minute — create an access entry for themselves on the
//! cluster and associate an admin access policy with it (`eks:CreateAccessEntry` on the
//! cluster, `eks:AssociateAccessPolicy` on the entry), and, in `CONFIG_MAP` mode, first switch
//! the mode (`eks:UpdateClusterConfig`), since EKS takes access entries only in the others.
//! Judged by `crate::model::iam_eval` from the account's authorization details: an explicit
//! Deny or a boundary that does not allow closes the path; a condition leaves it conditional.
//! Before the organisation's SCPs and RCPs, which a member account cannot read. Pure.

use crate::evidence::{AuthenticationMode, AuthorizedPrincipal, IamAuthorization};
use crate::model::iam::{Assumer, Wanted, admissions};
use crate::model::iam_eval::{NamedPolicy, Verdict, evaluate};

/// One principal that could make itself a cluster administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatentAdmin {
    pub arn: String,
    /// The chain, in words: each step with the policy and statement that allow it.
    pub chain: Vec<String>,
    /// Conditions the verdict rests on (empty: unconditional).
    pub conditions: Vec<String>,
}

/// The ARN an access entry for `principal` on `cluster_arn` gets (its last part, a unique id,
/// unknown until it exists).
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

fn policies_of(
    principal: &AuthorizedPrincipal,
) -> (Vec<NamedPolicy>, Option<NamedPolicy>, Vec<String>) {
    let mut unreadable = Vec::new();
    let mut read =
        |doc: &crate::evidence::NamedDocument| match NamedPolicy::parse(&doc.name, &doc.document) {
            Ok(policy) => Some(policy),
            Err(e) => {
                unreadable.push(e.to_string());
                None
            }
        };
    let identity = principal.policies.iter().filter_map(&mut read).collect();
    let boundary = principal.boundary.as_ref().and_then(&mut read);
    (identity, boundary, unreadable)
}

/// Policies that could not be read, as conditions of a verdict: a Deny in them would close the
/// path.
fn unreadable_conditions(unreadable: Vec<String>) -> impl Iterator<Item = String> {
    unreadable
        .into_iter()
        .map(|u| format!("{u} (not evaluated: its Deny could close the path)"))
}

/// Every principal of the account that could give itself cluster-admin through the EKS API on
/// `cluster_arn` under `mode`, but `already_admin` says is not an administrator today.
pub fn through_eks_api(
    authorization: &IamAuthorization,
    cluster_arn: &str,
    mode: Option<&AuthenticationMode>,
    already_admin: impl Fn(&str) -> bool,
) -> Vec<LatentAdmin> {
    let mut out = Vec::new();
    for principal in &authorization.principals {
        if already_admin(&principal.arn) {
            continue;
        }
        let Some(entry) = entry_arn(cluster_arn, &principal.arn) else {
            continue;
        };
        let (identity, boundary, unreadable) = policies_of(principal);
        let mut steps: Vec<(&str, &str, &str)> = Vec::new();
        if mode == Some(&AuthenticationMode::ConfigMap) {
            steps.push((
                "eks:UpdateClusterConfig",
                cluster_arn,
                "switch the authentication mode to API_AND_CONFIG_MAP",
            ));
        }
        steps.push((
            "eks:CreateAccessEntry",
            cluster_arn,
            "create an access entry for itself",
        ));
        steps.push((
            "eks:AssociateAccessPolicy",
            &entry,
            "associate AmazonEKSClusterAdminPolicy with it at cluster scope",
        ));
        let mut chain = Vec::new();
        let mut conditions = Vec::new();
        let mut open = true;
        for (action, resource, does) in steps {
            match evaluate(&identity, boundary.as_ref(), action, resource) {
                Verdict::Allowed { by } => {
                    chain.push(format!("{does} ({action}, allowed by {by})"))
                }
                Verdict::Conditional { by, conditions: c } => {
                    chain.push(format!(
                        "{does} ({action}, allowed by {by} under conditions)"
                    ));
                    conditions.extend(c.into_iter().map(|c| format!("{action}: {c}")));
                }
                Verdict::Denied { .. } | Verdict::NotAllowed { .. } => {
                    open = false;
                    break;
                }
            }
        }
        if open {
            conditions.extend(unreadable_conditions(unreadable));
            out.push(LatentAdmin {
                arn: principal.arn.clone(),
                chain,
                conditions,
            });
        }
    }
    out
}

pub use crate::model::access::LatentPath;

/// Every latent administrator of the cluster whose access matrix is `matrix`, by the `paths`
/// asked (each computed only when asked): what EA405 and EA406 report, and the matrix's latent
/// rows.
pub fn of_cluster(
    authorization: &IamAuthorization,
    cluster_arn: &str,
    mode: Option<&AuthenticationMode>,
    matrix: &[crate::model::access::Principal],
    paths: &[LatentPath],
) -> Vec<(LatentPath, LatentAdmin)> {
    let admins: Vec<&crate::model::access::Principal> = matrix
        .iter()
        .filter(|p| p.in_effect && p.tier.is_admin())
        .collect();
    let wanted: Vec<Wanted> = admins
        .iter()
        .filter_map(|p| Wanted::from_arn(&p.arn))
        .collect();
    let already_admin = |arn: &str| Wanted::from_arn(arn).is_some_and(|w| wanted.contains(&w));
    let reasons: Vec<String> = admins
        .iter()
        .map(|p| format!("{} makes {} ({})", p.source, p.tier, p.tier_reason))
        .collect();
    let roles: Vec<AdminRole<'_>> = admins
        .iter()
        .zip(&reasons)
        .filter(|(p, _)| {
            crate::model::arn::parse(&p.arn).is_ok_and(|a| a.resource.starts_with("role/"))
        })
        .map(|(p, how)| AdminRole { arn: &p.arn, how })
        .collect();
    let mut out = Vec::new();
    if paths.contains(&LatentPath::EksApi) {
        out.extend(
            through_eks_api(authorization, cluster_arn, mode, already_admin)
                .into_iter()
                .map(|l| (LatentPath::EksApi, l)),
        );
    }
    if paths.contains(&LatentPath::AssumeRole) {
        out.extend(
            through_assume_role(authorization, &roles, already_admin)
                .into_iter()
                .map(|l| (LatentPath::AssumeRole, l)),
        );
    }
    out
}

/// An administrator role of the cluster, as the access matrix shows it: its ARN (as mapped)
/// and how it is an administrator.
pub struct AdminRole<'a> {
    pub arn: &'a str,
    pub how: &'a str,
}

/// Every principal of the account that is not an administrator today but may assume one of
/// `admin_roles` (one hop): the role's trust policy admits it — by its ARN (then, in the same
/// account, no identity policy is needed), or its whole account or anyone (then its own
/// policies must allow `sts:AssumeRole` on the role) — and no Deny stands in the way.
pub fn through_assume_role(
    authorization: &IamAuthorization,
    admin_roles: &[AdminRole<'_>],
    already_admin: impl Fn(&str) -> bool,
) -> Vec<LatentAdmin> {
    let mut out = Vec::new();
    for role in admin_roles {
        let wanted = Wanted::from_arn(role.arn);
        let Some(target) = authorization
            .principals
            .iter()
            .find(|p| wanted.is_some() && Wanted::from_arn(&p.arn) == wanted)
        else {
            continue;
        };
        let Some(trust) = &target.trust_policy else {
            continue;
        };
        let admitted = admissions(trust);
        for principal in &authorization.principals {
            if principal.arn == target.arn || already_admin(&principal.arn) {
                continue;
            }
            let who = Wanted::from_arn(&principal.arn);
            let account = who.as_ref().map(|w| w.account.as_str()).unwrap_or_default();
            let by_name = admitted.iter().find(|a| {
                matches!(&a.assumer, Assumer::Principal { arn, .. }
                    if who.is_some() && Wanted::from_arn(arn) == who)
            });
            let by_account = admitted.iter().find(|a| match &a.assumer {
                Assumer::Account(acct) => acct == account,
                Assumer::Anyone => true,
                _ => false,
            });
            let Some(admission) = by_name.or(by_account) else {
                continue;
            };
            let (identity, boundary, unreadable) = policies_of(principal);
            let verdict = evaluate(&identity, boundary.as_ref(), "sts:AssumeRole", &target.arn);
            let mut conditions: Vec<String> = admission
                .conditions
                .iter()
                .map(|c| format!("the trust policy of {}: {c}", target.arn))
                .collect();
            let step = match (&verdict, by_name.is_some()) {
                (Verdict::Denied { .. }, _) => continue,
                (Verdict::Allowed { by }, _) => format!("its policy allows it ({by})"),
                (Verdict::Conditional { by, conditions: c }, _) => {
                    conditions.extend(c.iter().map(|c| format!("sts:AssumeRole: {c}")));
                    format!("its policy allows it under conditions ({by})")
                }
                // Named in the trust policy of a role of its own account: the trust alone
                // grants it.
                (Verdict::NotAllowed { .. }, true) => {
                    "the trust policy names it, which is enough in its own account".to_string()
                }
                (Verdict::NotAllowed { .. }, false) => continue,
            };
            conditions.extend(unreadable_conditions(unreadable));
            out.push(LatentAdmin {
                arn: principal.arn.clone(),
                chain: vec![format!(
                    "assume {} (admitted by its trust policy: {}; {step}), which {}",
                    target.arn,
                    admission.describe(),
                    role.how
                )],
                conditions,
            });
        }
    }
    out
}

/// The access matrix's rows for the latent administrators: no way in today (not in effect),
/// cluster-admin if they take the path, the chain as the reason.
pub fn matrix_rows(latent: Vec<(LatentPath, LatentAdmin)>) -> Vec<crate::model::access::Principal> {
    latent
        .into_iter()
        .map(|(path, l)| crate::model::access::Principal {
            arn: l.arn,
            source: crate::model::access::PrincipalSource::Latent(path),
            username: String::new(),
            groups: Vec::new(),
            policies: Vec::new(),
            tier: crate::model::access::Tier::ClusterAdmin,
            tier_reason: l.chain.join("; then "),
            in_effect: false,
            note: if l.conditions.is_empty() {
                "not a way in today: its IAM policies let it make one (before SCPs)".to_string()
            } else {
                format!(
                    "not a way in today: its IAM policies may let it make one, if {} (before SCPs)",
                    l.conditions.join("; ")
                )
            },
            capabilities: Vec::new(),
            provenance: None,
            iam: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{IamKind, NamedDocument};
    use serde_json::json;

    const CLUSTER: &str = "arn:aws:eks:eu-west-1:111122223333:cluster/prod";

    fn principal(name: &str, statements: serde_json::Value) -> AuthorizedPrincipal {
        AuthorizedPrincipal {
            kind: IamKind::Role,
            arn: format!("arn:aws:iam::111122223333:role/{name}"),
            policies: vec![NamedDocument {
                name: format!("inline {name}"),
                document: json!({"Version": "2012-10-17", "Statement": statements}),
            }],
            boundary: None,
            trust_policy: None,
        }
    }

    /// Who may assume the cluster's admin role: named in its trust (enough in the same
    /// account), or of the trusted account with a policy allowing sts:AssumeRole on it; not
    /// one whose policy does not allow it, nor one a Deny stops.
    #[test]
    fn who_may_assume_an_admin_role_is_a_latent_admin() {
        let mut admin = principal(
            "admins",
            json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        );
        admin.arn = "arn:aws:iam::111122223333:role/ops/admins".into();
        admin.trust_policy = Some(json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/oncall"}, "Action": "sts:AssumeRole"}
        ]}));
        let assumer = principal(
            "jump",
            json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111122223333:role/ops/*"}),
        );
        let named = principal(
            "oncall",
            json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        );
        let plain = principal(
            "app",
            json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        );
        let denied = principal(
            "denied",
            json!([
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
                {"Effect": "Deny", "Action": "sts:*", "Resource": "*"}
            ]),
        );
        let authorization = IamAuthorization {
            account: "111122223333".into(),
            principals: vec![admin, assumer, named, plain, denied],
        };
        // aws-auth maps the role without its path: matched by name.
        let roles = [AdminRole {
            arn: "arn:aws:iam::111122223333:role/admins",
            how: "aws-auth maps into system:masters",
        }];
        let found = through_assume_role(&authorization, &roles, |_| false);
        let arns: Vec<&str> = found.iter().map(|l| l.arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::111122223333:role/jump",
                "arn:aws:iam::111122223333:role/oncall"
            ]
        );
        assert!(found[0].chain[0].contains("which aws-auth maps into system:masters"));
        assert!(found[1].chain[0].contains("the trust policy names it"));
    }

    fn latent(principals: Vec<AuthorizedPrincipal>, mode: AuthenticationMode) -> Vec<LatentAdmin> {
        let authorization = IamAuthorization {
            account: "111122223333".into(),
            principals,
        };
        through_eks_api(&authorization, CLUSTER, Some(&mode), |arn| {
            arn.ends_with("/platform")
        })
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
        let arns: Vec<&str> = found.iter().map(|l| l.arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::111122223333:role/ci",
                "arn:aws:iam::111122223333:role/scoped"
            ]
        );
        assert!(found[0].chain[0].contains(
            "create an access entry for itself (eks:CreateAccessEntry, allowed by inline ci"
        ));
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
        assert_eq!(found.len(), 1);
        assert!(found[0].chain[0].starts_with("switch the authentication mode"));
    }

    #[test]
    fn a_deny_closes_it_and_a_condition_leaves_it_conditional() {
        let denied = principal(
            "denied",
            json!([
                {"Effect": "Allow", "Action": "eks:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "eks:AssociateAccessPolicy", "Resource": "*"}
            ]),
        );
        let conditional = principal(
            "conditional",
            json!({"Effect": "Allow", "Action": "eks:*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}),
        );
        let found = latent(vec![denied, conditional], AuthenticationMode::Api);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].arn, "arn:aws:iam::111122223333:role/conditional");
        assert!(
            found[0]
                .conditions
                .iter()
                .any(|c| c.contains("aws:RequestedRegion"))
        );
    }
}
