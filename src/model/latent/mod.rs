//! Latent administrators: principals with no way into the cluster today whose IAM policies let
//! them make one for themselves in a minute — through the EKS API (`eks_api`: an access entry
//! with an admin access policy or a powerful group) or by assuming a role that is, or can
//! become, an administrator (`assume`, one hop or a chain). Judged by
//! `crate::model::iam_eval` from the account's authorization details: an explicit Deny or a
//! boundary that does not allow closes a way; a condition the audit cannot decide leaves it
//! conditional. Before the organisation's SCPs and RCPs, which a member account cannot read.
//! Pure.

mod assume;
mod eks_api;

pub use assume::{Lead, MAX_HOPS, through_assume_role};
pub use eks_api::{Target, through_eks_api};

use crate::evidence::{
    AccessEntryType, AuthenticationMode, AuthorizedPrincipal, IamAuthorization, RbacView,
};
use crate::model::access::{PrincipalSource, Tier};
use crate::model::iam::Wanted;
use crate::model::iam_eval::NamedPolicy;

/// One principal that could make itself a cluster administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatentAdmin {
    pub arn: String,
    /// The chain, in words: each step with the policy and statement that allow it.
    pub chain: Vec<String>,
    /// Conditions the verdict rests on (empty: unconditional).
    pub conditions: Vec<String>,
    /// The tier it would have.
    pub tier: Tier,
    /// What the chain ends in, in words (`cluster-admin (AmazonEKSClusterAdminPolicy)`,
    /// `aws-auth maps into system:masters …`).
    pub yields: String,
}

impl LatentAdmin {
    /// The chain and what it yields, in one sentence.
    pub fn describe(&self) -> String {
        format!(
            "{}, which makes it {}",
            self.chain.join("; then "),
            self.yields
        )
    }

    /// How many `sts:AssumeRole` calls its chain takes.
    pub fn assume_calls(&self) -> usize {
        self.chain
            .iter()
            .filter(|s| s.starts_with("assume "))
            .count()
    }
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

pub use crate::model::access::LatentPath;

/// The cluster a latent administrator is judged against: its ARN and mode, its access matrix
/// (who is an administrator today, who has an entry), its RBAC (which groups make
/// administrators).
pub struct Cluster<'a> {
    pub arn: &'a str,
    pub mode: Option<&'a AuthenticationMode>,
    pub matrix: &'a [crate::model::access::Principal],
    pub rbac: Option<RbacView<'a>>,
}

/// Every latent administrator of `cluster`, by the `paths` asked: what EA405 and EA406 report,
/// and the matrix's latent rows. The EKS API's ways are computed for `AssumeRole` too (a role
/// that can make itself an administrator leads there), and reported only when asked.
pub fn of_cluster(
    authorization: &IamAuthorization,
    cluster: &Cluster<'_>,
    paths: &[LatentPath],
) -> Vec<(LatentPath, LatentAdmin)> {
    let admins: Vec<&crate::model::access::Principal> = cluster
        .matrix
        .iter()
        .filter(|p| p.in_effect && p.tier.is_admin())
        .collect();
    let wanted: Vec<Wanted> = admins
        .iter()
        .filter_map(|p| Wanted::from_arn(&p.arn))
        .collect();
    let already_admin = |arn: &str| Wanted::from_arn(arn).is_some_and(|w| wanted.contains(&w));
    let with_entry: Vec<Wanted> = cluster
        .matrix
        .iter()
        .filter(|p| {
            p.in_effect && p.source == PrincipalSource::AccessEntry(AccessEntryType::Standard)
        })
        .filter_map(|p| Wanted::from_arn(&p.arn))
        .collect();
    let admin_groups = cluster.rbac.map_or_else(Vec::new, |rbac| {
        crate::model::rbac::cluster_admin_groups(rbac, cluster.mode)
    });
    let target = Target {
        cluster_arn: cluster.arn,
        mode: cluster.mode,
        admin_groups: &admin_groups,
        with_entry: &with_entry,
    };
    let through_api = through_eks_api(authorization, &target, already_admin);
    let mut out = Vec::new();
    if paths.contains(&LatentPath::AssumeRole) {
        let is_role = |arn: &str| {
            crate::model::arn::parse(arn).is_ok_and(|a| a.resource.starts_with("role/"))
        };
        let mut leads: Vec<Lead> = admins
            .iter()
            .filter(|p| is_role(&p.arn))
            .map(|p| Lead {
                arn: p.arn.clone(),
                tier: p.tier,
                yields: format!("{} ({} makes it so: {})", p.tier, p.source, p.tier_reason),
                chain: Vec::new(),
                conditions: Vec::new(),
            })
            .collect();
        leads.extend(
            through_api
                .iter()
                .filter(|l| is_role(&l.arn))
                .map(Lead::from),
        );
        out.extend(
            through_assume_role(authorization, leads, already_admin)
                .into_iter()
                .map(|l| (LatentPath::AssumeRole, l)),
        );
    }
    if paths.contains(&LatentPath::EksApi) {
        let api = through_api.into_iter().map(|l| (LatentPath::EksApi, l));
        out.splice(0..0, api);
    }
    out
}

/// The access matrix's rows for the latent administrators: no way in today (not in effect),
/// the tier they would have, the chain as the reason.
pub fn matrix_rows(latent: Vec<(LatentPath, LatentAdmin)>) -> Vec<crate::model::access::Principal> {
    latent
        .into_iter()
        .map(|(path, l)| crate::model::access::Principal {
            tier_reason: l.describe(),
            arn: l.arn,
            source: PrincipalSource::Latent(path),
            username: String::new(),
            groups: Vec::new(),
            policies: Vec::new(),
            tier: l.tier,
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
pub(super) mod tests {
    use super::*;
    use crate::evidence::{IamKind, NamedDocument};
    use serde_json::json;

    pub const CLUSTER: &str = "arn:aws:eks:eu-west-1:111122223333:cluster/prod";

    pub fn principal(name: &str, statements: serde_json::Value) -> AuthorizedPrincipal {
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

    pub fn account(principals: Vec<AuthorizedPrincipal>) -> IamAuthorization {
        IamAuthorization {
            account: "111122223333".into(),
            principals,
        }
    }

    /// A role with `eks:*` leads further: whoever may assume it is a latent administrator too,
    /// and the chain says both steps.
    #[test]
    fn a_role_that_can_make_itself_admin_is_a_lead_for_assume_role() {
        let mut ci = principal(
            "ci",
            json!({"Effect": "Allow", "Action": "eks:*", "Resource": "*"}),
        );
        ci.trust_policy = Some(json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/runner"}, "Action": "sts:AssumeRole"}
        ]}));
        let runner = principal(
            "runner",
            json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        );
        let cluster = Cluster {
            arn: CLUSTER,
            mode: Some(&AuthenticationMode::ApiAndConfigMap),
            matrix: &[],
            rbac: None,
        };
        let found = of_cluster(
            &account(vec![ci, runner]),
            &cluster,
            &[LatentPath::EksApi, LatentPath::AssumeRole],
        );
        let seen: Vec<(LatentPath, &str)> =
            found.iter().map(|(p, l)| (*p, l.arn.as_str())).collect();
        assert_eq!(
            seen,
            [
                (LatentPath::EksApi, "arn:aws:iam::111122223333:role/ci"),
                (
                    LatentPath::AssumeRole,
                    "arn:aws:iam::111122223333:role/runner"
                ),
            ]
        );
        let runner = &found[1].1;
        assert_eq!(runner.assume_calls(), 1);
        assert!(
            runner
                .describe()
                .starts_with("assume arn:aws:iam::111122223333:role/ci")
        );
        assert!(
            runner
                .describe()
                .contains("then create an access entry for itself")
        );
        assert!(
            runner
                .describe()
                .ends_with("which makes it cluster-admin (AmazonEKSClusterAdminPolicy)")
        );
        // Asked for one path, only that one is reported.
        let only_api = of_cluster(&account(vec![]), &cluster, &[LatentPath::EksApi]);
        assert!(only_api.is_empty());
    }
}
