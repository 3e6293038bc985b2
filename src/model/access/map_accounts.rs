//! The rows of the access matrix that `mapAccounts` makes: one per account it lists.

use super::rbac_tier::grant_tier;
use super::{
    AccessInputs, EVERY_PRINCIPAL_OF, EVERY_PRINCIPAL_TAIL, Principal, PrincipalSource, Tier,
};
use crate::evidence::AuthenticationMode;
use crate::model::awsauth::SectionKey;
use crate::model::awsauth::document::AwsAuthDocument;

/// One row per account `mapAccounts` lists: every principal of it (roles, users, root,
/// federated users) that no `mapRoles` or `mapUsers` row matches gets in, named by its own ARN
/// and in no group; its power is what RBAC binds to such a username.
pub(super) fn map_accounts_rows(doc: &AwsAuthDocument, inputs: AccessInputs<'_>) -> Vec<Principal> {
    doc.section(SectionKey::MapAccounts)
        .kept_accounts()
        .map(|item| {
            let account = item.account.trim().to_string();
            let (tier, tier_reason) = match inputs.rbac {
                Some(rbac) => {
                    let of_account = |name: &str| {
                        crate::model::arn::parse(name).is_ok_and(|a| a.account == account)
                    };
                    crate::model::rbac::grants_to_users(rbac, of_account)
                        .iter()
                        .map(|g| grant_tier(g, inputs.mode))
                        .max_by_key(|(t, _)| *t)
                        .unwrap_or((
                            Tier::None,
                            format!("no binding names a principal of account {account}"),
                        ))
                }
                None => (
                    Tier::Unknown,
                    "RBAC not read: each principal's power is what RBAC binds to its ARN".into(),
                ),
            };
            let (in_effect, note) = match inputs.mode {
                Some(AuthenticationMode::Api) => (false, "API mode: aws-auth is ignored".into()),
                _ => (
                    true,
                    format!(
                        "every principal of account {account} that no mapRoles or mapUsers row matches gets in as its own ARN, with no groups"
                    ),
                ),
            };
            Principal {
                provenance: None,
                capabilities: Vec::new(),
                arn: format!("{EVERY_PRINCIPAL_OF}{account}{EVERY_PRINCIPAL_TAIL}"),
                source: PrincipalSource::MapAccounts { index: item.index },
                username: "(each principal's ARN)".into(),
                groups: Vec::new(),
                policies: Vec::new(),
                tier,
                tier_reason,
                in_effect,
                note,
                iam: None,
            }
        })
        .collect()
}
