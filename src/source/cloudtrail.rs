//! Who created the cluster: CloudTrail's `CreateCluster` event (LookupEvents keeps 90 days of
//! management events). The window is narrowed to an hour around the cluster's creation time,
//! so one page usually holds it; pages are spaced to stay under LookupEvents' rate (2 per
//! second per account and region).

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use serde_json::Value;

use super::aws::{AwsSession, classify};
use crate::evidence::{Creator, Fetched};

/// CloudTrail's event history: events older than this are gone.
const HISTORY_DAYS: i64 = 90;
/// Pages read at most (one is the usual case).
const MAX_PAGES: usize = 10;

/// The principal an event's `userIdentity` names: a session's issuer for an assumed role, the
/// user for an IAM user, the ARN otherwise.
pub fn creator_of(event: &Value) -> Option<String> {
    let identity = &event["userIdentity"];
    let issuer = identity["sessionContext"]["sessionIssuer"]["arn"].as_str();
    match identity["type"].as_str() {
        Some("AssumedRole") => issuer.or(identity["arn"].as_str()),
        _ => identity["arn"].as_str(),
    }
    .map(str::to_string)
}

/// Finds the `CreateCluster` event of `cluster` created at `created_at` (RFC 3339).
pub async fn creator(
    cluster: &str,
    created_at: Option<&str>,
    session: &AwsSession,
    now: std::time::SystemTime,
) -> Fetched<Creator> {
    let created = created_at.and_then(|t| {
        aws_smithy_types::DateTime::from_str(t, aws_smithy_types::date_time::Format::DateTime).ok()
    });
    let now_secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if let Some(created) = created
        && now_secs - created.secs() > HISTORY_DAYS * 86_400
    {
        return Fetched::Absent;
    }
    let client = session.cloudtrail();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        // CloudTrail allows 2 LookupEvents per second per account and region: every cluster
        // the audit (or a fleet scan) reads there takes its turn.
        session.regional.cloudtrail_turn().await;
        let mut request = client
            .lookup_events()
            .lookup_attributes(
                LookupAttribute::builder()
                    .attribute_key(LookupAttributeKey::EventName)
                    .attribute_value("CreateCluster")
                    .build()
                    .expect("key and value are set"),
            )
            .set_next_token(token.clone());
        if let Some(created) = created {
            request = request
                .start_time(aws_smithy_types::DateTime::from_secs(created.secs() - 3600))
                .end_time(aws_smithy_types::DateTime::from_secs(created.secs() + 3600));
        }
        let out = match request.send().await {
            Ok(out) => out,
            Err(e) => {
                let failure = classify("CloudTrail LookupEvents", &e);
                return Fetched::unknown(failure.reason(), failure.detail());
            }
        };
        for event in out.events() {
            let Some(detail) = event
                .cloud_trail_event()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
            else {
                continue;
            };
            if detail["requestParameters"]["name"] != cluster || detail["errorCode"].is_string() {
                continue;
            }
            let Some(arn) = creator_of(&detail) else {
                continue;
            };
            let access = &detail["requestParameters"]["accessConfig"];
            return Fetched::Found(Creator {
                arn,
                source: "cloudtrail".into(),
                event_time: super::eks::date(event.event_time()),
                event_id: event.event_id().map(str::to_string),
                requested_mode: access["authenticationMode"].as_str().map(str::to_string),
                requested_bootstrap_admin: access["bootstrapClusterCreatorAdminPermissions"]
                    .as_bool(),
            });
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Fetched::Absent
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_creator_is_the_session_issuer_or_the_user() {
        let role = json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/Platform/alice",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::1:role/Platform"}}}});
        assert_eq!(
            creator_of(&role).as_deref(),
            Some("arn:aws:iam::1:role/Platform")
        );
        let user = json!({"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/bob"}});
        assert_eq!(
            creator_of(&user).as_deref(),
            Some("arn:aws:iam::1:user/bob")
        );
        assert_eq!(creator_of(&json!({})), None);
    }
}
