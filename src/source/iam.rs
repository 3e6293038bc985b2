//! IAM resolution: every role and user a configuration names, looked up by name in its
//! account. Per account the cheaper strategy is chosen — one GetRole/GetUser per distinct
//! name, or ListRoles/ListUsers sweeps of up to 1,000 per page — from the counts
//! GetAccountSummary gives; lookups are bounded (4 in flight) and each name is looked up once.
//! `NoSuchEntity` is a verified fact; `AccessDenied` and everything else are unknowns; an
//! account the credentials do not belong to is `unknown(access_denied)`, named.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use aws_sdk_iam::error::ProvideErrorMetadata;

use super::aws::{AwsSession, classify};
use super::eks::date;
use super::iam_shared::{AccountIam, from_sweep};
use crate::evidence::{
    AccountLookup, Fetched, IamEvidence, IamKind, IamPrincipal, ResolvedPrincipal, UnknownReason,
};
use crate::model::iam::{Wanted, parse_policy_document, sso_role_parts};

/// Lookups in flight at once (IAM's request rate is account-wide and modest).
const IN_FLIGHT: usize = 4;
/// Items per ListRoles/ListUsers page: IAM's maximum.
pub(super) const PAGE: i32 = 1000;
/// Where IAM Identity Center puts the roles it provisions.
pub const SSO_PATH_PREFIX: &str = "/aws-reserved/sso.amazonaws.com/";

/// Counts calls by operation.
#[derive(Default, Clone)]
pub(super) struct Calls(Arc<Mutex<BTreeMap<String, usize>>>);

impl Calls {
    pub(super) fn add(&self, operation: &str) {
        *self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(operation.to_string())
            .or_default() += 1;
    }

    fn take(&self) -> BTreeMap<String, usize> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn from_role(role: &aws_sdk_iam::types::Role) -> IamPrincipal {
    IamPrincipal {
        arn: role.arn().to_string(),
        name: role.role_name().to_string(),
        path: role.path().to_string(),
        id: role.role_id().to_string(),
        create_date: date(Some(role.create_date())).unwrap_or_default(),
        last_used: date(role.role_last_used().and_then(|u| u.last_used_date())),
        trust_policy: role
            .assume_role_policy_document()
            .and_then(parse_policy_document),
    }
}

fn from_user(user: &aws_sdk_iam::types::User) -> IamPrincipal {
    IamPrincipal {
        arn: user.arn().to_string(),
        name: user.user_name().to_string(),
        path: user.path().to_string(),
        id: user.user_id().to_string(),
        create_date: date(Some(user.create_date())).unwrap_or_default(),
        last_used: date(user.password_last_used()),
        trust_policy: None,
    }
}

/// What a failed IAM call means.
fn unknown_of<E>(
    operation: &str,
    error: &aws_sdk_iam::error::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> Fetched<IamPrincipal>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    Fetched::Unknown(classify(operation, error).unknown())
}

async fn get_one(
    client: &aws_sdk_iam::Client,
    calls: &Calls,
    wanted: &Wanted,
) -> Fetched<IamPrincipal> {
    match wanted.kind {
        IamKind::Role => {
            calls.add("GetRole");
            match client.get_role().role_name(&wanted.name).send().await {
                Ok(out) => out
                    .role()
                    .map_or(Fetched::Absent, |r| Fetched::Found(from_role(r))),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_no_such_entity_exception()) =>
                {
                    Fetched::Absent
                }
                Err(e) => unknown_of("GetRole", &e),
            }
        }
        IamKind::User => {
            calls.add("GetUser");
            match client.get_user().user_name(&wanted.name).send().await {
                Ok(out) => out
                    .user()
                    .map_or(Fetched::Absent, |u| Fetched::Found(from_user(u))),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_no_such_entity_exception()) =>
                {
                    Fetched::Absent
                }
                Err(e) => unknown_of("GetUser", &e),
            }
        }
    }
}

/// One lookup per name, at most [`IN_FLIGHT`] at a time; a name another cluster of the
/// account already looked up is not looked up again. Each answer says whether it was made here.
async fn get_each(
    client: &aws_sdk_iam::Client,
    calls: &Calls,
    shared: &Arc<AccountIam>,
    wanted: Vec<Wanted>,
) -> Vec<(Wanted, (Fetched<IamPrincipal>, bool))> {
    let permits = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, item) in wanted.into_iter().enumerate() {
        let client = client.clone();
        let calls = calls.clone();
        let permits = permits.clone();
        let shared = shared.clone();
        tasks.spawn(async move {
            let result = shared
                .lookup(&item, async {
                    let _permit = permits.acquire_owned().await;
                    get_one(&client, &calls, &item).await
                })
                .await;
            (index, item, result)
        });
    }
    let mut done = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(found) = joined {
            done.push(found);
        }
    }
    done.sort_by_key(|(index, _, _)| *index);
    done.into_iter().map(|(_, w, r)| (w, r)).collect()
}

/// Every role (under `path_prefix`), all pages.
async fn list_roles(
    client: &aws_sdk_iam::Client,
    calls: &Calls,
    path_prefix: Option<&str>,
) -> Result<Vec<IamPrincipal>, Fetched<IamPrincipal>> {
    let mut roles = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        calls.add("ListRoles");
        let page = client
            .list_roles()
            .max_items(PAGE)
            .set_path_prefix(path_prefix.map(str::to_string))
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| unknown_of("ListRoles", &e))?;
        roles.extend(page.roles().iter().map(from_role));
        marker = page
            .marker()
            .map(str::to_string)
            .filter(|_| page.is_truncated());
        if marker.is_none() {
            return Ok(roles);
        }
    }
}

async fn list_users(
    client: &aws_sdk_iam::Client,
    calls: &Calls,
) -> Result<Vec<IamPrincipal>, Fetched<IamPrincipal>> {
    let mut users = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        calls.add("ListUsers");
        let page = client
            .list_users()
            .max_items(PAGE)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| unknown_of("ListUsers", &e))?;
        users.extend(page.users().iter().map(from_user));
        marker = page
            .marker()
            .map(str::to_string)
            .filter(|_| page.is_truncated());
        if marker.is_none() {
            return Ok(users);
        }
    }
}

fn pages(count: usize) -> usize {
    count.div_ceil(PAGE as usize).max(1)
}

/// The strategy for the names of the account not answered yet: `get` or `list`, and why.
/// With fewer than three Get calls in all, a sweep cannot be cheaper (one summary call plus at
/// least one page): the summary is not asked. In a fleet scan the Get calls other clusters of
/// the account already made count too: once they and these would cost more than the sweeps,
/// the account is swept (at most twice the cheapest cost, whatever order clusters come in).
async fn choose(
    client: &aws_sdk_iam::Client,
    calls: &Calls,
    shared: &AccountIam,
    roles: usize,
    users: usize,
) -> (&'static str, String) {
    let get_cost = roles + users;
    let earlier = shared.gets_made();
    let default = ("get", format!("{get_cost} name(s): one call per name"));
    if get_cost == 0 || earlier + get_cost < 3 {
        return default;
    }
    let summary = shared
        .summary
        .get_or_init(|| async {
            calls.add("GetAccountSummary");
            match client.get_account_summary().send().await {
                Ok(summary) => {
                    let map = summary.summary_map().cloned().unwrap_or_default();
                    let count = |key: aws_sdk_iam::types::SummaryKeyType| {
                        map.get(&key).copied().unwrap_or(0).max(0) as usize
                    };
                    Ok((
                        count(aws_sdk_iam::types::SummaryKeyType::Roles),
                        count(aws_sdk_iam::types::SummaryKeyType::Users),
                    ))
                }
                Err(e) => Err(e.code().unwrap_or("error").to_string()),
            }
        })
        .await;
    let (all_roles, all_users) = match summary {
        Ok(counts) => *counts,
        Err(code) => {
            return (
                "get",
                format!("GetAccountSummary failed ({code}): one call per name"),
            );
        }
    };
    let role_pages = if roles > 0 { pages(all_roles) } else { 0 };
    let user_pages = if users > 0 { pages(all_users) } else { 0 };
    let list_cost = role_pages + user_pages;
    let earlier_text = match earlier {
        0 => String::new(),
        n => format!(" (besides {n} Get call(s) made for other clusters of the account)"),
    };
    let why = format!(
        "{roles} role name(s) and {users} user name(s): {get_cost} Get call(s){earlier_text}, or {list_cost} List page(s) for {all_roles} roles and {all_users} users in the account"
    );
    if list_cost < get_cost + earlier {
        ("list", why)
    } else {
        ("get", why)
    }
}

/// The account of the session's credentials (STS GetCallerIdentity, asked once).
async fn caller_account(session: &AwsSession) -> Fetched<String> {
    match session.caller().await {
        Fetched::Found((account, _)) => Fetched::Found(account),
        Fetched::Absent => Fetched::Absent,
        Fetched::Unknown(unknown) => Fetched::Unknown(unknown),
    }
}

/// Resolves every wanted principal, and the IAM Identity Center roles when `sso` asks; with
/// `policies`, every principal's policies in the caller's account too (who could make itself an
/// administrator: a cluster's audit, and `check --resolve`, for who may assume a file's
/// administrator roles).
pub async fn resolve(
    wanted: &BTreeSet<Wanted>,
    session: &AwsSession,
    sso: bool,
    policies: bool,
) -> IamEvidence {
    let client = session.iam();
    let calls = Calls::default();
    let shared = &session.account_wide;
    let caller_account = caller_account(session).await;
    let own = match &caller_account {
        Fetched::Found(account) => Some(account.clone()),
        _ => None,
    };
    let mut accounts = Vec::new();
    let mut principals = Vec::new();
    let by_account: BTreeMap<&str, Vec<&Wanted>> =
        wanted.iter().fold(BTreeMap::new(), |mut map, w| {
            map.entry(w.account.as_str())
                .or_insert_with(Vec::new)
                .push(w);
            map
        });
    for (account, items) in by_account {
        if own.as_deref() != Some(account) {
            let detail = match &caller_account {
                Fetched::Found(own) => format!(
                    "no credentials for account {account} (the credentials in use belong to {own})"
                ),
                Fetched::Unknown(u) => u.detail.clone(),
                Fetched::Absent => String::new(),
            };
            let reason = match &caller_account {
                Fetched::Unknown(u) => u.reason,
                _ => UnknownReason::AccessDenied,
            };
            principals.extend(items.iter().map(|w| ResolvedPrincipal {
                kind: w.kind,
                account: w.account.clone(),
                name: w.name.clone(),
                result: Fetched::unknown(reason, detail.clone()),
            }));
            accounts.push(AccountLookup {
                account: account.to_string(),
                strategy: "none".into(),
                reason: detail,
                calls: BTreeMap::new(),
            });
            continue;
        }
        // What other clusters of the account already asked IAM (or are asking now) is not
        // asked again: answered from what they got, or awaited.
        let mut results: Vec<(Wanted, Fetched<IamPrincipal>)> = Vec::new();
        let mut fresh: Vec<Wanted> = Vec::new();
        let mut pending: Vec<Wanted> = Vec::new();
        for w in items {
            match shared.answered(w) {
                Some(answer) => results.push((w.clone(), answer)),
                None if shared.asked(w) => pending.push(w.clone()),
                None => fresh.push(w.clone()),
            }
        }
        let mut reused = results.len();
        let roles = fresh.iter().filter(|w| w.kind == IamKind::Role).count();
        let users = fresh.len() - roles;
        let mut strategy = choose(&client, &calls, shared, roles, users).await;
        let mut lookups = pending;
        if strategy.0 == "list" {
            let role_sweep = match roles {
                0 => None,
                _ => Some(
                    shared
                        .roles
                        .get_or_init(|| list_roles(&client, &calls, None))
                        .await,
                ),
            };
            let user_sweep = match users {
                0 => None,
                _ => Some(
                    shared
                        .users
                        .get_or_init(|| list_users(&client, &calls))
                        .await,
                ),
            };
            results.extend(fresh.into_iter().map(|w| {
                let sweep = match w.kind {
                    IamKind::Role => role_sweep,
                    IamKind::User => user_sweep,
                };
                let result = sweep.map_or_else(
                    || Fetched::unknown(UnknownReason::Unreachable, "not listed"),
                    |sweep| from_sweep(sweep, &w.name),
                );
                (w, result)
            }));
        } else {
            lookups.extend(fresh);
        }
        for (w, (answer, made_here)) in get_each(&client, &calls, shared, lookups).await {
            reused += usize::from(!made_here);
            results.push((w, answer));
        }
        if reused > 0 {
            if roles + users == 0 && shared.roles.get().is_some() {
                strategy.0 = "list";
            }
            strategy.1 = format!(
                "{}; {reused} name(s) answered by IAM calls made for other clusters of the account",
                strategy.1
            );
        }
        results.sort_by(|a, b| a.0.cmp(&b.0));
        principals.extend(results.into_iter().map(|(w, result)| ResolvedPrincipal {
            kind: w.kind,
            account: w.account,
            name: w.name,
            result,
        }));
        accounts.push(AccountLookup {
            account: account.to_string(),
            strategy: strategy.0.to_string(),
            reason: strategy.1,
            calls: calls.take(),
        });
    }
    let sso_roles = match (sso, &own) {
        (false, _) => None,
        (true, None) => Some(Fetched::unknown(
            UnknownReason::NoCredentials,
            "no account to list",
        )),
        (true, Some(own)) => Some(sso_roles(&client, &calls, shared, own, &mut accounts).await),
    };
    // Every principal's policies, once per account (shared by every cluster of it): who
    // could grant themselves a way in.
    let authorization = match &own {
        _ if !policies => None,
        Some(own) => Some({
            let read = shared
                .authorization
                .get_or_init(|| super::iam_policies::authorization_details(&client, &calls, own))
                .await
                .clone();
            if let Some(lookup) = accounts.iter_mut().find(|a| &a.account == own) {
                for (operation, count) in calls.take() {
                    *lookup.calls.entry(operation).or_default() += count;
                }
            }
            read
        }),
        None => Some(Fetched::unknown(
            UnknownReason::NoCredentials,
            "no account to read",
        )),
    };
    IamEvidence {
        caller_account,
        accounts,
        principals,
        sso_roles,
        authorization,
    }
}

/// The roles IAM Identity Center provisioned in the caller's account: from a full sweep when
/// one was made, else one ListRoles under its path (made once per account).
async fn sso_roles(
    client: &aws_sdk_iam::Client,
    calls: &Calls,
    shared: &AccountIam,
    own: &str,
    accounts: &mut [AccountLookup],
) -> Fetched<Vec<IamPrincipal>> {
    if let Some(Ok(roles)) = shared.roles.get() {
        return Fetched::Found(
            roles
                .iter()
                .filter(|r| {
                    r.path.starts_with(SSO_PATH_PREFIX) || sso_role_parts(&r.name).is_some()
                })
                .cloned()
                .collect(),
        );
    }
    let listed = shared
        .sso_roles
        .get_or_init(|| list_roles(client, calls, Some(SSO_PATH_PREFIX)))
        .await;
    if let Some(lookup) = accounts.iter_mut().find(|a| a.account == own) {
        for (operation, n) in calls.take() {
            *lookup.calls.entry(operation).or_default() += n;
        }
    }
    match listed {
        Ok(roles) => Fetched::Found(roles.clone()),
        Err(Fetched::Unknown(u)) => Fetched::Unknown(u.clone()),
        Err(_) => Fetched::unknown(UnknownReason::Unreachable, "ListRoles failed"),
    }
}
