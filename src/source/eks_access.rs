//! Who an EKS cluster lets in, as its API says: the access entries (each described, with its
//! associated access policies, every page) and the node roles of its node groups and Fargate
//! profiles. Lookups are bounded ([`IN_FLIGHT`] at once); a failed call is unknown, with why.

use super::aws::AwsSession;
use super::eks::{IN_FLIGHT, date, unknown_of};
use crate::evidence::{
    AccessEntry, AccessEntryType, AccessScope, AssociatedPolicy, Fetched, NodeRole, ScopeKind,
    Unknown, UnknownReason,
};

/// Every page of one entry's associated access policies.
async fn associated_policies(
    client: &aws_sdk_eks::Client,
    cluster: &str,
    principal: &str,
) -> Fetched<Vec<AssociatedPolicy>> {
    let mut policies = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_associated_access_policies()
            .cluster_name(cluster)
            .principal_arn(principal)
            .set_next_token(token.clone())
            .send()
            .await;
        match page {
            Ok(page) => {
                policies.extend(page.associated_access_policies().iter().map(|p| {
                    let scope = p.access_scope();
                    AssociatedPolicy {
                        policy_arn: p.policy_arn().unwrap_or_default().to_string(),
                        scope: AccessScope {
                            kind: scope
                                .and_then(|s| s.r#type())
                                .map_or(ScopeKind::Cluster, |t| ScopeKind::parse(t.as_str())),
                            namespaces: scope.map(|s| s.namespaces().to_vec()).unwrap_or_default(),
                        },
                        associated_at: date(p.associated_at()),
                    }
                }));
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    return Fetched::Found(policies);
                }
            }
            Err(e) => return Fetched::Unknown(unknown_of("ListAssociatedAccessPolicies", &e)),
        }
    }
}

/// One entry, described, with its associated policies: the two calls need only the
/// principal's ARN, so they are in flight together.
async fn describe_entry(
    client: &aws_sdk_eks::Client,
    cluster: &str,
    principal: &str,
) -> Result<AccessEntry, Unknown> {
    let (described, policies) = tokio::join!(
        client
            .describe_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal)
            .send(),
        associated_policies(client, cluster, principal)
    );
    let described = described.map_err(|e| unknown_of("DescribeAccessEntry", &e))?;
    let entry = described.access_entry();
    Ok(AccessEntry {
        principal_arn: principal.to_string(),
        kind: entry
            .and_then(|e| e.r#type())
            .map_or(AccessEntryType::Standard, AccessEntryType::parse),
        username: entry.and_then(|e| e.username()).map(str::to_string),
        kubernetes_groups: entry
            .map(|e| e.kubernetes_groups().to_vec())
            .unwrap_or_default(),
        created_at: date(entry.and_then(|e| e.created_at())),
        policies,
        unread: None,
    })
}

/// Every access entry of `cluster`: ListAccessEntries (all pages), then DescribeAccessEntry
/// and ListAssociatedAccessPolicies for each, [`IN_FLIGHT`] entries at a time. A cluster whose mode is
/// `CONFIG_MAP` answers `InvalidRequestException`: that is "no access-entry API", `Absent`.
pub async fn access_entries(cluster: &str, session: &AwsSession) -> Fetched<Vec<AccessEntry>> {
    let client = session.eks();
    let mut principals = Vec::new();
    let mut token: Option<String> = None;
    loop {
        match client
            .list_access_entries()
            .cluster_name(cluster)
            .max_results(100)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(page) => {
                principals.extend(page.access_entries().iter().cloned());
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_invalid_request_exception()) =>
            {
                return Fetched::Absent;
            }
            Err(e) => return Fetched::Unknown(unknown_of("ListAccessEntries", &e)),
        }
    }
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, principal) in principals.into_iter().enumerate() {
        let client = client.clone();
        let cluster = cluster.to_string();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let described = describe_entry(&client, &cluster, &principal).await;
            (index, principal, described)
        });
    }
    let mut described = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(done) => described.push(done),
            Err(e) => {
                return Fetched::unknown(
                    UnknownReason::Unreachable,
                    format!("a lookup task failed: {e}"),
                );
            }
        }
    }
    described.sort_by_key(|(index, _, _)| *index);
    // An entry that cannot be described is kept with what is known, its ARN: the checks that
    // need the rest are undecided for it alone, and say so.
    let entries = described
        .into_iter()
        .map(|(_, principal, entry)| {
            entry.unwrap_or_else(|unknown| AccessEntry {
                principal_arn: principal,
                kind: AccessEntryType::Unknown,
                username: None,
                kubernetes_groups: Vec::new(),
                created_at: None,
                policies: Fetched::Unknown(unknown.clone()),
                unread: Some(unknown),
            })
        })
        .collect();
    Fetched::Found(entries)
}

/// Every managed node group's node role and every Fargate profile's pod execution role
/// (ListNodegroups / ListFargateProfiles, all pages; each described, [`IN_FLIGHT`] at a time).
pub async fn node_roles(cluster: &str, session: &AwsSession) -> Fetched<Vec<NodeRole>> {
    let client = session.eks();
    let mut nodegroups = Vec::new();
    let mut token: Option<String> = None;
    loop {
        match client
            .list_nodegroups()
            .cluster_name(cluster)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(page) => {
                nodegroups.extend(page.nodegroups().iter().cloned());
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(e) => return Fetched::Unknown(unknown_of("ListNodegroups", &e)),
        }
    }
    let mut profiles = Vec::new();
    let mut token: Option<String> = None;
    loop {
        match client
            .list_fargate_profiles()
            .cluster_name(cluster)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(page) => {
                profiles.extend(page.fargate_profile_names().iter().cloned());
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(e) => return Fetched::Unknown(unknown_of("ListFargateProfiles", &e)),
        }
    }
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    let work = nodegroups
        .into_iter()
        .map(|n| (true, n))
        .chain(profiles.into_iter().map(|p| (false, p)));
    for (index, (is_nodegroup, name)) in work.enumerate() {
        let client = client.clone();
        let cluster = cluster.to_string();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let found = if is_nodegroup {
                client
                    .describe_nodegroup()
                    .cluster_name(&cluster)
                    .nodegroup_name(&name)
                    .send()
                    .await
                    .map(|out| NodeRole {
                        owner: format!("nodegroup {name}"),
                        role_arn: out
                            .nodegroup()
                            .and_then(|n| n.node_role())
                            .unwrap_or_default()
                            .to_string(),
                    })
                    .map_err(|e| unknown_of("DescribeNodegroup", &e))
            } else {
                client
                    .describe_fargate_profile()
                    .cluster_name(&cluster)
                    .fargate_profile_name(&name)
                    .send()
                    .await
                    .map(|out| NodeRole {
                        owner: format!("fargate-profile {name}"),
                        role_arn: out
                            .fargate_profile()
                            .and_then(|p| p.pod_execution_role_arn())
                            .unwrap_or_default()
                            .to_string(),
                    })
                    .map_err(|e| unknown_of("DescribeFargateProfile", &e))
            };
            (index, found)
        });
    }
    let mut done = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(found) => done.push(found),
            Err(e) => {
                return Fetched::unknown(
                    UnknownReason::Unreachable,
                    format!("a lookup task failed: {e}"),
                );
            }
        }
    }
    done.sort_by_key(|(index, _)| *index);
    let mut roles = Vec::new();
    for (_, found) in done {
        match found {
            Ok(role) => roles.push(role),
            Err(unknown) => return Fetched::Unknown(unknown),
        }
    }
    Fetched::Found(roles)
}
