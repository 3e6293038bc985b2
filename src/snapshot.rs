//! The evidence of a live audit: what was read, and every call that failed. Everything the
//! judgement needs is here, so a live audit can be replayed offline.

use serde::{Deserialize, Serialize};

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
        }
    }
}

/// The outcome of reading one input.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched<T> {
    Found(T),
    /// Verified absent (the API answered 404).
    Absent,
    Unknown {
        reason: UnknownReason,
        detail: String,
    },
}

/// A call that failed: operation, resource, error code and detail (never a credential).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionIssue {
    pub operation: String,
    pub resource: String,
    pub code: String,
    pub detail: String,
}

impl CollectionIssue {
    pub fn new(operation: &str, resource: &str, code: &str, detail: &str) -> CollectionIssue {
        CollectionIssue {
            operation: operation.to_string(),
            resource: resource.to_string(),
            code: code.to_string(),
            detail: detail.to_string(),
        }
    }
}
