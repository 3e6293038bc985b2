//! The collection entry point of one cluster: reach it (DescribeCluster, or a vetted kubeconfig
//! context), then read everything the audit judges into a snapshot, every AWS read through the
//! target's one [`AwsSession`]. `cluster`, `collect` and `whois --cluster` call it once; a fleet
//! scan calls it once per cluster.

use std::time::{Duration, SystemTime};

use super::aws::AwsSession;
use super::context::{ContextError, ContextOptions};
use super::eks::EksError;
use super::kube::{Connection, Patience};
use super::token::TokenError;
use crate::evidence::{CollectionIssue, Snapshot, Transport};

/// Which cluster to audit, and how to reach it.
#[derive(Debug, Clone)]
pub enum Target {
    /// By name in the session's region: endpoint and CA from DescribeCluster, token signed
    /// in-process.
    Name(String),
    /// Through a context of an existing kubeconfig.
    Context {
        context: String,
        options: ContextOptions,
    },
}

/// How the audit reads.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    pub patience: Patience,
    /// Resolve principals in IAM (`--no-iam` turns it off).
    pub iam: bool,
    /// The creator as the user knows it (`--creator`): CloudTrail is then not asked.
    pub creator: Option<String>,
    /// By cluster ARN, an earlier complete read of its CloudTrail events (`scan --baseline`):
    /// carried forward, with CloudTrail read only after it.
    pub carried_trails: std::sync::Arc<std::collections::BTreeMap<String, crate::evidence::Trail>>,
}

/// Why an audit could not start: nothing was read. The command exits 2.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The name breaks EKS's naming rule.
    #[error(transparent)]
    ClusterName(#[from] TokenError),
    /// DescribeCluster failed (no such cluster, no credentials, denied).
    #[error(transparent)]
    Describe(#[from] EksError),
    /// The kubeconfig context cannot be used as it is.
    #[error(transparent)]
    Context(#[from] ContextError),
}

/// Reaches the target and reads it into a snapshot. What could not be read is in the
/// snapshot as unknown, with the reason; only a target that cannot be reached at all is an
/// error.
pub async fn collect_target(
    session: &AwsSession,
    target: &Target,
    options: &AuditOptions,
) -> Result<Snapshot, StartError> {
    let mut describe_failure: Option<String> = None;
    let (connection, info, transport) = match target {
        Target::Name(name) => {
            super::token::validate_cluster_name(name)?;
            let (cluster, info) = super::eks::describe_cluster(name, session).await?;
            let transport = Transport {
                via: "describe-cluster".into(),
                tls_verified: true,
                signed_as: None,
            };
            (
                Connection::Eks {
                    cluster,
                    session: Box::new(session.clone()),
                },
                info,
                transport,
            )
        }
        Target::Context { context, options } => {
            let (connection, mut info, transport) =
                super::context::connect(context, options).await?;
            // A context naming an EKS cluster ARN: DescribeCluster gives its mode (the
            // connection stays the kubeconfig's). Failure leaves the mode unknown, said below.
            if let Some(region) = info.region.clone() {
                match super::eks::describe_cluster(&info.name, &session.in_region(&region)).await {
                    Ok((_, described)) => {
                        info.kubernetes_version = described.kubernetes_version;
                        info.authentication_mode = described.authentication_mode;
                        info.bootstrap_creator_admin = described.bootstrap_creator_admin;
                        info.created_at = described.created_at;
                    }
                    Err(e) => describe_failure = Some(e.to_string()),
                }
            }
            (connection, info, transport)
        }
    };
    let collected_at = super::token::rfc3339(SystemTime::now());
    // The EKS API knows the cluster by name in its region: from DescribeCluster, or from an
    // EKS cluster ARN that names the context's cluster.
    // The session itself when it is already in the cluster's region: what it read once for the
    // region (the access policies EKS offers, CloudTrail's pace) is shared.
    let eks = info.region.as_deref().map(|region| {
        if session.region() == Some(region) {
            session.clone()
        } else {
            session.in_region(region)
        }
    });
    let carried_trail = options.carried_trails.get(&info.arn);
    let mut snapshot = super::collect::collect(
        &connection,
        info,
        transport,
        options.patience,
        super::collect::AwsReads {
            eks: eks.as_ref(),
            iam: options.iam.then_some(session),
            creator: options.creator.as_deref(),
            carried_trail,
        },
        collected_at,
    )
    .await;
    // The cluster rejected our token: say whom it rejected, so the report can say whom to
    // grant access (asked only then: one STS call, cached per account).
    let rejected = snapshot
        .issues
        .iter()
        .any(|i| i.code == crate::evidence::UnknownReason::AuthRejected.as_str());
    if rejected && matches!(connection, Connection::Eks { .. }) {
        snapshot.transport.signed_as = session.caller().await.found().map(|(_, arn)| arn.clone());
    }
    if let Some(detail) = describe_failure {
        let name = snapshot.cluster.name.clone();
        snapshot.issues.push(CollectionIssue::new(
            "DescribeCluster",
            &name,
            "error",
            &detail,
        ));
    }
    Ok(snapshot)
}

impl AuditOptions {
    /// The options of a command line's `--timeout` and `--deadline` (seconds), `--page-size`,
    /// `--no-iam` and `--creator`.
    pub fn new(
        timeout_secs: u64,
        page_size: u32,
        deadline_secs: u64,
        iam: bool,
        creator: Option<String>,
    ) -> AuditOptions {
        AuditOptions {
            patience: Patience {
                request_timeout: Duration::from_secs(timeout_secs.max(1)),
                page_size,
                deadline: Duration::from_secs(deadline_secs),
                ..Patience::default()
            },
            iam,
            creator,
            carried_trails: Default::default(),
        }
    }
}
