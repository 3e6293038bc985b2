//! CloudTrail's EKS management events: one paged `LookupEvents` stream per account and region
//! (lookup attribute `EventSource = eks.amazonaws.com`, CloudTrail's whole 90-day window),
//! read once and shared by every cluster there, then filtered locally per cluster — never one
//! query per cluster, entry or event name. Pages are spaced to stay under LookupEvents' rate (2
//! per second per account and region). From it come who created the cluster (`CreateCluster`)
//! and who granted, changed or removed each way in.

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use serde_json::Value;

use super::aws::{AwsSession, classify};
use crate::evidence::{Creator, Fetched, Trail, TrailActor, TrailEvent, Unknown, UnknownReason};

/// CloudTrail's event history: events older than this are gone.
const HISTORY_DAYS: i64 = 90;
/// Pages read at most per account and region (50 events a page): 10,000 EKS events.
pub const MAX_PAGES: usize = 200;

/// The events this audit keeps: those that create, change or remove a way in, or the mode.
const KEPT: [&str; 11] = [
    "CreateCluster",
    "UpdateClusterConfig",
    "CreateAccessEntry",
    "UpdateAccessEntry",
    "DeleteAccessEntry",
    "AssociateAccessPolicy",
    "DisassociateAccessPolicy",
    "CreatePodIdentityAssociation",
    "DeletePodIdentityAssociation",
    "CreateCapability",
    "DeleteCapability",
];

/// Who made a call, from its `userIdentity`.
pub fn actor_of(identity: &Value) -> TrailActor {
    let text = |v: &Value| v.as_str().map(str::to_string);
    let issuer = text(&identity["sessionContext"]["sessionIssuer"]["arn"]);
    let identity_type = text(&identity["type"]).unwrap_or_else(|| "Unknown".into());
    let arn = text(&identity["arn"]);
    let session_name = match (identity_type.as_str(), &arn) {
        ("AssumedRole", Some(arn)) => arn.rsplit('/').next().map(str::to_string),
        _ => None,
    };
    let principal = match identity_type.as_str() {
        "AssumedRole" => issuer.or(arn),
        "AWSService" => text(&identity["invokedBy"]),
        _ => arn,
    };
    TrailActor {
        identity_type,
        principal,
        session_name,
        source_identity: text(&identity["sessionContext"]["sourceIdentity"])
            .or_else(|| text(&identity["sourceIdentity"])),
        on_behalf_of: text(&identity["onBehalfOf"]["userId"]),
        invoked_by: text(&identity["invokedBy"]),
    }
}

/// `%XX` escapes decoded (CloudTrail records a path parameter as sent: `principalArn` of the
/// access-entry calls arrives as `arn%3Aaws%3Aiam%3A%3A…`). Invalid escapes are kept as they are.
pub fn url_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map_or_else(|_| text.to_string(), |decoded| decoded.into_owned())
}

/// The cluster an event is about (`name` for the path-parameter calls, `clusterName` for some).
pub fn cluster_of(detail: &Value) -> Option<&str> {
    let parameters = &detail["requestParameters"];
    parameters["name"]
        .as_str()
        .or_else(|| parameters["clusterName"].as_str())
}

/// One event's detail (`CloudTrailEvent`, decoded JSON) as the audit keeps it.
pub fn event_of(detail: &Value, event_id: &str, event_time: &str) -> TrailEvent {
    let parameters = &detail["requestParameters"];
    let text = |v: &Value| v.as_str().map(str::to_string);
    let scope = &parameters["accessScope"];
    let access_scope = scope["type"].as_str().map(|kind| {
        let namespaces: Vec<&str> = scope["namespaces"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if namespaces.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}: {}", namespaces.join(", "))
        }
    });
    TrailEvent {
        event_id: event_id.to_string(),
        event_name: text(&detail["eventName"]).unwrap_or_default(),
        event_time: event_time.to_string(),
        principal_arn: parameters["principalArn"].as_str().map(url_decode),
        policy_arn: parameters["policyArn"].as_str().map(url_decode),
        access_scope,
        kubernetes_groups: parameters["kubernetesGroups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g.as_str().map(str::to_string))
            .collect(),
        authentication_mode: text(&parameters["accessConfig"]["authenticationMode"]),
        actor: actor_of(&detail["userIdentity"]),
        source_ip: text(&detail["sourceIPAddress"]),
        user_agent: text(&detail["userAgent"]),
        error_code: text(&detail["errorCode"]),
        bootstrap_creator_admin:
            parameters["accessConfig"]["bootstrapClusterCreatorAdminPermissions"].as_bool(),
    }
}

/// Each cluster's kept events.
type ByCluster = std::collections::HashMap<String, Vec<TrailEvent>>;

/// The account and region's stream: each cluster's kept events, handed to the cluster that
/// asks (taken, not copied: a fleet's streams are not held twice), with the window read.
#[derive(Debug)]
pub struct Stream {
    /// From when the stream was read: CloudTrail's 90 days back, or with `scan --baseline`
    /// shortly before the baseline's read ended (epoch seconds; `None`: the whole window).
    since: Option<i64>,
    window_start: String,
    window_end: String,
    by_cluster: std::sync::Mutex<ByCluster>,
    incomplete: Option<Unknown>,
    pages: usize,
}

/// Reads the account and region's EKS events, once: every cluster of the session's account
/// and region shares the read. `since` (epoch seconds) reads only the events after it; the
/// first caller's choice holds for all.
async fn stream(
    session: &AwsSession,
    now: std::time::SystemTime,
    since: Option<i64>,
) -> &Fetched<std::sync::Arc<Stream>> {
    session
        .regional
        .eks_trail
        .get_or_init(|| Box::pin(read_stream(session, now, since)))
        .await
}

/// The start of CloudTrail's window at `now_secs`: 90 days back.
fn window_start(now_secs: i64) -> i64 {
    now_secs - HISTORY_DAYS * 86_400
}

async fn read_stream(
    session: &AwsSession,
    now: std::time::SystemTime,
    since: Option<i64>,
) -> Fetched<std::sync::Arc<Stream>> {
    let now_secs = crate::infra::time::epoch_secs(now);
    // A baseline older than the window, or ending in the future (a skewed clock), is no help.
    let since = since.filter(|s| *s > window_start(now_secs) && *s < now_secs);
    let start = since.unwrap_or(window_start(now_secs));
    let client = session.cloudtrail();
    // Grouped by cluster as it is read (newest first, as LookupEvents answers).
    let mut by_cluster = ByCluster::new();
    let mut found = Stream {
        since,
        window_start: crate::infra::time::rfc3339_secs(start),
        window_end: crate::infra::time::rfc3339_secs(now_secs),
        by_cluster: Default::default(),
        incomplete: None,
        pages: 0,
    };
    let mut token: Option<String> = None;
    loop {
        if found.pages == MAX_PAGES {
            found.incomplete = Some(Unknown {
                reason: UnknownReason::Skipped,
                detail: format!(
                    "CloudTrail LookupEvents: stopped after {MAX_PAGES} pages ({} events); older events of the window were not read",
                    MAX_PAGES * 50
                ),
            });
            break;
        }
        // CloudTrail allows 2 LookupEvents per second per account and region: every page of
        // the stream takes its turn.
        session.regional.cloudtrail_turn().await;
        let request = client
            .lookup_events()
            .lookup_attributes(
                LookupAttribute::builder()
                    .attribute_key(LookupAttributeKey::EventSource)
                    .attribute_value("eks.amazonaws.com")
                    .build()
                    .expect("key and value are set"),
            )
            .start_time(aws_smithy_types::DateTime::from_secs(start))
            .end_time(aws_smithy_types::DateTime::from_secs(now_secs))
            .max_results(50)
            .set_next_token(token.clone());
        let out = match request.send().await {
            Ok(out) => out,
            Err(e) => {
                let failure = classify("CloudTrail LookupEvents", &e);
                if found.pages == 0 {
                    return Fetched::unknown(failure.reason(), failure.detail());
                }
                found.incomplete = Some(Unknown {
                    reason: failure.reason(),
                    detail: format!(
                        "{} (after {} page(s): older events of the window were not read)",
                        failure.detail(),
                        found.pages
                    ),
                });
                break;
            }
        };
        found.pages += 1;
        for event in out.events() {
            let Some(detail) = event
                .cloud_trail_event()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
            else {
                continue;
            };
            let name = detail["eventName"].as_str().unwrap_or_default();
            if !KEPT.contains(&name) {
                continue;
            }
            let Some(cluster) = cluster_of(&detail) else {
                continue;
            };
            let time = super::eks::date(event.event_time()).unwrap_or_default();
            let kept = event_of(&detail, event.event_id().unwrap_or_default(), &time);
            match by_cluster.get_mut(cluster) {
                Some(events) => events.push(kept),
                None => {
                    by_cluster.insert(cluster.to_string(), vec![kept]);
                }
            }
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    // LookupEvents answers newest first: the audit keeps them oldest first.
    for events in by_cluster.values_mut() {
        events.reverse();
        events.shrink_to_fit();
    }
    found.by_cluster = std::sync::Mutex::new(by_cluster);
    Fetched::Found(std::sync::Arc::new(found))
}

/// Starts (or joins) the read of the session's account and region stream, for a fleet scan
/// that knows its clusters are coming: since `since` (epoch seconds) when every one of them
/// carries a complete earlier read (`scan --baseline`), else the whole window.
pub async fn prefetch(session: &AwsSession, since: Option<i64>) {
    stream(session, std::time::SystemTime::now(), since).await;
}

/// How far before the baseline's end an incremental read starts again: CloudTrail delivers an
/// event to its history minutes after the call (typically within 15), so the last stretch the
/// baseline read may have been missing some. What both reads hold is kept once.
pub const OVERLAP_SECS: i64 = 3_600;

/// Where an incremental read of an account and region starts: an hour before the earliest end
/// of its clusters' carried reads — `None` (read the whole window) unless every cluster has one.
pub fn since_of<'a>(carried: impl IntoIterator<Item = Option<&'a Trail>>) -> Option<i64> {
    let mut earliest: Option<i64> = None;
    for trail in carried {
        let end = crate::infra::time::parse_secs(&trail?.window_end)?;
        earliest = Some(earliest.map_or(end, |e| e.min(end)));
    }
    earliest.map(|end| end - OVERLAP_SECS)
}

/// The EKS events of `cluster` in its account and region's stream, taken from it (each
/// cluster is read once), with the `bootstrapClusterCreatorAdminPermissions` its
/// `CreateCluster` asked for. When the stream was read only since an earlier read ended
/// (`scan --baseline`), `carried` — that earlier complete read of the cluster — supplies the
/// events before; without it the events before are said to be unread.
pub async fn trail(
    cluster: &str,
    session: &AwsSession,
    now: std::time::SystemTime,
    carried: Option<&Trail>,
) -> (Fetched<Trail>, Option<bool>) {
    match stream(session, now, None).await {
        Fetched::Found(stream) => {
            let taken = stream
                .by_cluster
                .lock()
                .map(|mut by_cluster| by_cluster.remove(cluster))
                .unwrap_or_default()
                .unwrap_or_default();
            let read = Trail {
                window_start: stream.window_start.clone(),
                window_end: stream.window_end.clone(),
                events: taken,
                incomplete: stream.incomplete.clone(),
                pages: stream.pages,
                carried_until: None,
            };
            let trail = match (stream.since, carried) {
                (None, _) => read,
                (Some(_), Some(earlier)) => {
                    let start = window_start(crate::infra::time::epoch_secs(now));
                    Trail::carried_forward(earlier, read, &crate::infra::time::rfc3339_secs(start))
                }
                (Some(_), None) => Trail {
                    incomplete: read.incomplete.clone().or_else(|| {
                        Some(Unknown {
                            reason: UnknownReason::Skipped,
                            detail: format!(
                                "CloudTrail was read only since {} (the baseline's read of the account and region) and the baseline holds no complete read of this cluster: older events were not read",
                                read.window_start
                            ),
                        })
                    }),
                    ..read
                },
            };
            let bootstrap = trail
                .events
                .iter()
                .rev()
                .find(|e| e.event_name == "CreateCluster" && e.error_code.is_none())
                .and_then(|e| e.bootstrap_creator_admin);
            (Fetched::Found(trail), bootstrap)
        }
        Fetched::Absent => (Fetched::Absent, None),
        Fetched::Unknown(u) => (Fetched::Unknown(u.clone()), None),
    }
}

/// Who created the cluster (created at `created_at`, RFC 3339), from its `trail`: its
/// `CreateCluster` event. `Absent` when the cluster is older than CloudTrail's window or the
/// trail, read whole, has no such event.
pub fn creator(
    trail: &Fetched<Trail>,
    requested_bootstrap_admin: Option<bool>,
    created_at: Option<&str>,
    now: std::time::SystemTime,
) -> Fetched<Creator> {
    let created = created_at.and_then(crate::infra::time::parse_secs);
    let now_secs = crate::infra::time::epoch_secs(now);
    if let Some(created) = created
        && now_secs - created > HISTORY_DAYS * 86_400
    {
        return Fetched::Absent;
    }
    let trail = match trail {
        Fetched::Found(trail) => trail,
        Fetched::Absent => return Fetched::Absent,
        Fetched::Unknown(u) => return Fetched::Unknown(u.clone()),
    };
    let found = trail
        .events
        .iter()
        .rev()
        .find(|e| e.event_name == "CreateCluster" && e.error_code.is_none());
    match found.map(|e| (e, &e.actor.principal)) {
        Some((event, Some(arn))) => Fetched::Found(Creator {
            arn: arn.clone(),
            source: "cloudtrail".into(),
            event_time: Some(event.event_time.clone()).filter(|t| !t.is_empty()),
            event_id: Some(event.event_id.clone()).filter(|i| !i.is_empty()),
            requested_mode: event.authentication_mode.clone(),
            requested_bootstrap_admin,
        }),
        Some((_, None)) => Fetched::Absent,
        None => match &trail.incomplete {
            Some(u) => Fetched::Unknown(u.clone()),
            None => Fetched::Absent,
        },
    }
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
            actor_of(&role["userIdentity"]).principal.as_deref(),
            Some("arn:aws:iam::1:role/Platform")
        );
        let user = json!({"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/bob"}});
        assert_eq!(
            actor_of(&user["userIdentity"]).principal.as_deref(),
            Some("arn:aws:iam::1:user/bob")
        );
        assert_eq!(actor_of(&json!({})).principal, None);
    }

    /// An account and region is read from an hour before the earliest carried read's end —
    /// and whole as soon as one of its clusters carries none.
    #[test]
    fn an_incremental_read_starts_before_the_earliest_carried_end() {
        let read = |end: &str| Trail {
            window_start: "2026-09-01T00:00:00Z".into(),
            window_end: end.into(),
            events: Vec::new(),
            incomplete: None,
            pages: 1,
            carried_until: None,
        };
        let (a, b) = (read("2026-11-30T00:00:00Z"), read("2026-11-29T00:00:00Z"));
        let at = |t: &str| crate::infra::time::parse_secs(t).unwrap();
        assert_eq!(
            since_of([Some(&a), Some(&b)]),
            Some(at("2026-11-29T00:00:00Z") - OVERLAP_SECS)
        );
        assert_eq!(since_of([Some(&a), None]), None);
        assert_eq!(since_of([]), None);
    }

    #[test]
    fn path_parameters_are_url_decoded() {
        assert_eq!(
            url_decode("arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fteam%2Fdeploy"),
            "arn:aws:iam::111122223333:role/team/deploy"
        );
        assert_eq!(url_decode("plain"), "plain");
        assert_eq!(url_decode("bad%zzescape%"), "bad%zzescape%");
        assert_eq!(url_decode("%41"), "A");
    }

    /// An association made by an Identity Center user through its permission set's role: the
    /// role with its path, the session (the person), the user id; the principal decoded; the
    /// scope said.
    #[test]
    fn an_event_keeps_who_called_and_what_it_granted() {
        let detail = json!({
            "eventName": "AssociateAccessPolicy",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com",
                "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"},
                                   "sourceIdentity": "alice"},
                "onBehalfOf": {"userId": "9067-abcd", "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-1"}
            },
            "sourceIPAddress": "203.0.113.7",
            "userAgent": "aws-cli/2.17.0",
            "requestParameters": {
                "name": "prod",
                "principalArn": "arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fci",
                "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                "accessScope": {"type": "namespace", "namespaces": ["a", "b"]}
            }
        });
        assert_eq!(cluster_of(&detail), Some("prod"));
        let event = event_of(&detail, "e-1", "2026-11-02T10:00:00Z");
        assert_eq!(
            event.principal_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/ci")
        );
        assert_eq!(event.access_scope.as_deref(), Some("namespace: a, b"));
        assert_eq!(
            event.actor.describe(),
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef (session alice@example.com, source identity alice, Identity Center user 9067-abcd)"
        );
        // EKS's own calls (a node group's entry) are said as such.
        let eks = actor_of(&json!({"type": "AWSService", "invokedBy": "eks.amazonaws.com"}));
        assert!(eks.is_eks_itself());
        assert_eq!(eks.describe(), "EKS itself (its service-linked role)");
    }
}
