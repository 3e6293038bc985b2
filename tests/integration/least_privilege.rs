//! The policies under `deploy/` are enough for a whole scan, proven by running one through
//! them: moto enforces IAM policies for IAM, STS and Organizations (the scanner's own policy,
//! and in each member account the member role's policy and trust policy, exactly as
//! `deploy/iam/` has them), the test server allows only the EKS, CloudTrail and Account
//! actions of the member role's policy, and it authorises Kubernetes reads only as the
//! ClusterRole and Role of `deploy/kubernetes/cluster-reader.yaml` do. That they are no more
//! than needed is `deploy.rs`'s check: their actions and rules equal the reads in the code.

use serde_json::{Value, json};

use crate::common;
use crate::support::testbed::moto::Moto;
use crate::support::testbed::{IdentitySpec, Permission, Scenario, Testbed};

const MANAGEMENT: &str = "123456789012";
pub(crate) const EXTERNAL_ID: &str = "audit-7f3a";
/// The requests that seed moto before it starts enforcing (see `seed`).
const SEED_REQUESTS: usize = 14;
/// The bucket the reports go to (`REPORT_BUCKET` in `deploy/`).
pub(crate) const REPORT_BUCKET: &str = "audit-reports";
/// The KMS key the reports are encrypted with (`deploy/iam/scanner-output-policy.json`).
const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn credentials(key: &str, secret: &str, token: Option<&str>) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(key, secret, token.map(str::to_string), None, "test")
}

fn iam(moto: &Moto, creds: aws_credential_types::Credentials) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&moto.url)
            .credentials_provider(creds)
            .build(),
    )
}

/// What `cluster-reader.yaml` allows: each rule's verbs × resources × names, cluster-wide for
/// the ClusterRole, in its namespace for the Role.
fn reader_permissions() -> Vec<Permission> {
    let mut permissions = Vec::new();
    for doc in common::yaml_documents(&read("deploy/kubernetes/cluster-reader.yaml")) {
        let namespace = match doc["kind"].as_str() {
            Some("ClusterRole") => None,
            Some("Role") => doc["metadata"]["namespace"].as_str().map(str::to_string),
            _ => continue,
        };
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        for rule in doc["rules"].as_array().unwrap() {
            let names = strings(&rule["resourceNames"]);
            let names: Vec<Option<String>> = match names.is_empty() {
                true => vec![None],
                false => names.into_iter().map(Some).collect(),
            };
            for verb in strings(&rule["verbs"]) {
                for resource in strings(&rule["resources"]) {
                    for name in &names {
                        permissions.push(Permission {
                            verb: verb.clone(),
                            resource: resource.clone(),
                            namespace: namespace.clone(),
                            name: name.clone(),
                        });
                    }
                }
            }
        }
    }
    assert!(permissions.len() >= 6, "{permissions:?}");
    permissions
}

fn actions(policy: &Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// Seeds moto (every request before it enforces): the scanner, an IAM user with the scanner
/// policy; an organisation with one member account; in the management account and the member,
/// the role `aws-auth-audit` with the member policy and the trust policy. moto compares a trust
/// policy's principal literally (an assumed-role session never equals its role's ARN there), so
/// the scanner is a user here and the trust policy names it in place of the scanner role.
/// Returns the scanner's keys and the member account.
fn seed(moto: &Moto) -> (IdentitySpec, String) {
    let seed = credentials("AKIASEED000000000001", "seed", None);
    let scanner_arn = format!("arn:aws:iam::{MANAGEMENT}:user/aws-auth-audit-scanner");
    let trust = read("deploy/iam/member-role-trust.json")
        .replace(
            "arn:aws:iam::SCANNER_ACCOUNT:role/aws-auth-audit-scanner",
            &scanner_arn,
        )
        .replace("EXTERNAL_ID", EXTERNAL_ID);
    let member_policy = read("deploy/iam/member-role-policy.json");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let admin = iam(moto, seed.clone());
        // 1–3: the scanner.
        admin
            .create_user()
            .user_name("aws-auth-audit-scanner")
            .send()
            .await
            .unwrap();
        admin
            .put_user_policy()
            .user_name("aws-auth-audit-scanner")
            .policy_name("scanner")
            .policy_document(read("deploy/iam/scanner-policy.json"))
            .send()
            .await
            .unwrap();
        let key = admin
            .create_access_key()
            .user_name("aws-auth-audit-scanner")
            .send()
            .await
            .unwrap();
        let key = key.access_key().unwrap();
        // 4–5: what writes the reports — the outputs' policy (its placeholders filled in) and
        // the bucket.
        admin
            .put_user_policy()
            .user_name("aws-auth-audit-scanner")
            .policy_name("outputs")
            .policy_document(
                read("deploy/iam/scanner-output-policy.json")
                    .replace("REPORT_BUCKET", REPORT_BUCKET)
                    .replace("REGION", "us-east-1")
                    .replace("SCANNER_ACCOUNT", MANAGEMENT)
                    .replace("KEY_ID", KEY_ID),
            )
            .send()
            .await
            .unwrap();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::Config::builder()
                .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                .region(aws_sdk_s3::config::Region::new("us-east-1"))
                .endpoint_url(&moto.url)
                .force_path_style(true)
                .credentials_provider(seed.clone())
                .build(),
        );
        s3.create_bucket()
            .bucket(REPORT_BUCKET)
            .send()
            .await
            .unwrap();
        // 6–7: the organisation and its member account.
        let orgs = aws_sdk_organizations::Client::from_conf(
            aws_sdk_organizations::Config::builder()
                .behavior_version(aws_sdk_organizations::config::BehaviorVersion::latest())
                .region(aws_sdk_organizations::config::Region::new("us-east-1"))
                .endpoint_url(&moto.url)
                .credentials_provider(seed.clone())
                .build(),
        );
        orgs.create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .unwrap();
        let created = orgs
            .create_account()
            .account_name("member")
            .email("member@example.com")
            .send()
            .await
            .unwrap();
        let member = created
            .create_account_status()
            .and_then(|s| s.account_id())
            .unwrap()
            .to_string();
        // 8–10: the audit role in the management account, with Security Hub's policy.
        let make_role = |client: aws_sdk_iam::Client| {
            let (trust, member_policy) = (trust.clone(), member_policy.clone());
            async move {
                client
                    .create_role()
                    .role_name("aws-auth-audit")
                    .assume_role_policy_document(trust)
                    .send()
                    .await
                    .unwrap();
                client
                    .put_role_policy()
                    .role_name("aws-auth-audit")
                    .policy_name("audit")
                    .policy_document(member_policy)
                    .send()
                    .await
                    .unwrap();
                client
                    .put_role_policy()
                    .role_name("aws-auth-audit")
                    .policy_name("security-hub")
                    .policy_document(read("deploy/iam/member-role-security-hub-policy.json"))
                    .send()
                    .await
                    .unwrap();
            }
        };
        make_role(iam(moto, seed.clone())).await;
        // 11–14: into the member account (its organisation access role), and the audit role there.
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::Config::builder()
                .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
                .region(aws_sdk_sts::config::Region::new("us-east-1"))
                .endpoint_url(&moto.url)
                .credentials_provider(seed.clone())
                .build(),
        );
        let assumed = sts
            .assume_role()
            .role_arn(format!(
                "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
            ))
            .role_session_name("seed")
            .send()
            .await
            .unwrap();
        let c = assumed.credentials().unwrap();
        let in_member = credentials(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token()),
        );
        make_role(iam(moto, in_member)).await;
        // Enforcement is on from here: the seed's own key is refused now.
        let refused = admin.create_user().user_name("late").send().await;
        assert!(
            refused.is_err(),
            "moto enforces IAM after {SEED_REQUESTS} requests"
        );
        (
            IdentitySpec {
                access_key_id: key.access_key_id().to_string(),
                secret_access_key: key.secret_access_key().to_string(),
                arn: scanner_arn.clone(),
            },
            member,
        )
    })
}

fn cluster(name: &str, account: &str, region: &str, authorized: &[Permission]) -> Value {
    json!({
        "name": name, "region": region, "account": account, "version": "1.31",
        "own_account_only": true, "authentication_mode": "API_AND_CONFIG_MAP",
        "authorized": authorized,
        "aws_auth": {"mapRoles": format!("- rolearn: arn:aws:iam::{account}:role/aws-auth-audit\n  username: aws-auth-audit\n  groups:\n    - aws-auth-audit:readers\n- rolearn: arn:aws:iam::{account}:role/nodes\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n")},
        "access_entries": [{"principalArn": format!("arn:aws:iam::{account}:role/platform"), "type": "STANDARD",
            "kubernetesGroups": [], "policies": [{"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "accessScope": {"type": "cluster"}}]}],
    })
}

/// An organisation as the least-privilege test has it: a management account and one member,
/// moto enforcing the scanner's and the member role's policies exactly as `deploy/iam/` has
/// them, the test server authorising Kubernetes reads only as `cluster-reader.yaml` does; three
/// clusters the scan can read whole, and with `locked` one more whose API server lacks the
/// RoleBindings rule. The scanner's identity is `user/aws-auth-audit-scanner`; the member
/// account is returned with the testbed. Its external ID is [`EXTERNAL_ID`].
pub(crate) fn org_testbed(locked: bool) -> (Testbed, String) {
    let moto = Moto::start_enforcing_after(SEED_REQUESTS);
    let (scanner, member) = seed(&moto);
    let allowed = reader_permissions();
    // A cluster whose API server lacks one rule of the ClusterRole: proof that the test server
    // does refuse what the role does not allow.
    let without_rolebindings: Vec<Permission> = allowed
        .iter()
        .filter(|p| p.resource != "rolebindings")
        .cloned()
        .collect();
    let member_policy: Value =
        serde_json::from_str(&read("deploy/iam/member-role-policy.json")).unwrap();
    let regions = json!({"us-east-1": "ENABLED_BY_DEFAULT", "eu-west-1": "ENABLED_BY_DEFAULT", "me-south-1": "DISABLED"});
    let mut clusters = vec![
        cluster("management-east", MANAGEMENT, "us-east-1", &allowed),
        cluster("management-west", MANAGEMENT, "eu-west-1", &allowed),
        cluster("member-east", &member, "us-east-1", &allowed),
    ];
    if locked {
        clusters.push(cluster(
            "locked-east",
            &member,
            "us-east-1",
            &without_rolebindings,
        ));
    }
    let scenario: Scenario = serde_json::from_value(json!({
        "regions": {MANAGEMENT: regions, member.clone(): regions},
        "allowed_actions": actions(&member_policy),
        "clusters": clusters,
        "identities": [{"access_key_id": scanner.access_key_id, "secret_access_key": scanner.secret_access_key, "arn": scanner.arn}],
    }))
    .unwrap();
    (Testbed::start_with_moto(scenario, moto), member)
}

#[test]
fn the_deployed_policies_are_enough_for_a_whole_scan() {
    let (bed, member) = org_testbed(true);
    bed.moto.start_recording();
    let home = common::scratch("least-privilege");
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--org",
            "--role-name",
            "aws-auth-audit",
            "--external-id",
            EXTERNAL_ID,
            "--regions",
            "all",
            "--format",
            "json",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        bed.run(&home, "user/aws-auth-audit-scanner", &args)
    };
    let run = scan(&["--exclude", "locked-*"]);
    let report = run.json();
    // Complete: every account, region and cluster read, nothing denied anywhere.
    assert_ne!(run.code, 3, "{report:#}\n{}", run.stderr);
    assert_eq!(report["not_audited"], json!([]), "{report:#}");
    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 3, "{report:#}");
    for line in clusters {
        assert_eq!(line["report"]["coverage"]["complete"], true, "{line:#}");
    }
    assert!(!run.stdout.contains("access_denied") && !run.stdout.contains("AccessDenied"));
    let refused: Vec<_> = bed
        .requests()
        .into_iter()
        .filter(|r| r.status == 403)
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
    // The enforced services were used by the policies under test: the organisation listed by
    // the scanner (its member account's cluster was found), the role assumed once in each
    // account, IAM read as the member role.
    assert!(clusters.iter().any(|c| c["account"] == member.as_str()));
    let actions = bed.moto.recorded_actions();
    assert_eq!(
        actions.iter().filter(|a| *a == "AssumeRole").count(),
        2,
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|a| ["GetAccountSummary", "GetRole", "ListRoles"].contains(&a.as_str())),
        "{actions:?}"
    );

    // The cluster without the RoleBindings rule: its read is refused and said, exit 3.
    let locked = scan(&["--include", "locked-*"]);
    assert_eq!(locked.code, 3, "{}", locked.stderr);
    let line = &locked.json()["clusters"][0];
    assert_eq!(line["report"]["coverage"]["complete"], false);
    assert!(line.to_string().contains("rolebindings"), "{line:#}");
    assert!(
        bed.requests()
            .iter()
            .any(|r| r.status == 403 && r.path.contains("rolebindings"))
    );
}

/// `scan --org` as the scanner, through the audit role in each account (with its external ID),
/// with `extra`.
fn org_scan(bed: &Testbed, home: &std::path::Path, extra: &[&str]) -> crate::support::testbed::Run {
    let mut args = vec![
        "scan",
        "--org",
        "--role-name",
        "aws-auth-audit",
        "--external-id",
        EXTERNAL_ID,
    ];
    args.extend_from_slice(extra);
    bed.run(home, "user/aws-auth-audit-scanner", &args)
}

/// Findings Security Hub holds in `account`, read as the audit role there (assumed with the
/// scanner's keys, as the scan assumes it): id → generator.
fn held_findings(bed: &Testbed, account: &str) -> Vec<(String, String)> {
    let scanner = bed.identity("user/aws-auth-audit-scanner");
    let runtime = crate::support::testbed::moto::sdk::runtime();
    let url = bed.moto.url.clone();
    let account = account.to_string();
    crate::support::testbed::moto::sdk::block_on(&runtime, async move {
        let config = |creds: aws_credential_types::Credentials| {
            aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .endpoint_url(&url)
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(creds),
                )
                .build()
        };
        let sts = aws_sdk_sts::Client::new(&config(credentials(
            &scanner.access_key_id,
            &scanner.secret_access_key,
            None,
        )));
        let assumed = sts
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/aws-auth-audit"))
            .role_session_name("check")
            .external_id(EXTERNAL_ID)
            .send()
            .await
            .unwrap();
        let c = assumed.credentials().unwrap();
        let hub = aws_sdk_securityhub::Client::new(&config(credentials(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token()),
        )));
        let out = hub.get_findings().max_results(100).send().await.unwrap();
        out.findings()
            .iter()
            .map(|f| {
                (
                    f.id().unwrap_or_default().to_string(),
                    f.generator_id().unwrap_or_default().to_string(),
                )
            })
            .collect()
    })
}

/// The outputs' policies under `deploy/iam/` are enough for what a scheduled audit writes — its
/// JSON Lines to S3 under the tool's prefix, `merge` reading every part and writing SARIF next
/// to them, each cluster's findings imported into Security Hub in its own account — with moto
/// enforcing them, and no more: a report written outside the prefix is refused, said (bucket,
/// key, AccessDenied), and not lost (it goes to stdout).
#[test]
fn the_deployed_output_policies_are_enough_for_s3_and_security_hub_and_no_more() {
    let (bed, member) = org_testbed(false);
    bed.moto.start_recording();
    let home = common::scratch("least-privilege-outputs");
    let parts = format!("s3://{REPORT_BUCKET}/aws-auth-audit/{{date}}/parts/");
    let part = format!("{parts}part-{{shard}}.jsonl");
    let scan = org_scan(
        &bed,
        &home,
        &[
            "--regions",
            "us-east-1,eu-west-1",
            "--shard",
            "0/1",
            "--format",
            "jsonl",
            "--quiet",
            "-o",
            &part,
            "--security-hub",
        ],
    );
    assert!(
        scan.code == 0 || scan.code == 1,
        "exit {}: {}",
        scan.code,
        scan.stderr
    );
    assert_eq!(scan.stdout, "", "the lines went to S3");
    assert_eq!(
        scan.stderr.matches("finding(s) imported").count(),
        3,
        "one import per cluster: {}",
        scan.stderr
    );
    // The role assumed once an account for the reads, once an account for the imports — not
    // once a cluster (the management account has two).
    let assumed = bed
        .moto
        .recorded_actions()
        .iter()
        .filter(|a| *a == "AssumeRole")
        .count();
    assert_eq!(assumed, 4, "{:?}", bed.moto.recorded_actions());
    for account in [MANAGEMENT, member.as_str()] {
        let held = held_findings(&bed, account);
        assert!(!held.is_empty(), "account {account}: nothing imported");
        assert!(
            held.iter().all(
                |(id, generator)| id.contains(&format!(":{account}:cluster/"))
                    && generator.starts_with("aws-auth-audit/")
            ),
            "account {account}: {held:?}"
        );
    }
    // The follow-up job: the part read back, the SARIF written next to it, and the same
    // findings imported again (updated in place) through the role in each account. The part is
    // named, not listed: moto, enforcing, miscomputes the signature of an S3 request with a
    // query string such as ListObjectsV2 (getmoto/moto#5948), so `s3:ListBucket` is exercised by
    // `fleet_jobs.rs` against a moto that does not enforce.
    let merge = bed.run(
        &home,
        "user/aws-auth-audit-scanner",
        &[
            "merge",
            &format!("{parts}part-0.jsonl"),
            "--format",
            "sarif",
            "-o",
            &format!("s3://{REPORT_BUCKET}/aws-auth-audit/{{date}}/fleet.sarif"),
            "--security-hub",
            "--role-name",
            "aws-auth-audit",
            "--external-id",
            EXTERNAL_ID,
        ],
    );
    assert!(
        merge.code == 0 || merge.code == 1,
        "exit {}: {}",
        merge.code,
        merge.stderr
    );
    assert!(
        merge.stderr.contains("0 earlier one(s) archived"),
        "{}",
        merge.stderr
    );
    let refused: Vec<_> = bed
        .requests()
        .into_iter()
        .filter(|r| r.status == 403)
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
    // Outside the prefix: refused by the policy, said, and the report is on stdout instead.
    let outside = org_scan(
        &bed,
        &home,
        &[
            "--regions",
            "us-east-1",
            "--format",
            "json",
            "--quiet",
            "-o",
            &format!("s3://{REPORT_BUCKET}/elsewhere/fleet.json"),
        ],
    );
    assert_eq!(outside.code, 2, "{}", outside.stderr);
    assert!(
        outside
            .stderr
            .contains(&format!("s3://{REPORT_BUCKET}/elsewhere/fleet.json"))
            && outside.stderr.contains("AccessDenied"),
        "{}",
        outside.stderr
    );
    let report: Value = serde_json::from_str(&outside.stdout).unwrap();
    assert!(
        !report["clusters"].as_array().unwrap().is_empty(),
        "the report is not lost"
    );
}
