//! IAM resolution against moto (real AWS SDK calls over HTTP on loopback), with the cluster
//! served by the local test bed: principals that exist (with and without paths), that were
//! deleted or re-created after the mapping, admins with broad trust, a stale SSO suffix,
//! another account, lookups IAM denies — and the number of IAM calls of each kind, counted by
//! moto's own request recorder, for each lookup strategy.

use crate::common;
use crate::support::testbed;

use std::collections::BTreeMap;
use std::ffi::OsStr;

use serde_json::{Value, json};
use testbed::moto::Moto;
use testbed::{IdentitySpec, Run, Scenario, Testbed};

const ACCOUNT: &str = "123456789012";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn iam_client(moto: &Moto, key: &str, secret: &str) -> aws_sdk_iam::Client {
    let credentials = aws_credential_types::Credentials::new(key, secret, None, None, "test");
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .endpoint_url(&moto.url)
        .credentials_provider(credentials)
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

fn trust(statement: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

fn account_root() -> String {
    trust(
        json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}),
    )
}

async fn create_role(client: &aws_sdk_iam::Client, name: &str, path: &str, policy: &str) {
    client
        .create_role()
        .role_name(name)
        .path(path)
        .assume_role_policy_document(policy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole {name}: {e:?}"));
}

fn audit(bed: &Testbed, who: &str, cluster: &str) -> Run {
    let home = common::scratch(&format!("iam-{cluster}"));
    bed.run(
        &home,
        who,
        &["cluster", "--name", cluster, "--format", "json"],
    )
}

fn report(run: &Run) -> Value {
    run.json()
}

/// (code, principal, status) of every finding.
fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["principal"].as_str().unwrap_or_default().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(report: &Value, code: &str, principal_suffix: &str) -> bool {
    findings(report)
        .iter()
        .any(|(c, p, s)| c == code && p.ends_with(principal_suffix) && s == "fail")
}

/// `check --resolve` of an aws-auth whose `mapRoles` is `map_roles`, as `who` at the test bed:
/// its exit code and JSON report.
fn check_resolve(bed: &Testbed, home: &std::path::Path, map_roles: &str) -> (Option<i32>, Value) {
    let file = home.join("aws-auth.yaml");
    let indented: String = map_roles.lines().map(|l| format!("    {l}\n")).collect();
    std::fs::write(
        &file,
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n{indented}"
        ),
    )
    .unwrap();
    let resolved = bed
        .command(
            OsStr::new(env!("CARGO_BIN_EXE_aws-auth-audit")),
            home,
            "admin",
        )
        .args(["check", "--resolve", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    (
        resolved.status.code(),
        serde_json::from_slice(&resolved.stdout).unwrap(),
    )
}

fn counts(actions: &[String]) -> BTreeMap<String, usize> {
    actions.iter().fold(BTreeMap::new(), |mut map, a| {
        *map.entry(a.clone()).or_default() += 1;
        map
    })
}

#[test]
fn resolution_confirms_what_exists_and_flags_the_rest() {
    let moto = Moto::start();
    let client = iam_client(&moto, "AKIASEED000000000001", "seed");
    let rt = runtime();
    rt.block_on(async {
        let ec2 = trust(json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}));
        create_role(&client, "NodeRole", "/", &ec2).await;
        create_role(&client, "ci", "/ci/", &account_root()).await;
        create_role(&client, "deploy", "/team/a/", &account_root()).await;
        create_role(&client, "admins", "/", &account_root()).await;
        let partner = trust(json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}));
        create_role(&client, "partner", "/", &partner).await;
        let okta = trust(json!({"Effect": "Allow", "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:saml-provider/Okta")}, "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}));
        create_role(&client, "okta-platform", "/", &okta).await;
        create_role(&client, "recreated", "/", &account_root()).await;
        create_role(
            &client,
            "AWSReservedSSO_Admin_fedcba9876543210",
            "/aws-reserved/sso.amazonaws.com/",
            &account_root(),
        )
        .await;
        client
            .create_user()
            .user_name("alice")
            .path("/ops/")
            .send()
            .await
            .unwrap();
    });
    let bed = Testbed::start_with_moto(Scenario::load("iam.json"), moto);
    // aws-auth "changed" when the test bed started; `recreated` is deleted and re-created after.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    rt.block_on(async {
        client
            .delete_role()
            .role_name("recreated")
            .send()
            .await
            .unwrap();
        create_role(&client, "recreated", "/", &account_root()).await;
    });
    bed.moto.start_recording();
    let run = audit(&bed, "admin", "resolved");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = report(&run);
    assert_eq!(
        report["coverage"]["complete"], true,
        "{}",
        report["coverage"]
    );

    assert!(
        has(&report, "EA401", "role/deleted"),
        "{:?}",
        findings(&report)
    );
    assert!(
        has(&report, "EA402", "role/recreated"),
        "{:?}",
        findings(&report)
    );
    assert!(has(&report, "EA403", "role/admins"));
    assert!(has(&report, "EA403", "role/partner"));
    assert!(has(&report, "EA403", "role/okta-platform"));
    assert!(has(
        &report,
        "EA404",
        "AWSReservedSSO_Admin_0123456789abcdef"
    ));
    assert!(has(&report, "EA107", "role/team/a/deploy"));
    // Only what is wrong: the rest exists, was mapped before it was created, and trusts
    // narrowly (or is no admin). The stale SSO role is EA404's, not also EA401's.
    let iam_findings: Vec<(String, String, String)> = findings(&report)
        .into_iter()
        .filter(|(c, _, _)| c.starts_with("EA4"))
        .collect();
    assert_eq!(iam_findings.len(), 6, "{iam_findings:?}");

    let message = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EA404")
        .unwrap()["remediation"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains(&format!(
            "arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_Admin_fedcba9876543210` in aws-auth"
        )),
        "{message}"
    );

    // EA107 gives both ARNs: path-less for aws-auth, IAM's own (with the path) for an entry.
    let path_fix = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EA107")
        .unwrap()["remediation"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        path_fix,
        format!(
            "set rolearn to `arn:aws:iam::{ACCOUNT}:role/deploy` in aws-auth; an access entry for this role takes `arn:aws:iam::{ACCOUNT}:role/team/a/deploy`"
        )
    );

    // The report carries what IAM said: the real ARN with its path, ids, who can assume.
    let principals = report["cluster"]["iam"]["principals"].as_array().unwrap();
    let alice = principals.iter().find(|p| p["name"] == "alice").unwrap();
    assert_eq!(alice["status"], "found");
    assert_eq!(
        alice["iam"]["arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/ops/alice")
    );
    assert!(!alice["iam"]["id"].as_str().unwrap().is_empty());
    let deploy = principals.iter().find(|p| p["name"] == "deploy").unwrap();
    assert_eq!(
        deploy["iam"]["arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/team/a/deploy")
    );
    let admins = principals.iter().find(|p| p["name"] == "admins").unwrap();
    assert_eq!(
        admins["who_can_assume"],
        json!([format!("account {ACCOUNT} (sts:AssumeRole)")])
    );
    let deleted = principals.iter().find(|p| p["name"] == "deleted").unwrap();
    assert_eq!(deleted["status"], "absent");
    // The access matrix carries the same, row by row.
    let matrix = report["principals"].as_array().unwrap();
    let alice_row = matrix
        .iter()
        .find(|p| p["arn"] == format!("arn:aws:iam::{ACCOUNT}:user/ops/alice"))
        .unwrap();
    assert_eq!(alice_row["iam"]["status"], "found");
    assert_eq!(
        alice_row["iam"]["iam"]["arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/ops/alice")
    );
    let admins_row = matrix
        .iter()
        .find(|p| p["arn"] == format!("arn:aws:iam::{ACCOUNT}:role/admins"))
        .unwrap();
    assert_eq!(admins_row["tier"], "cluster-admin");
    assert_eq!(
        admins_row["iam"]["who_can_assume"],
        json!([format!("account {ACCOUNT} (sts:AssumeRole)")])
    );

    // Ten names in an account of ten principals: two List pages beat ten Gets.
    let lookup = &report["cluster"]["iam"]["lookups"][0];
    assert_eq!(lookup["strategy"], "list", "{lookup}");
    let recorded = counts(&bed.moto.recorded_actions());
    assert_eq!(
        recorded,
        BTreeMap::from([
            ("GetAccountAuthorizationDetails".to_string(), 1),
            ("GetAccountSummary".to_string(), 1),
            ("GetCallerIdentity".to_string(), 1),
            ("ListRoles".to_string(), 1),
            ("ListUsers".to_string(), 1),
        ]),
    );
    assert_eq!(
        lookup["calls"],
        json!({"GetAccountAuthorizationDetails": 1, "GetAccountSummary": 1, "ListRoles": 1, "ListUsers": 1}),
        "the report counts what moto saw"
    );

    // The same resolution for a file: `check --resolve`.
    let home = common::scratch("iam-check-resolve");
    let (code, file_report) = check_resolve(
        &bed,
        &home,
        &format!(
            "- rolearn: arn:aws:iam::{ACCOUNT}:role/team/a/deploy\n  username: deploy\n- rolearn: arn:aws:iam::{ACCOUNT}:role/deleted\n  username: deleted\n- rolearn: arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_Admin_0123456789abcdef\n  username: sso\n- rolearn: arn:aws:iam::{ACCOUNT}:role/admins\n  username: admin\n  groups: [system:masters]\n- rolearn: arn:aws:iam::{ACCOUNT}:role/ci\n  username: ci\n  groups: [deployers]\n"
        ),
    );
    assert_eq!(code, Some(1));
    assert_eq!(file_report["coverage"]["complete"], true);
    let mut codes: Vec<String> = findings(&file_report).into_iter().map(|f| f.0).collect();
    codes.sort();
    // EA403 runs on a file too: `admins` is in system:masters and its trust policy admits the
    // whole account. `ci`'s group would need RBAC to judge, which a file does not have: no
    // finding, and nothing undecided (RBAC is out of a file's scope).
    assert_eq!(
        codes,
        ["EA107", "EA113", "EA401", "EA403", "EA404"],
        "{file_report}"
    );
    let ea403 = file_report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EA403")
        .unwrap();
    assert_eq!(
        ea403["principal"],
        format!("arn:aws:iam::{ACCOUNT}:role/admins")
    );
    assert!(
        ea403["message"]
            .as_str()
            .unwrap()
            .contains("mapped into system:masters"),
        "{ea403}"
    );
    assert!(
        file_report["notes"]
            .to_string()
            .contains("IAM account 123456789012: list lookup, 3 call(s)"),
        "{}",
        file_report["notes"]
    );
}

fn bulk_scenario(clusters: &[(&str, usize)]) -> Scenario {
    let clusters: Vec<Value> = clusters
        .iter()
        .map(|(name, mapped)| {
            let roles: String = (0..*mapped)
                .map(|i| {
                    format!(
                        "- rolearn: arn:aws:iam::{ACCOUNT}:role/bulk-{i:04}\n  username: bulk-{i:04}\n  groups:\n    - viewers\n"
                    )
                })
                .collect();
            json!({"name": name, "region": "us-east-1", "account": ACCOUNT, "version": "1.31",
                   "aws_auth": {"mapRoles": roles}, "aws_auth_modified": "start",
                   "rbac": {"cluster_roles": [{"metadata": {"name": "view"}, "rules": []}],
                            "cluster_role_bindings": [{"metadata": {"name": "viewers"}, "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "Group", "name": "viewers"}]}]}})
        })
        .collect();
    serde_json::from_value(json!({
        "clusters": clusters,
        "identities": [{"access_key_id": "AKIATESTADMIN0000001", "secret_access_key": "testbed-admin-secret-0000000000000000001", "arn": format!("arn:aws:iam::{ACCOUNT}:user/admin")}],
    }))
    .unwrap()
}

#[test]
fn the_cheaper_strategy_is_chosen_and_every_page_is_walked() {
    let moto = Moto::start();
    let client = iam_client(&moto, "AKIASEED000000000001", "seed");
    // One CreateRole at a time: moto's CreateRole scans every role for a duplicate name while
    // another request thread may insert one ("dictionary changed size during iteration", a 500
    // that CI met), so concurrent seeding is not safe against moto.
    runtime().block_on(async {
        for i in 0..2500 {
            create_role(&client, &format!("bulk-{i:04}"), "/", &account_root()).await;
        }
    });
    let bed = Testbed::start_with_moto(bulk_scenario(&[("few", 3), ("many", 300)]), moto);

    bed.moto.start_recording();
    let few = audit(&bed, "admin", "few");
    assert_eq!(few.code, 0, "{}", few.stderr);
    assert_eq!(
        counts(&bed.moto.recorded_actions()),
        BTreeMap::from([
            ("GetAccountAuthorizationDetails".to_string(), 1),
            ("GetAccountSummary".to_string(), 1),
            ("GetCallerIdentity".to_string(), 1),
            ("GetRole".to_string(), 3),
        ]),
        "3 Gets tie with 3 pages of 2,500 roles: Get, which also gives RoleLastUsed"
    );
    assert_eq!(
        report(&few)["cluster"]["iam"]["lookups"][0]["strategy"],
        "get"
    );

    bed.moto.start_recording();
    let many = audit(&bed, "admin", "many");
    assert_eq!(many.code, 0, "{}", many.stderr);
    assert_eq!(
        counts(&bed.moto.recorded_actions()),
        BTreeMap::from([
            ("GetAccountAuthorizationDetails".to_string(), 1),
            ("GetAccountSummary".to_string(), 1),
            ("GetCallerIdentity".to_string(), 1),
            ("ListRoles".to_string(), 3),
        ]),
        "3 pages of 1,000 beat 300 Gets"
    );
    let report = report(&many);
    let lookup = &report["cluster"]["iam"]["lookups"][0];
    assert_eq!(lookup["strategy"], "list");
    assert!(
        lookup["reason"]
            .as_str()
            .unwrap()
            .contains("300 Get call(s), or 3 List page(s) for 2500 roles"),
        "{lookup}"
    );
    let found = report["cluster"]["iam"]["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "found")
        .count();
    assert_eq!(
        found, 300,
        "every page was walked: bulk-0000…bulk-0299 all found"
    );
}

#[test]
fn a_denied_lookup_is_unknown_never_missing() {
    // Five set-up requests run unchecked; after them moto enforces IAM policies.
    let moto = Moto::start_enforcing_after(5);
    let seed = iam_client(&moto, "AKIASEED000000000001", "seed");
    let (key, secret) = runtime().block_on(async {
        seed.create_user().user_name("auditor").send().await.unwrap();
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:GetRole", "Resource": format!("arn:aws:iam::{ACCOUNT}:role/secret-*")}
        ]});
        seed.put_user_policy()
            .user_name("auditor")
            .policy_name("audit")
            .policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
        let key = seed.create_access_key().user_name("auditor").send().await.unwrap();
        let key = key.access_key().unwrap();
        create_role(&seed, "ci", "/", &account_root()).await;
        create_role(&seed, "secret-admins", "/", &account_root()).await;
        (key.access_key_id().to_string(), key.secret_access_key().to_string())
    });
    let mut scenario = Scenario::load("iam.json");
    scenario.identities.push(IdentitySpec {
        access_key_id: key.clone(),
        secret_access_key: secret,
        arn: format!("arn:aws:iam::{ACCOUNT}:user/auditor"),
    });
    let bed = Testbed::start_with_moto(scenario, moto);

    bed.moto.start_recording();
    let denied = audit(&bed, "user/auditor", "denied");
    assert_eq!(
        counts(&bed.moto.recorded_actions()),
        BTreeMap::from([
            ("GetAccountAuthorizationDetails".to_string(), 1),
            ("GetCallerIdentity".to_string(), 1),
            ("GetRole".to_string(), 2),
        ]),
        "two names: one Get each, no summary; a denied Get is not retried as another strategy"
    );
    assert_eq!(denied.code, 3, "{}", denied.stderr);
    let report = report(&denied);
    let secret_findings: Vec<(String, String, String)> = findings(&report)
        .into_iter()
        .filter(|(c, p, _)| c.starts_with("EA4") && p.ends_with("role/secret-admins"))
        .collect();
    assert_eq!(
        secret_findings,
        [(
            "EA401".to_string(),
            format!("arn:aws:iam::{ACCOUNT}:role/secret-admins"),
            "unknown(access_denied)".to_string()
        )],
        "denied is unknown, never 'does not exist'"
    );
    assert!(!has(&report, "EA401", "role/ci"), "ci exists");
    let missing = report["coverage"]["not_evaluated"].to_string();
    assert!(
        missing.contains("unknown(access_denied) for arn:aws:iam::123456789012:role/secret-admins"),
        "{missing}"
    );
    let detail = report["findings"].to_string();
    assert!(
        detail.contains("AccessDenied: User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: iam:GetRole"),
        "{detail}"
    );
    assert!(!denied.stdout.contains(&key) && !denied.stderr.contains(&key));

    let cross = audit(&bed, "user/auditor", "cross");
    assert_eq!(cross.code, 3, "{}", cross.stderr);
    let report = serde_json::from_str::<Value>(&cross.stdout).unwrap();
    let partner = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["principal"] == "arn:aws:iam::444455556666:role/partner-admin")
        .unwrap();
    assert_eq!(partner["status"], "unknown(access_denied)");
    assert!(
        partner["message"]
            .as_str()
            .unwrap()
            .contains("no credentials for account 444455556666"),
        "{partner}"
    );
}

#[test]
fn an_access_entry_outlived_by_its_principal_is_dead() {
    let moto = Moto::start();
    let client = iam_client(&moto, "AKIASEED000000000001", "seed");
    runtime().block_on(async {
        create_role(&client, "alive", "/", &account_root()).await;
        create_role(&client, "reborn", "/", &account_root()).await;
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let entry = |role: &str, created: f64| {
        json!({"principalArn": format!("arn:aws:iam::{ACCOUNT}:role/{role}"), "type": "STANDARD",
               "createdAt": created, "kubernetesGroups": [],
               "policies": [{"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "accessScope": {"type": "cluster"}}]})
    };
    let scenario: Scenario = serde_json::from_value(json!({
        "clusters": [{"name": "entries", "region": "us-east-1", "account": ACCOUNT, "version": "1.31",
                      "authentication_mode": "API",
                      "aws_auth": {"mapRoles": ""},
                      // `alive` got its entry after IAM made it; `reborn`'s entry dates from
                      // 2026-01-02, before this role of that name existed; `gone` is not in IAM.
                      "access_entries": [entry("alive", now + 3600.0), entry("reborn", 1_767_312_000.0), entry("gone", 1_767_312_000.0)]}],
        "identities": [{"access_key_id": "AKIATESTADMIN0000001", "secret_access_key": "testbed-admin-secret-0000000000000000001", "arn": format!("arn:aws:iam::{ACCOUNT}:user/admin")}],
    }))
    .unwrap();
    let bed = Testbed::start_with_moto(scenario, moto);
    let run = audit(&bed, "admin", "entries");
    // Medium findings only: below the default --fail-on high.
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = report(&run);
    assert_eq!(
        report["coverage"]["complete"], true,
        "{}",
        report["coverage"]
    );
    let mut dead: Vec<String> = findings(&report)
        .into_iter()
        .filter(|(c, _, s)| c == "EA210" && s == "fail")
        .map(|(_, p, _)| p)
        .collect();
    dead.sort();
    assert_eq!(
        dead,
        [
            format!("arn:aws:iam::{ACCOUNT}:role/gone"),
            format!("arn:aws:iam::{ACCOUNT}:role/reborn")
        ],
        "{:?}",
        findings(&report)
    );
    let reborn = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EA210" && f["principal"].as_str().unwrap().ends_with("reborn"))
        .unwrap();
    assert!(
        reborn["message"]
            .as_str()
            .unwrap()
            .contains("the entry dates from 2026-01-02T00:00:00Z"),
        "{reborn}"
    );
}

/// Latent administrators, read from moto's GetAccountAuthorizationDetails once per account:
/// a role whose inline policy allows `eks:*`, a user whose attached managed policy is
/// `NotAction: iam:*`, a user whose group's policy allows it — each may create its own access
/// entry and associate the cluster-admin policy (EA405); a role limited to `eks:Describe*` may
/// not, nor one whose boundary leaves EKS out. The snapshot carries the details, so a replay
/// gives the same verdicts.
#[test]
fn latent_administrators_are_read_from_the_accounts_policies() {
    let moto = Moto::start();
    let client = iam_client(&moto, "AKIASEED000000000001", "seed");
    let rt = runtime();
    let all_eks = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "eks:*", "Resource": "*"}]}).to_string();
    rt.block_on(async {
        create_role(&client, "deployer", "/", &account_root()).await;
        client.put_role_policy().role_name("deployer").policy_name("eks").policy_document(&all_eks).send().await.unwrap();
        create_role(&client, "viewer", "/", &account_root()).await;
        let view = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["eks:Describe*", "eks:List*"], "Resource": "*"}]}).to_string();
        client.put_role_policy().role_name("viewer").policy_name("view").policy_document(view).send().await.unwrap();
        let no_eks = client
            .create_policy()
            .policy_name("no-eks")
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}).to_string())
            .send()
            .await
            .unwrap();
        let boundary_arn = no_eks.policy().unwrap().arn().unwrap().to_string();
        client
            .create_role()
            .role_name("bounded")
            .assume_role_policy_document(account_root())
            .permissions_boundary(&boundary_arn)
            .send()
            .await
            .unwrap();
        client.put_role_policy().role_name("bounded").policy_name("eks").policy_document(&all_eks).send().await.unwrap();
        let power = client
            .create_policy()
            .policy_name("power-user")
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]}).to_string())
            .send()
            .await
            .unwrap();
        client.create_user().user_name("power").send().await.unwrap();
        client
            .attach_user_policy()
            .user_name("power")
            .policy_arn(power.policy().unwrap().arn().unwrap())
            .send()
            .await
            .unwrap();
        client.create_group().group_name("platform-ops").send().await.unwrap();
        client.put_group_policy().group_name("platform-ops").policy_name("eks").policy_document(&all_eks).send().await.unwrap();
        client.create_user().user_name("grouped").send().await.unwrap();
        client.add_user_to_group().group_name("platform-ops").user_name("grouped").send().await.unwrap();
        // `admins` (mapped into system:masters) trusts the account root: whoever may
        // sts:AssumeRole on it becomes an administrator (EA406).
        create_role(&client, "admins", "/", &account_root()).await;
        create_role(&client, "jumper", "/", &account_root()).await;
        let jump = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}).to_string();
        client.put_role_policy().role_name("jumper").policy_name("jump").policy_document(jump).send().await.unwrap();
        // May associate only the View policy (a decided condition: no way in that way), but may
        // create its entry in any group — and RBAC binds the group `platform` to cluster-admin.
        create_role(&client, "view-granter", "/", &account_root()).await;
        let view_only = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "eks:CreateAccessEntry", "Resource": "*"},
            {"Effect": "Allow", "Action": "eks:AssociateAccessPolicy", "Resource": "*",
             "Condition": {"ArnEquals": {"eks:policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"}}}
        ]}).to_string();
        client.put_role_policy().role_name("view-granter").policy_name("view-only").policy_document(view_only).send().await.unwrap();
        // May assume `deployer` only, which may make itself an administrator: a chain.
        client.create_user().user_name("intern").send().await.unwrap();
        let to_deployer = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{ACCOUNT}:role/deployer")}]}).to_string();
        client.put_user_policy().user_name("intern").policy_name("to-deployer").policy_document(to_deployer).send().await.unwrap();
    });
    let bed = Testbed::start_with_moto(Scenario::load("iam.json"), moto);
    bed.moto.start_recording();
    let run = audit(&bed, "admin", "resolved");
    let report = report(&run);
    let mut latent: Vec<String> = findings(&report)
        .into_iter()
        .filter(|(c, _, _)| c == "EA405")
        .map(|(_, p, _)| p)
        .collect();
    latent.sort();
    assert_eq!(
        latent,
        [
            format!("arn:aws:iam::{ACCOUNT}:role/deployer"),
            format!("arn:aws:iam::{ACCOUNT}:role/view-granter"),
            format!("arn:aws:iam::{ACCOUNT}:user/grouped"),
            format!("arn:aws:iam::{ACCOUNT}:user/power"),
        ],
        "{report:#}"
    );
    let grouped = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["code"] == "EA405" && f["principal"].as_str().unwrap().ends_with("user/grouped")
        })
        .unwrap();
    assert!(
        grouped["message"]
            .as_str()
            .unwrap()
            .contains("allowed by group platform-ops inline eks"),
        "{grouped}"
    );
    let assumers: Vec<String> = findings(&report)
        .into_iter()
        .filter(|(c, _, _)| c == "EA406")
        .map(|(_, p, _)| p)
        .collect();
    // `power`'s NotAction (iam:*, organizations:*) allows sts:AssumeRole too; `intern` may
    // assume `deployer`, which may make itself an administrator.
    assert_eq!(
        assumers,
        [
            format!("arn:aws:iam::{ACCOUNT}:role/jumper"),
            format!("arn:aws:iam::{ACCOUNT}:user/power"),
            format!("arn:aws:iam::{ACCOUNT}:user/intern"),
        ],
        "{report:#}"
    );
    let intern = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EA406" && f["principal"].as_str().unwrap().ends_with("user/intern"))
        .unwrap();
    let said = intern["message"].as_str().unwrap();
    assert!(
        said.contains(&format!("assume arn:aws:iam::{ACCOUNT}:role/deployer"))
            && said.contains("then create an access entry for itself")
            && said.contains("(1 sts:AssumeRole call; before SCPs)"),
        "{said}"
    );
    // The View-only granter's way is the group, not an access policy.
    let granter = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["code"] == "EA405"
                && f["principal"]
                    .as_str()
                    .unwrap()
                    .ends_with("role/view-granter")
        })
        .unwrap();
    let said = granter["message"].as_str().unwrap();
    assert!(
        said.contains("create an access entry for itself in the group platform")
            && said.contains("ClusterRole cluster-admin")
            && !said.contains("associate"),
        "{said}"
    );
    // The matrix shows them as latent rows: cluster-admin if taken, not a way in today.
    let rows: Vec<&Value> = report["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["source"].as_str().unwrap().starts_with("latent (IAM"))
        .collect();
    assert_eq!(rows.len(), 7, "{rows:#?}");
    assert!(
        rows.iter()
            .all(|r| r["in_effect"] == false && r["tier"] == "cluster-admin"),
        "{rows:#?}"
    );
    assert!(rows.iter().any(
        |r| r["arn"] == format!("arn:aws:iam::{ACCOUNT}:role/jumper")
            && r["source"] == "latent (IAM: assumes an admin role)"
    ));
    // Read once for the account.
    assert_eq!(
        counts(&bed.moto.recorded_actions())["GetAccountAuthorizationDetails"],
        1
    );
    // A snapshot carries them: the replay gives the same verdicts.
    let home = common::scratch("iam-latent-snapshot");
    let snapshot = home.join("snap.json");
    let collected = bed.run(
        &home,
        "admin",
        &[
            "collect",
            "--name",
            "resolved",
            "-o",
            snapshot.to_str().unwrap(),
        ],
    );
    assert!(collected.code == 0, "{}", collected.stderr);
    let replay = common::run(&["check", snapshot.to_str().unwrap(), "--format", "json"]);
    let mut replayed: Vec<String> = findings(&serde_json::from_str(&replay.stdout).unwrap())
        .into_iter()
        .filter(|(c, _, _)| c == "EA405")
        .map(|(_, p, _)| p)
        .collect();
    replayed.sort();
    assert_eq!(replayed, latent);

    // A file with `--resolve`: who may assume its administrator rows, from the caller's
    // account's policies (no cluster to create an entry on: EA405 is not run).
    let (_, file_report) = check_resolve(
        &bed,
        &home,
        &format!(
            "- rolearn: arn:aws:iam::{ACCOUNT}:role/admins\n  username: admin\n  groups: [system:masters]\n"
        ),
    );
    let mut by_code: Vec<(String, String)> = findings(&file_report)
        .into_iter()
        .filter(|(c, _, _)| c.starts_with("EA40"))
        .map(|(c, p, _)| (c, p))
        .collect();
    by_code.sort();
    assert_eq!(
        by_code,
        [
            (
                "EA403".to_string(),
                format!("arn:aws:iam::{ACCOUNT}:role/admins")
            ),
            (
                "EA406".to_string(),
                format!("arn:aws:iam::{ACCOUNT}:role/jumper")
            ),
            (
                "EA406".to_string(),
                format!("arn:aws:iam::{ACCOUNT}:user/power")
            ),
        ],
        "{file_report:#}"
    );
    assert_eq!(file_report["coverage"]["complete"], true, "{file_report:#}");
}
