//! Access entries and the authentication mode, read through the real AWS SDK from the local
//! test bed's EKS routes: every page of ListAccessEntries, each entry described with its
//! policies, `CONFIG_MAP`'s InvalidRequestException as "no entries", throttling retried by the
//! SDK then unknown — and the rules that judge them.

mod common;
#[path = "support/testbed.rs"]
mod testbed;

use serde_json::{Value, json};
use testbed::{Scenario, Testbed};

const ACCOUNT: &str = "123456789012";
const POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/";

fn entry(role: &str, policy: &str, scope: Value) -> Value {
    json!({"principalArn": format!("arn:aws:iam::{ACCOUNT}:{role}"), "type": "STANDARD",
           "kubernetesGroups": [],
           "policies": [{"policyArn": format!("{POLICY}{policy}"), "accessScope": scope}]})
}

fn scenario() -> Scenario {
    let cluster_scope = json!({"type": "cluster"});
    let mut entries = vec![
        // the creator's bootstrap entry: created with the cluster
        {
            let mut e = entry(
                "role/terraform",
                "AmazonEKSClusterAdminPolicy",
                cluster_scope.clone(),
            );
            e["createdAt"] = json!(1_767_225_603.0);
            e
        },
        entry("role/ops/ops", "AmazonEKSViewPolicy", cluster_scope.clone()),
        entry(
            "user/alice",
            "AmazonEKSViewPolicy",
            json!({"type": "namespace", "namespaces": ["alice"]}),
        ),
        entry(
            "role/team",
            "AmazonEKSEditPolicy",
            json!({"type": "namespace", "namespaces": ["team-*"]}),
        ),
        entry(
            "role/argo",
            "AmazonEKSArgoCDClusterPolicy",
            cluster_scope.clone(),
        ),
        entry(
            "role/auditor",
            "AmazonEKSAdminViewPolicy",
            cluster_scope.clone(),
        ),
        json!({"principalArn": "arn:aws:iam::444455556666:role/partner", "type": "STANDARD",
               "policies": [{"policyArn": format!("{POLICY}AmazonEKSViewPolicy"), "accessScope": {"type": "namespace", "namespaces": ["partner"]}}]}),
        json!({"principalArn": format!("arn:aws:iam::{ACCOUNT}:role/platform"), "type": "STANDARD",
               "username": "platform-admin", "kubernetesGroups": ["platform"], "policies": []}),
    ];
    for i in 0..140 {
        entries.push(entry(
            &format!("role/filler-{i:03}"),
            "AmazonEKSViewPolicy",
            json!({"type": "namespace", "namespaces": [format!("team-{i}")]}),
        ));
    }
    let aws_auth = json!({"mapRoles": format!(
        "- rolearn: arn:aws:iam::{ACCOUNT}:role/ops\n  username: ops\n  groups:\n    - system:masters\n"
    )});
    let base = |name: &str, mode: &str| {
        json!({"name": name, "region": "us-east-1", "account": ACCOUNT, "version": "1.31",
               "authentication_mode": mode, "aws_auth": aws_auth,
               "rbac": {"cluster_roles": [{"metadata": {"name": "view"}, "rules": []}]}})
    };
    let mut mixed = base("mixed", "API_AND_CONFIG_MAP");
    mixed["creator_identity"] = json!({"type": "AssumedRole",
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/terraform/ci-run"),
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/terraform")}}});
    mixed["access_entries"] = json!(entries);
    let mut legacy = base("legacy", "CONFIG_MAP");
    legacy["created_days_ago"] = json!(10);
    legacy["creator_identity"] = json!({"type": "AssumedRole",
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/Platform/alice"),
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/Platform")}}});
    legacy["nodegroups"] = json!([{"nodegroupName": "workers", "nodeRole": format!("arn:aws:iam::{ACCOUNT}:role/eks-workers")}]);
    legacy["fargate_profiles"] = json!([{"fargateProfileName": "default", "podExecutionRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/ops")}]);
    let mut api = base("api", "API");
    api["access_entries"] = json!([entry(
        "role/ops",
        "AmazonEKSViewPolicy",
        cluster_scope.clone()
    )]);
    let mut throttled = base("throttled", "API_AND_CONFIG_MAP");
    throttled["access_entries"] = json!([entry(
        "role/ops",
        "AmazonEKSViewPolicy",
        cluster_scope.clone()
    )]);
    throttled["eks_faults"] = json!({"DescribeAccessEntry": {"status": 429}});
    let mut flaky = base("flaky", "API_AND_CONFIG_MAP");
    flaky["access_entries"] = json!([entry("role/ops", "AmazonEKSViewPolicy", cluster_scope)]);
    flaky["eks_faults"] = json!({"DescribeAccessEntry": {"status": 429, "times": 1}});
    serde_json::from_value(json!({
        "clusters": [mixed, legacy, api, throttled, flaky],
        "identities": [{"access_key_id": "AKIATESTADMIN0000001", "secret_access_key": "testbed-admin-secret-0000000000000000001", "arn": format!("arn:aws:iam::{ACCOUNT}:user/admin")}],
    }))
    .unwrap()
}

fn audit(bed: &Testbed, cluster: &str) -> testbed::Run {
    let home = common::scratch(&format!("entries-{cluster}"));
    bed.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            cluster,
            "--format",
            "json",
            "--no-iam",
            "--allow-incomplete",
        ],
    )
}

/// (code, principal) of every failing finding.
fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["principal"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The first finding of `code`.
fn finding<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report}"))
}

fn eks_requests(bed: &Testbed, cluster: &str) -> Vec<(String, u16)> {
    let prefix = format!("/clusters/{cluster}/access-entries");
    bed.requests()
        .into_iter()
        .filter(|r| r.server == "eks" && r.path.starts_with(&prefix))
        .map(|r| {
            let tail = r.path[prefix.len()..].to_string();
            let kind = if tail.is_empty() {
                format!("list?{}", r.query)
            } else if tail.ends_with("/access-policies") {
                "policies".to_string()
            } else {
                "describe".to_string()
            };
            (kind, r.status)
        })
        .collect()
}

fn not_evaluated(report: &Value) -> Vec<String> {
    report["coverage"]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            format!(
                "{} {}",
                n["code"].as_str().unwrap(),
                n["reason"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn every_entry_is_read_and_judged_under_the_mode() {
    let bed = Testbed::start(scenario());
    let run = audit(&bed, "mixed");
    let report = run.json();
    // Only IAM (skipped) is missing: every access-entry rule ran.
    assert!(
        not_evaluated(&report).iter().all(|n| n.starts_with("EA40")),
        "{:?}",
        not_evaluated(&report)
    );
    let found = findings(&report);
    let has =
        |code: &str, suffix: &str| found.iter().any(|(c, p)| c == code && p.ends_with(suffix));
    assert!(has("EA201", "role/terraform"), "{found:?}");
    assert!(
        has("EA302", "role/terraform"),
        "the creator's bootstrap entry: {found:?}"
    );
    assert!(has("EA202", "role/auditor"));
    assert!(has("EA203", "role/team"));
    assert!(has("EA204", "role/argo"));
    assert!(has("EA207", "user/alice"));
    assert!(has("EA208", "444455556666:role/partner"));
    assert!(has("EA209", "role/platform"));
    assert!(
        has("EA304", "role/ops"),
        "aws-auth's role/ops is shadowed by role/ops/ops"
    );
    assert!(
        !found
            .iter()
            .any(|(c, _)| c == "EA301" || c == "EA303" || c == "EA305")
    );
    // The access matrix: the shadowed aws-auth row is not in effect, the entry that shadows
    // it is; the creator's entry is cluster-admin.
    let principals = report["principals"].as_array().unwrap();
    assert_eq!(
        principals.len(),
        148 + 1,
        "148 entries and one aws-auth row"
    );
    let row = principals
        .iter()
        .find(|p| p["source"] == "aws-auth mapRoles[0]")
        .unwrap();
    assert_eq!(row["in_effect"], false);
    assert_eq!(
        row["tier"], "cluster-admin",
        "system:masters, were it in effect"
    );
    assert!(row["note"].as_str().unwrap().contains("access entry"));
    let by_arn = |suffix: &str| {
        principals
            .iter()
            .find(|p| p["arn"].as_str().unwrap().ends_with(suffix))
            .unwrap()
    };
    assert_eq!(by_arn("role/ops/ops")["tier"], "view");
    assert_eq!(by_arn("role/ops/ops")["in_effect"], true);
    assert_eq!(by_arn("role/terraform")["tier"], "cluster-admin");
    assert_eq!(by_arn("role/team")["tier"], "edit");
    assert_eq!(by_arn("role/argo")["tier"], "unknown");
    // None of the 140 namespace-scoped viewers is reported.
    assert!(
        !found.iter().any(|(_, p)| p.contains("filler")),
        "{found:?}"
    );

    // 148 entries: two pages of at most 100, then one describe and one policy list each.
    // Created 2026-01-01, beyond CloudTrail's 90 days: not asked; the creator's entry is found
    // by the heuristic, which says so.
    assert_eq!(
        bed.requests()
            .iter()
            .filter(|r| r.server == "cloudtrail")
            .count(),
        0
    );
    let creator_entry = finding(&report, "EA302");
    assert!(
        creator_entry["message"]
            .as_str()
            .unwrap()
            .contains("a heuristic"),
        "{creator_entry}"
    );
    let requests = eks_requests(&bed, "mixed");
    let lists: Vec<&String> = requests
        .iter()
        .filter(|(k, _)| k.starts_with("list"))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        lists,
        ["list?maxResults=100", "list?maxResults=100&nextToken=100"]
    );
    assert_eq!(
        requests.iter().filter(|(k, _)| k == "describe").count(),
        148
    );
    assert_eq!(
        requests.iter().filter(|(k, _)| k == "policies").count(),
        148
    );
}

#[test]
fn config_map_mode_has_no_entries_and_a_hidden_creator() {
    let bed = Testbed::start(scenario());
    let report = audit(&bed, "legacy").json();
    let found = findings(&report);
    let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert!(
        codes.contains(&"EA301") && codes.contains(&"EA303"),
        "{codes:?}"
    );
    // InvalidRequestException is the mode speaking, not an error: access-entry rules ran.
    assert!(
        not_evaluated(&report).iter().all(|n| n.starts_with("EA40")),
        "{:?}",
        not_evaluated(&report)
    );
    assert_eq!(
        eks_requests(&bed, "legacy"),
        [("list?maxResults=100".to_string(), 400)]
    );
    assert!(!report["notes"].to_string().contains("ListAccessEntries"));
    // CloudTrail names the creator: the session's issuing role.
    let hidden = finding(&report, "EA301");
    assert_eq!(
        hidden["principal"],
        format!("arn:aws:iam::{ACCOUNT}:role/Platform")
    );
    assert!(
        hidden["message"]
            .as_str()
            .unwrap()
            .contains("(CloudTrail CreateCluster event of "),
        "{hidden}"
    );
    let creator_row = report["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["source"].as_str().unwrap().starts_with("creator"))
        .unwrap();
    assert_eq!(creator_row["tier"], "cluster-admin");
    assert_eq!(
        creator_row["arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/Platform")
    );
    let lookups = bed
        .requests()
        .iter()
        .filter(|r| r.server == "cloudtrail")
        .count();
    assert_eq!(lookups, 1, "one LookupEvents page");
}

#[test]
fn api_mode_ignores_aws_auth() {
    let bed = Testbed::start(scenario());
    let report = audit(&bed, "api").json();
    let found = findings(&report);
    assert!(found.iter().any(|(c, _)| c == "EA305"), "{found:?}");
    assert!(
        !found.iter().any(|(c, _)| c == "EA304"),
        "EA304 is for API_AND_CONFIG_MAP"
    );
}

#[test]
fn throttling_is_retried_by_the_sdk_then_unknown() {
    let bed = Testbed::start(scenario());
    let flaky = audit(&bed, "flaky").json();
    assert!(
        not_evaluated(&flaky).iter().all(|n| n.starts_with("EA40")),
        "{:?}",
        not_evaluated(&flaky)
    );
    let describes: Vec<u16> = eks_requests(&bed, "flaky")
        .into_iter()
        .filter(|(k, _)| k == "describe")
        .map(|(_, s)| s)
        .collect();
    assert_eq!(describes, [429, 200]);

    let home = common::scratch("entries-throttled");
    let throttled = bed.run(
        &home,
        "admin",
        &[
            "cluster",
            "--name",
            "throttled",
            "--format",
            "json",
            "--no-iam",
        ],
    );
    assert_eq!(throttled.code, 3, "{}", throttled.stderr);
    let report = throttled.json();
    let missing = not_evaluated(&report);
    let ea201 = missing.iter().find(|n| n.starts_with("EA201")).unwrap();
    assert!(
        ea201.contains("unknown(throttled)") && ea201.contains("DescribeAccessEntry"),
        "{ea201}"
    );
    // The mode rules still ran: they do not need the entries.
    assert!(
        !missing
            .iter()
            .any(|n| n.starts_with("EA303") || n.starts_with("EA305"))
    );
    let describes = eks_requests(&bed, "throttled")
        .into_iter()
        .filter(|(k, _)| k == "describe")
        .count();
    assert_eq!(describes, 3, "the SDK's standard retry: three attempts");
}

#[test]
fn whois_answers_across_both_sources_under_the_mode() {
    let bed = Testbed::start(scenario());
    let home = common::scratch("entries-whois");
    let ask = |cluster: &str, arn: &str| {
        bed.run(
            &home,
            "admin",
            &["whois", arn, "--cluster", cluster, "--format", "json"],
        )
    };
    // role ops: aws-auth maps it to system:masters, but its access entry (with a path) wins.
    let session = format!("arn:aws:sts::{ACCOUNT}:assumed-role/ops/alice");
    let mixed = ask("mixed", &session);
    assert_eq!(mixed.code, 0, "{}", mixed.stderr);
    let answer = mixed.json();
    assert_eq!(answer["decided_by"], "access_entry", "{answer}");
    assert_eq!(
        answer["access_entry"]["principal_arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/ops/ops")
    );
    assert_eq!(
        answer["aws_auth"]["groups"],
        json!(["system:masters"]),
        "shown, not applied"
    );
    assert!(
        answer["reason"]
            .as_str()
            .unwrap()
            .contains("takes priority")
    );
    // CONFIG_MAP: the same role is decided by aws-auth; entries are not consulted.
    let legacy = ask("legacy", &session).json();
    assert_eq!(legacy["decided_by"], "aws_auth");
    // API: aws-auth is ignored; a principal without an entry is refused.
    let api = ask("api", &format!("arn:aws:iam::{ACCOUNT}:role/nobody")).json();
    assert_eq!(api["decided_by"], "nobody");
}

#[test]
fn cloudtrail_denied_leaves_the_creator_unnamed_and_said_so() {
    let mut denied = scenario();
    denied.clusters[1].cloudtrail_fault = Some(testbed::Fault {
        status: 403,
        times: None,
        hang: false,
    });
    let bed = Testbed::start(denied);
    let report = audit(&bed, "legacy").json();
    let hidden = finding(&report, "EA301");
    let message = hidden["message"].as_str().unwrap();
    assert!(
        message.contains("CloudTrail could not be read: unknown(access_denied)")
            && message.contains("pass --creator ARN"),
        "{message}"
    );
    // The user can say who it is: CloudTrail is then not asked.
    let before = bed
        .requests()
        .iter()
        .filter(|r| r.server == "cloudtrail")
        .count();
    let home = common::scratch("entries-creator");
    let named = bed
        .run(
            &home,
            "admin",
            &[
                "cluster",
                "--name",
                "legacy",
                "--format",
                "json",
                "--no-iam",
                "--allow-incomplete",
                "--creator",
                "arn:aws:iam::123456789012:role/Founder",
            ],
        )
        .json();
    let after = bed
        .requests()
        .iter()
        .filter(|r| r.server == "cloudtrail")
        .count();
    assert_eq!(before, after, "--creator: no CloudTrail call");
    let hidden = finding(&named, "EA301");
    assert_eq!(
        hidden["principal"],
        "arn:aws:iam::123456789012:role/Founder"
    );
    assert!(
        hidden["message"]
            .as_str()
            .unwrap()
            .contains("named by --creator")
    );
}
