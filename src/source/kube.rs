//! Reading the cluster's Kubernetes API. The client is built in memory: either from
//! DescribeCluster (endpoint and CA, TLS verified against that CA only, a bearer token signed
//! in-process, no file and no exec) or from a kubeconfig context the user named. Every read
//! that fails becomes an explicit [`Fetched::Unknown`] with a reason and a recorded
//! [`CollectionIssue`], never a silently missing input.
//!
//! The reads do not depend on each other, so they are in flight together; RBAC is listed
//! once per kind (all namespaces, every page), never once per group.

use std::sync::Mutex;
use std::time::Duration;

use http_body_util::BodyExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::aws::AwsSession;
use super::token::{TokenError, mint};
use crate::evidence::{
    AwsAuthObject, CollectionIssue, Fetched, PolicyRule, Rbac, RbacBinding, RbacRole, RoleRef,
    Subject, UnknownReason, UserInfo,
};
use crate::inputs::kubeconfig::ClusterEndpoint;

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// Per request: connect and read.
    pub request_timeout: Duration,
    /// Retries of 429 and 5xx answers, with exponential backoff from `backoff`.
    pub retries: u32,
    pub backoff: Duration,
    /// Items per page of a list.
    pub page_size: u32,
    /// The whole collection's time: a read not finished by then is `unknown(timeout)` (the
    /// AWS SDK sets no read timeout of its own, so a silent EKS, IAM or CloudTrail endpoint
    /// would otherwise hold the audit forever).
    pub deadline: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            request_timeout: Duration::from_secs(10),
            retries: 3,
            backoff: Duration::from_millis(200),
            page_size: 500,
            deadline: Duration::from_secs(300),
        }
    }
}

/// The largest response body we read (a hostile or broken server cannot exhaust memory).
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// A list that has not ended after this many pages is a server repeating itself.
const MAX_PAGES: usize = 10_000;

/// How a client for the cluster is made.
pub enum Connection {
    /// From DescribeCluster: CA and endpoint from EKS, token signed in-process.
    Eks {
        cluster: ClusterEndpoint,
        session: Box<AwsSession>,
    },
    /// From a kubeconfig context, already vetted (exec and insecure TLS only when allowed).
    Kubeconfig(Box<kube::Config>),
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

impl Connection {
    async fn client(&self, patience: &Patience) -> Result<kube::Client, (UnknownReason, String)> {
        let mut config = match self {
            Connection::Eks { cluster, session } => {
                let uri: http::Uri = cluster.endpoint.parse().map_err(|e| {
                    (
                        UnknownReason::Unreachable,
                        format!("endpoint {}: {e}", cluster.endpoint),
                    )
                })?;
                let roots =
                    ca_certificates(&cluster.ca_data).map_err(|e| (UnknownReason::TlsError, e))?;
                let token = mint(&cluster.name, session).await.map_err(|e| {
                    let reason = match &e {
                        TokenError::Credentials(failure) => failure.reason(),
                        _ => UnknownReason::NoCredentials,
                    };
                    (reason, e.to_string())
                })?;
                let mut config = kube::Config::new(uri);
                config.root_cert = Some(roots);
                config.accept_invalid_certs = false;
                config.auth_info.token = Some(secrecy::SecretString::from(
                    token.token.expose().to_string(),
                ));
                config
            }
            Connection::Kubeconfig(config) => (**config).clone(),
        };
        // Our own retry policy (counted, recorded, one place): the client must not retry.
        config.default_retry = false;
        config.connect_timeout = Some(patience.request_timeout);
        config.read_timeout = Some(patience.request_timeout);
        kube::Client::try_from(config).map_err(|e| (UnknownReason::TlsError, e.to_string()))
    }
}

/// What a transport failure (no HTTP answer) means.
fn classify_transport(error: &kube::Error) -> UnknownReason {
    let chain = super::token::error_chain(error).to_lowercase();
    if chain.contains("certificate") || chain.contains("tls") || chain.contains("unknownissuer") {
        UnknownReason::TlsError
    } else if chain.contains("timed out") || chain.contains("timeout") || chain.contains("deadline")
    {
        UnknownReason::Timeout
    } else if chain.contains("exec") || chain.contains("auth") {
        UnknownReason::NoCredentials
    } else {
        UnknownReason::Unreachable
    }
}

fn classify_status(status: u16) -> UnknownReason {
    match status {
        401 => UnknownReason::AuthRejected,
        403 => UnknownReason::AccessDenied,
        429 => UnknownReason::Throttled,
        _ => UnknownReason::Unreachable,
    }
}

/// An HTTP answer, body read (and bounded).
struct Answer {
    status: u16,
    audit_id: Option<String>,
    body: Vec<u8>,
}

/// The message of a Kubernetes `Status` body, or the start of whatever the body was.
fn status_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Status {
        #[serde(default)]
        message: String,
        #[serde(default)]
        reason: String,
    }
    match serde_json::from_slice::<Status>(body) {
        Ok(s) => format!("{} ({})", s.message, s.reason),
        Err(_) => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    }
}

/// One read, as the caller sees it: a method, a path, maybe a body.
struct Call<'a> {
    operation: &'a str,
    resource: &'a str,
    method: http::Method,
    path: String,
    body: Option<&'a [u8]>,
}

/// Reads the cluster with one shared client; a 401 makes one fresh client (a fresh token),
/// once per read.
pub struct Reader<'a> {
    connection: &'a Connection,
    patience: Patience,
    client: tokio::sync::Mutex<(u64, Option<kube::Client>)>,
    issues: Mutex<Vec<CollectionIssue>>,
}

enum Outcome {
    Ok(Answer),
    Absent,
    Failed(UnknownReason, String),
}

impl<'a> Reader<'a> {
    pub fn new(connection: &'a Connection, patience: Patience) -> Reader<'a> {
        Reader {
            connection,
            patience,
            client: tokio::sync::Mutex::new((0, None)),
            issues: Mutex::new(Vec::new()),
        }
    }

    /// Every failed call, ordered by resource then time (the same order on every run).
    pub fn into_issues(self) -> Vec<CollectionIssue> {
        let mut issues = self.issues.into_inner().unwrap_or_else(|e| e.into_inner());
        issues.sort_by(|a, b| a.resource.cmp(&b.resource));
        issues
    }

    fn record(&self, call: &Call<'_>, code: &str, request_id: Option<String>, detail: &str) {
        let mut issue = CollectionIssue::new(call.operation, call.resource, code, detail);
        issue.request_id = request_id;
        self.issues
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(issue);
    }

    /// The shared client; `stale` names a generation that got a 401, to replace it once.
    async fn client(
        &self,
        stale: Option<u64>,
    ) -> Result<(u64, kube::Client), (UnknownReason, String)> {
        let mut slot = self.client.lock().await;
        let reuse = match (&slot.1, stale) {
            (Some(_), Some(generation)) => generation != slot.0,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !reuse {
            let client = self.connection.client(&self.patience).await?;
            slot.0 += 1;
            slot.1 = Some(client);
        }
        Ok((slot.0, slot.1.clone().expect("set above")))
    }

    async fn send(client: &kube::Client, call: &Call<'_>) -> Result<Answer, kube::Error> {
        let mut request = http::Request::builder()
            .method(call.method.clone())
            .uri(&call.path)
            .header(http::header::ACCEPT, "application/json");
        if call.body.is_some() {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(kube::client::Body::from(
                call.body.unwrap_or_default().to_vec(),
            ))
            .map_err(kube::Error::HttpError)?;
        let response = client.send(request).await?;
        let status = response.status().as_u16();
        let audit_id = response
            .headers()
            .get("audit-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let limited = http_body_util::Limited::new(response.into_body(), MAX_RESPONSE_BYTES);
        let body = limited
            .collect()
            .await
            .map_err(kube::Error::Service)?
            .to_bytes()
            .to_vec();
        Ok(Answer {
            status,
            audit_id,
            body,
        })
    }

    /// One call with the retry policy: 401 → a fresh token once; 429 and 5xx → retried with
    /// backoff; 404 → verified absent; TLS failures never retried, never retried insecurely.
    async fn call(&self, call: &Call<'_>) -> Outcome {
        let mut resigned = false;
        let mut attempt = 0;
        let mut stale = None;
        loop {
            let (generation, client) = match self.client(stale.take()).await {
                Ok(found) => found,
                Err((reason, detail)) => {
                    self.record(call, reason.as_str(), None, &detail);
                    return Outcome::Failed(reason, detail);
                }
            };
            let deadline = self.patience.request_timeout * 2;
            let answer = match tokio::time::timeout(deadline, Self::send(&client, call)).await {
                Err(_) => {
                    let detail = format!("no answer within {} s", deadline.as_secs());
                    self.record(call, "timeout", None, &detail);
                    return Outcome::Failed(UnknownReason::Timeout, detail);
                }
                Ok(Err(error)) => {
                    let reason = if matches!(error, kube::Error::Service(ref e) if e.is::<http_body_util::LengthLimitError>())
                    {
                        UnknownReason::BadResponse
                    } else {
                        classify_transport(&error)
                    };
                    let detail = super::token::error_chain(&error);
                    self.record(call, reason.as_str(), None, &detail);
                    return Outcome::Failed(reason, detail);
                }
                Ok(Ok(answer)) => answer,
            };
            match answer.status {
                200..=299 => return Outcome::Ok(answer),
                404 => return Outcome::Absent,
                _ => {}
            }
            let reason = classify_status(answer.status);
            let detail = format!("HTTP {}: {}", answer.status, status_message(&answer.body));
            self.record(call, reason.as_str(), answer.audit_id.clone(), &detail);
            let retry = match reason {
                UnknownReason::AuthRejected if !resigned => {
                    resigned = true;
                    stale = Some(generation);
                    true
                }
                UnknownReason::Throttled => attempt < self.patience.retries,
                UnknownReason::Unreachable if answer.status >= 500 => {
                    attempt < self.patience.retries
                }
                _ => false,
            };
            if !retry {
                return Outcome::Failed(reason, detail);
            }
            if reason != UnknownReason::AuthRejected {
                tokio::time::sleep(crate::infra::time::jittered(
                    self.patience.backoff * 2u32.pow(attempt),
                ))
                .await;
                attempt += 1;
            }
        }
    }

    /// One object, parsed.
    async fn object<T: DeserializeOwned>(&self, call: Call<'_>) -> Fetched<T> {
        match self.call(&call).await {
            Outcome::Ok(answer) => match serde_json::from_slice(&answer.body) {
                Ok(value) => Fetched::Found(value),
                Err(e) => {
                    let detail = format!("the answer is not the expected JSON: {e}");
                    self.record(&call, "bad_response", answer.audit_id, &detail);
                    Fetched::unknown(UnknownReason::BadResponse, detail)
                }
            },
            Outcome::Absent => Fetched::Absent,
            Outcome::Failed(reason, detail) => Fetched::unknown(reason, detail),
        }
    }

    /// Every item of a list, page by page.
    async fn list<T: DeserializeOwned>(
        &self,
        operation: &str,
        resource: &str,
        path: &str,
    ) -> Fetched<Vec<T>> {
        #[derive(Deserialize)]
        struct ListMeta {
            #[serde(default, rename = "continue")]
            next: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(bound = "T: DeserializeOwned")]
        struct List<T> {
            #[serde(default)]
            items: Option<Vec<T>>,
            #[serde(default)]
            metadata: Option<ListMeta>,
        }
        let mut items = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut page_path = format!("{path}?limit={}", self.patience.page_size);
            if let Some(token) = &next {
                page_path.push_str("&continue=");
                page_path.push_str(&crate::infra::percent::encode(token));
            }
            let call = Call {
                operation,
                resource,
                method: http::Method::GET,
                path: page_path,
                body: None,
            };
            let page: List<T> = match self.object(call).await {
                Fetched::Found(page) => page,
                Fetched::Absent if next.is_none() => return Fetched::Absent,
                Fetched::Absent => {
                    return Fetched::unknown(
                        UnknownReason::BadResponse,
                        "a later page of the list answered 404",
                    );
                }
                Fetched::Unknown(unknown) => return Fetched::Unknown(unknown),
            };
            items.extend(page.items.unwrap_or_default());
            next = page
                .metadata
                .and_then(|m| m.next)
                .filter(|token| !token.is_empty());
            if next.is_none() {
                return Fetched::Found(items);
            }
        }
        Fetched::unknown(
            UnknownReason::BadResponse,
            format!("the list did not end after {MAX_PAGES} pages"),
        )
    }

    /// `kube-system/aws-auth`: found, verified absent (404), or unknown with the reason.
    pub async fn aws_auth(&self) -> Fetched<AwsAuthObject> {
        let call = Call {
            operation: "GetConfigMap",
            resource: "configmaps kube-system/aws-auth",
            method: http::Method::GET,
            path: "/api/v1/namespaces/kube-system/configmaps/aws-auth".into(),
            body: None,
        };
        match self.object::<super::aws_auth_object::ConfigMap>(call).await {
            Fetched::Found(cm) => Fetched::Found(cm.into_object()),
            Fetched::Absent => Fetched::Absent,
            Fetched::Unknown(unknown) => Fetched::Unknown(unknown),
        }
    }

    /// Who the API server says we are: SelfSubjectReview `authentication.k8s.io/v1` (GA in
    /// Kubernetes 1.28), falling back to `v1beta1` (1.27) when v1 is not served.
    pub async fn caller(&self) -> Fetched<UserInfo> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Status {
            user_info: Option<UserInfo>,
        }
        #[derive(Deserialize)]
        struct Review {
            status: Option<Status>,
        }
        for version in ["v1", "v1beta1"] {
            let body = format!(
                r#"{{"apiVersion":"authentication.k8s.io/{version}","kind":"SelfSubjectReview"}}"#
            );
            let call = Call {
                operation: "CreateSelfSubjectReview",
                resource: "selfsubjectreviews.authentication.k8s.io",
                method: http::Method::POST,
                path: format!("/apis/authentication.k8s.io/{version}/selfsubjectreviews"),
                body: Some(body.as_bytes()),
            };
            match self.object::<Review>(call).await {
                Fetched::Found(review) => {
                    return match review.status.and_then(|s| s.user_info) {
                        Some(mut user) => {
                            // An access key id is half a credential: never kept.
                            user.extra.remove("accessKeyId");
                            Fetched::Found(user)
                        }
                        None => Fetched::unknown(
                            UnknownReason::BadResponse,
                            "the SelfSubjectReview answer has no status.userInfo",
                        ),
                    };
                }
                Fetched::Absent => continue,
                Fetched::Unknown(unknown) => return Fetched::Unknown(unknown),
            }
        }
        Fetched::Absent
    }

    /// ClusterRoles, ClusterRoleBindings, Roles and RoleBindings, each listed once, together.
    pub async fn rbac(&self) -> Rbac {
        const BASE: &str = "/apis/rbac.authorization.k8s.io/v1";
        let paths = [
            "clusterroles",
            "clusterrolebindings",
            "roles",
            "rolebindings",
        ]
        .map(|kind| format!("{BASE}/{kind}"));
        let (cluster_roles, cluster_role_bindings, roles, role_bindings) = tokio::join!(
            self.list::<RawRole>("ListClusterRoles", "clusterroles", &paths[0]),
            self.list::<RawBinding>("ListClusterRoleBindings", "clusterrolebindings", &paths[1]),
            self.list::<RawRole>("ListRoles", "roles (all namespaces)", &paths[2]),
            self.list::<RawBinding>(
                "ListRoleBindings",
                "rolebindings (all namespaces)",
                &paths[3]
            ),
        );
        Rbac {
            cluster_roles: map_list(cluster_roles, RawRole::into_role),
            cluster_role_bindings: map_list(cluster_role_bindings, RawBinding::into_binding),
            roles: map_list(roles, RawRole::into_role),
            role_bindings: map_list(role_bindings, RawBinding::into_binding),
        }
    }
}

fn map_list<T, U>(fetched: Fetched<Vec<T>>, convert: fn(T) -> U) -> Fetched<Vec<U>> {
    match fetched {
        Fetched::Found(items) => Fetched::Found(items.into_iter().map(convert).collect()),
        Fetched::Absent => Fetched::Absent,
        Fetched::Unknown(unknown) => Fetched::Unknown(unknown),
    }
}

#[derive(Deserialize)]
struct RawMeta {
    name: String,
    namespace: Option<String>,
}

/// A Role or ClusterRole as the API lists it (`rules` may be null).
#[derive(Deserialize)]
struct RawRole {
    metadata: RawMeta,
    #[serde(default)]
    rules: Option<Vec<PolicyRule>>,
}

impl RawRole {
    fn into_role(self) -> RbacRole {
        RbacRole {
            namespace: self.metadata.namespace,
            name: self.metadata.name,
            rules: self.rules.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBinding {
    metadata: RawMeta,
    role_ref: RoleRef,
    #[serde(default)]
    subjects: Option<Vec<Subject>>,
}

impl RawBinding {
    fn into_binding(self) -> RbacBinding {
        RbacBinding {
            namespace: self.metadata.namespace,
            name: self.metadata.name,
            role_ref: self.role_ref,
            subjects: self.subjects.unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bodies_give_their_message_and_others_their_start() {
        assert_eq!(
            status_message(br#"{"kind":"Status","message":"no","reason":"Forbidden"}"#),
            "no (Forbidden)"
        );
        assert_eq!(status_message(b"<html>bad gateway"), "<html>bad gateway");
    }
}
