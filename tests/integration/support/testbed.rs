//! The local EKS + Kubernetes API test server: EKS REST-JSON over HTTP (what moto lacks), and
//! a Kubernetes API over HTTPS with a CA generated per run, both on loopback. Bearer tokens are
//! checked the way the authenticator checks them: decoded, host/action/date/expiry checked,
//! `x-k8s-aws-id` required among the signed headers, and the SigV4 signature recomputed with
//! the scenario's secret key for the token's access key id and this cluster's name. Every
//! request is recorded.

#![allow(dead_code)]

#[path = "testbed_auth.rs"]
mod auth;
#[path = "testbed_eks.rs"]
mod eks;
#[path = "testbed_kube.rs"]
mod kube;
#[path = "moto.rs"]
pub mod moto;

pub use auth::verify_token;
use auth::*;
use eks::*;
use kube::*;

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
    /// Whether DescribeCluster says the audit log is on (absent: it says nothing of logging).
    #[serde(default)]
    pub audit_log: Option<bool>,
    /// The page of the LookupEvents stream (1-based) from which `cloudtrail_fault` applies
    /// (default: every page).
    #[serde(default)]
    pub cloudtrail_fault_from_page: Option<usize>,
    /// This cluster's other EKS management events, as CloudTrail records them (`eventName`,
    /// `userIdentity`, `requestParameters`, `sourceIPAddress`, `userAgent`, `errorCode`), each
    /// with `daysAgo` (a number) for its time; `requestParameters.name` defaults to the
    /// cluster's.
    #[serde(default)]
    pub trail: Vec<Value>,
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
    /// LookupEvents calls allowed per second per account and region (CloudTrail's is 2): more
    /// within a second are throttled (`ThrottlingException`). Absent: no limit.
    #[serde(default)]
    pub cloudtrail_rate: Option<usize>,
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
    /// When each account and region's LookupEvents calls came, for the scenario's
    /// `cloudtrail_rate` (CloudTrail's 2 per second).
    cloudtrail_calls: Mutex<BTreeMap<String, Vec<std::time::Instant>>>,
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
            cloudtrail_calls: Mutex::new(BTreeMap::new()),
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
            .env("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", &self.moto.url)
            .env("AWS_ENDPOINT_URL_SECURITYHUB", &self.moto.url)
            .env("AWS_ENDPOINT_URL_S3", &self.moto.url)
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
