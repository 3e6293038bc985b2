//! What the policy says for one target, as the policy rules (EA501–EA505, EA902: each rule's
//! logic in its own file) read it: the matching scopes' admins, minimum, prohibitions and
//! allowed accounts.

use super::Scope;
use super::target::{Target, names};
use crate::evidence::AuthenticationMode;
use crate::model::access::Principal;
use crate::model::awsauth::document::AwsAuthDocument;
use crate::rules::policy_facts::{ExpectedAdmin, PolicyFacts, PolicyTarget};

/// The spans of the matching scopes, for messages.
pub(super) fn scope_lines(scopes: &[&Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.at.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The target as the policy rules name it.
pub(super) fn policy_target(target: &Target) -> PolicyTarget {
    PolicyTarget {
        id: target.id.clone(),
        account: target.account.clone(),
        is_cluster: target.account.is_some() || target.cluster.is_some(),
    }
}

/// What the matching `scopes` say for the target, beside its access matrix.
pub(super) fn facts<'a>(
    policy_path: &'a str,
    scopes: &[&'a Scope],
    target: &'a PolicyTarget,
    principals: &'a [Principal],
    mode: Option<&'a AuthenticationMode>,
    documents: &'a [AwsAuthDocument],
    history: Option<Result<&'a [crate::model::access::history::HistoryItem], &'a str>>,
) -> PolicyFacts<'a> {
    let principals_of = |list: fn(&Scope) -> Option<&Vec<super::AdminSpec>>| {
        let listed = scopes.iter().any(|s| list(s).is_some());
        listed.then(|| {
            scopes
                .iter()
                .filter_map(|s| list(s))
                .flatten()
                .map(|spec| ExpectedAdmin {
                    arn: match &spec.who {
                        super::Admin::Arn(arn) => Some(arn.as_str()),
                        _ => None,
                    },
                    at: spec.at.to_string(),
                    names: Box::new(move |arn: &str| names(&spec.who, arn)),
                })
                .collect()
        })
    };
    let admins = principals_of(|s| s.admins.as_ref());
    let grantors = principals_of(|s| s.grantors.as_ref());
    let allowed = scopes.iter().any(|s| s.allowed_accounts.is_some());
    PolicyFacts {
        policy_path,
        scope_lines: scope_lines(scopes),
        target,
        principals,
        mode,
        documents,
        admins,
        min_admins: scopes
            .iter()
            .filter_map(|s| s.min_admins.map(|m| (m, s.at.to_string())))
            .max_by_key(|(m, _)| *m),
        forbid: scopes
            .iter()
            .flat_map(|s| s.forbid.iter().map(move |f| (*f, s.at.to_string())))
            .collect(),
        allowed_accounts: allowed.then(|| {
            scopes
                .iter()
                .filter_map(|s| s.allowed_accounts.as_ref())
                .flatten()
                .map(String::as_str)
                .collect()
        }),
        // The cluster's own account; for a file, the accounts a matching scope names.
        own_accounts: match &target.account {
            Some(account) => vec![account.clone()],
            None => scopes
                .iter()
                .flat_map(|s| s.matcher.accounts.iter())
                .map(|g| g.as_str().to_string())
                .filter(|a| a.bytes().all(|b| b.is_ascii_digit()))
                .collect(),
        },
        grantors,
        history,
        waivers: Vec::new(),
    }
}
