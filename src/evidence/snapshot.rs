//! The snapshot file: everything a live audit read, versioned JSON.

use serde::{Deserialize, Serialize};

use super::*;

/// The `kind` a snapshot file carries, so `check` can tell it from a manifest.
pub const SNAPSHOT_KIND: &str = "AwsAuthAuditSnapshot";
/// Bumped when a field changes meaning; readers refuse versions they do not know.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Everything a live audit read, and everything it could not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_KIND`].
    pub kind: String,
    /// Always [`SNAPSHOT_VERSION`] when written by this version.
    pub version: u32,
    /// The tool version that collected it (informational).
    pub collected_by: String,
    /// RFC 3339, UTC (informational: the judgement never reads the clock).
    pub collected_at: String,
    pub cluster: ClusterInfo,
    pub transport: Transport,
    pub aws_auth: Fetched<AwsAuthObject>,
    pub caller: Fetched<UserInfo>,
    pub rbac: Rbac,
    /// IAM resolution; `Unknown` when it was skipped or failed as a whole.
    #[serde(default = "iam_not_collected")]
    pub iam: Fetched<IamEvidence>,
    /// Every access entry (EKS API); `Absent` when the cluster has no access-entry API (its
    /// mode is `CONFIG_MAP`: the calls answer `InvalidRequestException`).
    #[serde(default = "access_not_collected")]
    pub access_entries: Fetched<Vec<AccessEntry>>,
    /// Who created the cluster: found (CloudTrail or `--creator`), absent (CloudTrail has no
    /// event: older than its 90 days), or unknown (denied, throttled).
    #[serde(default = "creator_not_collected")]
    pub creator: Fetched<Creator>,
    /// Managed node groups' node roles and Fargate profiles' pod execution roles.
    #[serde(default = "node_roles_not_collected")]
    pub node_roles: Fetched<Vec<NodeRole>>,
    /// The cluster's authentication-mode changes, oldest first; `Absent` when EKS was not
    /// asked because the cluster is still in `CONFIG_MAP` mode.
    #[serde(default = "mode_changes_not_collected")]
    pub mode_changes: Fetched<Vec<ModeChange>>,
    /// The access policies EKS offers in this region (ListAccessPolicies).
    #[serde(default = "offered_policies_not_collected")]
    pub offered_policies: Fetched<Vec<OfferedPolicy>>,
    /// The cluster's EKS management events in CloudTrail's window (who granted each access
    /// entry and policy, who changed the mode, what is gone): `Absent` when the cluster is not
    /// known to EKS by name; `Unknown` when the read failed at its first page.
    #[serde(default = "trail_not_collected")]
    pub trail: Fetched<Trail>,
    /// The writes of aws-auth in the cluster's audit log (CloudWatch Logs): `Absent` when the
    /// audit log is off; `Unknown` when it could not be read or DescribeCluster did not say.
    #[serde(default = "audit_log_not_collected")]
    pub audit_log: Fetched<AuditLog>,
    #[serde(default)]
    pub issues: Vec<CollectionIssue>,
}

fn creator_not_collected() -> Fetched<Creator> {
    Fetched::unknown(UnknownReason::Skipped, "CloudTrail was not read")
}

fn audit_log_not_collected() -> Fetched<AuditLog> {
    Fetched::unknown(
        UnknownReason::Skipped,
        "the audit log was not read (a snapshot collected before the audit read it)",
    )
}

fn trail_not_collected() -> Fetched<Trail> {
    Fetched::unknown(
        UnknownReason::Skipped,
        "CloudTrail's EKS events were not read (a snapshot collected before the audit read them)",
    )
}

fn node_roles_not_collected() -> Fetched<Vec<NodeRole>> {
    Fetched::unknown(
        UnknownReason::Skipped,
        "node groups and Fargate profiles were not read",
    )
}

fn mode_changes_not_collected() -> Fetched<Vec<ModeChange>> {
    Fetched::unknown(
        UnknownReason::Skipped,
        "the cluster's updates were not read",
    )
}

fn offered_policies_not_collected() -> Fetched<Vec<OfferedPolicy>> {
    Fetched::unknown(
        UnknownReason::Skipped,
        "the access policies EKS offers were not read",
    )
}

fn access_not_collected() -> Fetched<Vec<AccessEntry>> {
    Fetched::unknown(UnknownReason::Skipped, "access entries were not read")
}

fn iam_not_collected() -> Fetched<IamEvidence> {
    Fetched::unknown(UnknownReason::Skipped, "IAM resolution was not run")
}

/// A snapshot file that cannot be judged.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("line {line}, column {column}: not a valid snapshot: {message}")]
    Invalid {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("snapshot version {0} is not supported (this build reads version {SNAPSHOT_VERSION})")]
    Version(u32),
}

impl Snapshot {
    /// Whether `text` claims to be a snapshot: a JSON object whose `kind` is ours. Cheap, so
    /// `check` can route an input before parsing it in full.
    pub fn is_snapshot(text: &str) -> bool {
        #[derive(Deserialize)]
        struct Kind {
            kind: Option<String>,
        }
        text.trim_start().starts_with('{')
            && serde_json::from_str::<Kind>(text)
                .ok()
                .and_then(|k| k.kind)
                .is_some_and(|k| k == SNAPSHOT_KIND)
    }

    pub fn from_json(text: &str) -> Result<Snapshot, SnapshotError> {
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let invalid = |e: serde_json::Error| SnapshotError::Invalid {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        };
        let version: Version = serde_json::from_str(text).map_err(invalid)?;
        if version.version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version(version.version));
        }
        serde_json::from_str(text).map_err(invalid)
    }

    /// Every read that gave no answer, named (the creator is not a read a check needs: its
    /// absence is said in EA301, never a failed check).
    pub fn unknown_reads(&self) -> Vec<(&'static str, &Unknown)> {
        [
            ("configmap kube-system/aws-auth", self.aws_auth.as_unknown()),
            ("selfsubjectreview", self.caller.as_unknown()),
            ("clusterroles", self.rbac.cluster_roles.as_unknown()),
            (
                "clusterrolebindings",
                self.rbac.cluster_role_bindings.as_unknown(),
            ),
            ("roles", self.rbac.roles.as_unknown()),
            ("rolebindings", self.rbac.role_bindings.as_unknown()),
            ("access entries", self.access_entries.as_unknown()),
            (
                "node groups and Fargate profiles",
                self.node_roles.as_unknown(),
            ),
            ("IAM", self.iam.as_unknown()),
        ]
        .into_iter()
        .filter_map(|(what, unknown)| unknown.map(|u| (what, u)))
        .collect()
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a snapshot always serialises");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Snapshot {
        Snapshot {
            kind: SNAPSHOT_KIND.into(),
            version: SNAPSHOT_VERSION,
            collected_by: "test".into(),
            collected_at: "2026-01-01T00:00:00Z".into(),
            cluster: ClusterInfo {
                name: "demo".into(),
                arn: "arn:aws:eks:us-east-1:123456789012:cluster/demo".into(),
                endpoint: "https://127.0.0.1".into(),
                region: Some("us-east-1".into()),
                kubernetes_version: None,
                authentication_mode: None,
                bootstrap_creator_admin: None,
                created_at: None,
                tags: Default::default(),
                audit_log: None,
            },
            transport: Transport {
                signed_as: None,
                via: "describe-cluster".into(),
                tls_verified: true,
            },
            aws_auth: Fetched::Absent,
            caller: Fetched::unknown(UnknownReason::AccessDenied, "HTTP 403"),
            rbac: Rbac {
                cluster_roles: Fetched::Found(vec![RbacRole {
                    namespace: None,
                    name: "cluster-admin".into(),
                    rules: vec![PolicyRule {
                        api_groups: vec!["*".into()],
                        resources: vec!["*".into()],
                        verbs: vec!["*".into()],
                        ..PolicyRule::default()
                    }],
                }]),
                cluster_role_bindings: Fetched::Found(Vec::new()),
                roles: Fetched::Absent,
                role_bindings: Fetched::unknown(UnknownReason::Timeout, "no answer"),
            },
            iam: iam_not_collected(),
            access_entries: access_not_collected(),
            node_roles: node_roles_not_collected(),
            mode_changes: mode_changes_not_collected(),
            offered_policies: offered_policies_not_collected(),
            trail: Fetched::Absent,
            audit_log: Fetched::Absent,
            creator: creator_not_collected(),
            issues: vec![CollectionIssue::new("x", "y", "z", "w")],
        }
    }

    #[test]
    fn round_trips_and_is_recognised() {
        let snapshot = sample();
        let text = snapshot.to_json();
        assert!(Snapshot::is_snapshot(&text));
        assert!(text.contains(r#""state": "unknown""#), "{text}");
        assert_eq!(Snapshot::from_json(&text).unwrap(), snapshot);
        assert!(!Snapshot::is_snapshot(r#"{"kind": "ConfigMap"}"#));
        assert!(!Snapshot::is_snapshot("kind: AwsAuthAuditSnapshot"));
    }

    #[test]
    fn other_versions_and_bad_json_are_refused_with_a_position() {
        let text = sample().to_json().replace(
            &format!(r#""version": {SNAPSHOT_VERSION}"#),
            r#""version": 99"#,
        );
        assert!(matches!(
            Snapshot::from_json(&text),
            Err(SnapshotError::Version(99))
        ));
        let broken = sample()
            .to_json()
            .replace(r#""state": "absent""#, r#""state": 7"#);
        match Snapshot::from_json(&broken) {
            Err(SnapshotError::Invalid { line, .. }) => assert!(line > 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_rbac_list_that_is_unknown_makes_the_view_unavailable() {
        let snapshot = sample();
        assert_eq!(
            snapshot.rbac.complete().unwrap_err().reason,
            UnknownReason::Timeout
        );
    }
}
