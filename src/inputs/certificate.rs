//! What the cluster's CA certificate says: the walkthrough's `openssl x509 -text` step,
//! reduced to what a reviewer checks (subject, issuer, validity, time left).

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::infra::time::rfc3339;

/// Warn when a CA expires within this long.
pub const EXPIRY_WARNING: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// Seconds from now to expiry (negative when expired).
    pub seconds_left: i64,
}

impl CertificateSummary {
    /// A warning to show, if the certificate is expired or expires soon.
    pub fn warning(&self) -> Option<String> {
        if self.seconds_left < 0 {
            Some(format!(
                "the cluster CA certificate expired on {}",
                self.not_after
            ))
        } else if self.seconds_left < EXPIRY_WARNING.as_secs() as i64 {
            Some(format!(
                "the cluster CA certificate expires in {} day(s), on {}",
                self.seconds_left / 86_400,
                self.not_after
            ))
        } else {
            None
        }
    }
}

fn time(seconds: i64) -> String {
    rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds.max(0) as u64))
}

/// Summarises every certificate in `certificate-authority-data` (base64 of PEM).
pub fn summarize(ca_data: &str, now: SystemTime) -> Result<Vec<CertificateSummary>, String> {
    let pem = STANDARD
        .decode(ca_data.trim())
        .map_err(|e| format!("certificate-authority-data is not base64: {e}"))?;
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut summaries = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(&pem) {
        let block = block.map_err(|e| format!("certificate-authority-data is not PEM: {e}"))?;
        let certificate = block.parse_x509().map_err(|e| {
            format!("certificate-authority-data holds no valid X.509 certificate: {e}")
        })?;
        let validity = certificate.validity();
        summaries.push(CertificateSummary {
            subject: certificate.subject().to_string(),
            issuer: certificate.issuer().to_string(),
            not_before: time(validity.not_before.timestamp()),
            not_after: time(validity.not_after.timestamp()),
            seconds_left: validity.not_after.timestamp() - now,
        });
    }
    if summaries.is_empty() {
        return Err("certificate-authority-data holds no PEM certificate".into());
    }
    Ok(summaries)
}
