//! The EKS API: DescribeCluster, through the AWS SDK (so `AWS_ENDPOINT_URL_EKS`, profiles and
//! the credential chain behave as everywhere in AWS tooling).

use aws_sdk_eks::error::ProvideErrorMetadata;

use super::token::CredentialOptions;
use crate::kubeconfig::ClusterEndpoint;
use crate::snapshot::ClusterInfo;

/// A call to EKS failed. Carries the operation, the error code and the request id, never a
/// credential.
#[derive(Debug, thiserror::Error)]
pub enum EksError {
    /// No region from `--region`, `AWS_REGION` or the profile.
    #[error("no AWS region: pass --region or set AWS_REGION")]
    NoRegion,
    /// The cluster does not exist in this account and region.
    #[error(
        "DescribeCluster: no cluster `{name}` in {region} (ResourceNotFoundException{request})"
    )]
    NotFound {
        name: String,
        region: String,
        request: String,
    },
    /// Any other failure, with what the service said.
    #[error("DescribeCluster {name}: {code}: {message}{request}")]
    Call {
        name: String,
        code: String,
        message: String,
        request: String,
    },
    /// The answer lacks the endpoint or the CA (a cluster still being created).
    #[error("DescribeCluster {0}: the cluster has no endpoint or certificate authority yet")]
    Incomplete(String),
}

/// Loads the SDK configuration for these options (region, profile).
pub async fn sdk_config(options: &CredentialOptions) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(region) = &options.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    loader.load().await
}

/// DescribeCluster: the endpoint and CA of `name`, and what the audit records about it
/// (region, Kubernetes version, authentication mode).
pub async fn describe_cluster(
    name: &str,
    options: &CredentialOptions,
) -> Result<(ClusterEndpoint, ClusterInfo), EksError> {
    let config = sdk_config(options).await;
    let region = config.region().ok_or(EksError::NoRegion)?.to_string();
    let client = aws_sdk_eks::Client::new(&config);
    let output = client
        .describe_cluster()
        .name(name)
        .send()
        .await
        .map_err(|e| {
            let request = e
                .meta()
                .extra("aws_request_id")
                .or_else(|| {
                    e.as_service_error()
                        .and_then(|s| s.meta().extra("aws_request_id"))
                })
                .map_or(String::new(), |id| format!(", request id {id}"));
            let service = e.as_service_error();
            if service.is_some_and(|s| s.is_resource_not_found_exception()) {
                return EksError::NotFound {
                    name: name.to_string(),
                    region: region.clone(),
                    request,
                };
            }
            EksError::Call {
                name: name.to_string(),
                code: e.code().unwrap_or("Error").to_string(),
                message: e
                    .message()
                    .map_or_else(|| super::token::error_chain(&e), str::to_string),
                request,
            }
        })?;
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
            .map(|m| m.as_str().to_string()),
    };
    Ok((endpoint, info))
}
