//! ## What it does
//! With an organisation policy whose matching scope has `forbid`, reports what it forbids:
//! `iam_users` (an IAM user with access in effect), `map_accounts` (a `mapAccounts` grant in
//! aws-auth), `config_map_mode` (the cluster's authentication mode is `CONFIG_MAP`),
//! `system_masters` (an aws-auth row in `system:masters`).
//!
//! ## Why is this bad?
//! Each is a practice the organisation decided against: long-lived user keys, whole accounts
//! mapped at once, an invisible unrevocable creator, superusers outside access entries.
//!
//! ## Example
//! `forbid: [iam_users]` and `mapUsers` maps `arn:aws:iam::111122223333:user/alice`.
//!
//! ## Remediation
//! Replace the forbidden grant (a role for the user, access entries for the accounts' roles,
//! a move to `API_AND_CONFIG_MAP`), or change the policy if the practice is accepted here.
//!
//! ## How to verify by hand
//! aws-auth (`kubectl get configmap aws-auth -n kube-system -o yaml`), `aws eks
//! list-access-entries`, and `aws eks describe-cluster --query cluster.accessConfig`.
//!
//! ## References
//! - docs/policy.md (`forbid`)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA504",
    slug: "forbidden-principal-or-mode",
    severity: Severity::High,
    summary: "principal kind or mode the policy's scope forbids",
    needs: &[Input::Policy],
};

/// Runs when a matching scope forbids anything.
pub fn check(facts: &PolicyFacts<'_>, out: &mut PolicyEmitter<'_>) -> bool {
    for (forbidden, at) in &facts.forbid {
        let said = format!("forbidden by the policy ({} at {at})", forbidden.name());
        match forbidden {
            Forbidden::IamUsers => {
                for p in facts.principals.iter().filter(|p| {
                    p.in_effect
                        && crate::model::arn::parse(&p.arn)
                            .is_ok_and(|a| a.resource.starts_with("user/"))
                }) {
                    out.emit(
                        Some(p),
                        Subject::Principal(&p.arn),
                        format!("{} is an IAM user with access through {}: {said}", p.arn, p.source),
                        "give the person a role (IAM Identity Center) and remove the user's mapping or entry".to_string(),
                    );
                }
            }
            Forbidden::SystemMasters => {
                let masters = &crate::model::policies::privileged_groups()
                    .superuser_group
                    .name;
                for p in facts.principals.iter().filter(|p| {
                    p.in_effect
                        && p.source.is_aws_auth_row()
                        && p.groups.iter().any(|g| g == masters)
                }) {
                    out.emit(
                        Some(p),
                        Subject::Principal(&p.arn),
                        format!("{} is mapped into {masters} by {}: {said}", p.arn, p.source),
                        "grant administration through an access entry with AmazonEKSClusterAdminPolicy instead".to_string(),
                    );
                }
            }
            Forbidden::MapAccounts => {
                for doc in facts.documents {
                    for account in doc.section(SectionKey::MapAccounts).kept_accounts() {
                        out.emit_at(
                            doc.locate(crate::model::awsauth::Place::Account(account)),
                            None,
                            &account.account,
                            format!(
                                "mapAccounts grants every principal of account {}: {said}",
                                account.account
                            ),
                            "map the account's roles one by one (or as access entries) and remove mapAccounts".to_string(),
                        );
                    }
                }
            }
            Forbidden::ConfigMapMode => {
                if facts.mode == Some(&AuthenticationMode::ConfigMap) {
                    out.emit(
                        None,
                        Subject::Other("authentication mode"),
                        format!("the authentication mode is CONFIG_MAP (the creator's admin is hidden and unrevocable): {said}"),
                        "move the cluster to API_AND_CONFIG_MAP, then API".to_string(),
                    );
                }
            }
        }
    }
    !facts.forbid.is_empty()
}
