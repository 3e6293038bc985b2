//! Latent administrators: principals with no way into the cluster today whose IAM policies let
//! them make one for themselves in a minute — create an access entry for themselves on the
//! cluster and associate an admin access policy with it (`eks:CreateAccessEntry` on the
//! cluster, `eks:AssociateAccessPolicy` on the entry), and, in `CONFIG_MAP` mode, first switch
//! the mode (`eks:UpdateClusterConfig`), since EKS takes access entries only in the others.
//! Judged by `crate::model::iam_eval` from the account's authorization details: an explicit
//! Deny or a boundary that does not allow closes the path; a condition leaves it conditional.
//! Before the organisation's SCPs and RCPs, which a member account cannot read. Pure.

use crate::evidence::{AuthenticationMode, AuthorizedPrincipal, IamAuthorization};
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
            conditions.extend(
                unreadable
                    .into_iter()
                    .map(|u| format!("{u} (not evaluated: its Deny could close the path)")),
            );
            out.push(LatentAdmin {
                arn: principal.arn.clone(),
                chain,
                conditions,
            });
        }
    }
    out
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
        }
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
