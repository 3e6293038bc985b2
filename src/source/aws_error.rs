//! What a failed AWS call means, whatever the service: one classifier (no credentials,
//! expired, rejected, denied, not found, throttled, unreachable, timeout, other), each failure
//! with the service's error code, message and request id — never a credential.

use aws_sdk_eks::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::evidence::{Unknown, UnknownReason};

/// What a failed AWS call means, whatever the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorClass {
    /// No credentials could be found or loaded (nothing configured, an SSO session to log in).
    NoCredentials,
    /// The credentials were found but have expired (`ExpiredToken`, an expired SSO token).
    ExpiredCredentials,
    /// The service does not accept the credentials (unknown key, bad signature).
    RejectedCredentials,
    /// The credentials are valid and lack the permission.
    AccessDenied,
    /// The resource does not exist.
    NotFound,
    /// The service asked us to slow down, and kept asking through the SDK's retries.
    Throttled,
    /// No answer: the name did not resolve, the connection was refused, TLS failed, or the
    /// service failed (5xx).
    Unreachable,
    /// The service did not answer in time.
    Timeout,
    /// Anything else the service answered.
    Other,
}

/// A failed AWS call: its class, the operation, the service's error code and message, and
/// the request id the service gave (never a credential).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.detail())]
pub struct AwsFailure {
    pub class: AwsErrorClass,
    pub operation: String,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl AwsFailure {
    /// `OPERATION: CODE: message, request id ID`.
    pub fn detail(&self) -> String {
        let mut out = self.operation.clone();
        if !self.code.is_empty() {
            out.push_str(&format!(": {}", self.code));
        }
        if !self.message.is_empty() {
            out.push_str(&format!(": {}", self.message));
        }
        if let Some(id) = &self.request_id {
            out.push_str(&format!(", request id {id}"));
        }
        out
    }

    /// The reason a report gives for what this call left unread.
    pub fn reason(&self) -> UnknownReason {
        match self.class {
            AwsErrorClass::NoCredentials => UnknownReason::NoCredentials,
            AwsErrorClass::ExpiredCredentials | AwsErrorClass::RejectedCredentials => {
                UnknownReason::AuthRejected
            }
            AwsErrorClass::AccessDenied => UnknownReason::AccessDenied,
            AwsErrorClass::Throttled => UnknownReason::Throttled,
            AwsErrorClass::Timeout => UnknownReason::Timeout,
            AwsErrorClass::NotFound | AwsErrorClass::Unreachable | AwsErrorClass::Other => {
                UnknownReason::Unreachable
            }
        }
    }

    pub fn unknown(&self) -> Unknown {
        Unknown {
            reason: self.reason(),
            detail: self.detail(),
        }
    }
}

/// The class of a service error code (the same codes across EKS, IAM, STS and CloudTrail).
fn class_of_code(code: &str) -> Option<AwsErrorClass> {
    Some(match code {
        c if c.starts_with("AccessDenied") || c == "UnauthorizedOperation" => {
            AwsErrorClass::AccessDenied
        }
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            AwsErrorClass::ExpiredCredentials
        }
        "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "UnrecognizedClientException"
        | "IncompleteSignature"
        | "InvalidSignatureException"
        | "AuthFailure"
        | "MissingAuthenticationToken" => AwsErrorClass::RejectedCredentials,
        c if c.contains("Throttl")
            || c == "TooManyRequestsException"
            || c == "RequestLimitExceeded"
            || c == "SlowDown" =>
        {
            AwsErrorClass::Throttled
        }
        "ResourceNotFoundException"
        | "NoSuchEntity"
        | "NotFoundException"
        | "NoSuchBucket"
        | "NoSuchKey" => AwsErrorClass::NotFound,
        _ => return None,
    })
}

/// Every message of an error's chain, joined, with anything credential-shaped masked.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        // Many errors already say their cause in their own text: said once.
        let said = cause.to_string();
        if !message.contains(&said) {
            message.push_str(": ");
            message.push_str(&said);
        }
        source = cause.source();
    }
    // Library errors are not ours to trust: mask anything credential-shaped.
    crate::infra::redact::redact(&message)
}

/// What a failure to load credentials means: none configured, or expired.
pub(super) fn credentials_failure(
    error: &aws_credential_types::provider::error::CredentialsError,
) -> AwsFailure {
    let chain = error_chain(error);
    let lower = chain.to_lowercase();
    let class = if lower.contains("expired") {
        AwsErrorClass::ExpiredCredentials
    } else if lower.contains("timed out") || lower.contains("timeout") {
        AwsErrorClass::Timeout
    } else if lower.contains("accessdenied") || lower.contains("not authorized") {
        AwsErrorClass::AccessDenied
    } else {
        AwsErrorClass::NoCredentials
    };
    AwsFailure {
        class,
        operation: "loading credentials".into(),
        code: String::new(),
        message: chain,
        request_id: None,
    }
}

/// Classifies a failed SDK call of `operation`.
pub fn classify<E>(operation: &str, error: &SdkError<E, HttpResponse>) -> AwsFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = error.raw_response().map(|r| r.status().as_u16());
    let request_id = error
        .meta()
        .extra("aws_request_id")
        .map(str::to_string)
        .or_else(|| {
            let headers = error.raw_response()?.headers();
            ["x-amzn-requestid", "x-amz-request-id"]
                .iter()
                .find_map(|h| headers.get(*h))
                .map(str::to_string)
        });
    // Some endpoints answer an error body the SDK cannot read; the status still speaks, and
    // an XML body may still carry the message.
    let code = error.code().unwrap_or(match status {
        Some(403) => "AccessDenied",
        Some(429) => "Throttling",
        _ => "",
    });
    let body_message = || {
        let body = error.raw_response()?.body().bytes()?;
        let text = std::str::from_utf8(body).ok()?;
        let start = text.find("<Message>")? + "<Message>".len();
        let end = text[start..].find("</Message>")? + start;
        Some(text[start..end].to_string())
    };
    let (class, message) = match error {
        SdkError::TimeoutError(_) => (AwsErrorClass::Timeout, error_chain(error)),
        SdkError::DispatchFailure(failure) => {
            let chain = error_chain(error);
            let credentials =
                has_source::<aws_credential_types::provider::error::CredentialsError>(error);
            let class = if let Some(credentials) = credentials {
                credentials_failure(credentials).class
            } else if failure.is_timeout() {
                AwsErrorClass::Timeout
            } else {
                AwsErrorClass::Unreachable
            };
            (class, chain)
        }
        _ => {
            let class = class_of_code(code).unwrap_or(match status {
                Some(s) if s >= 500 => AwsErrorClass::Unreachable,
                None => AwsErrorClass::Unreachable,
                Some(_) => AwsErrorClass::Other,
            });
            let message = error
                .message()
                .map(str::to_string)
                .or_else(body_message)
                .unwrap_or_else(|| error_chain(error));
            (class, message)
        }
    };
    AwsFailure {
        class,
        operation: operation.to_string(),
        code: code.to_string(),
        message: crate::infra::redact::redact(&message),
        request_id,
    }
}

/// The first error of type `T` in `error`'s source chain.
fn has_source<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    /// An error whose text already says its cause: the cause is said once.
    #[test]
    fn a_cause_already_said_is_not_repeated() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "failed to read kubeconfig: {}", self.0)
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = Outer(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file",
        ));
        assert_eq!(
            super::error_chain(&error),
            "failed to read kubeconfig: no such file"
        );
    }

    use super::*;

    #[test]
    fn service_codes_map_to_one_class_each() {
        let cases = [
            ("AccessDeniedException", Some(AwsErrorClass::AccessDenied)),
            ("AccessDenied", Some(AwsErrorClass::AccessDenied)),
            ("UnauthorizedOperation", Some(AwsErrorClass::AccessDenied)),
            ("ExpiredToken", Some(AwsErrorClass::ExpiredCredentials)),
            (
                "ExpiredTokenException",
                Some(AwsErrorClass::ExpiredCredentials),
            ),
            (
                "InvalidClientTokenId",
                Some(AwsErrorClass::RejectedCredentials),
            ),
            (
                "SignatureDoesNotMatch",
                Some(AwsErrorClass::RejectedCredentials),
            ),
            (
                "UnrecognizedClientException",
                Some(AwsErrorClass::RejectedCredentials),
            ),
            ("ThrottlingException", Some(AwsErrorClass::Throttled)),
            ("Throttling", Some(AwsErrorClass::Throttled)),
            ("TooManyRequestsException", Some(AwsErrorClass::Throttled)),
            ("RequestLimitExceeded", Some(AwsErrorClass::Throttled)),
            ("ResourceNotFoundException", Some(AwsErrorClass::NotFound)),
            ("NoSuchEntity", Some(AwsErrorClass::NotFound)),
            ("NoSuchBucket", Some(AwsErrorClass::NotFound)),
            ("InvalidParameterException", None),
        ];
        for (code, class) in cases {
            assert_eq!(class_of_code(code), class, "{code}");
        }
    }

    #[test]
    fn each_class_has_its_reason_and_the_detail_keeps_the_request_id() {
        let failure = AwsFailure {
            class: AwsErrorClass::ExpiredCredentials,
            operation: "DescribeCluster".into(),
            code: "ExpiredTokenException".into(),
            message: "The security token included in the request is expired".into(),
            request_id: Some("req-1".into()),
        };
        assert_eq!(failure.reason(), UnknownReason::AuthRejected);
        assert_eq!(
            failure.detail(),
            "DescribeCluster: ExpiredTokenException: The security token included in the request is expired, request id req-1"
        );
        for (class, reason) in [
            (AwsErrorClass::NoCredentials, UnknownReason::NoCredentials),
            (
                AwsErrorClass::RejectedCredentials,
                UnknownReason::AuthRejected,
            ),
            (AwsErrorClass::AccessDenied, UnknownReason::AccessDenied),
            (AwsErrorClass::Throttled, UnknownReason::Throttled),
            (AwsErrorClass::Unreachable, UnknownReason::Unreachable),
            (AwsErrorClass::Timeout, UnknownReason::Timeout),
        ] {
            assert_eq!(
                AwsFailure {
                    class,
                    ..failure.clone()
                }
                .reason(),
                reason
            );
        }
    }
}
