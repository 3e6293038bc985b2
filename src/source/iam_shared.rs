//! What IAM answered for one account, shared by every cluster read with the same credentials:
//! the caller's account, the account summary, the ListRoles/ListUsers sweeps and each name's
//! GetRole/GetUser — each asked at most once, however many clusters of the account name it. A
//! single cluster's audit starts with an empty share, so it behaves as it always did; a fleet
//! scan gives every cluster of an account the same one, so IAM's calls grow with the accounts
//! and the distinct principals, not with the clusters.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::evidence::{Fetched, IamKind, IamPrincipal};
use crate::model::iam::Wanted;

/// A sweep's outcome: every principal of the kind, or why the list could not be read.
pub(super) type Sweep = Result<Vec<IamPrincipal>, Fetched<IamPrincipal>>;

/// IAM's answers for one account's credentials.
#[derive(Default)]
pub struct AccountIam {
    /// STS GetCallerIdentity: who the credentials are (account, ARN).
    pub(super) caller: OnceCell<Fetched<(String, String)>>,
    /// GetAccountSummary: (roles, users) in the account, or the error code.
    pub(super) summary: OnceCell<Result<(usize, usize), String>>,
    pub(super) roles: OnceCell<Sweep>,
    pub(super) users: OnceCell<Sweep>,
    /// ListRoles under IAM Identity Center's path (when no full role sweep was made).
    pub(super) sso_roles: OnceCell<Sweep>,
    /// GetAccountAuthorizationDetails: every principal's policies, read once per account.
    pub(super) authorization: OnceCell<crate::evidence::Fetched<crate::evidence::IamAuthorization>>,
    lookups: Mutex<BTreeMap<Wanted, Arc<OnceCell<Fetched<IamPrincipal>>>>>,
    /// GetRole/GetUser calls made in this account so far.
    gets: AtomicUsize,
}

impl AccountIam {
    /// What IAM already said of `wanted`: from a sweep of its kind, or from its own lookup.
    pub(super) fn answered(&self, wanted: &Wanted) -> Option<Fetched<IamPrincipal>> {
        let sweep = match wanted.kind {
            IamKind::Role => self.roles.get(),
            IamKind::User => self.users.get(),
        };
        if let Some(sweep) = sweep {
            return Some(from_sweep(sweep, &wanted.name));
        }
        let cell = self.lock().get(wanted).cloned()?;
        cell.get().cloned()
    }

    /// Whether another cluster has looked `wanted` up or is looking it up now.
    pub(super) fn asked(&self, wanted: &Wanted) -> bool {
        self.lock().contains_key(wanted)
    }

    /// The lookup of `wanted`, made by `get` only if no other cluster has made it (or is
    /// making it: then its answer is awaited); with whether it was made here.
    pub(super) async fn lookup<F>(&self, wanted: &Wanted, get: F) -> (Fetched<IamPrincipal>, bool)
    where
        F: std::future::Future<Output = Fetched<IamPrincipal>>,
    {
        let cell = self.lock().entry(wanted.clone()).or_default().clone();
        let made_here = std::sync::atomic::AtomicBool::new(false);
        let answer = cell
            .get_or_init(|| async {
                made_here.store(true, Ordering::Relaxed);
                self.gets.fetch_add(1, Ordering::Relaxed);
                get.await
            })
            .await
            .clone();
        (answer, made_here.load(Ordering::Relaxed))
    }

    /// GetRole/GetUser calls made in this account so far.
    pub(super) fn gets_made(&self) -> usize {
        self.gets.load(Ordering::Relaxed)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<Wanted, Arc<OnceCell<Fetched<IamPrincipal>>>>> {
        self.lookups.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a sweep says of one name: found, verified absent, or the sweep's failure.
pub(super) fn from_sweep(sweep: &Sweep, name: &str) -> Fetched<IamPrincipal> {
    match sweep {
        Ok(list) => list
            .iter()
            .find(|p| p.name == name)
            .cloned()
            .map_or(Fetched::Absent, Fetched::Found),
        Err(unknown) => unknown.clone(),
    }
}
