//! The local EKS + Kubernetes API test server: EKS REST-JSON over HTTP (what moto lacks), and
//! a Kubernetes API over HTTPS with a CA generated per run, both on loopback. Bearer tokens are
//! checked the way the authenticator checks them: decoded, host/action/date/expiry checked,
//! `x-k8s-aws-id` required among the signed headers, and the SigV4 signature recomputed with
//! the scenario's secret key for the token's access key id and this cluster's name. Every
//! request is recorded.

#![allow(dead_code)]

#[path = "moto.rs"]
pub mod moto;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// One thing an RBAC rule allows: a verb on a resource, in a namespace (none: cluster-wide,
/// as a ClusterRole bound by a ClusterRoleBinding), of one name (none: any).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Permission {
    pub verb: String,
    pub resource: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// The IAM action of a request to the test bed's AWS APIs (`eks:ListClusters`, …).
fn aws_action(target: &str, path: &str) -> String {
    if target.ends_with(".LookupEvents") {
        return "cloudtrail:LookupEvents".into();
    }
    if path == "/listRegions" {
        return "account:ListRegions".into();
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let name = match segments.as_slice() {
        ["clusters"] => "ListClusters",
        ["clusters", _] => "DescribeCluster",
        ["clusters", _, "access-entries"] => "ListAccessEntries",
        ["clusters", _, "access-entries", _] => "DescribeAccessEntry",
        ["clusters", _, "access-entries", _, "access-policies"] => "ListAssociatedAccessPolicies",
        ["access-policies"] => "ListAccessPolicies",
        ["clusters", _, "node-groups"] => "ListNodegroups",
        ["clusters", _, "node-groups", _] => "DescribeNodegroup",
        ["clusters", _, "fargate-profiles"] => "ListFargateProfiles",
        ["clusters", _, "fargate-profiles", _] => "DescribeFargateProfile",
        ["clusters", _, "updates"] => "ListUpdates",
        ["clusters", _, "updates", _] => "DescribeUpdate",
        _ => "Unknown",
    };
    format!("eks:{name}")
}

/// The verb, resource, namespace and name of a Kubernetes API request (discovery: `None`).
fn request_attributes(method: &str, path: &str) -> Option<Permission> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let rest = match segments.as_slice() {
        ["api", "v1", rest @ ..] => rest,
        ["apis", _group, _version, rest @ ..] => rest,
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", namespace, rest @ ..] if !rest.is_empty() => {
            (Some(namespace.to_string()), rest)
        }
        rest => (None, rest),
    };
    let (resource, name) = match rest {
        [resource] => (resource.to_string(), None),
        [resource, name] => (resource.to_string(), Some(name.to_string())),
        _ => return None,
    };
    let verb = match (method, &name) {
        ("GET", Some(_)) => "get",
        ("GET", None) => "list",
        ("POST", _) => "create",
        (other, _) => {
            return Some(Permission {
                verb: other.to_ascii_lowercase(),
                resource,
                namespace,
                name,
            });
        }
    };
    Some(Permission {
        verb: verb.to_string(),
        resource,
        namespace,
        name,
    })
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClusterSpec {
    pub name: String,
    pub region: String,
    pub account: String,
    pub version: String,
    /// The aws-auth ConfigMap's data; absent means no aws-auth (404).
    pub aws_auth: Option<BTreeMap<String, String>>,
    /// When set, the API server authorises as RBAC would with these permissions only: any
    /// other request (discovery aside) is 403 Forbidden.
    #[serde(default)]
    pub authorized: Option<Vec<Permission>>,
    /// A fault to inject on reads of aws-auth.
    #[serde(default)]
    pub aws_auth_fault: Option<Fault>,
    /// EKS shows the cluster only to requests signed with credentials of its `account`, as
    /// EKS does (another account's caller gets ResourceNotFoundException).
    #[serde(default)]
    pub own_account_only: bool,
    /// DescribeCluster returns the CA of another authority than the one serving the API.
    #[serde(default)]
    pub wrong_ca: bool,
    /// Faults on other reads, by resource: `selfsubjectreviews`, `clusterroles`,
    /// `clusterrolebindings`, `roles`, `rolebindings`.
    #[serde(default)]
    pub faults: BTreeMap<String, Fault>,
    /// What SelfSubjectReview answers for an IAM ARN (the authenticator's decision); an ARN
    /// not listed gets its ARN as username and only `system:authenticated`.
    #[serde(default)]
    pub whoami: BTreeMap<String, UserSpec>,
    /// RBAC objects as the API lists them; absent means empty lists.
    #[serde(default)]
    pub rbac: RbacSpec,
    /// When aws-auth last changed (its managedFields time): RFC 3339, or `start` for the
    /// moment the test bed started; default 2026-01-01T00:00:00Z.
    #[serde(default)]
    pub aws_auth_modified: Option<String>,
    /// Milliseconds the Kubernetes API waits before each answer (network and server time).
    #[serde(default)]
    pub latency_ms: u64,
    /// `accessConfig.authenticationMode` (default `API_AND_CONFIG_MAP`).
    #[serde(default)]
    pub authentication_mode: Option<String>,
    /// Access entries as EKS describes them: `principalArn`, `type`, `username`,
    /// `kubernetesGroups`, and `policies` (`policyArn`, `accessScope`).
    #[serde(default)]
    pub access_entries: Vec<Value>,
    /// Faults on EKS operations, by operation name (`DescribeAccessEntry`, `ListAccessEntries`),
    /// or by operation and principal (`DescribeAccessEntry arn:aws:iam::…`).
    #[serde(default)]
    pub eks_faults: BTreeMap<String, Fault>,
    /// The `userIdentity` of this cluster's CloudTrail `CreateCluster` event; absent means no
    /// event (older than CloudTrail's 90 days).
    #[serde(default)]
    pub creator_identity: Option<Value>,
    /// The cluster was created this many days before the test bed started (default: it was
    /// created 2026-01-01T00:00:00Z).
    #[serde(default)]
    pub created_days_ago: Option<u64>,
    /// A fault on CloudTrail LookupEvents.
    #[serde(default)]
    pub cloudtrail_fault: Option<Fault>,
    /// Managed node groups: `nodegroupName`, `nodeRole`.
    #[serde(default)]
    pub nodegroups: Vec<Value>,
    /// Fargate profiles: `fargateProfileName`, `podExecutionRoleArn`.
    #[serde(default)]
    pub fargate_profiles: Vec<Value>,
    /// `accessConfig.bootstrapClusterCreatorAdminPermissions` (default true).
    #[serde(default)]
    pub bootstrap_creator_admin: Option<bool>,
    /// Milliseconds the EKS API waits before each answer about this cluster.
    #[serde(default)]
    pub eks_latency_ms: u64,
    /// The cluster's tags (DescribeCluster).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The cluster's updates (ListUpdates / DescribeUpdate): `id`, `type` (default
    /// `AccessConfigUpdate`), `status` (default `Successful`), `createdAt` (epoch seconds),
    /// and `mode` (the `AuthenticationMode` parameter).
    #[serde(default)]
    pub updates: Vec<Value>,
    /// Whether the cluster serves SelfSubjectReview (Kubernetes 1.28 and later).
    #[serde(default = "yes")]
    pub self_subject_review: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserSpec {
    pub username: String,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RbacSpec {
    #[serde(default)]
    pub cluster_roles: Vec<Value>,
    #[serde(default)]
    pub cluster_role_bindings: Vec<Value>,
    #[serde(default)]
    pub roles: Vec<Value>,
    #[serde(default)]
    pub role_bindings: Vec<Value>,
}

/// An injected failure: answer `status` to the first `times` requests (all when absent), or
/// never answer (`hang`).
#[derive(Debug, Clone, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub times: Option<usize>,
    #[serde(default)]
    pub hang: bool,
    /// The AWS error code to answer with (default: by status).
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdentitySpec {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub arn: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Scenario {
    #[serde(default)]
    pub description: String,
    /// Faults on ListClusters, by the region the request was signed for.
    #[serde(default)]
    pub list_clusters_faults: BTreeMap<String, Fault>,
    /// Account ListRegions: per account, each region's opt-in status (`ENABLED_BY_DEFAULT`,
    /// `ENABLED`, `DISABLED`, …).
    #[serde(default)]
    pub regions: BTreeMap<String, BTreeMap<String, String>>,
    /// When set, the EKS, CloudTrail and Account calls an IAM policy with these actions allows
    /// (`service:Action`, or `service:*`): any other is 403 AccessDeniedException, as AWS
    /// answers a role whose policy lacks the action.
    #[serde(default)]
    pub allowed_actions: Option<Vec<String>>,
    pub clusters: Vec<ClusterSpec>,
    pub identities: Vec<IdentitySpec>,
}

impl Scenario {
    pub fn load(name: &str) -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scenarios")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }
}

/// A run of the binary: exit code and what it printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON report on stdout.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr))
    }
}

/// One request the test bed answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub server: &'static str,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    /// The IAM ARN the bearer token proved, for Kubernetes requests.
    pub identity: Option<String>,
}

struct State {
    scenario: Scenario,
    /// moto's URL: the credentials it issued (assumed roles) are known identities too.
    moto_url: String,
    started_at: String,
    k8s_url: String,
    ca_pem: String,
    other_ca_pem: String,
    log: Mutex<Vec<Recorded>>,
    fault_counts: Mutex<BTreeMap<String, usize>>,
    /// The credentials moto issued, as last read from its state: read again only when a key is
    /// not among them (reading moto's whole state per request serialised a fleet's requests).
    learned: Mutex<Vec<IdentitySpec>>,
}

pub struct Testbed {
    /// moto, for IAM and STS (the tool resolves mapped principals there).
    pub moto: moto::Moto,
    pub eks_url: String,
    pub k8s_url: String,
    pub ca_pem: String,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Testbed {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Testbed {
    pub fn start(scenario: Scenario) -> Testbed {
        Testbed::start_with_moto(scenario, moto::Moto::spawn())
    }

    /// The test bed with a moto the caller started (and perhaps seeded) itself.
    pub fn start_with_moto(scenario: Scenario, moto: moto::Moto) -> Testbed {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (ca_pem, server_config) = tls_material();
        let (other_ca_pem, _) = tls_material();
        let eks = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let k8s = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let eks_addr: SocketAddr = eks.local_addr().unwrap();
        let k8s_addr: SocketAddr = k8s.local_addr().unwrap();
        let started_at = {
            let now = aws_smithy_types::DateTime::from(SystemTime::now());
            now.fmt(aws_smithy_types::date_time::Format::DateTime)
                .unwrap()
        };
        let state = Arc::new(State {
            started_at,
            scenario,
            moto_url: moto.url.clone(),
            k8s_url: format!("https://127.0.0.1:{}", k8s_addr.port()),
            ca_pem: ca_pem.clone(),
            other_ca_pem,
            log: Mutex::new(Vec::new()),
            fault_counts: Mutex::new(BTreeMap::new()),
            learned: Mutex::new(Vec::new()),
        });
        let eks_state = state.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = eks.accept().await else {
                    continue;
                };
                let state = eks_state.clone();
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |req| eks_route(req, state.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        let k8s_state = state.clone();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = k8s.accept().await else {
                    continue;
                };
                let state = k8s_state.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service =
                        hyper::service::service_fn(move |req| k8s_route(req, state.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Testbed {
            moto: moto.ready(),
            eks_url: format!("http://127.0.0.1:{}", eks_addr.port()),
            k8s_url: state.k8s_url.clone(),
            ca_pem,
            state,
            runtime: Some(runtime),
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.log.lock().unwrap().clone()
    }

    /// `program` with a clean AWS environment: the test bed's EKS endpoint, region us-east-1,
    /// the keys of the identity whose ARN ends with `who`, no config files, no instance metadata.
    pub fn command(
        &self,
        program: &std::ffi::OsStr,
        home: &std::path::Path,
        who: &str,
    ) -> std::process::Command {
        let identity = self.identity(who);
        let mut command = std::process::Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("AWS_CONFIG_FILE", home.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                home.join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL_EKS", &self.eks_url)
            .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &self.eks_url)
            .env("AWS_ENDPOINT_URL_ACCOUNT", &self.eks_url)
            .env("AWS_ENDPOINT_URL_IAM", &self.moto.url)
            .env("AWS_ENDPOINT_URL_STS", &self.moto.url)
            .env("AWS_ENDPOINT_URL_ORGANIZATIONS", &self.moto.url)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", &identity.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &identity.secret_access_key);
        command
    }

    /// Runs this package's binary as the identity `who`, in `home`, with `args`.
    /// Runs the binary as `who`; a run that has not ended after two minutes is killed and
    /// fails the test (a hang is a defect, never a wait).
    pub fn run(&self, home: &std::path::Path, who: &str, args: &[&str]) -> Run {
        self.run_with_env(home, who, args, &[])
    }

    /// [`Testbed::run`] with some environment variables set or, given an empty value, removed.
    pub fn run_with_env(
        &self,
        home: &std::path::Path,
        who: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Run {
        let mut command = self.command(
            std::ffi::OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit")),
            home,
            who,
        );
        for (key, value) in env {
            if value.is_empty() {
                command.env_remove(key);
            } else {
                command.env(key, value);
            }
        }
        let child = command
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = sender.send(child.wait_with_output());
        });
        let output = match receiver.recv_timeout(Duration::from_secs(120)) {
            Ok(output) => output.unwrap(),
            Err(_) => {
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status();
                panic!("aws-auth-audit {args:?} did not end within two minutes");
            }
        };
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Every form in which a credential of `who` could leak into text: the secret key raw,
    /// URL-encoded and base64-encoded, the access key id, a token, a signature.
    pub fn credential_needles(&self, who: &str) -> Vec<String> {
        let identity = self.identity(who);
        let secret = identity.secret_access_key;
        vec![
            secret.clone(),
            secret
                .replace('/', "%2F")
                .replace('+', "%2B")
                .replace('=', "%3D"),
            STANDARD.encode(&secret),
            identity.access_key_id,
            "k8s-aws-v1.".to_string(),
            "X-Amz-Signature".to_string(),
        ]
    }

    pub fn identity(&self, arn_suffix: &str) -> IdentitySpec {
        self.state
            .scenario
            .identities
            .iter()
            .find(|i| i.arn.ends_with(arn_suffix))
            .unwrap()
            .clone()
    }
}

fn tls_material() -> (String, tokio_rustls::rustls::ServerConfig) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "aws-auth-audit test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    params
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    let server_cert = params.signed_by(&server_key, &issuer).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone()],
            tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(
                server_key.serialize_der().into(),
            ),
        )
        .unwrap();
    (ca_cert.pem(), config)
}

fn respond(status: u16, body: Value, headers: &[(&str, &str)]) -> Response<Full<Bytes>> {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json");
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn record(
    state: &State,
    server: &'static str,
    method: &str,
    path: &str,
    status: u16,
    identity: Option<String>,
) {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    state.log.lock().unwrap().push(Recorded {
        server,
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        status,
        identity,
    });
}

/// The access-entry routes: ListAccessEntries, DescribeAccessEntry,
/// ListAssociatedAccessPolicies, as the SDK calls them (REST-JSON, label-encoded ARNs).
fn access_entry_route(
    state: &State,
    cluster: &ClusterSpec,
    rest: &[&str],
    query: &str,
) -> (u16, Value, Option<&'static str>) {
    let operation = match rest {
        [] => "ListAccessEntries",
        [_] => "DescribeAccessEntry",
        [_, "access-policies"] => "ListAssociatedAccessPolicies",
        _ => "Unknown",
    };
    if cluster.authentication_mode.as_deref() == Some("CONFIG_MAP") {
        return (
            400,
            json!({"message": "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."}),
            Some("InvalidRequestException"),
        );
    }
    // A fault for one principal (`DescribeAccessEntry ARN`), else for the operation.
    let one = rest
        .first()
        .map(|p| format!("{operation} {}", percent_decode(p)))
        .unwrap_or_default();
    let (key, fault) = match cluster.eks_faults.get(&one) {
        Some(fault) => (one.clone(), Some(fault)),
        None => (operation.to_string(), cluster.eks_faults.get(operation)),
    };
    if let Some(fault) = fault
        && fault_applies(state, format!("{}/{key}", cluster.name), fault)
    {
        let kind = fault.code.clone().unwrap_or_else(|| {
            match fault.status {
                429 => "ThrottlingException",
                403 => "AccessDeniedException",
                _ => "ServerException",
            }
            .to_string()
        });
        return (
            fault.status,
            json!({"message": format!("injected {} {kind}", fault.status)}),
            // A test server: the few codes a scenario names live as long as the process.
            Some(Box::leak(kind.into_boxed_str())),
        );
    }
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| percent_decode(v))
    };
    let arn_of = |e: &Value| e["principalArn"].as_str().unwrap_or_default().to_string();
    match rest {
        [] => {
            let max: usize = param("maxResults")
                .and_then(|m| m.parse().ok())
                .unwrap_or(100);
            let start: usize = param("nextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
            let arns: Vec<String> = cluster.access_entries.iter().map(arn_of).collect();
            let end = (start + max).min(arns.len());
            let mut body = json!({"accessEntries": &arns[start.min(end)..end]});
            if end < arns.len() {
                body["nextToken"] = json!(end.to_string());
            }
            (200, body, None)
        }
        [principal, tail @ ..] => {
            let principal = percent_decode(principal);
            let Some(entry) = cluster
                .access_entries
                .iter()
                .find(|e| arn_of(e) == principal)
            else {
                return (
                    404,
                    json!({"message": format!("The specified access entry resource is not found: {principal}")}),
                    Some("ResourceNotFoundException"),
                );
            };
            if tail.is_empty() {
                let mut described = entry.clone();
                described.as_object_mut().unwrap().remove("policies");
                described["clusterName"] = json!(cluster.name);
                if described.get("createdAt").is_none() {
                    described["createdAt"] = json!(1_767_225_600.0 + 86_400.0);
                }
                described["modifiedAt"] = described["createdAt"].clone();
                if described.get("type").is_none() {
                    described["type"] = json!("STANDARD");
                }
                (200, json!({"accessEntry": described}), None)
            } else {
                let policies: Vec<Value> = entry["policies"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|mut p| {
                        p["associatedAt"] = json!(1_767_225_600.0);
                        p["modifiedAt"] = json!(1_767_225_600.0);
                        p
                    })
                    .collect();
                (
                    200,
                    json!({"clusterName": cluster.name, "principalArn": principal, "associatedAccessPolicies": policies}),
                    None,
                )
            }
        }
    }
}

/// What ListAccessPolicies answers: the AWS-managed access policies a 2026 cluster offered,
/// plus one this tool's table does not know (`AmazonEKSFuturePolicy`).
const ACCESS_POLICIES: &[&str] = &[
    "AIDevOpsAgentAccessPolicy",
    "AmazonAIOpsAssistantPolicy",
    "AmazonARCRegionSwitchScalingPolicy",
    "AmazonEKSACKPolicy",
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSArgoCDClusterPolicy",
    "AmazonEKSArgoCDPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStorageClusterPolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSComputeClusterPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSEventPolicy",
    "AmazonEKSHybridPolicy",
    "AmazonEKSKROPolicy",
    "AmazonEKSLoadBalancingClusterPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingClusterPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSPodIdentityPolicy",
    "AmazonEKSSecretAdminPolicy",
    "AmazonEKSSecretReaderPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEMRJobPolicy",
    "AmazonSagemakerHyperpodClusterPolicy",
    "AmazonSagemakerHyperpodControllerPolicy",
    "AmazonSagemakerHyperpodSpacePolicy",
    "AmazonSagemakerHyperpodSpaceTemplatePolicy",
    "AmazonSagemakerHyperpodSystemNamespacePolicy",
    "AmazonSagemakerHyperpodUserClusterPolicy",
    "AmazonEKSFuturePolicy",
];

/// ListUpdates / DescribeUpdate for the scenario's updates (a fault named `ListUpdates` or
/// `DescribeUpdate` applies).
fn update_route(
    state: &State,
    cluster: &ClusterSpec,
    rest: &[&str],
) -> (u16, Value, Option<&'static str>) {
    let operation = if rest.is_empty() {
        "ListUpdates"
    } else {
        "DescribeUpdate"
    };
    if let Some(fault) = cluster.eks_faults.get(operation)
        && fault_applies(state, format!("{}/{operation}", cluster.name), fault)
    {
        let kind = if fault.status == 403 {
            "AccessDeniedException"
        } else {
            "ServerException"
        };
        return (
            fault.status,
            json!({"message": format!("injected {}", fault.status)}),
            Some(kind),
        );
    }
    match rest {
        [] => {
            let ids: Vec<&Value> = cluster.updates.iter().map(|u| &u["id"]).collect();
            (200, json!({"updateIds": ids}), None)
        }
        [id] => match cluster.updates.iter().find(|u| u["id"] == *id) {
            Some(update) => {
                let mut params = Vec::new();
                if let Some(mode) = update.get("mode") {
                    params.push(json!({"type": "AuthenticationMode", "value": mode}));
                }
                (
                    200,
                    json!({"update": {
                        "id": update["id"],
                        "status": update.get("status").cloned().unwrap_or(json!("Successful")),
                        "type": update.get("type").cloned().unwrap_or(json!("AccessConfigUpdate")),
                        "params": params,
                        "createdAt": update["createdAt"],
                        "errors": [],
                    }}),
                    None,
                )
            }
            None => (
                404,
                json!({"message": format!("No update found for id: {id}.")}),
                Some("ResourceNotFoundException"),
            ),
        },
        _ => (
            404,
            json!({"message": "unknown route"}),
            Some("NotFoundException"),
        ),
    }
}

/// CloudTrail LookupEvents (JSON 1.1): the `CreateCluster` events of the scenario's clusters
/// that have a creator. A fault on any cluster applies to the call.
fn lookup_events(state: &State) -> (u16, Value, Option<&'static str>) {
    if let Some(fault) = state
        .scenario
        .clusters
        .iter()
        .find_map(|c| c.cloudtrail_fault.as_ref().map(|f| (c, f)))
        .and_then(|(c, f)| fault_applies(state, format!("{}/LookupEvents", c.name), f).then_some(f))
    {
        let kind = if fault.status == 403 {
            "AccessDeniedException"
        } else {
            "ThrottlingException"
        };
        return (
            fault.status,
            json!({"__type": kind, "message": format!("injected {}", fault.status)}),
            Some(kind),
        );
    }
    let events: Vec<Value> = state
        .scenario
        .clusters
        .iter()
        .filter_map(|c| {
            let identity = c.creator_identity.clone()?;
            let detail = json!({
                "eventVersion": "1.09", "eventSource": "eks.amazonaws.com", "eventName": "CreateCluster",
                "userIdentity": identity,
                "requestParameters": {"name": c.name, "accessConfig": {
                    "authenticationMode": c.authentication_mode.as_deref().unwrap_or("API_AND_CONFIG_MAP"),
                    "bootstrapClusterCreatorAdminPermissions": c.bootstrap_creator_admin.unwrap_or(true)}},
            });
            let time = c.created_days_ago.map_or(1_767_225_600.0, |days| {
                (SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() - days * 86_400) as f64
            });
            Some(json!({"EventId": format!("event-{}", c.name), "EventName": "CreateCluster",
                        "EventTime": time, "CloudTrailEvent": detail.to_string()}))
        })
        .collect();
    (200, json!({"Events": events}), None)
}

async fn eks_route(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if let Some(allowed) = &state.scenario.allowed_actions {
        let action = aws_action(&target, req.uri().path());
        let service = action.split(':').next().unwrap_or_default();
        let permitted = allowed
            .iter()
            .any(|a| *a == action || *a == format!("{service}:*"));
        if !permitted {
            let caller = signer(&state, &req);
            let message = format!(
                "User: {} is not authorized to perform: {action}",
                caller.as_deref().unwrap_or("unknown")
            );
            record(&state, "denied", "POST", &action, 403, caller);
            return Ok(respond(
                403,
                json!({"message": message}),
                &[("x-amzn-errortype", "AccessDeniedException")],
            ));
        }
    }
    if target.ends_with(".LookupEvents") {
        let (status, body, error_type) = lookup_events(&state);
        let caller = signer(&state, &req);
        record(&state, "cloudtrail", "POST", "LookupEvents", status, caller);
        let headers: Vec<(&str, &str)> = error_type
            .map(|t| vec![("x-amzn-errortype", t)])
            .unwrap_or_default();
        return Ok(respond(status, body, &headers));
    }
    let caller = signer(&state, &req);
    // Account ListRegions: the regions of the account whose credentials signed.
    if req.uri().path() == "/listRegions" {
        let regions: Vec<Value> = account_of(caller.as_deref())
            .and_then(|account| state.scenario.regions.get(account))
            .into_iter()
            .flatten()
            .map(|(name, status)| json!({"RegionName": name, "RegionOptStatus": status}))
            .collect();
        record(&state, "account", "POST", "ListRegions", 200, caller);
        return Ok(respond(200, json!({"Regions": regions}), &[]));
    }
    let query = req.uri().query().unwrap_or("").to_string();
    let path = req.uri().path().to_string();
    let method = req.method().to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let region = signed_region(&req);
    let visible = |c: &ClusterSpec| {
        !c.own_account_only
            || (account_of(caller.as_deref()) == Some(c.account.as_str())
                && region.as_deref() == Some(c.region.as_str()))
    };
    // A cluster of another account (or region) does not exist for this caller.
    if let ["clusters", name, ..] = segments.as_slice()
        && let Some(cluster) = state.scenario.clusters.iter().find(|c| c.name == *name)
        && !visible(cluster)
    {
        record(&state, "eks", &method, &path, 404, caller);
        return Ok(respond(
            404,
            json!({"message": format!("No cluster found for name: {name}.")}),
            &[("x-amzn-errortype", "ResourceNotFoundException")],
        ));
    }
    if let ["clusters", name, ..] = segments.as_slice()
        && let Some(cluster) = state.scenario.clusters.iter().find(|c| c.name == *name)
        && cluster.eks_latency_ms > 0
    {
        tokio::time::sleep(Duration::from_millis(cluster.eks_latency_ms)).await;
    }
    // A `hang` fault on ListAccessEntries: the request is accepted and never answered.
    if let ["clusters", name, "access-entries"] = segments.as_slice()
        && let Some(cluster) = state.scenario.clusters.iter().find(|c| c.name == *name)
        && cluster
            .eks_faults
            .get("ListAccessEntries")
            .is_some_and(|f| f.hang)
    {
        record(&state, "eks", &method, &path, 0, None);
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let (status, body, error_type) = match (method.as_str(), segments.as_slice()) {
        ("GET", ["clusters"]) => {
            let fault = region
                .as_ref()
                .and_then(|r| state.scenario.list_clusters_faults.get(r));
            match fault {
                Some(fault)
                    if fault_applies(
                        &state,
                        format!("ListClusters/{}", region.clone().unwrap_or_default()),
                        fault,
                    ) =>
                {
                    let kind = if fault.status == 429 {
                        "ThrottlingException"
                    } else if fault.status == 403 {
                        "AccessDeniedException"
                    } else {
                        "ServerException"
                    };
                    (
                        fault.status,
                        json!({"message": format!("injected {}", fault.status)}),
                        Some(kind),
                    )
                }
                _ => {
                    let names: Vec<&str> = state
                        .scenario
                        .clusters
                        .iter()
                        .filter(|c| visible(c))
                        .map(|c| c.name.as_str())
                        .collect();
                    (200, json!({"clusters": names}), None)
                }
            }
        }
        ("GET", ["access-policies"]) => {
            let policies: Vec<Value> = ACCESS_POLICIES
                .iter()
                .map(|name| json!({"name": name, "arn": format!("arn:aws:eks::aws:cluster-access-policy/{name}")}))
                .collect();
            (200, json!({"accessPolicies": policies}), None)
        }
        ("GET", ["clusters", name, "updates", rest @ ..]) => {
            match state.scenario.clusters.iter().find(|c| c.name == *name) {
                Some(cluster) => update_route(&state, cluster, rest),
                None => (
                    404,
                    json!({"message": format!("No cluster found for name: {name}.")}),
                    Some("ResourceNotFoundException"),
                ),
            }
        }
        ("GET", ["clusters", name, "access-entries", rest @ ..]) => {
            match state.scenario.clusters.iter().find(|c| c.name == *name) {
                Some(cluster) => access_entry_route(&state, cluster, rest, &query),
                None => (
                    404,
                    json!({"message": format!("No cluster found for name: {name}.")}),
                    Some("ResourceNotFoundException"),
                ),
            }
        }
        (
            "GET",
            [
                "clusters",
                name,
                kind @ ("node-groups" | "fargate-profiles"),
                rest @ ..,
            ],
        ) => {
            let Some(cluster) = state.scenario.clusters.iter().find(|c| c.name == *name) else {
                return Ok(respond(
                    404,
                    json!({"message": "no cluster"}),
                    &[("x-amzn-errortype", "ResourceNotFoundException")],
                ));
            };
            let (items, name_key, list_key, one_key) = if *kind == "node-groups" {
                (
                    &cluster.nodegroups,
                    "nodegroupName",
                    "nodegroups",
                    "nodegroup",
                )
            } else {
                (
                    &cluster.fargate_profiles,
                    "fargateProfileName",
                    "fargateProfileNames",
                    "fargateProfile",
                )
            };
            match rest {
                [] => {
                    let names: Vec<&Value> = items.iter().map(|i| &i[name_key]).collect();
                    (200, json!({list_key: names}), None)
                }
                [item] => match items.iter().find(|i| i[name_key] == *item) {
                    Some(found) => {
                        let mut found = found.clone();
                        found["clusterName"] = json!(cluster.name);
                        (200, json!({one_key: found}), None)
                    }
                    None => (
                        404,
                        json!({"message": "not found"}),
                        Some("ResourceNotFoundException"),
                    ),
                },
                _ => (
                    404,
                    json!({"message": "unknown route"}),
                    Some("NotFoundException"),
                ),
            }
        }
        ("GET", ["clusters", name]) => {
            match state.scenario.clusters.iter().find(|c| c.name == *name) {
                Some(c) => (
                    200,
                    json!({"cluster": {
                        "name": c.name,
                        "arn": format!("arn:aws:eks:{}:{}:cluster/{}", c.region, c.account, c.name),
                        "createdAt": c.created_days_ago.map_or(1_767_225_600.0, |days| {
                            (SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() - days * 86_400) as f64
                        }),
                        "version": c.version,
                        "endpoint": format!("{}/k8s/{}", state.k8s_url, c.name),
                        "roleArn": format!("arn:aws:iam::{}:role/eks-cluster-role", c.account),
                        "status": "ACTIVE",
                        "platformVersion": "eks.10",
                        "certificateAuthority": {"data": STANDARD.encode(if c.wrong_ca { &state.other_ca_pem } else { &state.ca_pem })},
                        "accessConfig": {"authenticationMode": c.authentication_mode.as_deref().unwrap_or("API_AND_CONFIG_MAP"), "bootstrapClusterCreatorAdminPermissions": c.bootstrap_creator_admin.unwrap_or(true)},
                        "tags": c.tags,
                    }}),
                    None,
                ),
                None => (
                    404,
                    json!({"message": format!("No cluster found for name: {name}.")}),
                    Some("ResourceNotFoundException"),
                ),
            }
        }
        _ => (
            404,
            json!({"message": "unknown route"}),
            Some("NotFoundException"),
        ),
    };
    let recorded = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{query}")
    };
    record(&state, "eks", &method, &recorded, status, caller);
    let headers: Vec<(&str, &str)> = error_type
        .map(|t| vec![("x-amzn-errortype", t)])
        .unwrap_or_default();
    Ok(respond(status, body, &headers))
}

/// The credentials moto issued (assumed roles, with the assumed-role ARN), read from its state.
fn moto_identities(state: &State) -> Vec<IdentitySpec> {
    let dump = moto::moto_api(&state.moto_url, "GET", "/moto-api/data.json")
        .ok()
        .and_then(|r| {
            let body = r.split_once("\r\n\r\n")?.1.to_string();
            serde_json::from_str::<Value>(&body).ok()
        });
    dump.as_ref()
        .and_then(|d| d["sts"]["AssumedRole"].as_array())
        .map(|roles| {
            roles
                .iter()
                .filter_map(|r| {
                    Some(IdentitySpec {
                        access_key_id: r["access_key_id"].as_str()?.to_string(),
                        secret_access_key: r["secret_access_key"].as_str()?.to_string(),
                        arn: r["arn"].as_str()?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What `find` finds among the scenario's identities and the credentials moto issued; moto's
/// state is read again only when the ones learned before do not answer.
fn find_identity<T>(state: &State, find: impl Fn(&[IdentitySpec]) -> Option<T>) -> Option<T> {
    if let Some(found) = find(&state.scenario.identities) {
        return Some(found);
    }
    if let Some(found) = find(&state.learned.lock().unwrap()) {
        return Some(found);
    }
    let fresh = moto_identities(state);
    let found = find(&fresh);
    *state.learned.lock().unwrap() = fresh;
    found
}

/// The ARN of whoever signed an AWS request (SigV4 `Credential=KEY/…`), or `key KEY` when the
/// key is not known.
fn signer<B>(state: &State, req: &Request<B>) -> Option<String> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let key = header.split("Credential=").nth(1)?.split('/').next()?;
    let find = |identities: &[IdentitySpec]| {
        identities
            .iter()
            .find(|i| i.access_key_id == key)
            .map(|i| i.arn.clone())
    };
    Some(find_identity(state, find).unwrap_or_else(|| format!("key {key}")))
}

/// The region a SigV4 request was signed for (`Credential=KEY/DATE/REGION/…`).
fn signed_region<B>(req: &Request<B>) -> Option<String> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let scope = header.split("Credential=").nth(1)?;
    scope.split('/').nth(2).map(str::to_string)
}

/// The account of an IAM or STS ARN.
fn account_of(arn: Option<&str>) -> Option<&str> {
    arn?.split(':').nth(4).filter(|a| !a.is_empty())
}

fn status_body(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code})
}

async fn k8s_route(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let audit_id = format!("audit-{:06}", state.log.lock().unwrap().len() + 1);
    let response = k8s_answer(req, state).await?;
    let mut response = response;
    response
        .headers_mut()
        .insert("audit-id", audit_id.parse().unwrap());
    Ok(response)
}

/// Whether the next request for `key` gets the injected fault.
fn fault_applies(state: &State, key: String, fault: &Fault) -> bool {
    let mut counts = state.fault_counts.lock().unwrap();
    let count = counts.entry(key).or_insert(0);
    *count += 1;
    fault.hang || fault.times.is_none_or(|t| *count <= t)
}

fn fault_reason(status: u16) -> &'static str {
    match status {
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "TooManyRequests",
        _ => "InternalError",
    }
}

/// One page of a list: `limit` items from the offset the `continue` token names.
fn list_page(kind: &str, items: &[Value], query: &str) -> Value {
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let limit = param("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let start = param("continue")
        .and_then(|c| {
            percent_decode(&c)
                .strip_prefix("offset=")
                .map(str::to_string)
        })
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0)
        .min(items.len());
    let end = start.saturating_add(limit).min(items.len());
    let mut metadata = json!({"resourceVersion": "2001"});
    if end < items.len() {
        // Opaque to the client, with characters it must encode when it sends the token back.
        metadata["continue"] = json!(format!("offset={end}"));
    }
    json!({"kind": kind, "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": metadata, "items": &items[start..end]})
}

async fn k8s_answer(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let query = req.uri().query().unwrap_or("").to_string();
    let full_path = req.uri().to_string();
    let path = req.uri().path().to_string();
    let method = req.method().to_string();
    let Some(rest) = path.strip_prefix("/k8s/") else {
        record(&state, "k8s", &method, &full_path, 404, None);
        return Ok(respond(
            404,
            status_body(404, "NotFound", "no such cluster"),
            &[],
        ));
    };
    let (cluster_name, resource) = rest.split_once('/').map_or((rest, ""), |(c, r)| (c, r));
    let Some(cluster) = state
        .scenario
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)
        .cloned()
    else {
        record(&state, "k8s", &method, &full_path, 404, None);
        return Ok(respond(
            404,
            status_body(404, "NotFound", "no such cluster"),
            &[],
        ));
    };
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    // The scenario's identities first; moto's assumed roles only for another key (asking
    // moto costs a request).
    let identity = bearer.and_then(|token| {
        find_identity(&state, |identities| {
            verify_token(&token, &cluster.name, identities, SystemTime::now()).ok()
        })
    });
    let Some(identity) = identity else {
        record(&state, "k8s", &method, &full_path, 401, None);
        return Ok(respond(
            401,
            status_body(401, "Unauthorized", "Unauthorized"),
            &[],
        ));
    };
    if cluster.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(cluster.latency_ms)).await;
    }
    if let (Some(allowed), Some(asked)) =
        (&cluster.authorized, request_attributes(&method, resource))
    {
        let permitted = allowed.iter().any(|p| {
            p.verb == asked.verb
                && p.resource == asked.resource
                && (p.namespace.is_none() || p.namespace == asked.namespace)
                && (p.name.is_none() || p.name == asked.name)
        });
        if !permitted {
            record(
                &state,
                "k8s",
                &method,
                &full_path,
                403,
                Some(identity.clone()),
            );
            let message = format!(
                "{identity} cannot {} resource \"{}\"{}",
                asked.verb,
                asked.resource,
                asked
                    .namespace
                    .map_or(String::new(), |n| format!(" in the namespace \"{n}\""))
            );
            return Ok(respond(403, status_body(403, "Forbidden", &message), &[]));
        }
    }
    let key_of = |identities: &[IdentitySpec]| {
        identities
            .iter()
            .find(|i| i.arn == identity)
            .map(|i| i.access_key_id.clone())
    };
    let access_key_id = find_identity(&state, key_of).unwrap_or_default();
    let fault_key = match resource {
        "api/v1/namespaces/kube-system/configmaps/aws-auth" => Some("configmaps"),
        r => r.rsplit('/').next().filter(|last| {
            [
                "selfsubjectreviews",
                "clusterroles",
                "clusterrolebindings",
                "roles",
                "rolebindings",
            ]
            .contains(last)
        }),
    };
    let fault: Option<(String, Fault)> = fault_key.and_then(|key| {
        let found = if key == "configmaps" {
            cluster
                .aws_auth_fault
                .clone()
                .or_else(|| cluster.faults.get(key).cloned())
        } else {
            cluster.faults.get(key).cloned()
        };
        found.map(|f| (key.to_string(), f))
    });
    let (status, body) = match (method.as_str(), resource) {
        ("GET", "api") => (
            200,
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        ("GET", "apis") => (
            200,
            json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []}),
        ),
        ("GET", "api/v1") => (
            200,
            json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "configmaps", "singularName": "configmap", "namespaced": true, "kind": "ConfigMap", "verbs": ["get", "list"], "shortNames": ["cm"]}
            ]}),
        ),
        (_, resource)
            if fault.as_ref().is_some_and(|(key, fault)| {
                fault_applies(&state, format!("{}/{key}", cluster.name), fault)
            }) =>
        {
            let (_, fault) = fault.clone().unwrap();
            if fault.hang {
                record(
                    &state,
                    "k8s",
                    &method,
                    &full_path,
                    0,
                    Some(identity.clone()),
                );
                tokio::time::sleep(Duration::from_secs(120)).await;
            }
            let _ = resource;
            (
                fault.status,
                status_body(
                    fault.status,
                    fault_reason(fault.status),
                    &format!("injected {}", fault.status),
                ),
            )
        }
        ("POST", "apis/authentication.k8s.io/v1/selfsubjectreviews")
            if cluster.self_subject_review =>
        {
            let user = cluster.whoami.get(&identity).cloned().unwrap_or(UserSpec {
                username: identity.clone(),
                groups: vec![],
            });
            let mut groups = user.groups.clone();
            groups.push("system:authenticated".into());
            let account = identity.split(':').nth(4).unwrap_or_default().to_string();
            (
                201,
                json!({"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                "metadata": {"creationTimestamp": null},
                "status": {"userInfo": {
                    "username": user.username,
                    "uid": format!("aws-iam-authenticator:{account}:AIDATESTPRINCIPAL"),
                    "groups": groups,
                    "extra": {
                        "arn": [identity],
                        "canonicalArn": [identity],
                        "principalId": ["AIDATESTPRINCIPAL"],
                        "sessionName": [""],
                        "accessKeyId": [access_key_id],
                    }
                }}}),
            )
        }
        ("GET", "apis/rbac.authorization.k8s.io/v1/clusterroles") => (
            200,
            list_page("ClusterRoleList", &cluster.rbac.cluster_roles, &query),
        ),
        ("GET", "apis/rbac.authorization.k8s.io/v1/clusterrolebindings") => (
            200,
            list_page(
                "ClusterRoleBindingList",
                &cluster.rbac.cluster_role_bindings,
                &query,
            ),
        ),
        ("GET", "apis/rbac.authorization.k8s.io/v1/roles") => {
            (200, list_page("RoleList", &cluster.rbac.roles, &query))
        }
        ("GET", "apis/rbac.authorization.k8s.io/v1/rolebindings") => (
            200,
            list_page("RoleBindingList", &cluster.rbac.role_bindings, &query),
        ),
        ("GET", "api/v1/namespaces/kube-system/configmaps/aws-auth") => match &cluster.aws_auth {
            Some(data) => {
                let modified = match cluster.aws_auth_modified.as_deref() {
                    Some("start") => state.started_at.clone(),
                    Some(time) => time.to_string(),
                    None => "2026-01-01T00:00:00Z".to_string(),
                };
                (
                    200,
                    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
                    "name": "aws-auth", "namespace": "kube-system", "resourceVersion": "1001",
                    "creationTimestamp": "2025-06-01T00:00:00Z",
                    "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1", "time": modified}]},
                    "data": data}),
                )
            }
            None => (
                404,
                status_body(404, "NotFound", "configmaps \"aws-auth\" not found"),
            ),
        },
        _ => (
            404,
            status_body(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        ),
    };
    record(
        &state,
        "k8s",
        &method,
        &full_path,
        status,
        Some(identity.clone()),
    );
    Ok(respond(status, body, &[]))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new()
        .chain_update(&inner)
        .chain_update(data)
        .finalize();
    Sha256::new()
        .chain_update(&outer)
        .chain_update(inner_hash)
        .finalize()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks a token as the authenticator does and returns the IAM ARN it proves.
pub fn verify_token(
    token: &str,
    cluster: &str,
    identities: &[IdentitySpec],
    now: SystemTime,
) -> Result<String, String> {
    let body = token
        .strip_prefix("k8s-aws-v1.")
        .ok_or("no k8s-aws-v1. prefix")?;
    let url = String::from_utf8(URL_SAFE_NO_PAD.decode(body).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let rest = url.strip_prefix("https://").ok_or("not https")?;
    let (host, path_query) = rest.split_once('/').ok_or("no path")?;
    if !(host.starts_with("sts.")
        && (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")))
    {
        return Err(format!("unexpected host {host}"));
    }
    let query = path_query.strip_prefix('?').ok_or("path is not /")?;
    let params: Vec<(&str, &str)> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| *v)
            .ok_or(format!("missing {k}"))
    };
    if get("Action")? != "GetCallerIdentity" || get("Version")? != "2011-06-15" {
        return Err("not GetCallerIdentity".into());
    }
    let signed_headers = percent_decode(get("X-Amz-SignedHeaders")?);
    if !signed_headers.split(';').any(|h| h == "x-k8s-aws-id") {
        return Err("x-k8s-aws-id is not signed".into());
    }
    let expires: u64 = get("X-Amz-Expires")?.parse().map_err(|_| "bad expires")?;
    if expires > 60 {
        return Err("X-Amz-Expires over 60".into());
    }
    let amz_date = get("X-Amz-Date")?;
    let signed_at = aws_smithy_types::DateTime::from_str(
        &format!(
            "{}-{}-{}T{}:{}:{}Z",
            &amz_date[0..4],
            &amz_date[4..6],
            &amz_date[6..8],
            &amz_date[9..11],
            &amz_date[11..13],
            &amz_date[13..15]
        ),
        aws_smithy_types::date_time::Format::DateTime,
    )
    .map_err(|e| e.to_string())?;
    let signed_at = SystemTime::UNIX_EPOCH + Duration::from_secs(signed_at.secs() as u64);
    if now
        .duration_since(signed_at)
        .is_ok_and(|age| age > Duration::from_secs(15 * 60))
        || signed_at
            .duration_since(now)
            .is_ok_and(|ahead| ahead > Duration::from_secs(5 * 60))
    {
        return Err("token expired or from the future".into());
    }
    let credential = percent_decode(get("X-Amz-Credential")?);
    let mut scope = credential.split('/');
    let (access_key, date, region) = (
        scope.next().unwrap_or(""),
        scope.next().unwrap_or(""),
        scope.next().unwrap_or(""),
    );
    let identity = identities
        .iter()
        .find(|i| i.access_key_id == access_key)
        .ok_or("unknown access key")?;
    let mut canonical_query: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, _)| *k != "X-Amz-Signature")
        .copied()
        .collect();
    canonical_query.sort();
    let canonical_query = canonical_query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let canonical_headers: String = signed_headers
        .split(';')
        .map(|h| match h {
            "host" => format!("host:{host}\n"),
            "x-k8s-aws-id" => format!("x-k8s-aws-id:{cluster}\n"),
            other => format!("{other}:\n"),
        })
        .collect();
    let canonical_request = format!(
        "GET\n/\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{}",
        hex(&Sha256::digest(b""))
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/sts/aws4_request\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = [date, region, "sts", "aws4_request"].iter().fold(
        format!("AWS4{}", identity.secret_access_key).into_bytes(),
        |key, part| hmac(&key, part.as_bytes()),
    );
    if hex(&hmac(&key, string_to_sign.as_bytes())) != get("X-Amz-Signature")? {
        return Err("signature mismatch".into());
    }
    Ok(identity.arn.clone())
}
