//! A live audit's collection: everything read from the cluster and IAM, in one [`Snapshot`].

use super::aws::AwsSession;
use super::kube::{Connection, Patience, Reader};
use crate::evidence::AuthenticationMode;
use crate::evidence::{
    AccessEntry, AwsAuthObject, ClusterInfo, Fetched, IamEvidence, SNAPSHOT_KIND, SNAPSHOT_VERSION,
    Snapshot, Transport, UnknownReason,
};

/// Resolves the IAM principals the aws-auth read and the access entries name (when aws-auth
/// could not be read, the entries' principals alone: the rules that judge entries still run).
async fn resolve_iam(
    aws_auth: &Fetched<AwsAuthObject>,
    access_entries: &Fetched<Vec<AccessEntry>>,
    iam: Option<&AwsSession>,
) -> Fetched<IamEvidence> {
    let Some(options) = iam else {
        return Fetched::unknown(UnknownReason::Skipped, "IAM resolution skipped (--no-iam)");
    };
    let mut wanted = match aws_auth {
        Fetched::Found(object) => {
            let text = crate::inputs::manifest::configmap_yaml(&object.data);
            match crate::model::awsauth::documents::read_documents(&[
                crate::inputs::manifest::InputFile {
                    path: "aws-auth".into(),
                    bytes: text.into_bytes(),
                },
            ]) {
                Ok((documents, _)) => documents
                    .first()
                    .map(crate::model::iam::wanted_by)
                    .unwrap_or_default(),
                Err(_) => Default::default(),
            }
        }
        // An unread aws-auth names no principal; the access entries' are still resolved.
        Fetched::Absent | Fetched::Unknown(_) => Default::default(),
    };
    if let Fetched::Found(entries) = access_entries {
        wanted.extend(
            entries
                .iter()
                .filter_map(|e| crate::model::iam::Wanted::from_arn(&e.principal_arn)),
        );
    }
    let sso = wanted
        .iter()
        .any(|w| crate::model::iam::sso_role_parts(&w.name).is_some());
    Fetched::Found(super::iam::resolve(&wanted, options, sso, true).await)
}

/// `read`, or `unknown(timeout)` when it has not finished by `deadline`.
async fn within<T>(
    deadline: tokio::time::Instant,
    what: &str,
    read: impl std::future::Future<Output = Fetched<T>>,
) -> Fetched<T> {
    tokio::time::timeout_at(deadline, read)
        .await
        .unwrap_or_else(|_| late(what))
}

/// What a read left unfinished at the deadline is.
fn late<T>(what: &str) -> Fetched<T> {
    Fetched::unknown(
        UnknownReason::Timeout,
        format!("{what}: not finished within the audit's deadline (--deadline)"),
    )
}

/// What to read from AWS besides the cluster's Kubernetes API.
pub struct AwsReads<'a> {
    /// The session for the EKS API and CloudTrail, in the cluster's region; `None` when the
    /// cluster is not known to EKS by name (a kubeconfig context without an EKS ARN).
    pub eks: Option<&'a AwsSession>,
    /// The session for IAM; `None` with `--no-iam`.
    pub iam: Option<&'a AwsSession>,
    /// The creator as the user knows it (`--creator`): CloudTrail is then not asked.
    pub creator: Option<&'a str>,
    /// An earlier complete read of the cluster's CloudTrail events, carried forward when the
    /// account and region's stream was read only after it (`scan --baseline`).
    pub carried_trail: Option<&'a crate::evidence::Trail>,
}

/// Reads aws-auth, the caller's identity, the four RBAC lists and the access entries, all in
/// flight together; resolves in IAM what aws-auth names; and returns them with every call
/// that failed.
pub async fn collect(
    connection: &Connection,
    cluster: ClusterInfo,
    transport: Transport,
    patience: Patience,
    aws: AwsReads<'_>,
    collected_at: String,
) -> Snapshot {
    let deadline = tokio::time::Instant::now() + patience.deadline;
    let reader = Reader::new(connection, patience);
    let access = async {
        match aws.eks {
            Some(options) => super::eks_access::access_entries(&cluster.name, options).await,
            None => Fetched::unknown(
                UnknownReason::Skipped,
                "access entries not read: the cluster is not known to EKS by name",
            ),
        }
    };
    let nodes = async {
        match aws.eks {
            Some(options) => super::eks_access::node_roles(&cluster.name, options).await,
            None => Fetched::unknown(
                UnknownReason::Skipped,
                "node groups not read: the cluster is not known to EKS by name",
            ),
        }
    };
    // CloudTrail's stream of the account and region: this cluster's events, and from them
    // its creator (unless the user named it). Boxed: a large future joined with many.
    let trail_and_creator = Box::pin(async {
        let now = std::time::SystemTime::now();
        let (trail, bootstrap) = match aws.eks {
            Some(options) => {
                super::cloudtrail::trail(&cluster.name, options, now, aws.carried_trail).await
            }
            None => (
                Fetched::unknown(
                    UnknownReason::Skipped,
                    "CloudTrail not read: the cluster is not known to EKS by name",
                ),
                None,
            ),
        };
        let creator = match aws.creator {
            Some(arn) => Fetched::Found(crate::evidence::Creator {
                arn: arn.to_string(),
                source: "user".into(),
                event_time: None,
                event_id: None,
                requested_mode: None,
                requested_bootstrap_admin: None,
            }),
            None => {
                super::cloudtrail::creator(&trail, bootstrap, cluster.created_at.as_deref(), now)
            }
        };
        (trail, creator)
    });
    // The audit log, where DescribeCluster says it goes to CloudWatch Logs.
    let audit_log = Box::pin(async {
        match (aws.eks, cluster.audit_log) {
            (Some(options), Some(true)) => {
                super::audit_log::aws_auth_writes(
                    &cluster.name,
                    options,
                    std::time::SystemTime::now(),
                )
                .await
            }
            (Some(_), Some(false)) => Fetched::Absent,
            (Some(_), None) => Fetched::unknown(
                UnknownReason::Skipped,
                "the audit log was not read: DescribeCluster said nothing of the cluster's logging",
            ),
            (None, _) => Fetched::unknown(
                UnknownReason::Skipped,
                "the audit log was not read: the cluster is not known to EKS by name",
            ),
        }
    });
    // Neither exists before a cluster leaves CONFIG_MAP mode: no call, `Absent`.
    let in_config_map = cluster.authentication_mode == Some(AuthenticationMode::ConfigMap);
    let mode_changes = async {
        match aws.eks {
            Some(_) if in_config_map => Fetched::Absent,
            Some(options) => super::eks::mode_changes(&cluster.name, options).await,
            None => Fetched::unknown(
                UnknownReason::Skipped,
                "updates not read: the cluster is not known to EKS by name",
            ),
        }
    };
    let offered = async {
        match aws.eks {
            Some(_) if in_config_map => Fetched::Absent,
            Some(options) => super::eks::offered_policies(options).await,
            None => Fetched::unknown(
                UnknownReason::Skipped,
                "access policies not read: the cluster is not known to EKS by name",
            ),
        }
    };
    let (
        (aws_auth, access_entries, iam),
        caller,
        rbac,
        node_roles,
        (trail, creator),
        mode_changes,
        offered_policies,
        audit_log,
    ) = tokio::join!(
        async {
            let (aws_auth, access_entries) = tokio::join!(
                within(
                    deadline,
                    "configmap kube-system/aws-auth",
                    reader.aws_auth()
                ),
                within(deadline, "access entries", access)
            );
            let iam = within(
                deadline,
                "IAM",
                resolve_iam(&aws_auth, &access_entries, aws.iam),
            )
            .await;
            (aws_auth, access_entries, iam)
        },
        within(deadline, "selfsubjectreview", reader.caller()),
        async {
            tokio::time::timeout_at(deadline, reader.rbac())
                .await
                .unwrap_or_else(|_| crate::evidence::Rbac {
                    cluster_roles: late("clusterroles"),
                    cluster_role_bindings: late("clusterrolebindings"),
                    roles: late("roles"),
                    role_bindings: late("rolebindings"),
                })
        },
        within(deadline, "node groups and Fargate profiles", nodes),
        async {
            tokio::time::timeout_at(deadline, trail_and_creator)
                .await
                .unwrap_or_else(|_| (late("CloudTrail"), late("CloudTrail")))
        },
        within(deadline, "updates", mode_changes),
        within(deadline, "access policies", offered),
        within(deadline, "the audit log", audit_log)
    );
    Snapshot {
        kind: SNAPSHOT_KIND.to_string(),
        version: SNAPSHOT_VERSION,
        collected_by: format!(
            "aws-auth-audit {} (commit {})",
            env!("CARGO_PKG_VERSION"),
            env!("AWS_AUTH_AUDIT_COMMIT")
        ),
        collected_at,
        cluster,
        transport,
        aws_auth,
        caller,
        rbac,
        iam,
        access_entries,
        node_roles,
        mode_changes,
        offered_policies,
        trail,
        audit_log,
        creator,
        issues: reader.into_issues(),
    }
}
