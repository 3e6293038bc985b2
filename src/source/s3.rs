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

/// Every object under `prefix` in `bucket` whose key ends with `.jsonl` or `.json` (a fleet
/// scan's shard parts), by key, each at most `max_bytes` (a larger one is an error naming it).
pub async fn parts(
    session: &AwsSession,
    bucket: &str,
    prefix: &str,
    max_bytes: usize,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let client = session.s3();
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.clone())
            .send()
            .await
            .map_err(|e| classify("S3 ListObjectsV2", &e).detail())?;
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            if !(key.ends_with(".jsonl") || key.ends_with(".json")) {
                continue;
            }
            if object.size().unwrap_or(0) as usize > max_bytes {
                return Err(format!(
                    "s3://{bucket}/{key}: larger than {max_bytes} bytes, more than a shard's part"
                ));
            }
            keys.push(key.to_string());
        }
        token = page.next_continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    keys.sort();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        out.push(object(session, bucket, &key, max_bytes).await?);
    }
    Ok(out)
}

/// One object (`merge s3://BUCKET/KEY.jsonl`: no listing needed), at most `max_bytes`; its
/// name as `s3://BUCKET/KEY`.
pub async fn object(
    session: &AwsSession,
    bucket: &str,
    key: &str,
    max_bytes: usize,
) -> Result<(String, Vec<u8>), String> {
    let object = session
        .s3()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| classify("S3 GetObject", &e).detail())?;
    if object.content_length().unwrap_or(0) as usize > max_bytes {
        return Err(format!(
            "s3://{bucket}/{key}: larger than {max_bytes} bytes, more than a shard's part"
        ));
    }
    let bytes = object
        .body
        .collect()
        .await
        .map_err(|e| format!("s3://{bucket}/{key}: reading the object: {e}"))?
        .into_bytes()
        .to_vec();
    Ok((format!("s3://{bucket}/{key}"), bytes))
}

/// `s3://BUCKET/PREFIX` split (the prefix may be empty or end with `/`).
pub fn prefix_location(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then_some((bucket, prefix))
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
