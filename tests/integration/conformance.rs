//! Every case of the authenticator conformance vectors: kept rows, error classes,
//! canonical ARNs and lookups, as the EKS authenticator produces them.

use std::collections::BTreeSet;

use aws_auth_audit::inputs::manifest::{decode_text, read_configmaps};
use aws_auth_audit::model::arn;
use aws_auth_audit::model::awsauth::document::AwsAuthDocument;
use aws_auth_audit::model::awsauth::lookup::{Identity, Outcome, Sections, lookup};
use aws_auth_audit::model::awsauth::{Row, Section, SectionFailure, SectionKey, parse_section};
use serde_json::{Value, json};

const VECTORS: &str = include_str!("../conformance/authenticator-vectors.jsonl");

fn vectors() -> Vec<Value> {
    VECTORS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("vector is JSON"))
        .collect()
}

fn kept_rows(section: &Section) -> Vec<Value> {
    let mut rows: Vec<Value> = section
        .kept()
        .map(|e| match &e.row {
            Row::Role(r) => serde_json::to_value(r).unwrap(),
            Row::User(u) => serde_json::to_value(u).unwrap(),
        })
        .collect();
    rows.extend(section.kept_accounts().map(|a| json!(a.account)));
    rows
}

fn error_kinds(key: SectionKey, section: &Section) -> BTreeSet<String> {
    let mut kinds = BTreeSet::new();
    match &section.failure {
        Some(SectionFailure::Syntax { .. }) => kinds.insert(format!("{key}:yaml_syntax")),
        Some(SectionFailure::Json { .. }) => kinds.insert(format!("{key}:json_syntax")),
        Some(SectionFailure::NotAList { .. }) => kinds.insert(format!("{key}:json_type")),
        None => false,
    };
    if section
        .entries
        .iter()
        .any(|e| !e.type_mismatches.is_empty())
        || section.accounts.iter().any(|a| a.type_error.is_some())
    {
        kinds.insert(format!("{key}:json_type"));
    }
    if section.entries.iter().any(|e| e.validation_error.is_some()) {
        kinds.insert(format!("{key}:validation"));
    }
    kinds
}

fn expected_kinds(expect: &Value) -> Option<BTreeSet<String>> {
    match &expect["error_kind"] {
        Value::String(s) => Some([s.clone()].into()),
        Value::Array(a) => Some(a.iter().map(|v| v.as_str().unwrap().to_string()).collect()),
        _ => None,
    }
}

fn check_lookups(id: &str, vector: &Value, sections: Sections<'_>) {
    let sso_gate = vector["assumptions"]["feature_gate_SSORoleMatch"]
        .as_bool()
        .unwrap_or(false);
    for case in vector["expect"]["lookups"].as_array().into_iter().flatten() {
        let who = &case["identity"];
        let mut identity =
            Identity::from_arn(who["arn"].as_str().unwrap(), who["session_name"].as_str())
                .unwrap_or_else(|e| panic!("{id}: identity: {e}"));
        assert_eq!(
            identity.context.account_id,
            who["account_id"].as_str().unwrap(),
            "{id}"
        );
        identity.context.access_key_id = who["access_key_id"].as_str().map(str::to_string);
        identity.context.ec2_private_dns_name = who["ec2_private_dns_name_stub"]
            .as_str()
            .map(str::to_string);
        let outcome = lookup(sections, &identity, sso_gate);
        let result = &case["result"];
        if result["authenticated"].as_bool().unwrap() {
            let Outcome::Mapped {
                via,
                username,
                groups,
                ..
            } = &outcome
            else {
                panic!(
                    "{id}: expected a mapping for {}, got {outcome:?}",
                    who["arn"]
                );
            };
            assert_eq!(via.as_str(), result["via"].as_str().unwrap(), "{id}: via");
            assert_eq!(
                username,
                result["username"].as_str().unwrap(),
                "{id}: username"
            );
            assert_eq!(json!(groups), result["groups"], "{id}: groups");
        } else {
            assert_eq!(
                outcome.name(),
                result["reason"].as_str().unwrap(),
                "{id}: {outcome:?}"
            );
        }
    }
}

fn run_arn_case(id: &str, vector: &Value) {
    let input = vector["input"].as_str().unwrap();
    let expect = &vector["expect"];
    if expect["function"] == "StripPath" {
        assert_eq!(
            arn::strip_path(input).unwrap(),
            expect["canonical_arn"].as_str().unwrap(),
            "{id}"
        );
        return;
    }
    match arn::canonicalize(input) {
        Ok((kind, canonical)) => {
            assert!(
                expect["ok"].as_bool().unwrap(),
                "{id}: accepted but should fail"
            );
            assert_eq!(canonical, expect["canonical_arn"].as_str().unwrap(), "{id}");
            assert_eq!(json!(kind), expect["principal_type"], "{id}");
        }
        Err(_) => assert!(
            !expect["ok"].as_bool().unwrap(),
            "{id}: rejected but should pass"
        ),
    }
}

fn run_manifest_case(id: &str, vector: &Value) {
    let expect = &vector["expect"];
    let text = decode_text(vector["input"].as_str().unwrap().as_bytes()).unwrap();
    let manifest = read_configmaps(text).unwrap();
    let doc = AwsAuthDocument::from_configmap("vector", &manifest.configmaps[0]).unwrap();
    if expect["error_kind"] == "configmap_rejected_by_apiserver" {
        assert!(
            doc.data_keys.iter().any(|d| d.not_a_string.is_some()),
            "{id}: not rejected"
        );
        return;
    }
    for key in SectionKey::ALL {
        assert_eq!(
            json!(kept_rows(doc.section(key))),
            expect["mappings"][key.as_str()],
            "{id}: {key}"
        );
    }
    let all_ok = SectionKey::ALL
        .iter()
        .all(|&k| error_kinds(k, doc.section(k)).is_empty());
    assert_eq!(all_ok, expect["ok"].as_bool().unwrap(), "{id}: ok");
    check_lookups(id, vector, doc.lookup_sections());
}

fn run_section_case(id: &str, vector: &Value) {
    let expect = &vector["expect"];
    let key = SectionKey::from_key(vector["section"].as_str().unwrap()).unwrap();
    let section = parse_section(key, vector["input"].as_str().unwrap()).unwrap();
    assert_eq!(
        json!(kept_rows(&section)),
        expect["mappings"],
        "{id}: mappings"
    );
    let kinds = error_kinds(key, &section);
    assert_eq!(
        kinds.is_empty(),
        expect["ok"].as_bool().unwrap(),
        "{id}: ok ({kinds:?})"
    );
    if let Some(expected) = expected_kinds(expect) {
        assert_eq!(kinds, expected, "{id}: error kinds");
    }
    let empty = Section::default();
    let sections = Sections {
        roles: if key == SectionKey::MapRoles {
            &section
        } else {
            &empty
        },
        users: if key == SectionKey::MapUsers {
            &section
        } else {
            &empty
        },
        accounts: if key == SectionKey::MapAccounts {
            &section
        } else {
            &empty
        },
    };
    check_lookups(id, vector, sections);
}

#[test]
fn every_conformance_vector_passes() {
    let vectors = vectors();
    assert!(vectors.len() >= 56, "expected the full vector file");
    for vector in &vectors {
        let id = vector["id"].as_str().unwrap();
        match (
            vector["section"].as_str().unwrap(),
            vector["input_kind"].as_str(),
        ) {
            ("arn", _) => run_arn_case(id, vector),
            (_, Some("configmap_manifest")) => run_manifest_case(id, vector),
            (_, Some(other)) => panic!("{id}: unknown input kind {other}"),
            (_, None) => run_section_case(id, vector),
        }
    }
}

/// The lookups of the vectors again, through the command line: `whois ARN --file F` with the
/// session name, the access key id and the feature gate a case gives, answers as the
/// authenticator does (a case that needs an EC2 instance's DNS name, which only EC2 knows, is
/// left to the library pass above).
#[test]
fn every_lookup_vector_passes_through_whois() {
    let dir = crate::common::scratch("conformance-whois");
    let mut asked = 0;
    for vector in vectors() {
        let id = vector["id"].as_str().unwrap();
        let Some(cases) = vector["expect"]["lookups"].as_array() else {
            continue;
        };
        let manifest = match vector["input_kind"].as_str() {
            Some("configmap_manifest") => vector["input"].as_str().unwrap().to_string(),
            _ => format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: aws-auth, namespace: kube-system}}\ndata:\n  {}: {}\n",
                vector["section"].as_str().unwrap(),
                serde_json::to_string(vector["input"].as_str().unwrap()).unwrap()
            ),
        };
        let file = crate::common::write(&dir, &format!("{id}.yaml"), manifest.as_bytes());
        let gate = vector["assumptions"]["feature_gate_SSORoleMatch"] == true;
        for case in cases {
            let who = &case["identity"];
            if who.get("ec2_private_dns_name_stub").is_some() {
                continue;
            }
            let mut args = vec![
                "whois".to_string(),
                who["arn"].as_str().unwrap().to_string(),
                "--file".into(),
                file.clone(),
                "--format".into(),
                "json".into(),
            ];
            for (flag, key) in [
                ("--session-name", "session_name"),
                ("--access-key-id", "access_key_id"),
            ] {
                if let Some(value) = who[key].as_str().filter(|v| !v.is_empty()) {
                    args.extend([flag.to_string(), value.to_string()]);
                }
            }
            if gate {
                args.push("--sso-role-match".into());
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = crate::common::run(&args);
            assert_eq!(run.code, 0, "{id}: {}", run.stderr);
            let answer: Value = serde_json::from_str(&run.stdout).unwrap();
            let result = &case["result"];
            if result["authenticated"] == true {
                assert_eq!(answer["outcome"], "mapped", "{id}: {answer}");
                assert_eq!(answer["via"], result["via"], "{id}: via");
                assert_eq!(answer["username"], result["username"], "{id}: username");
                assert_eq!(answer["groups"], result["groups"], "{id}: groups");
            } else {
                assert_eq!(answer["outcome"], result["reason"], "{id}: {answer}");
            }
            asked += 1;
        }
    }
    assert!(asked >= 20, "{asked} lookups asked");
}
