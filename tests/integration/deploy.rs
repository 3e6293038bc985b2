//! What `deploy/` ships is what the scan needs: the Kubernetes manifests are valid objects of
//! their kinds (deserialised into the `k8s-openapi` types), the ClusterRole grants exactly the
//! reads the audit makes, and the member role's IAM policy allows exactly the AWS reads the code
//! makes — no fewer (a read denied is a check not done), no more (least privilege).

use std::collections::BTreeSet;

use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use serde_json::Value;

use crate::common::{repo, yaml_documents};

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

#[test]
fn the_manifests_are_valid_kubernetes_objects() {
    let mut kinds = Vec::new();
    for file in [
        "deploy/kubernetes/cluster-reader.yaml",
        "deploy/kubernetes/scan-cronjob.yaml",
    ] {
        for doc in yaml_documents(&read(file)) {
            let kind = doc["kind"].as_str().unwrap().to_string();
            let parsed = match kind.as_str() {
                "ClusterRole" => serde_json::from_value::<ClusterRole>(doc.clone()).map(|_| ()),
                "ClusterRoleBinding" => {
                    serde_json::from_value::<ClusterRoleBinding>(doc.clone()).map(|_| ())
                }
                "Role" => serde_json::from_value::<Role>(doc.clone()).map(|_| ()),
                "RoleBinding" => serde_json::from_value::<RoleBinding>(doc.clone()).map(|_| ()),
                "ServiceAccount" => {
                    serde_json::from_value::<ServiceAccount>(doc.clone()).map(|_| ())
                }
                "CronJob" => serde_json::from_value::<CronJob>(doc.clone()).map(|_| ()),
                other => panic!("{file}: unexpected kind {other}"),
            };
            parsed.unwrap_or_else(|e| panic!("{file}: {kind}: {e}"));
            kinds.push(kind);
        }
    }
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "ClusterRole",
            "ClusterRoleBinding",
            "CronJob",
            "CronJob",
            "Role",
            "RoleBinding",
            "ServiceAccount"
        ]
    );
}

#[test]
fn the_cluster_role_grants_exactly_the_audits_reads() {
    let docs = yaml_documents(&read("deploy/kubernetes/cluster-reader.yaml"));
    let mut grants = BTreeSet::new();
    for doc in docs
        .iter()
        .filter(|d| d["kind"] == "ClusterRole" || d["kind"] == "Role")
    {
        for rule in doc["rules"].as_array().unwrap() {
            for resource in rule["resources"].as_array().unwrap() {
                for verb in rule["verbs"].as_array().unwrap() {
                    let names = rule["resourceNames"].to_string();
                    grants.insert(format!(
                        "{} {} {}{}",
                        verb.as_str().unwrap(),
                        rule["apiGroups"][0].as_str().unwrap(),
                        resource.as_str().unwrap(),
                        if names == "null" {
                            String::new()
                        } else {
                            format!(" {names}")
                        }
                    ));
                }
            }
        }
    }
    let reads: BTreeSet<String> = [
        "get  configmaps [\"aws-auth\"]",
        "list rbac.authorization.k8s.io clusterroles",
        "list rbac.authorization.k8s.io clusterrolebindings",
        "list rbac.authorization.k8s.io roles",
        "list rbac.authorization.k8s.io rolebindings",
        "create authentication.k8s.io selfsubjectreviews",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(grants, reads);
}

/// `service:Action` for every AWS read the audit's sources make, found in the code.
fn calls_in_the_code() -> BTreeSet<String> {
    let mut calls = BTreeSet::new();
    for (file, service) in [
        ("src/source/eks.rs", "eks"),
        ("src/source/eks_access.rs", "eks"),
        ("src/source/iam.rs", "iam"),
        ("src/source/iam_policies.rs", "iam"),
        ("src/source/cloudtrail.rs", "cloudtrail"),
        ("src/source/audit_log.rs", "logs"),
        ("src/source/regions.rs", "account"),
    ] {
        let text = read(file);
        for piece in text.split('.').skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            let is_call = piece[name.len()..].starts_with("()");
            let read_verb = ["list_", "describe_", "get_", "lookup_", "filter_"]
                .iter()
                .any(|v| name.starts_with(v));
            // GetCallerIdentity needs no permission.
            if is_call && read_verb && name != "get_caller_identity" {
                let pascal: String = name
                    .split('_')
                    .map(|w| {
                        let mut c = w.chars();
                        c.next().map_or(String::new(), |f| {
                            f.to_ascii_uppercase().to_string() + c.as_str()
                        })
                    })
                    .collect();
                calls.insert(format!("{service}:{pascal}"));
            }
        }
    }
    calls
}

fn actions(policy: &Value) -> BTreeSet<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_member_role_allows_exactly_the_reads_the_code_makes() {
    let member: Value = serde_json::from_str(&read("deploy/iam/member-role-policy.json")).unwrap();
    let code = calls_in_the_code();
    assert!(code.len() >= 15, "{code:?}");
    assert_eq!(actions(&member), code);
    let scanner: Value = serde_json::from_str(&read("deploy/iam/scanner-policy.json")).unwrap();
    assert_eq!(
        actions(&scanner),
        BTreeSet::from([
            "organizations:ListAccounts".to_string(),
            "sts:AssumeRole".to_string()
        ])
    );
    let trust: Value = serde_json::from_str(&read("deploy/iam/member-role-trust.json")).unwrap();
    assert!(trust.to_string().contains("sts:ExternalId"));
}

/// The SDK calls of a source file: every `.name()` whose name is one of `verbs`' prefixes.
fn sdk_calls(file: &str, verbs: &[&str]) -> BTreeSet<String> {
    let text = read(file);
    text.split('.')
        .skip(1)
        .filter_map(|piece| {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            (piece[name.len()..].starts_with("()") && verbs.iter().any(|v| name.starts_with(v)))
                .then_some(name)
        })
        .collect()
}

/// The outputs' policies — S3 (and its KMS key) for the scanner, Security Hub for the member
/// role — allow exactly what the code calls: each SDK call found in `source/s3.rs` and
/// `source/securityhub.rs` mapped to its IAM action (ListObjectsV2 is `s3:ListBucket`), and the
/// two KMS actions SSE-KMS needs of the caller (a PutObject generates a data key, a GetObject
/// decrypts it). A call the code gains without a mapping here fails the test.
#[test]
fn the_output_policies_allow_exactly_the_writes_the_code_makes() {
    let iam_action = |call: &str| -> String {
        match call {
            "put_object" => "s3:PutObject",
            "get_object" => "s3:GetObject",
            "list_objects_v2" => "s3:ListBucket",
            "batch_import_findings" => "securityhub:BatchImportFindings",
            "get_findings" => "securityhub:GetFindings",
            other => panic!("an SDK call with no IAM action mapped in this test: {other}"),
        }
        .to_string()
    };
    let verbs = [
        "put_", "get_", "list_", "batch_", "delete_", "create_", "update_",
    ];
    let s3: BTreeSet<String> = sdk_calls("src/source/s3.rs", &verbs)
        .iter()
        .map(|c| iam_action(c))
        .collect();
    assert_eq!(s3.len(), 3, "{s3:?}");
    let output: Value =
        serde_json::from_str(&read("deploy/iam/scanner-output-policy.json")).unwrap();
    let mut expected = s3.clone();
    expected.extend(["kms:GenerateDataKey".to_string(), "kms:Decrypt".to_string()]);
    assert_eq!(actions(&output), expected);
    // Objects only under the tool's prefix; the listing on the bucket; the one key.
    for statement in output["Statement"].as_array().unwrap() {
        let resource = statement["Resource"].as_str().unwrap();
        assert!(
            !resource.contains('*') || resource.ends_with("/aws-auth-audit/*"),
            "{statement:#}"
        );
    }
    let hub: BTreeSet<String> = sdk_calls("src/source/securityhub.rs", &verbs)
        .iter()
        .map(|c| iam_action(c))
        .collect();
    let member: Value =
        serde_json::from_str(&read("deploy/iam/member-role-security-hub-policy.json")).unwrap();
    assert_eq!(actions(&member), hub);
    assert_eq!(hub.len(), 2, "{hub:?}");
}
