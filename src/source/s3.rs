//! Reports written to S3 (`-o s3://BUCKET/KEY`): one `PutObject`, encrypted at rest —
//! SSE-KMS with the key `--s3-kms-key` names, else SSE-S3 (AES-256). With an endpoint of one's
//! own (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`: MinIO, LocalStack, a VPC endpoint by address)
//! buckets are addressed by path, which such endpoints need.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

use super::aws::{AwsFailure, AwsSession, classify};

/// `s3://BUCKET/KEY` split, when `text` is one (a bucket and a non-empty key).
pub fn location(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// Uploads `body` to `bucket`/`key`, encrypted at rest.
pub async fn put(
    session: &AwsSession,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    kms_key: Option<&str>,
) -> Result<(), AwsFailure> {
    let request = session
        .s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type(key))
        .body(ByteStream::from(body));
    let request = match kms_key {
        Some(kms) => request
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(kms),
        None => request.server_side_encryption(ServerSideEncryption::Aes256),
    };
    request
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("S3 PutObject", &e))
}

fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("json" | "sarif" | "jsonl") => "application/json",
        Some("html") => "text/html; charset=utf-8",
        Some("xml") => "application/xml",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_location_has_a_bucket_and_a_key() {
        assert_eq!(
            location("s3://audit-reports/2026-12-07/prod.json"),
            Some(("audit-reports", "2026-12-07/prod.json"))
        );
        assert_eq!(location("s3://bucket/"), None);
        assert_eq!(location("s3://bucket"), None);
        assert_eq!(location("reports/prod.json"), None);
    }
}
