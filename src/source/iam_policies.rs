//! Every IAM principal of an account with the policies that decide what it may do
//! (GetAccountAuthorizationDetails, paged), read once per account for the latent
//! administrators' rules: who could grant themselves a way into a cluster.

use std::collections::BTreeMap;

use super::aws::classify;
use super::iam::{Calls, PAGE};
use crate::evidence::{AuthorizedPrincipal, Fetched, IamAuthorization, IamKind, NamedDocument};
use crate::model::iam::parse_policy_document;

/// GetAccountAuthorizationDetails, every page: each role and user with its inline and attached
/// managed policies (at their default version), a user's groups' policies, and its boundary.
pub(super) async fn authorization_details(
    client: &aws_sdk_iam::Client,
    calls: &Calls,
    account: &str,
) -> Fetched<IamAuthorization> {
    let (mut roles, mut users, mut groups, mut managed) =
        (Vec::new(), Vec::new(), Vec::new(), BTreeMap::new());
    let mut marker: Option<String> = None;
    loop {
        calls.add("GetAccountAuthorizationDetails");
        let page = match client
            .get_account_authorization_details()
            .max_items(PAGE)
            .set_marker(marker.clone())
            .send()
            .await
        {
            Ok(page) => page,
            Err(e) => {
                return Fetched::Unknown(classify("GetAccountAuthorizationDetails", &e).unknown());
            }
        };
        roles.extend(page.role_detail_list().iter().cloned());
        users.extend(page.user_detail_list().iter().cloned());
        groups.extend(page.group_detail_list().iter().cloned());
        for policy in page.policies() {
            let document = policy
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .and_then(|v| v.document())
                .and_then(parse_policy_document)
                .unwrap_or(serde_json::Value::Null);
            if let Some(arn) = policy.arn() {
                managed.insert(arn.to_string(), document);
            }
        }
        marker = page
            .marker()
            .map(str::to_string)
            .filter(|_| page.is_truncated());
        if marker.is_none() {
            break;
        }
    }
    let inline = |prefix: &str, name: Option<&str>, document: Option<&str>| NamedDocument {
        name: format!("{prefix}inline {}", name.unwrap_or("?")),
        document: document
            .and_then(parse_policy_document)
            .unwrap_or(serde_json::Value::Null),
    };
    let attached = |arn: Option<&str>| {
        let arn = arn.unwrap_or_default();
        NamedDocument {
            name: arn.to_string(),
            document: managed.get(arn).cloned().unwrap_or(serde_json::Value::Null),
        }
    };
    let mut principals = Vec::new();
    for role in &roles {
        let mut policies: Vec<NamedDocument> = role
            .role_policy_list()
            .iter()
            .map(|p| inline("", p.policy_name(), p.policy_document()))
            .collect();
        policies.extend(
            role.attached_managed_policies()
                .iter()
                .map(|p| attached(p.policy_arn())),
        );
        principals.push(AuthorizedPrincipal {
            kind: IamKind::Role,
            arn: role.arn().unwrap_or_default().to_string(),
            policies,
            boundary: role
                .permissions_boundary()
                .map(|b| attached(b.permissions_boundary_arn())),
            trust_policy: role
                .assume_role_policy_document()
                .and_then(parse_policy_document),
        });
    }
    for user in &users {
        let mut policies: Vec<NamedDocument> = user
            .user_policy_list()
            .iter()
            .map(|p| inline("", p.policy_name(), p.policy_document()))
            .collect();
        policies.extend(
            user.attached_managed_policies()
                .iter()
                .map(|p| attached(p.policy_arn())),
        );
        for group in groups.iter().filter(|g| {
            user.group_list()
                .iter()
                .any(|n| Some(n.as_str()) == g.group_name())
        }) {
            let prefix = format!("group {} ", group.group_name().unwrap_or("?"));
            policies.extend(
                group
                    .group_policy_list()
                    .iter()
                    .map(|p| inline(&prefix, p.policy_name(), p.policy_document())),
            );
            policies.extend(
                group
                    .attached_managed_policies()
                    .iter()
                    .map(|p| attached(p.policy_arn())),
            );
        }
        principals.push(AuthorizedPrincipal {
            kind: IamKind::User,
            arn: user.arn().unwrap_or_default().to_string(),
            policies,
            boundary: user
                .permissions_boundary()
                .map(|b| attached(b.permissions_boundary_arn())),
            trust_policy: None,
        });
    }
    Fetched::Found(IamAuthorization {
        account: account.to_string(),
        principals,
    })
}
