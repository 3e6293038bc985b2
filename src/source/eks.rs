//! The EKS API — the cluster (DescribeCluster, ListClusters), its mode changes and the access
//! policies EKS offers; who it lets in is `eks_access.rs` — through the AWS SDK (so
//! `AWS_ENDPOINT_URL_EKS`, profiles and the credential chain behave as everywhere in AWS
//! tooling).

use super::aws::{AwsSession, classify};
use crate::evidence::{
    AuthenticationMode, ClusterInfo, Fetched, ModeChange, OfferedPolicy, Unknown, UnknownReason,
};
use crate::inputs::kubeconfig::ClusterEndpoint;

/// A call to EKS failed. Carries the operation, the error code and the request id, never a
/// credential.
#[derive(Debug, thiserror::Error)]
pub enum EksError {
    /// No region from `--region`, `AWS_REGION` or the profile.
    #[error("no AWS region: pass --region or set AWS_REGION")]
    NoRegion,
    /// The cluster does not exist in this account and region: said with the clusters that do
    /// (ListClusters), when they could be listed.
    #[error(
        "DescribeCluster: no cluster `{name}` in {region} (ResourceNotFoundException{request}); {}",
        match .existing {
            Some(names) => format!("the clusters in {region}: {}", super::context::known_list(names)),
            None => "the clusters there could not be listed".to_string(),
        }
    )]
    NotFound {
        name: String,
        region: String,
        request: String,
        existing: Option<Vec<String>>,
    },
    /// No usable credentials: none found, expired, or rejected. Said in a line a newcomer can
    /// act on; the SDK's whole account of its search is logged at debug level.
    #[error("DescribeCluster {name}: no usable AWS credentials: {}", credentials_help(.failure))]
    Credentials {
        name: String,
        failure: super::aws::AwsFailure,
    },
    /// The EKS endpoint could not be reached (refused, unresolvable, timed out): the cluster
    /// could not be audited, which is not an input error (a scan says the same of it).
    #[error(
        "DescribeCluster {name}: the EKS endpoint {endpoint} ({from}) could not be reached: {reason}"
    )]
    Unreachable {
        name: String,
        endpoint: String,
        from: &'static str,
        reason: String,
    },
    /// Any other failure, with what the service said.
    #[error("DescribeCluster {name}: {code}: {message}{request}")]
    Call {
        name: String,
        code: String,
        message: String,
        request: String,
        failure: super::aws::AwsFailure,
    },
    /// The answer lacks the endpoint or the CA (a cluster still being created).
    #[error("DescribeCluster {0}: the cluster has no endpoint or certificate authority yet")]
    Incomplete(String),
}

/// The EKS endpoint the SDK calls, and where it came from: `AWS_ENDPOINT_URL_EKS`,
/// `AWS_ENDPOINT_URL`, or the region's public endpoint.
fn eks_endpoint(region: &str) -> (String, &'static str) {
    for (variable, from) in [
        ("AWS_ENDPOINT_URL_EKS", "from AWS_ENDPOINT_URL_EKS"),
        ("AWS_ENDPOINT_URL", "from AWS_ENDPOINT_URL"),
    ] {
        if let Ok(url) = std::env::var(variable)
            && !url.is_empty()
        {
            return (url, from);
        }
    }
    (
        format!("https://eks.{region}.amazonaws.com"),
        "the region's public endpoint",
    )
}

/// What to do about credentials that cannot be used, by why.
fn credentials_help(failure: &super::aws::AwsFailure) -> String {
    use super::aws::AwsErrorClass;
    let debug = "RUST_LOG=debug shows the SDK's own account";
    match failure.class {
        AwsErrorClass::ExpiredCredentials => format!(
            "they have expired. Refresh them (for an SSO profile: `aws sso login --profile NAME`) and run again ({debug})"
        ),
        AwsErrorClass::RejectedCredentials => format!(
            "AWS does not accept them ({}). Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the profile (--profile NAME) ({debug})",
            if failure.code.is_empty() {
                "rejected"
            } else {
                &failure.code
            }
        ),
        _ => format!(
            "none were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME (a profile of ~/.aws/config), or run `aws sso login --profile NAME` for an SSO profile ({debug})"
        ),
    }
}

/// DescribeCluster: the endpoint and CA of `name`, and what the audit records about it
/// (region, Kubernetes version, authentication mode).
pub async fn describe_cluster(
    name: &str,
    session: &AwsSession,
) -> Result<(ClusterEndpoint, ClusterInfo), EksError> {
    let region = session.region().ok_or(EksError::NoRegion)?.to_string();
    let output = session
        .eks()
        .describe_cluster()
        .name(name)
        .send()
        .await
        .map_err(|e| {
            let failure = classify("DescribeCluster", &e);
            let request = failure
                .request_id
                .as_ref()
                .map_or(String::new(), |id| format!(", request id {id}"));
            if matches!(
                failure.class,
                super::aws::AwsErrorClass::NoCredentials
                    | super::aws::AwsErrorClass::ExpiredCredentials
                    | super::aws::AwsErrorClass::RejectedCredentials
            ) {
                tracing::debug!(failure = %failure.detail(), "DescribeCluster: credentials");
                return EksError::Credentials {
                    name: name.to_string(),
                    failure,
                };
            }
            if matches!(
                failure.class,
                super::aws::AwsErrorClass::Unreachable | super::aws::AwsErrorClass::Timeout
            ) {
                let (endpoint, from) = eks_endpoint(&region);
                return EksError::Unreachable {
                    name: name.to_string(),
                    endpoint,
                    from,
                    // The innermost cause is the one that says why (refused, no such host).
                    reason: failure
                        .detail()
                        .rsplit(": ")
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                };
            }
            if failure.class == super::aws::AwsErrorClass::NotFound {
                return EksError::NotFound {
                    name: name.to_string(),
                    region: region.clone(),
                    request,
                    existing: None,
                };
            }
            EksError::Call {
                name: name.to_string(),
                code: if failure.code.is_empty() {
                    "Error".to_string()
                } else {
                    failure.code.clone()
                },
                message: failure.message.clone(),
                request,
                failure,
            }
        });
    let output = match output {
        Err(EksError::NotFound {
            name,
            region,
            request,
            ..
        }) => {
            // Which name was meant: the clusters that exist there (a failed list says so).
            let existing = list_clusters(session).await.ok().map(|mut names| {
                names.sort();
                names
            });
            return Err(EksError::NotFound {
                name,
                region,
                request,
                existing,
            });
        }
        other => other?,
    };
    let cluster = output
        .cluster()
        .ok_or_else(|| EksError::Incomplete(name.to_string()))?;
    let endpoint = cluster.endpoint().unwrap_or_default();
    let ca_data = cluster
        .certificate_authority()
        .and_then(|c| c.data())
        .unwrap_or_default();
    if endpoint.is_empty() || ca_data.is_empty() {
        return Err(EksError::Incomplete(name.to_string()));
    }
    let endpoint = ClusterEndpoint {
        name: cluster.name().unwrap_or(name).to_string(),
        arn: cluster.arn().unwrap_or_default().to_string(),
        endpoint: endpoint.to_string(),
        ca_data: ca_data.to_string(),
    };
    let info = ClusterInfo {
        name: endpoint.name.clone(),
        arn: endpoint.arn.clone(),
        endpoint: endpoint.endpoint.clone(),
        region: Some(region),
        kubernetes_version: cluster.version().map(str::to_string),
        authentication_mode: cluster
            .access_config()
            .and_then(|c| c.authentication_mode())
            .map(|m| AuthenticationMode::parse(m.as_str())),
        bootstrap_creator_admin: cluster
            .access_config()
            .and_then(|c| c.bootstrap_cluster_creator_admin_permissions()),
        created_at: date(cluster.created_at()),
        tags: cluster
            .tags()
            .map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        audit_log: cluster.logging().map(|logging| {
            logging.cluster_logging().iter().any(|setup| {
                setup.enabled() == Some(true)
                    && setup.types().contains(&aws_sdk_eks::types::LogType::Audit)
            })
        }),
    };
    Ok((endpoint, info))
}

/// Every cluster of the session's account and region (ListClusters, every page).
pub async fn list_clusters(session: &AwsSession) -> Result<Vec<String>, super::aws::AwsFailure> {
    let client = session.eks();
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_clusters()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| classify("ListClusters", &e))?;
        names.extend(page.clusters().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(names),
        }
    }
}

/// An SDK timestamp as RFC 3339, as the snapshot keeps times.
pub(crate) fn date(value: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    value.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

/// Lookups in flight at once against the EKS API (an access entry's two calls,
/// DescribeAccessEntry and ListAssociatedAccessPolicies, count as one lookup).
pub(super) const IN_FLIGHT: usize = 8;

/// What a failed EKS call means, with its request id.
pub(super) fn unknown_of<E>(
    operation: &str,
    error: &aws_sdk_eks::error::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> Unknown
where
    E: aws_sdk_eks::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    classify(operation, error).unknown()
}

/// The cluster's authentication-mode changes, oldest first: ListUpdates (all pages), then
/// DescribeUpdate for each update, keeping those of type `AccessConfigUpdate`.
pub async fn mode_changes(cluster: &str, session: &AwsSession) -> Fetched<Vec<ModeChange>> {
    let client = session.eks();
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        match client
            .list_updates()
            .name(cluster)
            .max_results(100)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(page) => {
                ids.extend(page.update_ids().iter().cloned());
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(e) => return Fetched::Unknown(unknown_of("ListUpdates", &e)),
        }
    }
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let client = client.clone();
        let cluster = cluster.to_string();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            client
                .describe_update()
                .name(&cluster)
                .update_id(&id)
                .send()
                .await
                .map_err(|e| unknown_of("DescribeUpdate", &e))
                .map(|out| {
                    out.update()
                        .filter(|u| {
                            u.r#type() == Some(&aws_sdk_eks::types::UpdateType::AccessConfigUpdate)
                        })
                        .map(|u| ModeChange {
                            id: u.id().unwrap_or(&id).to_string(),
                            status: u.status().map_or("", |s| s.as_str()).to_string(),
                            created_at: date(u.created_at()),
                            mode: u
                                .params()
                                .iter()
                                .find(|p| {
                                    p.r#type()
                                        == Some(&aws_sdk_eks::types::UpdateParamType::AuthenticationMode)
                                })
                                .and_then(|p| p.value())
                                .map(AuthenticationMode::parse),
                        })
                })
        });
    }
    let mut changes = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(change)) => changes.extend(change),
            Ok(Err(unknown)) => return Fetched::Unknown(unknown),
            Err(e) => {
                return Fetched::unknown(
                    UnknownReason::Unreachable,
                    format!("a lookup task failed: {e}"),
                );
            }
        }
    }
    changes.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
    Fetched::Found(changes)
}

/// The access policies EKS offers (ListAccessPolicies, all pages).
pub async fn offered_policies(session: &AwsSession) -> Fetched<Vec<OfferedPolicy>> {
    // The same for every cluster of the account and region: read once per session.
    session
        .regional
        .offered_policies
        .get_or_init(|| list_access_policies(session))
        .await
        .clone()
}

async fn list_access_policies(session: &AwsSession) -> Fetched<Vec<OfferedPolicy>> {
    let client = session.eks();
    let mut policies = Vec::new();
    let mut token: Option<String> = None;
    loop {
        match client
            .list_access_policies()
            .max_results(100)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(page) => {
                policies.extend(page.access_policies().iter().map(|p| OfferedPolicy {
                    name: p.name().unwrap_or_default().to_string(),
                    arn: p.arn().unwrap_or_default().to_string(),
                }));
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break Fetched::Found(policies);
                }
            }
            Err(e) => break Fetched::Unknown(unknown_of("ListAccessPolicies", &e)),
        }
    }
}
