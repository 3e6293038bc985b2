//! The evidence of a live audit: what was read, and every call that failed. Everything the
//! judgement needs is here, so a live audit can be replayed offline (`collect`, then
//! `check snap.json`). Kubernetes and SDK types are converted to these at the source
//! boundary; everything after this is pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `kind` a snapshot file carries, so `check` can tell it from a manifest.
pub const SNAPSHOT_KIND: &str = "AwsAuthAuditSnapshot";
/// Bumped when a field changes meaning; readers refuse versions they do not know.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Why something could not be read. Each becomes `unknown(REASON)` in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownReason {
    AccessDenied,
    AuthRejected,
    Throttled,
    Unreachable,
    Timeout,
    TlsError,
    NoCredentials,
    /// The server answered something we could not read (not JSON, too large).
    BadResponse,
    /// The user asked not to read it (e.g. `--no-iam`).
    Skipped,
}

impl UnknownReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownReason::AccessDenied => "access_denied",
            UnknownReason::AuthRejected => "auth_rejected",
            UnknownReason::Throttled => "throttled",
            UnknownReason::Unreachable => "unreachable",
            UnknownReason::Timeout => "timeout",
            UnknownReason::TlsError => "tls_error",
            UnknownReason::NoCredentials => "no_credentials",
            UnknownReason::BadResponse => "bad_response",
            UnknownReason::Skipped => "skipped",
        }
    }
}

/// Why a read did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unknown {
    pub reason: UnknownReason,
    pub detail: String,
}

/// The outcome of reading one input: `{"state": "found", "value": …}`, `{"state": "absent"}`
/// or `{"state": "unknown", "value": {"reason": …, "detail": …}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Fetched<T> {
    Found(T),
    /// Verified absent (the API answered 404).
    Absent,
    Unknown(Unknown),
}

impl<T> Fetched<T> {
    pub fn unknown(reason: UnknownReason, detail: impl Into<String>) -> Fetched<T> {
        Fetched::Unknown(Unknown {
            reason,
            detail: detail.into(),
        })
    }

    /// The value, when it was found.
    pub fn found(&self) -> Option<&T> {
        match self {
            Fetched::Found(value) => Some(value),
            _ => None,
        }
    }

    pub fn as_unknown(&self) -> Option<&Unknown> {
        match self {
            Fetched::Unknown(unknown) => Some(unknown),
            _ => None,
        }
    }
}

/// A call that failed: operation, resource, error code, the server's request id when it gave
/// one (Kubernetes `Audit-Id`, AWS `x-amzn-RequestId`), and detail (never a credential).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionIssue {
    pub operation: String,
    pub resource: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub detail: String,
}

impl CollectionIssue {
    pub fn new(operation: &str, resource: &str, code: &str, detail: &str) -> CollectionIssue {
        CollectionIssue {
            operation: operation.to_string(),
            resource: resource.to_string(),
            code: code.to_string(),
            request_id: None,
            detail: detail.to_string(),
        }
    }
}

/// The cluster as DescribeCluster (or the kubeconfig context) named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfo {
    pub name: String,
    /// The cluster ARN; for a kubeconfig context without one, `context/NAME`.
    pub arn: String,
    pub endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_mode: Option<String>,
    /// `accessConfig.bootstrapClusterCreatorAdminPermissions`: a creation-time record only
    /// (it stays `true` after the creator's entry is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_creator_admin: Option<bool>,
    /// When the cluster was created (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The cluster's tags (DescribeCluster): provenance hints such as
    /// `aws:cloudformation:stack-name` or eksctl's and Terraform's tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// One change of the cluster's authentication mode: an EKS update of type
/// `AccessConfigUpdate` (ListUpdates / DescribeUpdate). It dates a migration from
/// `CONFIG_MAP`, which is when EKS materialises the legacy creator's access entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeChange {
    pub id: String,
    /// `Successful`, `InProgress`, `Failed`, `Cancelled`.
    pub status: String,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The `AuthenticationMode` it asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// An access policy EKS offers (ListAccessPolicies): names only; the API does not expose
/// what a policy grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedPolicy {
    pub name: String,
    pub arn: String,
}

/// How the Kubernetes API was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transport {
    /// `describe-cluster` (in-memory client) or `kubeconfig context NAME`.
    pub via: String,
    /// False when TLS verification was skipped on the user's explicit request: nothing read
    /// through it can be trusted to come from the cluster.
    pub tls_verified: bool,
}

/// `kube-system/aws-auth` as the API returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsAuthObject {
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// When the object last changed, as far as the API says: the latest of
    /// `creationTimestamp` and every `managedFields[].time` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// `binaryData` keys: present in the object, never read by EKS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binary_data_keys: Vec<String>,
}

/// Who the API server says the caller is (SelfSubjectReview `status.userInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// The first value of an `extra` key (the authenticator puts `arn`, `canonicalArn`,
    /// `sessionName`, `accessKeyId`, `principalId` there).
    pub fn extra_value(&self, key: &str) -> Option<&str> {
        self.extra.get(key)?.first().map(String::as_str)
    }
}

/// One rule of a Role or ClusterRole, as Kubernetes spells it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default)]
    pub verbs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(
        default,
        rename = "nonResourceURLs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

/// A Role (namespaced) or ClusterRole (`namespace` empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RbacRole {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRef {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A RoleBinding (namespaced) or ClusterRoleBinding (`namespace` empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RbacBinding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub role_ref: RoleRef,
    #[serde(default)]
    pub subjects: Vec<Subject>,
}

/// The cluster's RBAC objects, each kind listed once (all namespaces, all pages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rbac {
    pub cluster_roles: Fetched<Vec<RbacRole>>,
    pub cluster_role_bindings: Fetched<Vec<RbacBinding>>,
    pub roles: Fetched<Vec<RbacRole>>,
    pub role_bindings: Fetched<Vec<RbacBinding>>,
}

impl Rbac {
    /// Every list, or the first reason one of them is missing.
    pub fn complete(&self) -> Result<RbacView<'_>, &Unknown> {
        fn list<T>(fetched: &Fetched<Vec<T>>) -> Result<&[T], &Unknown> {
            match fetched {
                Fetched::Found(items) => Ok(items),
                // A list that 404s is a cluster without that API: nothing of that kind.
                Fetched::Absent => Ok(&[]),
                Fetched::Unknown(unknown) => Err(unknown),
            }
        }
        Ok(RbacView {
            cluster_roles: list(&self.cluster_roles)?,
            cluster_role_bindings: list(&self.cluster_role_bindings)?,
            roles: list(&self.roles)?,
            role_bindings: list(&self.role_bindings)?,
        })
    }
}

/// All four RBAC lists, known to be complete.
#[derive(Debug, Clone, Copy)]
pub struct RbacView<'a> {
    pub cluster_roles: &'a [RbacRole],
    pub cluster_role_bindings: &'a [RbacBinding],
    pub roles: &'a [RbacRole],
    pub role_bindings: &'a [RbacBinding],
}

/// Where an access policy applies: `cluster`, or `namespace` with names (wildcards allowed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessScope {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

/// An access policy associated with an access entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociatedPolicy {
    pub policy_arn: String,
    pub scope: AccessScope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_at: Option<String>,
}

/// One EKS access entry (DescribeAccessEntry + ListAssociatedAccessPolicies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEntry {
    pub principal_arn: String,
    /// `STANDARD`, `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`, `HYBRID_LINUX`, `EC2`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default)]
    pub kubernetes_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    pub policies: Fetched<Vec<AssociatedPolicy>>,
    /// Set when ListAccessEntries named this principal but DescribeAccessEntry failed: only
    /// the ARN is known, and the checks that need the rest say so for this entry alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<Unknown>,
}

/// A role that nodes or pods run as: a managed node group's node role, or a Fargate
/// profile's pod execution role. EKS must be able to map it, or they cannot join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRole {
    /// `nodegroup NAME` or `fargate-profile NAME`.
    pub owner: String,
    pub role_arn: String,
}

/// Who created the cluster, and what it asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creator {
    /// The IAM role (a session's issuer) or user that signed `CreateCluster`.
    pub arn: String,
    /// `cloudtrail` (a `CreateCluster` event) or `user` (`--creator`).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The access configuration the creator asked for, when the event records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_bootstrap_admin: Option<bool>,
}

/// An IAM role or user as IAM describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamPrincipal {
    /// The real ARN, with its path.
    pub arn: String,
    pub name: String,
    pub path: String,
    /// `AROA…` / `AIDA…`: what access entries key on.
    pub id: String,
    /// RFC 3339.
    pub create_date: String,
    /// RFC 3339; only GetRole returns it (a ListRoles sweep does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Roles: the trust policy, URL-decoded and parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<serde_json::Value>,
}

/// `role` or `user`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IamKind {
    Role,
    User,
}

/// One principal a mapping names, looked up by name in its account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedPrincipal {
    pub kind: IamKind,
    pub account: String,
    pub name: String,
    /// Found, verified absent (`NoSuchEntity`), or unknown (denied, another account, …).
    pub result: Fetched<IamPrincipal>,
}

/// How one account's principals were looked up, and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLookup {
    pub account: String,
    /// `get` (one GetRole/GetUser per name), `list` (ListRoles/ListUsers sweeps) or `none`
    /// (no credentials for this account).
    pub strategy: String,
    /// Why this strategy: the call counts each would need.
    pub reason: String,
    /// Calls made, by operation.
    pub calls: std::collections::BTreeMap<String, usize>,
}

/// What IAM said about every principal the configuration names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IamEvidence {
    /// The account of the credentials used (STS GetCallerIdentity).
    pub caller_account: Fetched<String>,
    pub accounts: Vec<AccountLookup>,
    pub principals: Vec<ResolvedPrincipal>,
    /// Roles under `/aws-reserved/sso.amazonaws.com/` (IAM Identity Center), read when a
    /// mapping names one: where a stale permission-set suffix went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_roles: Option<Fetched<Vec<IamPrincipal>>>,
}

impl IamEvidence {
    /// What IAM said about the principal `kind` `name` in `account`.
    pub fn lookup(
        &self,
        kind: IamKind,
        account: &str,
        name: &str,
    ) -> Option<&Fetched<IamPrincipal>> {
        self.principals
            .iter()
            .find(|p| p.kind == kind && p.account == account && p.name == name)
            .map(|p| &p.result)
    }
}

/// Everything a live audit read, and everything it could not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default)]
    pub issues: Vec<CollectionIssue>,
}

fn creator_not_collected() -> Fetched<Creator> {
    Fetched::unknown(UnknownReason::Skipped, "CloudTrail was not read")
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
            },
            transport: Transport {
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
