//! Assuming a role that is, or can become, an administrator of the cluster — one hop or a chain.
//!
//! A principal may assume a role when the role's trust policy admits it — by its ARN (then, in
//! the same account, no identity policy is needed), or its whole account or anyone (then its own
//! policies must allow `sts:AssumeRole` on the role) — and no Deny stands in the way. The roles
//! it leads to are the cluster's administrator roles and the roles that can make themselves
//! administrators through the EKS API; each principal found that is itself a role leads one hop
//! further, breadth first (the shortest chain is the one said), up to [`MAX_HOPS`] calls.

use super::{LatentAdmin, policies_of, unreadable_conditions};
use crate::evidence::{AuthorizedPrincipal, IamAuthorization, IamKind};
use crate::model::access::Tier;
use crate::model::iam::{Admission, Assumer as TrustAssumer, Wanted, admissions};
use crate::model::iam_eval::{NamedPolicy, Verdict, evaluate};

/// The longest chain of `sts:AssumeRole` calls followed.
pub const MAX_HOPS: usize = 4;

/// A role that leads to administrator power: what taking it yields, and the rest of the chain
/// from it (empty for a role that administers the cluster itself).
#[derive(Debug, Clone)]
pub struct Lead {
    /// Its ARN as the matrix or IAM names it (matched by account, kind and name).
    pub arn: String,
    pub tier: Tier,
    /// In words: `aws-auth maps into system:masters`, `cluster-admin (…)`.
    pub yields: String,
    pub chain: Vec<String>,
    pub conditions: Vec<String>,
}

/// A principal's policies, read once for every role it might assume.
struct Assumer<'a> {
    principal: &'a AuthorizedPrincipal,
    identity: Vec<NamedPolicy>,
    boundary: Option<NamedPolicy>,
    unreadable: Vec<String>,
    /// Some Allow of its own names `sts:AssumeRole`: without one, only a trust that names it
    /// lets it in.
    calls_assume_role: bool,
    who: Option<Wanted>,
}

impl<'a> Assumer<'a> {
    fn of(principal: &'a AuthorizedPrincipal) -> Assumer<'a> {
        let (identity, boundary, unreadable) = policies_of(principal);
        let calls_assume_role = identity
            .iter()
            .any(|p| p.mentions_allowed("sts:AssumeRole"));
        Assumer {
            principal,
            identity,
            boundary,
            unreadable,
            calls_assume_role,
            who: Wanted::from_arn(&principal.arn),
        }
    }
}

/// A role's trust policy, read once: each admission, with the principal it names (if it names
/// one).
struct Trust<'a> {
    role: &'a AuthorizedPrincipal,
    admitted: Vec<(Admission, Option<Wanted>)>,
}

impl<'a> Trust<'a> {
    fn of(role: &'a AuthorizedPrincipal, trust: &serde_json::Value) -> Trust<'a> {
        let admitted = admissions(trust)
            .into_iter()
            .map(|a| {
                let named = match &a.assumer {
                    TrustAssumer::Principal { arn, .. } => Wanted::from_arn(arn),
                    _ => None,
                };
                (a, named)
            })
            .collect();
        Trust { role, admitted }
    }
}

impl From<&LatentAdmin> for Lead {
    /// A role that can make itself an administrator leads on: whoever assumes it takes its
    /// chain.
    fn from(latent: &LatentAdmin) -> Lead {
        Lead {
            arn: latent.arn.clone(),
            tier: latent.tier,
            yields: latent.yields.clone(),
            chain: latent.chain.clone(),
            conditions: latent.conditions.clone(),
        }
    }
}

/// Whether `assumer` may assume the role of `trust`: the step in words and the conditions it
/// rests on, or `None`.
fn may_assume(assumer: &Assumer<'_>, trust: &Trust<'_>) -> Option<(String, Vec<String>)> {
    let role = trust.role;
    let who = assumer.who.as_ref();
    let account = who.map(|w| w.account.as_str()).unwrap_or_default();
    let by_name = trust
        .admitted
        .iter()
        .find(|(_, named)| who.is_some() && named.as_ref() == who)
        .map(|(a, _)| a);
    if by_name.is_none() && !assumer.calls_assume_role {
        return None;
    }
    let by_account = trust
        .admitted
        .iter()
        .map(|(a, _)| a)
        .find(|a| match &a.assumer {
            TrustAssumer::Account(acct) => acct == account,
            TrustAssumer::Anyone => true,
            _ => false,
        });
    let admission = by_name.or(by_account)?;
    let verdict = evaluate(
        &assumer.identity,
        assumer.boundary.as_ref(),
        "sts:AssumeRole",
        &role.arn,
    );
    let mut conditions: Vec<String> = admission
        .conditions
        .iter()
        .map(|c| format!("the trust policy of {}: {c}", role.arn))
        .collect();
    let step = match (&verdict, by_name.is_some()) {
        (Verdict::Denied { .. }, _) => return None,
        (Verdict::Allowed { by }, _) => format!("its policy allows it ({by})"),
        (Verdict::Conditional { by, conditions: c }, _) => {
            conditions.extend(c.iter().map(|c| format!("sts:AssumeRole: {c}")));
            format!("its policy allows it under conditions ({by})")
        }
        // Named in the trust policy of a role of its own account: the trust alone grants it.
        (Verdict::NotAllowed { .. }, true) => {
            "the trust policy names it, which is enough in its own account".to_string()
        }
        (Verdict::NotAllowed { .. }, false) => return None,
    };
    conditions.extend(unreadable_conditions(assumer.unreadable.clone()));
    Some((
        format!(
            "assume {} (admitted by its trust policy: {}; {step})",
            role.arn,
            admission.describe()
        ),
        conditions,
    ))
}

/// Every principal of the account that `already_admin` says is no administrator today but may
/// reach one of `leads` by assuming roles: the shortest chain for each.
pub fn through_assume_role(
    authorization: &IamAuthorization,
    leads: Vec<Lead>,
    already_admin: impl Fn(&str) -> bool,
) -> Vec<LatentAdmin> {
    let assumers: Vec<Assumer<'_>> = authorization
        .principals
        .iter()
        .filter(|p| !already_admin(&p.arn))
        .map(Assumer::of)
        .collect();
    let by_name: std::collections::BTreeMap<Wanted, &AuthorizedPrincipal> = authorization
        .principals
        .iter()
        .filter_map(|p| Some((Wanted::from_arn(&p.arn)?, p)))
        .collect();
    let mut found: Vec<LatentAdmin> = Vec::new();
    let mut reached = vec![false; assumers.len()];
    let mut frontier = leads;
    for _ in 0..MAX_HOPS {
        let mut next = Vec::new();
        for lead in &frontier {
            let Some(role) = Wanted::from_arn(&lead.arn).and_then(|w| by_name.get(&w).copied())
            else {
                continue;
            };
            let Some(trust) = &role.trust_policy else {
                continue;
            };
            let trust = Trust::of(role, trust);
            for (index, assumer) in assumers.iter().enumerate() {
                let principal = assumer.principal;
                if reached[index] || principal.arn == role.arn {
                    continue;
                }
                let Some((step, mut conditions)) = may_assume(assumer, &trust) else {
                    continue;
                };
                let mut chain = vec![step];
                chain.extend(lead.chain.iter().cloned());
                conditions.extend(lead.conditions.iter().cloned());
                reached[index] = true;
                if principal.kind == IamKind::Role {
                    next.push(Lead {
                        arn: principal.arn.clone(),
                        tier: lead.tier,
                        yields: lead.yields.clone(),
                        chain: chain.clone(),
                        conditions: conditions.clone(),
                    });
                }
                found.push(LatentAdmin {
                    arn: principal.arn.clone(),
                    chain,
                    conditions,
                    tier: lead.tier,
                    yields: lead.yields.clone(),
                });
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::tests::{account, principal};
    use super::*;
    use serde_json::json;

    fn admin_lead(arn: &str) -> Lead {
        Lead {
            arn: arn.to_string(),
            tier: Tier::ClusterAdmin,
            yields: "cluster-admin (aws-auth maps into system:masters)".into(),
            chain: Vec::new(),
            conditions: Vec::new(),
        }
    }

    fn trusting(mut role: AuthorizedPrincipal, who: &[&str]) -> AuthorizedPrincipal {
        let statements: Vec<serde_json::Value> = who
            .iter()
            .map(
                |w| json!({"Effect": "Allow", "Principal": {"AWS": w}, "Action": "sts:AssumeRole"}),
            )
            .collect();
        role.trust_policy = Some(json!({"Statement": statements}));
        role
    }

    /// Who may assume the cluster's admin role: named in its trust (enough in the same
    /// account), or of the trusted account with a policy allowing sts:AssumeRole on it; not
    /// one whose policy does not allow it, nor one a Deny stops.
    #[test]
    fn who_may_assume_an_admin_role_is_a_latent_admin() {
        let mut admin = trusting(
            principal(
                "admins",
                json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
            ),
            &[
                "arn:aws:iam::111122223333:root",
                "arn:aws:iam::111122223333:role/oncall",
            ],
        );
        admin.arn = "arn:aws:iam::111122223333:role/ops/admins".into();
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
        // aws-auth maps the role without its path: matched by name.
        let found = through_assume_role(
            &account(vec![admin, assumer, named, plain, denied]),
            vec![admin_lead("arn:aws:iam::111122223333:role/admins")],
            |_| false,
        );
        let arns: Vec<&str> = found.iter().map(|l| l.arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::111122223333:role/jump",
                "arn:aws:iam::111122223333:role/oncall"
            ]
        );
        assert!(
            found[0]
                .describe()
                .ends_with("which makes it cluster-admin (aws-auth maps into system:masters)")
        );
        assert!(found[1].chain[0].contains("the trust policy names it"));
    }

    /// Chains: a user may assume `hop`, which may assume the admin role — two calls, said in
    /// order; a cycle of trusts ends; a chain longer than MAX_HOPS is not followed.
    #[test]
    fn chains_are_followed_breadth_first_and_end() {
        let admin = trusting(
            principal(
                "admins",
                json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
            ),
            &["arn:aws:iam::111122223333:role/hop1"],
        );
        let mut roles = vec![admin];
        // hop1 ← hop2 ← … ← hop6, each trusting the next by name.
        for i in 1..=6 {
            roles.push(trusting(
                principal(
                    &format!("hop{i}"),
                    json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
                ),
                &[&format!("arn:aws:iam::111122223333:role/hop{}", i + 1)],
            ));
        }
        let found = through_assume_role(
            &account(roles),
            vec![admin_lead("arn:aws:iam::111122223333:role/admins")],
            |_| false,
        );
        let calls: Vec<(String, usize)> = found
            .iter()
            .map(|l| {
                (
                    l.arn.rsplit('/').next().unwrap().to_string(),
                    l.assume_calls(),
                )
            })
            .collect();
        assert_eq!(
            calls,
            [
                ("hop1".to_string(), 1),
                ("hop2".to_string(), 2),
                ("hop3".to_string(), 3),
                ("hop4".to_string(), MAX_HOPS)
            ]
        );
        let hop2 = &found[1];
        assert!(hop2.chain[0].starts_with("assume arn:aws:iam::111122223333:role/hop1"));
        assert!(hop2.chain[1].starts_with("assume arn:aws:iam::111122223333:role/admins"));
    }

    #[test]
    fn a_cycle_of_trusts_ends() {
        let admin = trusting(
            principal(
                "admins",
                json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
            ),
            &["arn:aws:iam::111122223333:role/a"],
        );
        let a = trusting(
            principal(
                "a",
                json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
            ),
            &["arn:aws:iam::111122223333:role/b"],
        );
        let b = trusting(
            principal(
                "b",
                json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
            ),
            &["arn:aws:iam::111122223333:role/a"],
        );
        let found = through_assume_role(
            &account(vec![admin, a, b]),
            vec![admin_lead("arn:aws:iam::111122223333:role/admins")],
            |_| false,
        );
        assert_eq!(found.len(), 2);
    }
}
