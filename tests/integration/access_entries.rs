//! Access entries and the authentication mode, read through the real AWS SDK from the local
//! test bed's EKS routes: every page of ListAccessEntries, each entry described with its
//! policies, `CONFIG_MAP`'s InvalidRequestException as "no entries", throttling retried by the
//! SDK then unknown — and the rules that judge them.

use crate::common;
use crate::support::testbed;

use serde_json::{Value, json};
use testbed::{Scenario, Testbed};

pub(crate) const ACCOUNT: &str = "123456789012";
pub(crate) const POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/";
/// 2026-03-01T10:00:00Z, when the `migrated` cluster left CONFIG_MAP.
pub(crate) const MIGRATED_AT: f64 = 1_772_359_200.0;

pub(crate) fn entry(role: &str, policy: &str, scope: Value) -> Value {
    json!({"principalArn": format!("arn:aws:iam::{ACCOUNT}:{role}"), "type": "STANDARD",
           "kubernetesGroups": [],
           "policies": [{"policyArn": format!("{POLICY}{policy}"), "accessScope": scope}]})
}

pub(crate) fn scenario() -> Scenario {
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
    // A policy AWS added after this release: not in the table, not offered either.
    entries.push(entry(
        "role/mystery",
        "AmazonEKSMysteryPolicy",
        cluster_scope.clone(),
    ));
    for i in 1..140 {
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
    flaky["access_entries"] = json!([entry(
        "role/ops",
        "AmazonEKSViewPolicy",
        cluster_scope.clone()
    )]);
    flaky["eks_faults"] = json!({"DescribeAccessEntry": {"status": 429, "times": 1}});
    // A legacy cluster (2023, CONFIG_MAP) moved to API_AND_CONFIG_MAP on 2026-03-01 10:00:00:
    // EKS materialised its creator's admin as an entry then; CloudTrail is long past.
    let mut migrated = base("migrated", "API_AND_CONFIG_MAP");
    migrated["created_days_ago"] = json!(1000);
    migrated["updates"] = json!([
        {"id": "upd-version", "type": "VersionUpdate", "createdAt": 1_760_000_000.0},
        {"id": "upd-migrate", "createdAt": MIGRATED_AT, "mode": "API_AND_CONFIG_MAP"},
    ]);
    let mut founder = entry(
        "user/founder",
        "AmazonEKSClusterAdminPolicy",
        cluster_scope.clone(),
    );
    founder["createdAt"] = json!(MIGRATED_AT + 4.0);
    migrated["access_entries"] = json!([
        founder,
        entry("role/ops", "AmazonEKSViewPolicy", cluster_scope.clone()),
    ]);
    migrated["aws_auth"] = json!({"mapRoles": format!(
        "- rolearn: arn:aws:iam::{ACCOUNT}:role/ops\n  username: ops\n  groups: [viewers]\n- rolearn: arn:aws:iam::{ACCOUNT}:role/admins\n  username: admin\n  groups:\n    - system:masters\n"
    )});
    // An API cluster whose creator (CloudTrail: role/bootstrap) had its entry deleted.
    let mut creator_gone = base("creator-gone", "API");
    creator_gone["created_days_ago"] = json!(20);
    creator_gone["creator_identity"] = json!({"type": "AssumedRole",
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/bootstrap/pipeline"),
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/bootstrap")}}});
    creator_gone["access_entries"] = json!([
        entry(
            "role/admin-a",
            "AmazonEKSClusterAdminPolicy",
            cluster_scope.clone()
        ),
        entry(
            "role/admin-b",
            "AmazonEKSClusterAdminPolicy",
            cluster_scope.clone()
        ),
    ]);
    // A CONFIG_MAP cluster made by eksctl (CloudFormation), older than CloudTrail's 90 days.
    let mut tagged = base("tagged", "CONFIG_MAP");
    tagged["created_days_ago"] = json!(400);
    tagged["tags"] = json!({"alpha.eksctl.io/cluster-name": "tagged", "alpha.eksctl.io/eksctl-version": "0.190.0",
                            "aws:cloudformation:stack-name": "eksctl-tagged-cluster"});
    serde_json::from_value(json!({
        "clusters": [mixed, legacy, api, throttled, flaky, migrated, creator_gone, tagged],
        "identities": [{"access_key_id": "AKIATESTADMIN0000001", "secret_access_key": "testbed-admin-secret-0000000000000000001", "arn": format!("arn:aws:iam::{ACCOUNT}:user/admin")}],
    }))
    .unwrap()
}

/// The message of the finding `code` about the principal ending in `suffix`.
pub(crate) fn found_message(report: &Value, code: &str, suffix: &str) -> String {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["code"] == code
                && f["principal"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with(suffix)
        })
        .unwrap_or_else(|| panic!("no {code} for {suffix}"))["message"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) fn audit(bed: &Testbed, cluster: &str) -> testbed::Run {
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
pub(crate) fn findings(report: &Value) -> Vec<(String, String)> {
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
pub(crate) fn finding<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report}"))
}

pub(crate) fn eks_requests(bed: &Testbed, cluster: &str) -> Vec<(String, u16)> {
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

/// Whether this not-evaluated line is a rule that needs IAM (the tests run with `--no-iam`).
pub(crate) fn needs_iam(line: &str) -> bool {
    line.starts_with("EA40") || line.starts_with("EA210")
}

pub(crate) fn not_evaluated(report: &Value) -> Vec<String> {
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
        not_evaluated(&report).iter().all(|n| needs_iam(n)),
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
    assert!(has("EA204", "role/mystery"));
    // The Argo CD capability's cluster policy is known, and admin-equivalent: EA201 says so,
    // and that AWS does not publish its rules.
    let argo = found_message(&report, "EA201", "role/argo");
    assert!(
        argo.contains("AmazonEKSArgoCDClusterPolicy")
            && argo.contains("admin-equivalent")
            && argo.contains("not published")
            && argo.contains("EKS Capabilities"),
        "{argo}"
    );
    // ListAccessPolicies: EKS does not offer mystery's policy; it offers one the table lacks.
    assert!(
        finding(&report, "EA204")["message"]
            .as_str()
            .unwrap()
            .contains("ListAccessPolicies does not list it either")
    );
    assert!(
        report["notes"]
            .to_string()
            .contains("does not know: AmazonEKSFuturePolicy ("),
        "{}",
        report["notes"]
    );
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
    assert_eq!(by_arn("role/argo")["tier"], "cluster-admin");
    assert!(
        by_arn("role/argo")["note"]
            .as_str()
            .unwrap()
            .contains("created by EKS Capabilities for the Argo CD capability's role")
    );
    assert_eq!(by_arn("role/mystery")["tier"], "unknown");
    // None of the 140 namespace-scoped viewers is reported.
    assert!(
        !found.iter().any(|(_, p)| p.contains("filler")),
        "{found:?}"
    );

    // 148 entries: two pages of at most 100, then one describe and one policy list each.
    // Created 2026-01-01, beyond CloudTrail's 90 days: the creator's entry is found by the
    // heuristic, which says so; CloudTrail is read once (one page of the account and region's
    // EKS events, for who granted the entries), never per entry.
    assert_eq!(
        bed.requests()
            .iter()
            .filter(|r| r.server == "cloudtrail")
            .count(),
        1
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
        not_evaluated(&report).iter().all(|n| needs_iam(n)),
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

/// Writes this file's scenario's snapshots for the report pin (`pinned_reports.rs`).
/// Dev tooling: `cargo test --test integration -- --ignored access_entries::capture_pinned_snapshots`.
#[test]
#[ignore = "dev tooling: re-captures the pinned snapshots (run by hand when the scenario changes)"]
fn capture_pinned_snapshots() {
    crate::pinned_reports::capture("entries", scenario());
}

/// Every way to cluster-admin has a finding that names it: a `system:masters` row (EA113), an
/// aws-auth group bound to cluster-admin (EA205), an access entry's policy (EA201), an access
/// entry's group bound to cluster-admin (EA211), a static username bound as a user (EA212),
/// and the hidden creator (EA306). And each principal the access matrix shows as cluster-admin
/// is named by at least one finding.
#[test]
fn every_path_to_cluster_admin_has_a_finding_that_names_it() {
    let mut snapshot: Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo().join("examples/snapshot.json")).unwrap(),
    )
    .unwrap();
    let a = |name: &str| format!("arn:aws:iam::{ACCOUNT}:role/{name}");
    snapshot["cluster"]["authentication_mode"] = json!("API_AND_CONFIG_MAP");
    snapshot["aws_auth"]["value"]["data"] = json!({"mapRoles": format!(
        "- rolearn: {}\n  username: masters\n  groups: [system:masters]\n- rolearn: {}\n  username: grouped\n  groups: [platform-admins]\n- rolearn: {}\n  username: deploy\n  groups: [deployers-none]\n",
        a("Masters"), a("GroupAdmin"), a("Deploy")
    )});
    let crb = |name: &str, kind: &str, subject: &str| json!({"name": name, "role_ref": {"kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": kind, "name": subject}]});
    snapshot["rbac"]["cluster_role_bindings"] = json!({"state": "found", "value": [
        crb("platform-admins", "Group", "platform-admins"),
        crb("deploy-user", "User", "deploy"),
        crb("entry-admins", "Group", "entry-admins"),
    ]});
    let entry = |role: &str, groups: Value, policies: Value| {
        json!({"principal_arn": a(role), "type": "STANDARD", "kubernetes_groups": groups,
        "username": format!("{role}-user"), "created_at": "2026-03-01T00:00:00Z", "policies": {"state": "found", "value": policies}})
    };
    snapshot["access_entries"] = json!({"state": "found", "value": [
        entry("PolicyAdmin", json!([]), json!([{"policy_arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "scope": {"type": "cluster"}}])),
        entry("EntryGroup", json!(["entry-admins"]), json!([])),
    ]});
    // The caller is in system:masters with no mapping that grants it: the hidden creator.
    snapshot["caller"]["value"]["extra"]["canonicalArn"] = json!([a("Creator")]);
    snapshot["caller"]["value"]["extra"]["arn"] =
        json!([format!("arn:aws:sts::{ACCOUNT}:assumed-role/Creator/s")]);
    let dir = common::scratch("every-admin-path");
    let path = common::write(&dir, "snap.json", snapshot.to_string().as_bytes());
    let run = common::run(&["check", &path, "--format", "json"]);
    assert!(run.code == 1 || run.code == 3, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let named = |code: &str, principal: &str| {
        findings
            .iter()
            .any(|f| f["code"] == code && f["status"] == "fail" && f["principal"] == principal)
    };
    for (code, principal) in [
        ("EA113", a("Masters")),
        ("EA205", a("GroupAdmin")),
        ("EA201", a("PolicyAdmin")),
        ("EA211", a("EntryGroup")),
        ("EA212", a("Deploy")),
    ] {
        assert!(
            named(code, &principal),
            "{code} for {principal}: {findings:#?}"
        );
    }
    assert!(
        findings.iter().any(|f| f["code"] == "EA306"),
        "the hidden creator: {findings:#?}"
    );
    for principal in report["principals"].as_array().unwrap() {
        if principal["tier"] != "cluster-admin" || principal["in_effect"] != true {
            continue;
        }
        let arn = principal["arn"].as_str().unwrap();
        assert!(
            findings.iter().any(|f| f["principal"] == arn),
            "{arn} is cluster-admin in the matrix ({}) with no finding naming it",
            principal["tier_reason"]
        );
    }
}

/// Who granted each way in and when, as far as a live audit reads it: an access entry's
/// creation time (the EKS API), aws-auth's last writer of `data` (its `managedFields`: the
/// test server's ConfigMap was last written by `kubectl-client-side-apply`; `eksctl` wrote
/// only labels, so it is not the one named) — in the JSON matrix, the table and `whois`.
#[test]
fn each_way_in_says_who_granted_it_and_when_as_far_as_read() {
    let bed = Testbed::start(scenario());
    let report = audit(&bed, "mixed").json();
    let principals = report["principals"].as_array().unwrap();
    let provenance = |source_prefix: &str, arn_suffix: &str| -> String {
        principals
            .iter()
            .find(|p| {
                p["source"].as_str().unwrap().starts_with(source_prefix)
                    && p["arn"].as_str().unwrap().ends_with(arn_suffix)
            })
            .map(|p| p["provenance"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    let entry = provenance("access entry", "role/terraform");
    assert!(entry.starts_with("access entry created at 20"), "{entry}");
    let row = principals
        .iter()
        .find(|p| {
            p["source"]
                .as_str()
                .unwrap()
                .starts_with("aws-auth mapRoles")
        })
        .unwrap();
    let written = row["provenance"].as_str().unwrap();
    assert!(
        written
            .starts_with("aws-auth's data last written by kubectl-client-side-apply (Update at ")
            && written.contains("not necessarily this row's"),
        "{written}"
    );
    assert!(!written.contains("eksctl"), "{written}");
    // whois says it of the deciding way in.
    let home = common::scratch("entries-whois-granted");
    let whois = bed.run(
        &home,
        "admin",
        &[
            "whois",
            "arn:aws:iam::123456789012:role/terraform",
            "--cluster",
            "mixed",
        ],
    );
    assert!(
        whois
            .stdout
            .contains("granted:       access entry created at 20"),
        "{}{}",
        whois.stdout,
        whois.stderr
    );
}
