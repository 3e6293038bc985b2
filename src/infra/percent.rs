//! Percent-encoding (RFC 3986) as the tool uses it — query strings, IAM policy documents, URI
//! references — through the `percent-encoding` crate; this module only names the sets.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Every byte but RFC 3986's unreserved characters (`A–Z a–z 0–9 - . _ ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a URI reference cannot hold as it is: everything but the unreserved characters, the
/// sub-delimiters and `:@/` (so a path keeps its slashes and an ARN its colons).
const NOT_IN_URI_PATH: &AsciiSet = &NOT_UNRESERVED
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/');

/// Encodes every byte but the unreserved characters.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// A path as a URI reference: only what a URI cannot hold is encoded.
pub fn uri_path(text: &str) -> String {
    utf8_percent_encode(text, NOT_IN_URI_PATH).to_string()
}

/// Decodes `%XX` escapes (and `+` as a space, as form encoding writes it); `None` for a
/// malformed escape (the crate would pass it through as text).
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    well_formed.then(|| percent_decode_str(&text.replace('+', " ")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_malformed() {
        assert_eq!(encode("eyJ2Ijoi+/=="), "eyJ2Ijoi%2B%2F%3D%3D");
        assert_eq!(decode("a%2Fb+c").unwrap(), b"a/b c");
        assert_eq!(decode(&encode("é x/y")).unwrap(), "é x/y".as_bytes());
        assert_eq!(decode("%Z1"), None);
        assert_eq!(decode("%4"), None);
        assert_eq!(uri_path("my file%.yaml"), "my%20file%25.yaml");
        assert_eq!(
            uri_path("arn:aws:eks:r:1:cluster/x (k)"),
            "arn:aws:eks:r:1:cluster/x%20(k)"
        );
    }
}
