//! Who edited aws-auth: the writes of `kube-system/aws-auth` in the cluster's Kubernetes audit
//! log, where EKS sends it to CloudWatch Logs (log group `/aws/eks/NAME/cluster`, streams
//! `kube-apiserver-audit-*`). One paged `FilterLogEvents` over CloudTrail's same 90-day window,
//! narrowed by a term CloudWatch matches (`aws-auth`), every event then checked here: the
//! object, the verb, an accepted response.

use std::collections::BTreeMap;

use serde_json::Value;

use super::aws::{AwsSession, classify};
use crate::evidence::{AuditLog, AwsAuthWrite, Fetched, Unknown, UnknownReason};

/// Pages read at most (FilterLogEvents answers up to 10,000 events or 1 MB a page).
pub const MAX_PAGES: usize = 100;
const WINDOW_DAYS: i64 = 90;
const WRITES: [&str; 4] = ["create", "update", "patch", "delete"];

/// The log group EKS writes a cluster's control-plane logs to.
pub fn log_group(cluster: &str) -> String {
    format!("/aws/eks/{cluster}/cluster")
}

/// One audit event (its JSON), kept when it is an accepted write of `kube-system/aws-auth`.
pub fn write_of(event: &Value) -> Option<AwsAuthWrite> {
    let object = &event["objectRef"];
    let verb = event["verb"].as_str()?;
    if object["resource"] != "configmaps"
        || object["namespace"] != "kube-system"
        || object["name"] != "aws-auth"
        || !WRITES.contains(&verb)
        || event["stage"]
            .as_str()
            .is_some_and(|s| s != "ResponseComplete")
        || event["responseStatus"]["code"]
            .as_u64()
            .is_some_and(|code| code >= 300)
    {
        return None;
    }
    let extra = &event["user"]["extra"];
    let first = |key: &str| {
        extra[key]
            .as_array()
            .and_then(|values| values.first())
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let data = event["requestObject"]["data"].as_object().map(|data| {
        data.iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect::<BTreeMap<_, _>>()
    });
    Some(AwsAuthWrite {
        audit_id: event["auditID"].as_str().unwrap_or_default().to_string(),
        time: event["requestReceivedTimestamp"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        verb: verb.to_string(),
        username: event["user"]["username"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        arn: first("canonicalArn").or_else(|| first("arn")),
        session_name: first("sessionName"),
        source_ip: event["sourceIPs"][0].as_str().map(str::to_string),
        user_agent: event["userAgent"].as_str().map(str::to_string),
        data,
    })
}

/// The writes of aws-auth in `cluster`'s audit log within the window.
pub async fn aws_auth_writes(
    cluster: &str,
    session: &AwsSession,
    now: std::time::SystemTime,
) -> Fetched<AuditLog> {
    let now_secs = crate::infra::time::epoch_secs(now);
    let start = now_secs - WINDOW_DAYS * 86_400;
    let client = session.logs();
    let mut log = AuditLog {
        window_start: crate::infra::time::rfc3339_secs(start),
        window_end: crate::infra::time::rfc3339_secs(now_secs),
        writes: Vec::new(),
        incomplete: None,
    };
    let mut token: Option<String> = None;
    for page in 0..=MAX_PAGES {
        if page == MAX_PAGES {
            log.incomplete = Some(Unknown {
                reason: UnknownReason::Skipped,
                detail: format!(
                    "CloudWatch Logs FilterLogEvents: stopped after {MAX_PAGES} pages; later writes were not read"
                ),
            });
            break;
        }
        let request = client
            .filter_log_events()
            .log_group_name(log_group(cluster))
            .log_stream_name_prefix("kube-apiserver-audit")
            .filter_pattern("\"aws-auth\"")
            .start_time(start * 1000)
            .end_time(now_secs * 1000)
            .set_next_token(token.clone());
        let out = match request.send().await {
            Ok(out) => out,
            Err(e) => {
                let failure = classify("CloudWatch Logs FilterLogEvents", &e);
                if page == 0 {
                    return Fetched::unknown(failure.reason(), failure.detail());
                }
                log.incomplete = Some(Unknown {
                    reason: failure.reason(),
                    detail: format!(
                        "{} (after {page} page(s): later writes were not read)",
                        failure.detail()
                    ),
                });
                break;
            }
        };
        log.writes.extend(
            out.events()
                .iter()
                .filter_map(|e| e.message())
                .filter_map(|m| serde_json::from_str::<Value>(m).ok())
                .filter_map(|event| write_of(&event)),
        );
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    log.writes.sort_by(|a, b| a.time.cmp(&b.time));
    Fetched::Found(log)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(verb: &str, name: &str, code: u64) -> Value {
        json!({
            "kind": "Event", "stage": "ResponseComplete", "auditID": "a-1", "verb": verb,
            "requestReceivedTimestamp": "2026-11-20T10:00:00.000000Z",
            "user": {"username": "ops:alice", "extra": {
                "arn": ["arn:aws:sts::111122223333:assumed-role/Ops/alice"],
                "canonicalArn": ["arn:aws:iam::111122223333:role/Ops"],
                "sessionName": ["alice"]}},
            "sourceIPs": ["203.0.113.9"], "userAgent": "kubectl/v1.31.0",
            "objectRef": {"resource": "configmaps", "namespace": "kube-system", "name": name},
            "responseStatus": {"code": code},
            "requestObject": {"data": {"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/x\n"}}
        })
    }

    #[test]
    fn only_accepted_writes_of_aws_auth_are_kept() {
        let kept = write_of(&event("update", "aws-auth", 200)).unwrap();
        assert_eq!(
            kept.arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/Ops")
        );
        assert_eq!(kept.session_name.as_deref(), Some("alice"));
        assert!(kept.data.unwrap()["mapRoles"].contains("role/x"));
        assert!(write_of(&event("get", "aws-auth", 200)).is_none());
        assert!(write_of(&event("update", "coredns", 200)).is_none());
        assert!(write_of(&event("patch", "aws-auth", 409)).is_none());
    }
}
