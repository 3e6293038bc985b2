//! Reading the cluster's Kubernetes API with a client built in memory: the endpoint and CA
//! from DescribeCluster (TLS verified against that CA only, never skipped), a bearer token
//! signed in-process, no kubeconfig file and no exec. Every failure becomes an explicit
//! [`Fetched::Unknown`] with a reason, never a silently missing input.

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;

use super::token::{CredentialOptions, mint};
use crate::kubeconfig::ClusterEndpoint;
use crate::snapshot::{CollectionIssue, Fetched, UnknownReason};

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// Per request: connect and read.
    pub request_timeout: Duration,
    /// Retries of 429 and 5xx answers, with exponential backoff from `backoff`.
    pub retries: u32,
    pub backoff: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            request_timeout: Duration::from_secs(10),
            retries: 3,
            backoff: Duration::from_millis(200),
        }
    }
}

fn ca_certificates(ca_data: &str) -> Result<Vec<Vec<u8>>, String> {
    use base64::Engine;
    let pem = base64::engine::general_purpose::STANDARD
        .decode(ca_data.trim())
        .map_err(|e| format!("certificate-authority-data is not base64: {e}"))?;
    let ders: Vec<Vec<u8>> = x509_parser::pem::Pem::iter_from_buffer(&pem)
        .filter_map(Result::ok)
        .map(|p| p.contents)
        .collect();
    if ders.is_empty() {
        return Err("certificate-authority-data holds no PEM certificate".into());
    }
    Ok(ders)
}

async fn client(
    cluster: &ClusterEndpoint,
    options: &CredentialOptions,
    patience: &Patience,
) -> Result<kube::Client, (UnknownReason, String)> {
    let uri: http::Uri = cluster.endpoint.parse().map_err(|e| {
        (
            UnknownReason::Unreachable,
            format!("endpoint {}: {e}", cluster.endpoint),
        )
    })?;
    let roots = ca_certificates(&cluster.ca_data).map_err(|e| (UnknownReason::TlsError, e))?;
    let token = mint(&cluster.name, options)
        .await
        .map_err(|e| (UnknownReason::NoCredentials, e.to_string()))?;
    let mut config = kube::Config::new(uri);
    config.root_cert = Some(roots);
    config.accept_invalid_certs = false;
    // Our own retry policy (counted, recorded, one place): the client must not retry on its own.
    config.default_retry = false;
    config.connect_timeout = Some(patience.request_timeout);
    config.read_timeout = Some(patience.request_timeout);
    config.auth_info.token = Some(secrecy::SecretString::from(
        token.token.expose().to_string(),
    ));
    kube::Client::try_from(config).map_err(|e| (UnknownReason::TlsError, e.to_string()))
}

/// What a failed call means for the checks that need its answer.
fn classify(error: &kube::Error) -> (UnknownReason, Option<u16>) {
    match error {
        kube::Error::Api(status) => {
            let code = status.code;
            let reason = match code {
                401 => UnknownReason::AuthRejected,
                403 => UnknownReason::AccessDenied,
                429 => UnknownReason::Throttled,
                _ => UnknownReason::Unreachable,
            };
            (reason, Some(code))
        }
        other => {
            let chain = super::token::error_chain(other).to_lowercase();
            let reason = if chain.contains("certificate")
                || chain.contains("tls")
                || chain.contains("unknownissuer")
            {
                UnknownReason::TlsError
            } else if chain.contains("timed out")
                || chain.contains("timeout")
                || chain.contains("deadline")
            {
                UnknownReason::Timeout
            } else {
                UnknownReason::Unreachable
            };
            (reason, None)
        }
    }
}

/// Reads `kube-system/aws-auth`: found, verified absent (404), or unknown with the reason.
/// A 401 is answered by signing a fresh token once; 429 and 5xx are retried with backoff;
/// TLS failures are never retried and never retried insecurely.
pub async fn read_aws_auth(
    cluster: &ClusterEndpoint,
    options: &CredentialOptions,
    patience: &Patience,
    issues: &mut Vec<CollectionIssue>,
) -> Fetched<ConfigMap> {
    let resource = "configmaps kube-system/aws-auth";
    let mut resigned = false;
    let mut attempt = 0;
    // One client (one token) for all attempts; only a 401 makes us sign a fresh one.
    let mut current: Option<kube::Client> = None;
    loop {
        let client = match current.take() {
            Some(client) => client,
            None => match client(cluster, options, patience).await {
                Ok(client) => client,
                Err((reason, detail)) => {
                    issues.push(CollectionIssue::new(
                        "GetConfigMap",
                        resource,
                        reason.as_str(),
                        &detail,
                    ));
                    return Fetched::Unknown { reason, detail };
                }
            },
        };
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), "kube-system");
        let deadline = patience.request_timeout * 2;
        let result = match tokio::time::timeout(deadline, api.get("aws-auth")).await {
            Ok(result) => result,
            Err(_) => {
                let detail = format!("no answer within {} s", deadline.as_secs());
                issues.push(CollectionIssue::new(
                    "GetConfigMap",
                    resource,
                    "timeout",
                    &detail,
                ));
                return Fetched::Unknown {
                    reason: UnknownReason::Timeout,
                    detail,
                };
            }
        };
        let error = match result {
            Ok(configmap) => return Fetched::Found(configmap),
            Err(kube::Error::Api(status)) if status.code == 404 => return Fetched::Absent,
            Err(error) => error,
        };
        let (reason, code) = classify(&error);
        let detail = match &error {
            kube::Error::Api(status) => format!(
                "HTTP {}: {} ({})",
                status.code, status.message, status.reason
            ),
            other => super::token::error_chain(other),
        };
        issues.push(CollectionIssue::new(
            "GetConfigMap",
            resource,
            reason.as_str(),
            &detail,
        ));
        let retry = match reason {
            UnknownReason::AuthRejected if !resigned => {
                resigned = true;
                true
            }
            UnknownReason::Throttled => attempt < patience.retries,
            UnknownReason::Unreachable if code.is_some_and(|c| c >= 500) => {
                attempt < patience.retries
            }
            _ => false,
        };
        if !retry {
            return Fetched::Unknown { reason, detail };
        }
        if reason != UnknownReason::AuthRejected {
            tokio::time::sleep(patience.backoff * 2u32.pow(attempt)).await;
            attempt += 1;
            current = Some(client);
        }
    }
}
