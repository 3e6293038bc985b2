//! A fleet scan's reads: every account (the caller's own, or the ones named, each through the
//! role it names), every region asked for (or every region enabled for the account), every
//! cluster ListClusters gives (filtered by name globs and tags), each read through the
//! collection entry point exactly as `cluster --name` reads it. Accounts and regions are
//! enumerated concurrently; clusters in flight are capped for the whole scan and per account
//! and region (AWS throttles per account and region, and a throttled one slows down alone:
//! see [`AwsSession`]'s retry partitions). Every target is either collected, skipped with the
//! reason (a region not enabled), or reported with the reason it was not audited; results
//! stream out as clusters finish.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::audit::{AuditOptions, Target, collect_target};
use super::aws::AwsSession;
use crate::evidence::{Snapshot, Unknown, UnknownReason};

/// What to scan.
#[derive(Debug, Clone, Default)]
pub struct FleetOptions {
    /// Account ids; empty: the caller's own account (or the organisation's, with `org`).
    pub accounts: Vec<String>,
    /// Every ACTIVE account of the caller's organisation (Organizations ListAccounts).
    pub org: bool,
    /// The role to assume in each account (`arn:<partition>:iam::<account>:role/<NAME>`); the
    /// caller's own account is read directly unless it is set.
    pub role_name: Option<String>,
    pub external_id: Option<String>,
    /// Regions; empty: the session's region.
    pub regions: Vec<String>,
    /// Every region enabled for each account (Account ListRegions), instead of `regions`.
    pub all_regions: bool,
    /// Name globs a cluster must match (any), and must not match (none).
    pub include: Vec<crate::policy::Glob>,
    pub exclude: Vec<crate::policy::Glob>,
    /// Tags a cluster must carry (key, value glob), all of them (DescribeCluster says).
    pub tags: Vec<(String, crate::policy::Glob)>,
    /// Clusters audited at once, in all.
    pub concurrency: usize,
    /// Clusters audited at once in one account and region.
    pub region_concurrency: usize,
    /// How long the whole scan may take; what has not finished then is reported as not
    /// audited (timeout).
    pub scan_deadline: Option<Duration>,
    pub audit: AuditOptions,
    /// `(index, count)`: only the account × region pairs of this shard.
    pub shard: Option<(u32, u32)>,
    /// Clusters already audited (`(account, region, cluster)`, from `--resume`): not read again.
    pub skip: std::collections::BTreeSet<(String, String, String)>,
}

/// The shard an account × region pair belongs to, of `count`: every pair in exactly one,
/// whatever the count, and the same on every machine.
pub fn shard_of(account: &str, region: &str, count: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{account}/{region}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32
}

/// One target of the fleet, as it came out.
#[derive(Debug)]
pub enum FleetItem {
    /// The accounts the scan covers are known (the organisation's, the named ones, or the
    /// caller's): this many.
    Accounts { count: usize },
    /// ListClusters answered for an account and region: `listed` clusters, of which
    /// `by_name` were left out by `--include`/`--exclude` and `resumed` were done by the scan
    /// being resumed; the rest will be looked at.
    Found {
        listed: usize,
        by_name: usize,
        resumed: usize,
    },
    /// One of them was left out by `--tag`.
    Filtered,
    /// A cluster read (completely or not: the snapshot says).
    Collected {
        account: String,
        region: String,
        snapshot: Box<Snapshot>,
    },
    /// A region of `--regions all` that is not enabled for the account: nothing can run
    /// there, so nothing is missed; said, not an error.
    Skipped {
        account: String,
        region: String,
        reason: String,
    },
    /// An account, region or cluster that could not be read, and why.
    NotAudited {
        account: String,
        region: Option<String>,
        cluster: Option<String>,
        reason: Unknown,
    },
}

impl FleetItem {
    /// A target that could not be read, and why.
    fn not_audited(
        account: &str,
        region: Option<&str>,
        cluster: Option<&str>,
        reason: Unknown,
    ) -> FleetItem {
        FleetItem::NotAudited {
            account: account.to_string(),
            region: region.map(str::to_string),
            cluster: cluster.map(str::to_string),
            reason,
        }
    }
}

/// The ACTIVE accounts of the caller's organisation (ListAccounts, every page), in order.
pub async fn org_accounts(session: &AwsSession) -> Result<Vec<String>, super::aws::AwsFailure> {
    let client = session.organizations();
    let mut accounts = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_accounts()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| super::aws::classify("Organizations ListAccounts", &e))?;
        accounts.extend(page.accounts().iter().filter_map(|a| {
            let active = a
                .state()
                .map(|s| s.as_str() == "ACTIVE")
                .unwrap_or_else(|| {
                    #[allow(deprecated)]
                    a.status().is_some_and(|s| s.as_str() == "ACTIVE")
                });
            a.id().filter(|_| active).map(str::to_string)
        }));
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    accounts.sort();
    Ok(accounts)
}

/// What every task of one scan shares.
struct Shared {
    options: FleetOptions,
    out: mpsc::Sender<FleetItem>,
    /// Clusters in flight, in all.
    permits: Arc<Semaphore>,
    /// When the scan stops waiting.
    deadline: Option<Instant>,
}

impl Shared {
    async fn send(&self, item: FleetItem) {
        let _ = self.out.send(item).await;
    }

    /// Runs `work` within the scan's deadline; `None` when it passed first.
    async fn within<T>(&self, work: impl std::future::Future<Output = T>) -> Option<T> {
        match self.deadline {
            Some(at) => tokio::time::timeout_at(at, work).await.ok(),
            None => Some(work.await),
        }
    }

    fn late(&self, what: &str) -> Unknown {
        Unknown {
            reason: UnknownReason::Timeout,
            detail: format!("{what} not finished within the scan's deadline (--scan-deadline)"),
        }
    }
}

/// Scans the fleet; every item goes to `out` as soon as it is known.
pub async fn scan(base: &AwsSession, options: &FleetOptions, out: mpsc::Sender<FleetItem>) {
    let shared = Arc::new(Shared {
        options: options.clone(),
        out,
        permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
        deadline: options.scan_deadline.map(|d| Instant::now() + d),
    });
    let own = match shared.within(base.account()).await {
        Some(Ok(account)) => account,
        failed => {
            let reason = match failed {
                Some(Err(failure)) => failure.unknown(),
                _ => shared.late("STS GetCallerIdentity"),
            };
            for account in options.accounts.iter().cloned().chain(
                options
                    .accounts
                    .is_empty()
                    .then(|| "(the caller's)".to_string()),
            ) {
                let item = FleetItem::not_audited(&account, None, None, reason.clone());
                shared.send(item).await;
            }
            return;
        }
    };
    let accounts = if options.org {
        match shared.within(org_accounts(base)).await {
            Some(Ok(accounts)) => accounts,
            failed => {
                let reason = match failed {
                    Some(Err(failure)) => failure.unknown(),
                    _ => shared.late("Organizations ListAccounts"),
                };
                let item = FleetItem::not_audited("(the organization's)", None, None, reason);
                shared.send(item).await;
                return;
            }
        }
    } else if options.accounts.is_empty() {
        vec![own.clone()]
    } else {
        options.accounts.clone()
    };
    shared
        .send(FleetItem::Accounts {
            count: accounts.len(),
        })
        .await;
    let mut tasks = JoinSet::new();
    for account in accounts {
        let shared = shared.clone();
        let base = base.clone();
        let own = own.clone();
        tasks.spawn(async move { scan_account(&shared, &base, &own, account).await });
    }
    while tasks.join_next().await.is_some() {}
}

/// One account: its session (the role assumed once), its regions, each region at once.
async fn scan_account(shared: &Arc<Shared>, base: &AwsSession, own: &str, account: String) {
    let options = &shared.options;
    let partition = crate::model::arn::partition_of_region(
        options
            .regions
            .first()
            .map(String::as_str)
            .or(base.region()),
    );
    let session = match (&options.role_name, account == own) {
        (Some(name), _) => {
            let role = format!("arn:{partition}:iam::{account}:role/{name}");
            base.assume(&role, options.external_id.as_deref()).await
        }
        (None, true) => base.clone(),
        (None, false) => {
            let reason = Unknown {
                reason: UnknownReason::AccessDenied,
                detail: format!(
                    "no credentials for account {account}: pass --role-name, the role to assume in each account"
                ),
            };
            shared
                .send(FleetItem::not_audited(&account, None, None, reason))
                .await;
            return;
        }
    };
    let regions = if options.all_regions {
        match shared
            .within(super::regions::account_regions(&session))
            .await
        {
            Some(Ok((enabled, others))) => {
                for (region, status) in others {
                    if in_shard(options, &account, &region) {
                        let reason = format!(
                            "not enabled for the account (Account ListRegions: {status}); no cluster can run there"
                        );
                        let item = FleetItem::Skipped {
                            account: account.clone(),
                            region,
                            reason,
                        };
                        shared.send(item).await;
                    }
                }
                enabled
            }
            failed => {
                let reason = match failed {
                    Some(Err(failure)) => failure.unknown(),
                    _ => shared.late("Account ListRegions"),
                };
                shared
                    .send(FleetItem::not_audited(&account, None, None, reason))
                    .await;
                return;
            }
        }
    } else if options.regions.is_empty() {
        base.region().map(str::to_string).into_iter().collect()
    } else {
        options.regions.clone()
    };
    let mut tasks = JoinSet::new();
    for region in regions {
        if !in_shard(options, &account, &region) {
            continue;
        }
        let shared = shared.clone();
        let regional = session.in_region(&region);
        let account = account.clone();
        tasks.spawn(async move { scan_region(&shared, regional, account, region).await });
    }
    while tasks.join_next().await.is_some() {}
}

fn in_shard(options: &FleetOptions, account: &str, region: &str) -> bool {
    options
        .shard
        .is_none_or(|(index, count)| shard_of(account, region, count) == index)
}

/// One account and region: its clusters listed, filtered, and audited, at most
/// `region_concurrency` at once.
async fn scan_region(shared: &Arc<Shared>, session: AwsSession, account: String, region: String) {
    let options = &shared.options;
    let names = match shared.within(super::eks::list_clusters(&session)).await {
        Some(Ok(names)) => names,
        failed => {
            let reason = match failed {
                Some(Err(failure)) => failure.unknown(),
                _ => shared.late("ListClusters"),
            };
            let item = FleetItem::not_audited(&account, Some(&region), None, reason);
            shared.send(item).await;
            return;
        }
    };
    let listed = names.len();
    let by_name: Vec<String> = names
        .into_iter()
        .filter(|name| {
            (options.include.is_empty() || options.include.iter().any(|g| g.matches(name)))
                && !options.exclude.iter().any(|g| g.matches(name))
        })
        .collect();
    let named = by_name.len();
    let wanted: Vec<String> = by_name
        .into_iter()
        .filter(|name| {
            !options
                .skip
                .contains(&(account.clone(), region.clone(), name.clone()))
        })
        .collect();
    shared
        .send(FleetItem::Found {
            listed,
            by_name: listed - named,
            resumed: named - wanted.len(),
        })
        .await;
    let regional = Arc::new(Semaphore::new(options.region_concurrency.max(1)));
    let mut tasks = JoinSet::new();
    // The account and region's CloudTrail stream starts now, paced on its own, while the
    // clusters wait their turn: each of them then takes its events from what was read.
    // With `--baseline`, only what came after the baseline's read, when every cluster here
    // carries a complete earlier read of its events; else the whole window.
    if !wanted.is_empty() {
        let partition = crate::model::arn::partition_of_region(Some(&region));
        let carried = &options.audit.carried_trails;
        let since = super::cloudtrail::since_of(wanted.iter().map(|name| {
            carried.get(&format!(
                "arn:{partition}:eks:{region}:{account}:cluster/{name}"
            ))
        }));
        let (shared, session) = (shared.clone(), session.clone());
        tasks.spawn(async move {
            shared
                .within(super::cloudtrail::prefetch(&session, since))
                .await;
        });
    }
    for name in wanted {
        let shared = shared.clone();
        let regional = regional.clone();
        let session = session.clone();
        let (account, region) = (account.clone(), region.clone());
        tasks.spawn(async move {
            let work = async {
                let _in_region = regional.acquire_owned().await.ok()?;
                let _in_all = shared.permits.clone().acquire_owned().await.ok()?;
                Some(audit_cluster(&shared.options, &session, &account, &region, &name).await)
            };
            let item = match shared.within(work).await {
                Some(Some(item)) => item,
                Some(None) => return,
                None => FleetItem::not_audited(
                    &account,
                    Some(&region),
                    Some(&name),
                    shared.late("the cluster's audit"),
                ),
            };
            shared.send(item).await;
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// One cluster: its tags checked when `--tag` asks, then read as `cluster --name` reads it.
async fn audit_cluster(
    options: &FleetOptions,
    session: &AwsSession,
    account: &str,
    region: &str,
    name: &str,
) -> FleetItem {
    if !options.tags.is_empty() {
        match super::eks::describe_cluster(name, session).await {
            Ok((_, info)) => {
                let tagged = options
                    .tags
                    .iter()
                    .all(|(key, glob)| info.tags.get(key).is_some_and(|v| glob.matches(v)));
                if !tagged {
                    return FleetItem::Filtered;
                }
            }
            Err(e) => {
                let reason = Unknown {
                    reason: UnknownReason::Unreachable,
                    detail: format!("its tags could not be read: {e}"),
                };
                return FleetItem::not_audited(account, Some(region), Some(name), reason);
            }
        }
    }
    match collect_target(session, &Target::Name(name.to_string()), &options.audit).await {
        Ok(snapshot) => FleetItem::Collected {
            account: account.to_string(),
            region: region.to_string(),
            snapshot: Box::new(snapshot),
        },
        Err(e) => FleetItem::not_audited(
            account,
            Some(region),
            Some(name),
            Unknown {
                reason: UnknownReason::Unreachable,
                detail: e.to_string(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the number of shards, every pair is in exactly one, and the shares are even
    /// enough to spread a fleet.
    #[test]
    fn shards_cover_every_pair_exactly_once() {
        let pairs: Vec<(String, String)> = (0..40)
            .flat_map(|a| {
                [
                    "us-east-1",
                    "eu-west-1",
                    "ap-south-1",
                    "us-west-2",
                    "eu-central-1",
                    "sa-east-1",
                ]
                .map(move |r| (format!("{:012}", 100_000_000_000u64 + a), r.to_string()))
            })
            .collect();
        for count in 1..=64u32 {
            let mut sizes = vec![0usize; count as usize];
            for (account, region) in &pairs {
                let shard = shard_of(account, region, count);
                assert!(shard < count);
                // The same answer every time.
                assert_eq!(shard, shard_of(account, region, count));
                sizes[shard as usize] += 1;
            }
            assert_eq!(sizes.iter().sum::<usize>(), pairs.len(), "{count}");
            if count <= 8 {
                let fair = pairs.len() / count as usize;
                assert!(
                    sizes.iter().all(|&s| s > fair / 3),
                    "{count} shards: {sizes:?}"
                );
            }
        }
    }
}
