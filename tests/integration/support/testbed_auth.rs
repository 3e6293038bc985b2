//! Who signed a request: the identities moto issued (learned once, then kept), the signer of an
//! AWS request, and an EKS bearer token verified as the authenticator does (SigV4 recomputed).

use super::*;

/// The credentials moto issued (assumed roles, with the assumed-role ARN), read from its state.
pub(super) fn moto_identities(state: &State) -> Vec<IdentitySpec> {
    let dump = moto::moto_api(&state.moto_url, "GET", "/moto-api/data.json")
        .ok()
        .and_then(|r| {
            let body = r.split_once("\r\n\r\n")?.1.to_string();
            serde_json::from_str::<Value>(&body).ok()
        });
    dump.as_ref()
        .and_then(|d| d["sts"]["AssumedRole"].as_array())
        .map(|roles| {
            roles
                .iter()
                .filter_map(|r| {
                    Some(IdentitySpec {
                        access_key_id: r["access_key_id"].as_str()?.to_string(),
                        secret_access_key: r["secret_access_key"].as_str()?.to_string(),
                        arn: r["arn"].as_str()?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What `find` finds among the scenario's identities and the credentials moto issued; moto's
/// state is read again only when the ones learned before do not answer.
pub(super) fn find_identity<T>(
    state: &State,
    find: impl Fn(&[IdentitySpec]) -> Option<T>,
) -> Option<T> {
    if let Some(found) = find(&state.scenario.identities) {
        return Some(found);
    }
    if let Some(found) = find(&state.learned.lock().unwrap()) {
        return Some(found);
    }
    let fresh = moto_identities(state);
    let found = find(&fresh);
    *state.learned.lock().unwrap() = fresh;
    found
}

/// The ARN of whoever signed an AWS request (SigV4 `Credential=KEY/…`), or `key KEY` when the
/// key is not known.
pub(super) fn signer<B>(state: &State, req: &Request<B>) -> Option<String> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let key = header.split("Credential=").nth(1)?.split('/').next()?;
    let find = |identities: &[IdentitySpec]| {
        identities
            .iter()
            .find(|i| i.access_key_id == key)
            .map(|i| i.arn.clone())
    };
    Some(find_identity(state, find).unwrap_or_else(|| format!("key {key}")))
}

/// The region a SigV4 request was signed for (`Credential=KEY/DATE/REGION/…`).
pub(super) fn signed_region<B>(req: &Request<B>) -> Option<String> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let scope = header.split("Credential=").nth(1)?;
    scope.split('/').nth(2).map(str::to_string)
}

/// The account of an IAM or STS ARN.
pub(super) fn account_of(arn: Option<&str>) -> Option<&str> {
    arn?.split(':').nth(4).filter(|a| !a.is_empty())
}

pub(super) fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new()
        .chain_update(&inner)
        .chain_update(data)
        .finalize();
    Sha256::new()
        .chain_update(&outer)
        .chain_update(inner_hash)
        .finalize()
        .to_vec()
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks a token as the authenticator does and returns the IAM ARN it proves.
pub fn verify_token(
    token: &str,
    cluster: &str,
    identities: &[IdentitySpec],
    now: SystemTime,
) -> Result<String, String> {
    let body = token
        .strip_prefix("k8s-aws-v1.")
        .ok_or("no k8s-aws-v1. prefix")?;
    let url = String::from_utf8(URL_SAFE_NO_PAD.decode(body).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let rest = url.strip_prefix("https://").ok_or("not https")?;
    let (host, path_query) = rest.split_once('/').ok_or("no path")?;
    if !(host.starts_with("sts.")
        && (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")))
    {
        return Err(format!("unexpected host {host}"));
    }
    let query = path_query.strip_prefix('?').ok_or("path is not /")?;
    let params: Vec<(&str, &str)> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| *v)
            .ok_or(format!("missing {k}"))
    };
    if get("Action")? != "GetCallerIdentity" || get("Version")? != "2011-06-15" {
        return Err("not GetCallerIdentity".into());
    }
    let signed_headers = percent_decode(get("X-Amz-SignedHeaders")?);
    if !signed_headers.split(';').any(|h| h == "x-k8s-aws-id") {
        return Err("x-k8s-aws-id is not signed".into());
    }
    let expires: u64 = get("X-Amz-Expires")?.parse().map_err(|_| "bad expires")?;
    if expires > 60 {
        return Err("X-Amz-Expires over 60".into());
    }
    let amz_date = get("X-Amz-Date")?;
    let signed_at = aws_smithy_types::DateTime::from_str(
        &format!(
            "{}-{}-{}T{}:{}:{}Z",
            &amz_date[0..4],
            &amz_date[4..6],
            &amz_date[6..8],
            &amz_date[9..11],
            &amz_date[11..13],
            &amz_date[13..15]
        ),
        aws_smithy_types::date_time::Format::DateTime,
    )
    .map_err(|e| e.to_string())?;
    let signed_at = SystemTime::UNIX_EPOCH + Duration::from_secs(signed_at.secs() as u64);
    if now
        .duration_since(signed_at)
        .is_ok_and(|age| age > Duration::from_secs(15 * 60))
        || signed_at
            .duration_since(now)
            .is_ok_and(|ahead| ahead > Duration::from_secs(5 * 60))
    {
        return Err("token expired or from the future".into());
    }
    let credential = percent_decode(get("X-Amz-Credential")?);
    let mut scope = credential.split('/');
    let (access_key, date, region) = (
        scope.next().unwrap_or(""),
        scope.next().unwrap_or(""),
        scope.next().unwrap_or(""),
    );
    let identity = identities
        .iter()
        .find(|i| i.access_key_id == access_key)
        .ok_or("unknown access key")?;
    let mut canonical_query: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, _)| *k != "X-Amz-Signature")
        .copied()
        .collect();
    canonical_query.sort();
    let canonical_query = canonical_query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let canonical_headers: String = signed_headers
        .split(';')
        .map(|h| match h {
            "host" => format!("host:{host}\n"),
            "x-k8s-aws-id" => format!("x-k8s-aws-id:{cluster}\n"),
            other => format!("{other}:\n"),
        })
        .collect();
    let canonical_request = format!(
        "GET\n/\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{}",
        hex(&Sha256::digest(b""))
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/sts/aws4_request\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = [date, region, "sts", "aws4_request"].iter().fold(
        format!("AWS4{}", identity.secret_access_key).into_bytes(),
        |key, part| hmac(&key, part.as_bytes()),
    );
    if hex(&hmac(&key, string_to_sign.as_bytes())) != get("X-Amz-Signature")? {
        return Err("signature mismatch".into());
    }
    Ok(identity.arn.clone())
}
