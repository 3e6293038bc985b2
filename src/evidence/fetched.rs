//! Whether a read gave an answer: found, verified absent, or unknown with the reason; and
//! the calls that failed.

use serde::{Deserialize, Serialize};

/// Why something could not be read. Each becomes `unknown(REASON)` in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Unknown {
    pub reason: UnknownReason,
    pub detail: String,
}

/// The outcome of reading one input: `{"state": "found", "value": …}`, `{"state": "absent"}`
/// or `{"state": "unknown", "value": {"reason": …, "detail": …}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
