//! A fleet scan's reads: every account (the caller's own, or the ones named, each through the
//! role it names), every region asked for, every cluster ListClusters gives (filtered by name
//! globs), each read through the collection entry point exactly as `cluster --name` reads it,
//! with a global cap on clusters in flight. Every target is either collected or reported with
//! the reason it was not; results stream out as clusters finish.

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

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
    /// Name globs a cluster must match (any), and must not match (none).
    pub include: Vec<crate::policy::Glob>,
    pub exclude: Vec<crate::policy::Glob>,
    /// Tags a cluster must carry (key, value glob), all of them (DescribeCluster says).
    pub tags: Vec<(String, crate::policy::Glob)>,
    /// Clusters audited at once.
    pub concurrency: usize,
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
    /// ListClusters answered for an account and region: this many clusters will be looked at.
    Found { clusters: usize },
    /// One of them was left out by `--tag`.
    Filtered,
    /// A cluster read (completely or not: the snapshot says).
    Collected {
        account: String,
        region: String,
        snapshot: Box<Snapshot>,
    },
    /// An account, region or cluster that could not be read, and why.
    NotAudited {
        account: String,
        region: Option<String>,
        cluster: Option<String>,
        reason: Unknown,
    },
}

/// The partition of a region's ARNs.
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

fn partition_of(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
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

/// Scans the fleet; every item goes to `out` as soon as it is known.
pub async fn scan(base: &AwsSession, options: &FleetOptions, out: mpsc::Sender<FleetItem>) {
    let own = match base.account().await {
        Ok(account) => account,
        Err(failure) => {
            for account in options.accounts.iter().cloned().chain(
                options
                    .accounts
                    .is_empty()
                    .then(|| "(the caller's)".to_string()),
            ) {
                let item = FleetItem::not_audited(&account, None, None, failure.unknown());
                let _ = out.send(item).await;
            }
            return;
        }
    };
    let accounts = if options.org {
        match org_accounts(base).await {
            Ok(accounts) => accounts,
            Err(failure) => {
                let item =
                    FleetItem::not_audited("(the organization's)", None, None, failure.unknown());
                let _ = out.send(item).await;
                return;
            }
        }
    } else if options.accounts.is_empty() {
        vec![own.clone()]
    } else {
        options.accounts.clone()
    };
    let regions: Vec<String> = if options.regions.is_empty() {
        base.region().map(str::to_string).into_iter().collect()
    } else {
        options.regions.clone()
    };
    let partition = partition_of(regions.first().map(String::as_str));
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut audits = tokio::task::JoinSet::new();
    for account in accounts {
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
                let _ = out
                    .send(FleetItem::not_audited(&account, None, None, reason))
                    .await;
                continue;
            }
        };
        for region in &regions {
            if let Some((index, count)) = options.shard
                && shard_of(&account, region, count) != index
            {
                continue;
            }
            let regional = session.in_region(region);
            let names = match super::eks::list_clusters(&regional).await {
                Ok(names) => names,
                Err(failure) => {
                    let item =
                        FleetItem::not_audited(&account, Some(region), None, failure.unknown());
                    let _ = out.send(item).await;
                    continue;
                }
            };
            let wanted: Vec<String> = names
                .into_iter()
                .filter(|name| {
                    (options.include.is_empty() || options.include.iter().any(|g| g.matches(name)))
                        && !options.exclude.iter().any(|g| g.matches(name))
                        && !options
                            .skip
                            .contains(&(account.clone(), region.clone(), name.clone()))
                })
                .collect();
            let _ = out
                .send(FleetItem::Found {
                    clusters: wanted.len(),
                })
                .await;
            for name in wanted {
                if !options.tags.is_empty() {
                    match super::eks::describe_cluster(&name, &regional).await {
                        Ok((_, info)) => {
                            let tagged = options.tags.iter().all(|(key, glob)| {
                                info.tags.get(key).is_some_and(|v| glob.matches(v))
                            });
                            if !tagged {
                                let _ = out.send(FleetItem::Filtered).await;
                                continue;
                            }
                        }
                        Err(e) => {
                            let reason = Unknown {
                                reason: UnknownReason::Unreachable,
                                detail: format!("its tags could not be read: {e}"),
                            };
                            let item =
                                FleetItem::not_audited(&account, Some(region), Some(&name), reason);
                            let _ = out.send(item).await;
                            continue;
                        }
                    }
                }
                let permits = permits.clone();
                let out = out.clone();
                let session = regional.clone();
                let audit = options.audit.clone();
                let (account, region) = (account.clone(), region.clone());
                audits.spawn(async move {
                    let Ok(_permit) = permits.acquire_owned().await else {
                        return;
                    };
                    let item =
                        match collect_target(&session, &Target::Name(name.clone()), &audit).await {
                            Ok(snapshot) => FleetItem::Collected {
                                account,
                                region,
                                snapshot: Box::new(snapshot),
                            },
                            Err(e) => FleetItem::not_audited(
                                &account,
                                Some(&region),
                                Some(&name),
                                Unknown {
                                    reason: UnknownReason::Unreachable,
                                    detail: e.to_string(),
                                },
                            ),
                        };
                    let _ = out.send(item).await;
                });
            }
        }
    }
    while audits.join_next().await.is_some() {}
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
