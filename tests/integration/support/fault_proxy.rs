//! A proxy on loopback in front of moto that answers chosen requests as AWS answers when things
//! go wrong — what moto itself never does: a throttled Security Hub, a batch it partly refuses,
//! an S3 write whose KMS key the caller may not use. Every other request (and a matching one
//! once its fault is used up) goes to moto unchanged, so the SDK under test speaks to a real
//! server throughout; only the chosen answers are written here, each as the service documents it.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// What a faulty answer is.
#[derive(Debug, Clone)]
pub enum Respond {
    /// An error response: status, content type, body.
    Error {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// `BatchImportFindings` partly refused: the request's first finding is taken out and
    /// reported failed with this code and message; the rest go to moto, which imports them.
    RefuseFirstFinding { code: String, message: String },
}

/// A fault: the requests it applies to (`METHOD PATH` starting with `request`), how many of
/// them get it, and the answer.
#[derive(Debug, Clone)]
pub struct Fault {
    pub request: String,
    pub times: usize,
    pub respond: Respond,
}

impl Fault {
    /// Security Hub's throttling answer (`LimitExceededException`, HTTP 429) to
    /// `BatchImportFindings`, `times` times.
    pub fn throttled_import(times: usize) -> Fault {
        Fault {
            request: "POST /findings/import".into(),
            times,
            respond: Respond::Error {
                status: 429,
                content_type: "application/json",
                body: r#"{"__type":"LimitExceededException","Code":"LimitExceededException","Message":"Rate exceeded"}"#.into(),
            },
        }
    }

    /// S3's answer to a write whose KMS key the caller may not use (HTTP 403 `AccessDenied`
    /// naming `kms:GenerateDataKey`), for every `PutObject` under `bucket`.
    pub fn kms_denied_put(bucket: &str, key_arn: &str) -> Fault {
        Fault {
            request: format!("PUT /{bucket}/"),
            times: usize::MAX,
            respond: Respond::Error {
                status: 403,
                content_type: "application/xml",
                body: format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/admin is not authorized to perform: kms:GenerateDataKey on resource: {key_arn} because no identity-based policy allows the kms:GenerateDataKey action</Message><RequestId>FAULT0001</RequestId></Error>"
                ),
            },
        }
    }
}

struct State {
    upstream: String,
    faults: Mutex<Vec<Fault>>,
    seen: Mutex<Vec<String>>,
}

/// The proxy: its URL, and every request it saw (`METHOD PATH`).
pub struct FaultProxy {
    pub url: String,
    state: Arc<State>,
    _runtime: tokio::runtime::Runtime,
}

impl FaultProxy {
    pub fn start(upstream: &str, faults: Vec<Fault>) -> FaultProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            upstream: upstream.trim_start_matches("http://").to_string(),
            faults: Mutex::new(faults),
            seen: Mutex::new(Vec::new()),
        });
        let serving = state.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = serving.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| answer(req, state.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy {
            url,
            state,
            _runtime: runtime,
        }
    }

    /// The requests seen so far, `METHOD PATH`.
    pub fn seen(&self) -> Vec<String> {
        self.state.seen.lock().unwrap().clone()
    }
}

/// The fault this request gets, if any (each used once per request).
fn fault_for(state: &State, line: &str) -> Option<Respond> {
    let mut faults = state.faults.lock().unwrap();
    let fault = faults
        .iter_mut()
        .find(|f| f.times > 0 && line.starts_with(&f.request))?;
    fault.times -= 1;
    Some(fault.respond.clone())
}

async fn answer(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let line = format!(
        "{} {}",
        parts.method,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    state.seen.lock().unwrap().push(line.clone());
    let reply = |status: u16, content_type: &str, body: Vec<u8>| {
        Ok(Response::builder()
            .status(status)
            .header("content-type", content_type)
            .header("x-amzn-requestid", "fault-proxy")
            .body(Full::new(Bytes::from(body)))
            .unwrap())
    };
    match fault_for(&state, &line) {
        Some(Respond::Error {
            status,
            content_type,
            body,
        }) => reply(status, content_type, body.into_bytes()),
        Some(Respond::RefuseFirstFinding { code, message }) => {
            let mut request: Value = serde_json::from_slice(&body).unwrap();
            let findings = request["Findings"].as_array_mut().unwrap();
            let refused = findings.remove(0);
            let rest = serde_json::to_vec(&request).unwrap();
            let (status, headers, answered) = forward(&state.upstream, &parts, rest).await;
            let mut out: Value = serde_json::from_slice(&answered).unwrap();
            out["FailedCount"] = (out["FailedCount"].as_u64().unwrap_or(0) + 1).into();
            let failed = out["FailedFindings"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut failed = failed;
            failed.push(serde_json::json!({
                "Id": refused["Id"], "ErrorCode": code, "ErrorMessage": message
            }));
            out["FailedFindings"] = failed.into();
            let content_type = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_string();
            reply(status, &content_type, serde_json::to_vec(&out).unwrap())
        }
        None => {
            let (status, headers, answered) = forward(&state.upstream, &parts, body.to_vec()).await;
            let mut response = Response::builder().status(status);
            for (name, value) in &headers {
                if name != "content-length" && name != "transfer-encoding" {
                    response = response.header(name, value);
                }
            }
            Ok(response.body(Full::new(Bytes::from(answered))).unwrap())
        }
    }
}

/// The request sent on to moto as it came (its body perhaps changed), and moto's answer.
async fn forward(
    upstream: &str,
    parts: &hyper::http::request::Parts,
    body: Vec<u8>,
) -> (u16, hyper::HeaderMap, Vec<u8>) {
    let stream = tokio::net::TcpStream::connect(upstream).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.path_and_query().map_or("/", |p| p.as_str()));
    for (name, value) in &parts.headers {
        if name != "content-length" && name != "transfer-encoding" {
            request = request.header(name, value);
        }
    }
    let request = request
        .header("content-length", body.len())
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body.to_vec())
}
