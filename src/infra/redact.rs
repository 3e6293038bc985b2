//! Masking credentials in text we did not write ourselves (library logs, error chains): the
//! credentials this process resolved, wherever they appear and however they are encoded, and
//! the shapes of bearer tokens and SigV4 query parameters.

use std::sync::{Mutex, OnceLock};

fn registry() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Registers a credential (secret key, session token, access key id, bearer token) so that
/// [`redact`] masks it, raw, URL-encoded and base64-encoded.
pub fn register(secret: &str) {
    use base64::Engine;
    if secret.len() < 8 {
        return;
    }
    let mut secrets = registry().lock().unwrap_or_else(|e| e.into_inner());
    for form in [
        secret.to_string(),
        crate::infra::percent::encode(secret),
        base64::engine::general_purpose::STANDARD.encode(secret),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
    ] {
        if !secrets.contains(&form) {
            secrets.push(form);
        }
    }
}

/// Where a value that follows `marker` ends: at whitespace, `&`, a quote, or a comma.
fn value_end(text: &str, start: usize) -> usize {
    text[start..]
        .find(|c: char| c.is_whitespace() || matches!(c, '&' | '"' | '\'' | ',' | ')' | ']' | '}'))
        .map_or(text.len(), |i| start + i)
}

/// Replaces every value that follows one of `markers` (case-insensitive) with `<redacted>`.
fn mask_after(text: &str, markers: &[&str]) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let next = markers
            .iter()
            .filter_map(|m| {
                lower[at..]
                    .find(&m.to_ascii_lowercase())
                    .map(|i| (at + i, m.len()))
            })
            .min();
        let Some((start, len)) = next else {
            break;
        };
        let value_start = start + len;
        let end = value_end(text, value_start);
        out.push_str(&text[at..value_start]);
        out.push_str("<redacted>");
        at = end.max(value_start);
    }
    out.push_str(&text[at..]);
    out
}

/// Masks AWS access key ids (`AKIA…`, `ASIA…`: four letters and sixteen upper-case letters or
/// digits), which the SDK's debug logs print when they show a resolved identity.
fn mask_access_key_ids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut i = 0;
    while i + 20 <= bytes.len() {
        let candidate = &bytes[i..i + 20];
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let ends_word = i + 20 == bytes.len() || !bytes[i + 20].is_ascii_alphanumeric();
        if starts_word
            && ends_word
            && (candidate.starts_with(b"AKIA") || candidate.starts_with(b"ASIA"))
            && candidate[4..]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            out.push_str(&text[at..i]);
            out.push_str("<redacted key id>");
            i += 20;
            at = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[at..]);
    out
}

/// `text` with every registered credential and every token- or signature-shaped value masked.
pub fn redact(text: &str) -> String {
    let mut out = mask_after(
        text,
        &[
            "k8s-aws-v1.",
            "x-amz-signature=",
            "x-amz-security-token=",
            "x-amz-credential=",
            "bearer ",
            "authorization: ",
            "\"token\":\"",
            "\"token\": \"",
        ],
    );
    // k8s-aws-v1. itself says a token was here; keep only the fact.
    out = out.replace("k8s-aws-v1.<redacted>", "<redacted token>");
    out = mask_access_key_ids(&out);
    for secret in registry().lock().unwrap_or_else(|e| e.into_inner()).iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "<redacted>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_and_signature_shapes_are_masked() {
        let text = "GET https://sts.amazonaws.com/?X-Amz-Credential=AKIA%2F20260101&X-Amz-Signature=abc123&Action=x header Authorization: Bearer k8s-aws-v1.aHR0cHM6Ly9z end";
        let masked = redact(text);
        assert!(!masked.contains("abc123"), "{masked}");
        assert!(!masked.contains("AKIA"), "{masked}");
        assert!(!masked.contains("aHR0cHM6Ly9z"), "{masked}");
        assert!(masked.contains("Action=x"), "{masked}");
        assert!(masked.ends_with(" end"), "{masked}");
    }

    #[test]
    fn access_key_ids_are_masked_as_words() {
        assert_eq!(
            redact("access_key_id: \"AKIAIOSFODNN7EXAMPLE\", ASIAIOSFODNN7EXAMPLE."),
            "access_key_id: \"<redacted key id>\", <redacted key id>."
        );
        assert_eq!(redact("XAKIAIOSFODNN7EXAMPLE"), "XAKIAIOSFODNN7EXAMPLE");
        assert_eq!(redact("AKIAiosfodnn7example"), "AKIAiosfodnn7example");
    }

    #[test]
    fn registered_secrets_are_masked_in_every_encoding() {
        register("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let masked = redact(
            "a wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY b wJalrXUtnFEMI%2FK7MDENG%2BbPxRfiCYEXAMPLEKEY c",
        );
        assert_eq!(masked, "a <redacted> b <redacted> c");
        register("short");
        assert_eq!(redact("short"), "short", "too short to be a credential");
    }
}
