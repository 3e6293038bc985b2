//! The EKS bearer token, signed in-process: `k8s-aws-v1.` + unpadded base64url of a presigned
//! `GET https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15` whose
//! signed headers include `x-k8s-aws-id: <cluster>`, valid 60 s at STS and reported to
//! Kubernetes as expiring 14 minutes after signing — what `aws eks get-token` produces.
//!
//! The token is a bearer credential: [`Token`] never prints itself (its `Debug` is redacted),
//! and nothing here logs it.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::aws::AwsSession;

/// Every EKS token starts with this.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
/// How long STS accepts the presigned URL.
pub const PRESIGN_EXPIRES: Duration = Duration::from_secs(60);
/// What we tell Kubernetes: the authenticator accepts a token for 15 minutes after signing;
/// like `aws eks get-token`, we report one minute less.
pub const REPORTED_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// A bearer token. Its text is reachable only through [`Token::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The token itself, for the one place that must send or print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// A token and when Kubernetes should consider it expired.
#[derive(Debug, Clone)]
pub struct SignedToken {
    pub token: Token,
    pub signed_at: SystemTime,
    pub expires_at: SystemTime,
}

/// Why no token could be made. Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The cluster name breaks EKS's naming rule (it is signed into the token).
    #[error(
        "`{0}` is not an EKS cluster name (1-100 characters: letters, digits, `-` and `_`, starting with a letter or digit)"
    )]
    ClusterName(String),
    /// No region from `--region`, `AWS_REGION` or the profile.
    #[error("no AWS region: pass --region or set AWS_REGION")]
    NoRegion,
    /// The credential chain found nothing usable, or assuming the role failed.
    #[error("no AWS credentials: {0}")]
    Credentials(super::aws::AwsFailure),
    /// The request could not be signed.
    #[error("signing the token failed: {0}")]
    Signing(String),
}

/// EKS cluster names: `^[0-9A-Za-z][A-Za-z0-9\-_]*$`, at most 100 characters.
pub fn validate_cluster_name(name: &str) -> Result<(), TokenError> {
    let valid = (1..=100).contains(&name.len())
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(TokenError::ClusterName(name.to_string()))
    }
}

/// The regional STS host (`.amazonaws.com.cn` in the China regions).
pub fn sts_host(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("sts.{region}.{suffix}")
}

/// Signs a token for `cluster` with `credentials` at `now`. Pure: same inputs, same token.
pub fn presign(
    credentials: &Credentials,
    region: &str,
    cluster: &str,
    now: SystemTime,
) -> Result<SignedToken, TokenError> {
    validate_cluster_name(cluster)?;
    let url = format!(
        "https://{}/?Action=GetCallerIdentity&Version=2011-06-15",
        sts_host(region)
    );
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(PRESIGN_EXPIRES);
    let identity: Identity = credentials.clone().into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| TokenError::Signing(e.to_string()))?
        .into();
    let signable = SignableRequest::new(
        "GET",
        url.as_str(),
        [("x-k8s-aws-id", cluster)].into_iter(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| TokenError::Signing(e.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| TokenError::Signing(e.to_string()))?
        .into_parts();
    let mut request = http::Request::builder()
        .uri(&url)
        .body(())
        .map_err(|e| TokenError::Signing(e.to_string()))?;
    instructions.apply_to_request_http1x(&mut request);
    let presigned = request.uri().to_string();
    Ok(SignedToken {
        token: Token(format!(
            "{TOKEN_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(presigned)
        )),
        signed_at: now,
        expires_at: now + REPORTED_LIFETIME,
    })
}

pub use super::aws::{CredentialOptions, error_chain};
pub use crate::infra::time::rfc3339;

/// Signs a token for `cluster` with the session's credentials (the assumed role's with
/// `--role-arn`).
pub async fn mint(cluster: &str, session: &AwsSession) -> Result<SignedToken, TokenError> {
    validate_cluster_name(cluster)?;
    let region = session.region().ok_or(TokenError::NoRegion)?.to_string();
    let credentials = session
        .credentials()
        .await
        .map_err(TokenError::Credentials)?;
    let token = presign(&credentials, &region, cluster, SystemTime::now())?;
    crate::infra::redact::register(token.token.expose());
    Ok(token)
}

/// The `ExecCredential` (`client.authentication.k8s.io/v1beta1`) a kubeconfig exec plugin
/// prints. This is the one output that carries the token, on purpose.
pub fn exec_credential(token: &SignedToken) -> String {
    let value = serde_json::json!({
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "spec": {},
        "status": {
            "expirationTimestamp": rfc3339(token.expires_at),
            "token": token.token.expose(),
        },
    });
    format!("{value}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(session: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session.map(str::to_string),
            None,
            "test",
        )
    }

    fn decoded(token: &SignedToken) -> String {
        let body = token.token.expose().strip_prefix(TOKEN_PREFIX).unwrap();
        String::from_utf8(URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap()
    }

    #[test]
    fn token_shape() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_867_200);
        let token = presign(&credentials(None), "us-east-1", "demo", at).unwrap();
        assert!(!token.token.expose().contains('='));
        let url = decoded(&token);
        assert!(url.starts_with("https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261128T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature="), "{url}");
        assert_eq!(rfc3339(token.expires_at), "2026-11-28T12:14:00Z");
        assert_eq!(format!("{:?}", token.token), "Token(<redacted>)");
    }

    #[test]
    fn the_cluster_is_bound_into_the_signature() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_867_200);
        let a = presign(&credentials(None), "us-east-1", "demo", at).unwrap();
        let b = presign(&credentials(None), "us-east-1", "demo2", at).unwrap();
        assert_ne!(a.token, b.token);
    }

    #[test]
    fn cluster_names_follow_eks_rules() {
        assert!(validate_cluster_name("prod-eu_1").is_ok());
        for bad in ["", "-x", "a b", "x;rm", &"a".repeat(101)] {
            assert!(validate_cluster_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(sts_host("cn-north-1"), "sts.cn-north-1.amazonaws.com.cn");
    }
}
