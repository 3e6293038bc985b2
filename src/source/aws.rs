//! One AWS session per target: the SDK configuration built once from the region, the profile
//! and an optional role to assume, shared by every client (EKS, IAM, STS, CloudTrail) and by
//! the EKS token signer, so that `--role-arn` applies to every AWS read alike; and one
//! classifier that says what a failed AWS call means.

use std::time::{Duration, SystemTime};

use super::aws_error::credentials_failure;
pub use super::aws_error::{AwsErrorClass, AwsFailure, classify, error_chain};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};

/// Where the credentials come from.
#[derive(Debug, Clone, Default)]
pub struct CredentialOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Assume this role first, as `aws eks get-token --role-arn` does.
    pub role_arn: Option<String>,
}

/// How long one attempt of an AWS call may take. The SDK sets no read or attempt timeout by
/// default, so an endpoint that accepts the connection and never answers would hold the tool
/// forever; a timed-out attempt is retried like any transient failure, then reported.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a TCP (and TLS) connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);
/// The session name of an assumed role, as CloudTrail records it.
const SESSION_NAME: &str = "aws-auth-audit";
/// IAM and STS are global; the SDK still needs a region to sign for.
const GLOBAL_REGION: &str = "us-east-1";
/// Credentials this close to expiry are resolved again before they sign anything.
const REFRESH_BEFORE: Duration = Duration::from_secs(300);
/// Attempts per AWS call (the SDK's default). The retry mode is adaptive: a throttled call is
/// retried after a backoff and slows the later calls of its retry partition (one per account
/// and region, see [`AwsSession::retry_partition`]), so a fleet's throttled account and region
/// slows down instead of failing. More attempts would outlast `--deadline` on a name that does
/// not resolve, turning "unreachable" into "timeout".
const MAX_ATTEMPTS: u32 = 3;

/// Attempts per AWS call: `AWS_MAX_ATTEMPTS` when it is set to a number from 1 to 10 (the
/// SDKs' shared setting, which the explicit retry configuration would otherwise silently
/// override), else [`MAX_ATTEMPTS`]. One attempt means no retry at all: a throttled call fails
/// at once and is said.
/// The retry configuration: adaptive with [`max_attempts`], or standard (exponential backoff
/// alone, no client-side rate limiting) when `AWS_RETRY_MODE` says `standard` or `legacy` — the
/// SDKs' shared setting, honoured rather than overridden.
fn retry_config() -> aws_config::retry::RetryConfig {
    let mode = std::env::var("AWS_RETRY_MODE").unwrap_or_default();
    match mode.trim() {
        "standard" | "legacy" => aws_config::retry::RetryConfig::standard(),
        _ => aws_config::retry::RetryConfig::adaptive(),
    }
    .with_max_attempts(max_attempts())
}

fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| (1..=10).contains(n))
        .unwrap_or(MAX_ATTEMPTS)
}

/// The AWS session of one audit target: configuration, credentials and clients.
#[derive(Clone)]
pub struct AwsSession {
    config: aws_config::SdkConfig,
    options: CredentialOptions,
    credentials: std::sync::Arc<tokio::sync::Mutex<Option<Credentials>>>,
    /// What is the same for every cluster of this account and region, read once (a fleet
    /// scan's economy): the access policies EKS offers.
    pub(super) regional: std::sync::Arc<Regional>,
    /// What is the same for every cluster of the account, whatever the region: IAM's answers.
    pub(super) account_wide: std::sync::Arc<super::iam_shared::AccountIam>,
}

/// Per account and region: answers read once, and CloudTrail's pace.
#[derive(Default)]
pub(super) struct Regional {
    pub(super) offered_policies:
        tokio::sync::OnceCell<crate::evidence::Fetched<Vec<crate::evidence::OfferedPolicy>>>,
    /// When the next CloudTrail LookupEvents may start: CloudTrail allows 2 per second per
    /// account and region, shared by every cluster the scan reads there.
    pub(super) cloudtrail_next: tokio::sync::Mutex<Option<tokio::time::Instant>>,
    /// CloudTrail's EKS events of this account and region: one paged stream, read once.
    pub(super) eks_trail:
        tokio::sync::OnceCell<crate::evidence::Fetched<std::sync::Arc<super::cloudtrail::Stream>>>,
}

/// CloudTrail LookupEvents' published rate: 2 requests per second per account and region.
const CLOUDTRAIL_INTERVAL: Duration = Duration::from_millis(550);

impl Regional {
    /// Waits for CloudTrail's pace in this account and region.
    pub(super) async fn cloudtrail_turn(&self) {
        let mut next = self.cloudtrail_next.lock().await;
        let now = tokio::time::Instant::now();
        if let Some(at) = *next
            && at > now
        {
            tokio::time::sleep_until(at).await;
        }
        *next = Some(tokio::time::Instant::now() + CLOUDTRAIL_INTERVAL);
    }
}

impl std::fmt::Debug for AwsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSession")
            .field("region", &self.region())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The session's credentials, resolved once for every client of the session and for the
/// token signer alike: the SDK's identity cache asks this provider, which answers from the
/// session's own cache while the credentials are fresh (without it, the SDK and the signer
/// each resolved them: two AssumeRole calls per role).
#[derive(Debug, Clone)]
struct OnceResolved {
    inner: SharedCredentialsProvider,
    cache: std::sync::Arc<tokio::sync::Mutex<Option<Credentials>>>,
}

impl OnceResolved {
    /// The cached credentials when fresh, else resolved again; every secret part is
    /// registered with the log redactor.
    async fn resolve(
        &self,
    ) -> Result<Credentials, aws_credential_types::provider::error::CredentialsError> {
        let mut cached = self.cache.lock().await;
        let fresh = |c: &Credentials| {
            c.expiry()
                .is_none_or(|at| at > SystemTime::now() + REFRESH_BEFORE)
        };
        if let Some(credentials) = cached.as_ref().filter(|c| fresh(c)) {
            return Ok(credentials.clone());
        }
        let credentials = self.inner.provide_credentials().await?;
        crate::infra::redact::register(credentials.secret_access_key());
        crate::infra::redact::register(credentials.access_key_id());
        if let Some(session_token) = credentials.session_token() {
            crate::infra::redact::register(session_token);
        }
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

impl ProvideCredentials for OnceResolved {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(self.resolve())
    }
}

/// `config` with its credentials provider wrapped so that they are resolved once, into `cache`.
fn resolved_once(
    config: aws_config::SdkConfig,
    provider: Option<SharedCredentialsProvider>,
    cache: &std::sync::Arc<tokio::sync::Mutex<Option<Credentials>>>,
) -> aws_config::SdkConfig {
    let Some(inner) = provider.or_else(|| config.credentials_provider()) else {
        return config;
    };
    let once = OnceResolved {
        inner,
        cache: cache.clone(),
    };
    config
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(once))
        .build()
}

impl AwsSession {
    /// Loads the configuration (region, profile, the standard credential chain), with a
    /// timeout on every attempt of every call; with `role_arn`, every client and the token
    /// signer use the role's credentials.
    pub async fn new(options: &CredentialOptions) -> AwsSession {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .retry_config(retry_config())
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .build(),
            );
        if let Some(region) = &options.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        let config = loader.load().await;
        let mut role = None;
        if let Some(role_arn) = &options.role_arn {
            let sts_region = config
                .region()
                .cloned()
                .unwrap_or_else(|| aws_config::Region::new(GLOBAL_REGION));
            let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn.clone())
                .session_name(SESSION_NAME)
                .configure(&config)
                .region(sts_region)
                .build()
                .await;
            role = Some(SharedCredentialsProvider::new(provider));
        }
        let credentials = std::sync::Arc::default();
        AwsSession {
            config: resolved_once(config, role, &credentials),
            options: options.clone(),
            credentials,
            regional: Default::default(),
            account_wide: Default::default(),
        }
    }

    /// A session as `role_arn`, assumed with this session's credentials (a fleet scan's role
    /// in each member account), in the same region.
    pub async fn assume(&self, role_arn: &str, external_id: Option<&str>) -> AwsSession {
        let sts_region = self
            .config
            .region()
            .cloned()
            .unwrap_or_else(|| aws_config::Region::new(GLOBAL_REGION));
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(role_arn.to_string())
            .session_name(SESSION_NAME)
            .configure(&self.config)
            .region(sts_region);
        if let Some(id) = external_id {
            builder = builder.external_id(id);
        }
        let provider = SharedCredentialsProvider::new(builder.build().await);
        let credentials = std::sync::Arc::default();
        AwsSession {
            config: resolved_once(self.config.clone(), Some(provider), &credentials),
            options: CredentialOptions {
                role_arn: Some(role_arn.to_string()),
                ..self.options.clone()
            },
            credentials,
            regional: Default::default(),
            account_wide: Default::default(),
        }
    }

    /// The account the session's credentials belong to (STS GetCallerIdentity).
    pub async fn account(&self) -> Result<String, AwsFailure> {
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| classify("STS GetCallerIdentity", &e))?;
        Ok(out.account().unwrap_or_default().to_string())
    }

    /// Who the session's credentials are, `(account, ARN)` (STS GetCallerIdentity, asked once
    /// per account's credentials): the identity the EKS tokens are signed as.
    pub async fn caller(&self) -> crate::evidence::Fetched<(String, String)> {
        let sts = self.sts();
        self.account_wide
            .caller
            .get_or_init(|| async {
                match sts.get_caller_identity().send().await {
                    Ok(out) => crate::evidence::Fetched::Found((
                        out.account().unwrap_or_default().to_string(),
                        out.arn().unwrap_or_default().to_string(),
                    )),
                    Err(e) => {
                        let failure = classify("STS GetCallerIdentity", &e);
                        crate::evidence::Fetched::unknown(failure.reason(), failure.detail())
                    }
                }
            })
            .await
            .clone()
    }

    /// The region, from `--region`, `AWS_REGION` or the profile.
    pub fn region(&self) -> Option<&str> {
        self.config.region().map(|r| r.as_ref())
    }

    /// What the session was built from (carried into a kubeconfig's exec plugin).
    pub fn options(&self) -> &CredentialOptions {
        &self.options
    }

    /// The same credentials in another region (a cluster named by an ARN of that region).
    pub fn in_region(&self, region: &str) -> AwsSession {
        AwsSession {
            config: self
                .config
                .to_builder()
                .region(aws_config::Region::new(region.to_string()))
                .build(),
            options: CredentialOptions {
                region: Some(region.to_string()),
                ..self.options.clone()
            },
            credentials: self.credentials.clone(),
            regional: Default::default(),
            account_wide: self.account_wide.clone(),
        }
    }

    /// The partition of the SDK's retry state (its retry token bucket and, in adaptive mode,
    /// its client-side rate limiter): one per credentials and region, so that an account and
    /// region that throttles slows down its own calls and no other's. Global services (IAM,
    /// STS, Organizations) share one per credentials.
    fn retry_partition(&self, global: bool) -> String {
        let who = self.options.role_arn.as_deref().unwrap_or("caller");
        let region = match global {
            true => "global",
            false => self.region().unwrap_or("no-region"),
        };
        format!("aws-auth-audit {who} {region}")
    }

    /// The configuration of a global service (IAM, STS): the session's, with a region to
    /// sign for when it has none.
    fn global(&self) -> aws_config::SdkConfig {
        if self.config.region().is_some() {
            return self.config.clone();
        }
        self.config
            .to_builder()
            .region(aws_config::Region::new(GLOBAL_REGION))
            .build()
    }

    pub fn eks(&self) -> aws_sdk_eks::Client {
        let partition =
            aws_sdk_eks::config::retry::RetryPartition::new(self.retry_partition(false));
        let config = aws_sdk_eks::config::Builder::from(&self.config).retry_partition(partition);
        aws_sdk_eks::Client::from_conf(config.build())
    }

    pub fn cloudtrail(&self) -> aws_sdk_cloudtrail::Client {
        use aws_sdk_cloudtrail::config::{Builder, retry::RetryPartition};
        let partition = RetryPartition::new(self.retry_partition(false));
        let config = Builder::from(&self.config).retry_partition(partition);
        aws_sdk_cloudtrail::Client::from_conf(config.build())
    }

    /// S3, addressed by path when the endpoint is one's own (`AWS_ENDPOINT_URL_S3`,
    /// `AWS_ENDPOINT_URL`): MinIO, LocalStack and endpoints by address need it.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        use aws_sdk_s3::config::{Builder, retry::RetryPartition};
        let partition = RetryPartition::new(self.retry_partition(false));
        let own_endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
        let config = Builder::from(&self.config)
            .retry_partition(partition)
            .force_path_style(own_endpoint);
        aws_sdk_s3::Client::from_conf(config.build())
    }

    pub fn securityhub(&self) -> aws_sdk_securityhub::Client {
        use aws_sdk_securityhub::config::{Builder, retry::RetryPartition};
        let partition = RetryPartition::new(self.retry_partition(false));
        let config = Builder::from(&self.config).retry_partition(partition);
        aws_sdk_securityhub::Client::from_conf(config.build())
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        use aws_sdk_cloudwatchlogs::config::{Builder, retry::RetryPartition};
        let partition = RetryPartition::new(self.retry_partition(false));
        let config = Builder::from(&self.config).retry_partition(partition);
        aws_sdk_cloudwatchlogs::Client::from_conf(config.build())
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        use aws_sdk_iam::config::{Builder, retry::RetryPartition};
        let partition = RetryPartition::new(self.retry_partition(true));
        let config = Builder::from(&self.global()).retry_partition(partition);
        aws_sdk_iam::Client::from_conf(config.build())
    }

    /// The Account Management API (ListRegions), global like IAM.
    pub fn account_api(&self) -> aws_sdk_account::Client {
        use aws_sdk_account::config::{Builder, retry::RetryPartition};
        let partition = RetryPartition::new(self.retry_partition(true));
        let config = Builder::from(&self.global()).retry_partition(partition);
        aws_sdk_account::Client::from_conf(config.build())
    }

    pub fn organizations(&self) -> aws_sdk_organizations::Client {
        use aws_sdk_organizations::config::{Builder, retry::RetryPartition};
        let partition = RetryPartition::new(self.retry_partition(true));
        let config = Builder::from(&self.global()).retry_partition(partition);
        aws_sdk_organizations::Client::from_conf(config.build())
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        use aws_sdk_sts::config::{Builder, retry::RetryPartition};
        let partition = RetryPartition::new(self.retry_partition(true));
        let config = Builder::from(&self.global()).retry_partition(partition);
        aws_sdk_sts::Client::from_conf(config.build())
    }

    /// The session's credentials (the assumed role's with `--role-arn`), resolved once (for
    /// the SDK's clients and the token signer alike) and again only near their expiry.
    pub async fn credentials(&self) -> Result<Credentials, AwsFailure> {
        let provider = self
            .config
            .credentials_provider()
            .ok_or_else(|| AwsFailure {
                class: AwsErrorClass::NoCredentials,
                operation: "credentials".into(),
                code: String::new(),
                message: "no credential provider configured".into(),
                request_id: None,
            })?;
        provider
            .provide_credentials()
            .await
            .map_err(|e| credentials_failure(&e))
    }
}
