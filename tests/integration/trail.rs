//! Who granted each way in, and when, from CloudTrail's EKS events read through the real AWS
//! SDK at the test bed's LookupEvents: one paged stream per account and region shared by its
//! clusters, URL-encoded principal ARNs, role sessions and Identity Center users, EKS's own
//! entries, an entry created before the window, a mismatch, a grant that is gone — and the
//! stream throttled at a later page, or denied.

use crate::common;
use crate::support::testbed;

use serde_json::{Value, json};
use std::time::SystemTime;
use testbed::{Scenario, Testbed};

const ACCOUNT: &str = "123456789012";
const ADMIN_POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const VIEW_POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";

fn days_ago(days: f64) -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        - days * 86_400.0
}

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn encoded(arn: &str) -> String {
    arn.replace(':', "%3A").replace('/', "%2F")
}

fn session(role_path: &str, name: &str) -> Value {
    let role_name = role_path.rsplit('/').next().unwrap();
    json!({"type": "AssumedRole",
           "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{name}"),
           "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role(role_path)}}})
}

fn entry(arn: &str, kind: &str, policy: Option<&str>, created_days_ago: f64) -> Value {
    let policies: Vec<Value> = policy
        .map(|p| json!({"policyArn": p, "accessScope": {"type": "cluster"}}))
        .into_iter()
        .collect();
    json!({"principalArn": arn, "type": kind, "kubernetesGroups": [],
           "policies": policies, "createdAt": days_ago(created_days_ago)})
}

/// `demo` (API_AND_CONFIG_MAP) and `other`, in one account and region.
fn scenario() -> Scenario {
    let mut scenario = Scenario::load("basic.json");
    let mut demo = scenario.clusters[0].clone();
    demo.authentication_mode = Some("API_AND_CONFIG_MAP".into());
    demo.created_days_ago = Some(30);
    demo.creator_identity = Some(session("Platform", "alice"));
    demo.access_entries = vec![
        entry(&role("ci"), "STANDARD", Some(ADMIN_POLICY), 10.0),
        entry(&role("team/old"), "STANDARD", Some(VIEW_POLICY), 200.0),
        entry(&role("nodes"), "EC2_LINUX", None, 29.0),
        entry(&role("moved"), "STANDARD", Some(VIEW_POLICY), 5.0),
    ];
    let sso = json!({"type": "AssumedRole",
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/bob@example.com"),
        "sessionContext": {"sessionIssuer": {"type": "Role",
            "arn": role("aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef")},
            "sourceIdentity": "bob"},
        "onBehalfOf": {"userId": "9067-b0b", "identityStoreArn": "arn:aws:identitystore::123456789012:identitystore/d-1"}});
    demo.trail = vec![
        json!({"eventName": "UpdateClusterConfig", "daysAgo": 25.0, "userIdentity": session("Platform", "alice"),
               "requestParameters": {"accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}}),
        // A contractor's admin access: granted, then the entry deleted — history, gone.
        json!({"eventName": "CreateAccessEntry", "daysAgo": 40.0, "userIdentity": session("Platform", "alice"),
               "requestParameters": {"principalArn": role("contractor"), "type": "STANDARD"}}),
        json!({"eventName": "AssociateAccessPolicy", "daysAgo": 39.9, "userIdentity": session("Platform", "alice"),
               "requestParameters": {"principalArn": encoded(&role("contractor")), "policyArn": ADMIN_POLICY,
                                     "accessScope": {"type": "cluster"}}}),
        json!({"eventName": "DeleteAccessEntry", "daysAgo": 20.0, "userIdentity": session("Platform", "alice"),
               "requestParameters": {"principalArn": encoded(&role("contractor"))}}),
        // `moved`'s event is 30 days old, its entry 5: a mismatch, said.
        json!({"eventName": "CreateAccessEntry", "daysAgo": 29.5, "userIdentity": session("Platform", "alice"),
               "requestParameters": {"principalArn": role("moved")}}),
        // `ci`: created by a pipeline's session, its admin policy associated by an Identity
        // Center user; a denied attempt before that granted nothing.
        json!({"eventName": "AssociateAccessPolicy", "daysAgo": 10.5, "userIdentity": session("deploy/ci-runner", "run-7"),
               "errorCode": "AccessDeniedException",
               "requestParameters": {"principalArn": encoded(&role("ci")), "policyArn": ADMIN_POLICY,
                                     "accessScope": {"type": "cluster"}}}),
        json!({"eventName": "CreateAccessEntry", "daysAgo": 10.0, "userIdentity": session("deploy/ci-runner", "run-8"),
               "sourceIPAddress": "203.0.113.8", "userAgent": "terraform/1.9",
               "requestParameters": {"principalArn": role("ci"), "type": "STANDARD"}}),
        json!({"eventName": "AssociateAccessPolicy", "daysAgo": 9.9, "userIdentity": sso,
               "requestParameters": {"principalArn": encoded(&role("ci")), "policyArn": ADMIN_POLICY,
                                     "accessScope": {"type": "cluster"}}}),
    ];
    // `other` shares the account and region (and the stream): 60 events of its own, older
    // than demo's, so the stream has two pages and demo's older events are on the second.
    let mut other = scenario.clusters[0].clone();
    other.name = "other".into();
    other.trail = (0..60)
        .map(|i| {
            json!({"eventName": "AssociateAccessPolicy", "daysAgo": 15.0 + f64::from(i) * 0.01,
                   "userIdentity": session("Platform", "alice"),
                   "requestParameters": {"principalArn": encoded(&role(&format!("viewer-{i}"))),
                                         "policyArn": VIEW_POLICY, "accessScope": {"type": "cluster"}}})
        })
        .collect();
    scenario.clusters = vec![demo, other];
    scenario
}

/// `cluster --name demo --format json --no-iam --allow-incomplete`, and `extra`.
fn run_demo(bed: &Testbed, home: &std::path::Path, extra: &[&str]) -> testbed::Run {
    let mut args = vec![
        "cluster",
        "--name",
        "demo",
        "--format",
        "json",
        "--no-iam",
        "--allow-incomplete",
    ];
    args.extend_from_slice(extra);
    bed.run(home, "admin", &args)
}

fn audit(bed: &Testbed, home: &str) -> Value {
    let home = common::scratch(home);
    let run = run_demo(bed, &home, &[]);
    assert!(run.code <= 3, "{}", run.stderr);
    run.json()
}

fn provenance<'a>(report: &'a Value, arn_suffix: &str) -> &'a str {
    report["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["arn"].as_str().unwrap().ends_with(arn_suffix)
                && p["source"].as_str().unwrap().starts_with("access entry")
        })
        .unwrap_or_else(|| panic!("no row for {arn_suffix}: {report:#}"))["provenance"]
        .as_str()
        .unwrap_or_default()
}

fn lookups(bed: &Testbed) -> usize {
    bed.requests()
        .iter()
        .filter(|r| r.server == "cloudtrail")
        .count()
}

#[test]
fn each_entry_says_who_granted_it_and_the_history_keeps_what_is_gone() {
    let bed = Testbed::start(scenario());
    let report = audit(&bed, "trail-whole");
    // The whole stream: two pages, once (the creator and the entries share it).
    assert_eq!(lookups(&bed), 2);
    let ci = provenance(&report, "role/ci");
    assert!(
        ci.contains(&format!("by {} (session run-8)", role("deploy/ci-runner")))
            && ci.contains("from 203.0.113.8, with terraform/1.9")
            && ci.contains("AmazonEKSClusterAdminPolicy associated at")
            && ci.contains(
                "(session bob@example.com, source identity bob, Identity Center user 9067-b0b)"
            ),
        "{ci}"
    );
    assert!(
        provenance(&report, "role/team/old").contains("before CloudTrail's 90-day window")
            && provenance(&report, "role/team/old").contains("actor unknown"),
        "{report:#}"
    );
    assert!(
        provenance(&report, "role/nodes").contains("by EKS itself (entries of type EC2_LINUX"),
        "{report:#}"
    );
    assert!(
        provenance(&report, "role/moved").contains("the times do not match"),
        "{report:#}"
    );
    // The history: oldest first, the denied call left out, the contractor's admin grant gone.
    let history = report["history"].as_array().unwrap();
    let events: Vec<(&str, bool)> = history
        .iter()
        .map(|h| (h["event"].as_str().unwrap(), h["gone"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        events,
        [
            ("CreateAccessEntry", true),
            ("AssociateAccessPolicy", true),
            ("CreateCluster", false),
            ("CreateAccessEntry", false),
            ("UpdateClusterConfig", false),
            ("DeleteAccessEntry", false),
            ("CreateAccessEntry", false),
            ("AssociateAccessPolicy", false),
        ],
        "{history:#?}"
    );
    let contractor = &history[1];
    assert_eq!(contractor["principal"], role("contractor"), "URL-decoded");
    assert_eq!(contractor["admin"], true);
    assert!(
        contractor["what"]
            .as_str()
            .unwrap()
            .starts_with("associated AmazonEKSClusterAdminPolicy (cluster) with")
    );
    // `other`'s events are not demo's.
    assert!(!history.iter().any(|h| {
        h["principal"]
            .as_str()
            .unwrap_or_default()
            .contains("viewer-")
    }));

    // A scan of both clusters reads the account and region's stream once: two pages, not
    // two per cluster.
    let before = lookups(&bed);
    let home = common::scratch("trail-scan");
    let scan = bed.run(
        &home,
        "admin",
        &[
            "scan",
            "--regions",
            "us-east-1",
            "--no-iam",
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(
        scan.stdout
            .lines()
            .filter(|l| l.contains("\"kind\":\"cluster\""))
            .count(),
        2,
        "{}\n{}",
        scan.stdout,
        scan.stderr
    );
    assert_eq!(lookups(&bed) - before, 2);
    // The fleet's summary says who had administrator power in the window that is gone now.
    let summary: Value = serde_json::from_str(scan.stdout.lines().last().unwrap()).unwrap();
    let former = &summary["former_admins"][role("contractor")];
    assert_eq!(former.as_array().map(Vec::len), Some(1), "{summary:#}");
    assert!(
        former[0]["what"]
            .as_str()
            .unwrap()
            .starts_with("associated AmazonEKSClusterAdminPolicy (cluster)")
            && former[0]["actor"]
                .as_str()
                .unwrap()
                .contains("role/Platform (session alice)"),
        "{former:#}"
    );
    let table = bed.run(
        &common::scratch("trail-scan-table"),
        "admin",
        &["scan", "--regions", "us-east-1", "--no-iam"],
    );
    assert!(
        table
            .stdout
            .contains("who had administrator power in CloudTrail's window, gone now:")
            && table.stdout.contains(&role("contractor")),
        "{}",
        table.stdout
    );
    // The fleet's Markdown and HTML say it too, with who granted it and when.
    for (format, heading) in [
        (
            "markdown",
            "Who had administrator power in CloudTrail's window, gone now (1 principal(s))",
        ),
        (
            "html",
            "<h2>Who had administrator power, gone now (1 principal(s))</h2>",
        ),
    ] {
        let page = bed.run(
            &common::scratch("trail-scan-pages"),
            "admin",
            &[
                "scan",
                "--regions",
                "us-east-1",
                "--no-iam",
                "--format",
                format,
            ],
        );
        assert!(
            page.stdout.contains(heading)
                && page.stdout.contains(&role("contractor"))
                && page.stdout.contains("role/Platform (session alice)"),
            "{format}: {}",
            page.stdout
        );
    }

    // The snapshot keeps the events: a replay says the same.
    let home = common::scratch("trail-snapshot");
    let snapshot = home.join("snap.json");
    let collected = bed.run(
        &home,
        "admin",
        &[
            "collect",
            "--name",
            "demo",
            "--no-iam",
            "-o",
            snapshot.to_str().unwrap(),
        ],
    );
    // Exit 3: IAM was skipped (`--no-iam`), which the snapshot says.
    assert_eq!(collected.code, 3, "{}", collected.stderr);
    let replay: Value = serde_json::from_str(
        &common::run(&["check", snapshot.to_str().unwrap(), "--format", "json"]).stdout,
    )
    .unwrap();
    // (The test bed's clock moved between the two reads: times aside, the same.)
    let timeless = |report: &Value| -> Vec<Value> {
        report["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| json!([h["event"], h["what"], h["actor"], h["gone"], h["admin"]]))
            .collect()
    };
    assert_eq!(timeless(&replay), timeless(&report));
    // Every human format shows the history: a table section, a Markdown section, an HTML
    // timeline (the gone admin grant marked).
    let table = common::run_wide(&["check", snapshot.to_str().unwrap()]).stdout;
    assert!(
        table.contains("access history (8 change(s) in CloudTrail's window):"),
        "{table}"
    );
    let markdown =
        common::run(&["check", snapshot.to_str().unwrap(), "--format", "markdown"]).stdout;
    assert!(
        markdown.contains("Access history (8 changes in CloudTrail's window)"),
        "{markdown}"
    );
    let html = common::run(&["check", snapshot.to_str().unwrap(), "--format", "html"]).stdout;
    assert!(html.contains("<ol class=\"timeline\">"), "no timeline");
    assert_eq!(
        html.matches("<li class=\"gone\">").count(),
        2,
        "the contractor's two grants"
    );
    assert!(html.contains(
        "<span class=\"mark admin\">admin</span> <span class=\"mark gone\">gone now</span>"
    ));
    let replayed = provenance(&replay, "role/ci");
    assert!(
        replayed.contains("(session run-8)") && replayed.contains("Identity Center user 9067-b0b"),
        "{replayed}"
    );
}

#[test]
fn a_stream_throttled_at_its_second_page_keeps_the_first_and_says_so() {
    let mut scenario = scenario();
    scenario.clusters[0].cloudtrail_fault =
        Some(serde_json::from_value(json!({"status": 400})).unwrap());
    scenario.clusters[0].cloudtrail_fault_from_page = Some(2);
    let bed = Testbed::start(scenario);
    let report = audit(&bed, "trail-throttled");
    // Page 1 (demo's newest events) attributes `ci`; the contractor's older events were on
    // page 2: the history lacks them, and the notes say the read was partial.
    let ci = provenance(&report, "role/ci");
    assert!(ci.contains("(session run-8)"), "{ci}");
    let moved = provenance(&report, "role/moved");
    assert!(
        moved.contains("actor unknown: CloudTrail was read in part"),
        "{moved}"
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("CloudTrail's EKS events were read in part (1 page(s)"),
        "{notes}"
    );
    assert!(
        !report["history"].to_string().contains("contractor"),
        "{:#}",
        report["history"]
    );
}

#[test]
fn a_denied_stream_leaves_every_actor_unknown_never_absent() {
    let mut scenario = scenario();
    scenario.clusters[0].cloudtrail_fault =
        Some(serde_json::from_value(json!({"status": 403})).unwrap());
    let bed = Testbed::start(scenario);
    let report = audit(&bed, "trail-denied");
    let ci = provenance(&report, "role/ci");
    assert!(
        ci.contains("its actor not read: CloudTrail unknown(access_denied)"),
        "{ci}"
    );
    assert!(report.get("history").is_none(), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("CloudTrail's EKS events (who granted each access entry and policy; the history) could not be read: unknown(access_denied)"),
        "{}",
        report["notes"]
    );
}

fn audit_with_policy(bed: &Testbed, home: &str, grantors: &str) -> testbed::Run {
    let home = common::scratch(home);
    let policy = home.join("policy.yaml");
    std::fs::write(
        &policy,
        format!(
            "apiVersion: aws-auth-audit/v1\nkind: Policy\nscopes:\n  - match: {{}}\n    grantors:\n{grantors}"
        ),
    )
    .unwrap();
    run_demo(bed, &home, &["--policy", policy.to_str().unwrap()])
}

fn ea506(run: &testbed::Run) -> Vec<Value> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "EA506")
        .cloned()
        .collect()
}

/// `grantors` in the policy: `ci`'s admin entry was created by a pipeline's role and its admin
/// policy associated by an Identity Center user — each named, with the event, unless listed;
/// with CloudTrail denied the verdict is undecided (exit 3), never a pass.
#[test]
fn an_admin_granted_by_someone_not_listed_is_named_with_the_event() {
    let bed = Testbed::start(scenario());
    let only_platform = audit_with_policy(&bed, "trail-grantors", "      - role_name: Platform\n");
    let found = ea506(&only_platform);
    assert_eq!(found.len(), 1, "{found:#?}");
    let message = found[0]["message"].as_str().unwrap();
    assert_eq!(found[0]["principal"], role("ci"));
    assert!(
        message.contains(&format!("{} (session run-8) created an access entry for", role("deploy/ci-runner")))
            && message.contains("(session bob@example.com, source identity bob, Identity Center user 9067-b0b) associated AmazonEKSClusterAdminPolicy (cluster) with")
            && message.contains("(event event-demo-"),
        "{message}"
    );
    let listed = audit_with_policy(
        &bed,
        "trail-grantors-listed",
        "      - role_name: ci-runner\n      - sso_permission_set: Admin\n",
    );
    assert!(ea506(&listed).is_empty(), "{}", listed.stdout);

    let mut denied = scenario();
    denied.clusters[0].cloudtrail_fault =
        Some(serde_json::from_value(json!({"status": 403})).unwrap());
    let bed = Testbed::start(denied);
    let unread = audit_with_policy(
        &bed,
        "trail-grantors-denied",
        "      - role_name: Platform\n",
    );
    let found = ea506(&unread);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["status"], "unknown(cloudtrail_unread)");
    // Undecided: the coverage says the run is incomplete (listed among the undecided).
    assert_eq!(unread.json()["coverage"]["complete"], false);
}

fn audit_event(days: f64, verb: &str, arn: &str, session: &str, map_roles: Option<&str>) -> String {
    let time = aws_smithy_types::DateTime::from_secs(days_ago(days) as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap();
    let mut event = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": format!("audit-{days}"), "stage": "ResponseComplete", "verb": verb,
        "requestReceivedTimestamp": time,
        "user": {"username": format!("ops:{session}"), "extra": {
            "arn": [format!("arn:aws:sts::{ACCOUNT}:assumed-role/x/{session}")],
            "canonicalArn": [arn], "sessionName": [session]}},
        "sourceIPs": ["203.0.113.9"], "userAgent": "kubectl/v1.31.0",
        "objectRef": {"resource": "configmaps", "namespace": "kube-system", "name": "aws-auth", "apiVersion": "v1"},
        "responseStatus": {"code": 200}
    });
    if let Some(roles) = map_roles {
        event["requestObject"] = json!({"kind": "ConfigMap", "data": {"mapRoles": roles}});
    }
    event.to_string()
}

fn row(name: &str, groups: &str) -> String {
    format!(
        "- rolearn: {}\n  username: {name}\n  groups: [{groups}]\n",
        role(name)
    )
}

/// The audit log in CloudWatch Logs (moto): successive request bodies tell which write added
/// each aws-auth row; a row present before the first recorded write is said to be so; the
/// writes join the access history (an admin row added, a row added then removed).
#[test]
fn the_audit_log_says_who_added_each_aws_auth_row() {
    let moto = testbed::moto::Moto::start();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&testbed::moto::sdk::config(&moto.url));
    let dev = row("dev", "viewers");
    let ops = row("ops", "system:masters");
    let temp = row("temp", "viewers");
    let terraform = role("Terraform");
    let ops_role = role("Ops");
    let events = [
        audit_event(30.0, "update", &terraform, "tf", Some(&dev)),
        audit_event(
            10.0,
            "patch",
            &ops_role,
            "alice",
            Some(&format!("{dev}{ops}")),
        ),
        audit_event(
            5.0,
            "update",
            &ops_role,
            "alice",
            Some(&format!("{dev}{ops}{temp}")),
        ),
        audit_event(
            2.0,
            "update",
            &ops_role,
            "alice",
            Some(&format!("{dev}{ops}")),
        ),
        // Not aws-auth: left out.
        audit_event(1.0, "update", &ops_role, "alice", None).replace("\"aws-auth\"", "\"coredns\""),
    ];
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        logs.create_log_group()
            .log_group_name("/aws/eks/demo/cluster")
            .send()
            .await
            .unwrap();
        logs.create_log_stream()
            .log_group_name("/aws/eks/demo/cluster")
            .log_stream_name("kube-apiserver-audit-0123")
            .send()
            .await
            .unwrap();
        let mut batch = logs
            .put_log_events()
            .log_group_name("/aws/eks/demo/cluster")
            .log_stream_name("kube-apiserver-audit-0123");
        for (i, (message, days)) in events.iter().zip([12.0, 10.0, 5.0, 2.0, 1.0]).enumerate() {
            batch = batch.log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp((days_ago(days) * 1000.0) as i64 + i as i64)
                    .message(message)
                    .build()
                    .unwrap(),
            );
        }
        batch.send().await.unwrap();
    });
    let mut scenario = scenario();
    scenario.clusters[0].audit_log = Some(true);
    scenario.clusters[0].aws_auth = Some(
        [("mapRoles".to_string(), format!("{dev}{ops}"))]
            .into_iter()
            .collect(),
    );
    let bed = Testbed::start_with_moto(scenario, moto);
    let report = audit(&bed, "trail-audit-log");
    let aws_auth_row = |name: &str| -> String {
        report["principals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| {
                p["arn"] == role(name) && p["source"].as_str().unwrap().starts_with("aws-auth")
            })
            .unwrap_or_else(|| panic!("{name}: {report:#}"))["provenance"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let ops_said = aws_auth_row("ops");
    assert!(
        ops_said.starts_with("added to aws-auth at")
            && ops_said.contains(&format!(
                "by {ops_role} (username ops:alice, session alice, from 203.0.113.9) (patch"
            )),
        "{ops_said}"
    );
    assert!(
        aws_auth_row("dev").contains("before its first recorded write"),
        "{report:#}"
    );
    let writes: Vec<(String, bool, bool)> = report["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"].as_str().unwrap().starts_with("aws-auth"))
        .map(|h| {
            (
                h["what"].as_str().unwrap().to_string(),
                h["admin"].as_bool().unwrap(),
                h["gone"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(writes.len(), 4, "{writes:#?}");
    assert!(
        writes[0].0.contains("which rows it changed is not known"),
        "{writes:#?}"
    );
    assert!(
        writes[1].0.contains(&format!(
            "added {} → ops [system:masters]",
            role("ops").to_lowercase()
        )) && writes[1].1,
        "{writes:#?}"
    );
    assert!(
        writes[2].0.contains("added") && writes[2].0.contains("temp") && writes[2].2,
        "{writes:#?}"
    );
    assert!(
        writes[3].0.contains("removed") && writes[3].0.contains("temp"),
        "{writes:#?}"
    );
    // The audit log was read at moto, once.
    assert!(
        !report["notes"].to_string().contains("audit log"),
        "{}",
        report["notes"]
    );
}

/// `scan --baseline`: CloudTrail is read only from shortly before the baseline's read ended,
/// and what the baseline read before is carried forward — the same history and provenance as
/// a whole read, from fewer pages. The baseline here is the first scan's, its reads cut back to
/// twelve days ago (as a scan of twelve days ago would have left them): the second scan must read
/// the events since then itself.
#[test]
fn a_scan_with_a_baseline_reads_only_what_came_after_it_and_carries_the_rest() {
    let bed = Testbed::start(scenario());
    let scan = |home: &str, extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--regions",
            "us-east-1",
            "--no-iam",
            "--format",
            "jsonl",
        ];
        args.extend_from_slice(extra);
        bed.run(&common::scratch(home), "admin", &args)
    };
    let before = lookups(&bed);
    let whole = scan("trail-baseline-whole", &[]);
    let whole_pages = lookups(&bed) - before;
    assert_eq!(whole_pages, 2, "{}", whole.stderr);
    // Clusters finish in any order: by name.
    let clusters = |out: &str| -> Vec<Value> {
        let mut lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["kind"] == "cluster")
            .collect();
        lines.sort_by_key(|l| l["cluster"].as_str().unwrap().to_string());
        lines
    };
    let twelve_days_ago = {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        aws_smithy_types::DateTime::from_secs(now - 12 * 86_400)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap()
    };
    let seconds = |t: &str| {
        aws_smithy_types::DateTime::from_str(t, aws_smithy_types::date_time::Format::DateTime)
            .unwrap()
            .secs()
    };
    // The baseline as a scan twelve days ago left it.
    let mut baseline = String::new();
    for line in whole.stdout.lines() {
        let mut line: Value = serde_json::from_str(line).unwrap();
        if line["kind"] == "cluster" {
            let trail = &mut line["report"]["trail"];
            assert!(trail.is_object(), "a whole read is carried: {line:#}");
            trail["window_end"] = json!(twelve_days_ago);
            let events = trail["events"].as_array_mut().unwrap();
            events
                .retain(|e| seconds(e["event_time"].as_str().unwrap()) < seconds(&twelve_days_ago));
        }
        baseline.push_str(&format!("{line}\n"));
    }
    let home = common::scratch("trail-baseline-files");
    let path = common::write(&home, "baseline.jsonl", baseline.as_bytes());
    let before = lookups(&bed);
    let incremental = scan("trail-baseline-incremental", &["--baseline", &path]);
    let incremental_pages = lookups(&bed) - before;
    assert_eq!(
        incremental_pages, 1,
        "only the last twelve days: {}",
        incremental.stderr
    );
    // The same events, history and provenance as the whole read.
    let (whole, incremental) = (clusters(&whole.stdout), clusters(&incremental.stdout));
    assert_eq!(whole.len(), 2);
    for (a, b) in whole.iter().zip(&incremental) {
        let ids = |line: &Value, key: &str| -> Vec<String> {
            line["report"][key]
                .as_array()
                .into_iter()
                .flatten()
                .map(|h| {
                    format!(
                        "{} {} {} gone={} admin={}",
                        h["event_id"], h["event"], h["principal"], h["gone"], h["admin"]
                    )
                })
                .collect()
        };
        assert_eq!(ids(a, "history"), ids(b, "history"), "{}", a["cluster"]);
        let actors = |line: &Value| -> Vec<String> {
            line["report"]["principals"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| p["provenance"]["actor"].to_string())
                .collect()
        };
        assert_eq!(actors(a), actors(b), "{}", a["cluster"]);
        let trail = &b["report"]["trail"];
        assert_eq!(
            trail["events"].as_array().unwrap().len(),
            a["report"]["trail"]["events"].as_array().unwrap().len()
        );
        assert!(trail["carried_until"].is_string(), "{trail:#}");
        assert!(
            b["report"]["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_str().unwrap().contains("carried from the baseline")),
            "{:#}",
            b["report"]["notes"]
        );
    }
}
