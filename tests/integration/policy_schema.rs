//! The published JSON Schema of the policy file (`policies/policy.schema.json`, for editors
//! through the YAML language server) says what the loader says: every shipped profile and
//! example validates against it and loads; a table of bad policies fails both, each at the
//! loader's line and column; its rule codes are the registry's.

use serde_json::Value;

use crate::common::{repo, yaml_json};

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("policies/policy.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

#[test]
fn every_shipped_profile_and_example_validates_and_loads() {
    let validator = validator();
    let mut files = Vec::new();
    for dir in ["policies/profiles", "policies/examples"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    assert!(files.len() >= 5, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&yaml_json(&text))
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        aws_auth_audit::policy::load(&path.to_string_lossy(), &text)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn the_schema_and_the_loader_refuse_the_same_bad_policies() {
    let validator = validator();
    let head = "apiVersion: aws-auth-audit/v1\nkind: Policy\n";
    // (body, the loader's line:column)
    let cases = [
        ("colour: red\n", "3:1"),
        ("rules:\n  EA999: {severity: high}\n", "4:3"),
        ("rules:\n  EA113: {severity: urgent}\n", "4:21"),
        ("rules:\n  EA113: {enabled: \"no\"}\n", "4:20"),
        ("extends: [lenient]\n", "3:11"),
        ("scopes:\n  - match: {clusters: [\"prod-[0-9]\"]}\n", "4:24"),
        ("scopes:\n  - admins: [{arn: \"role/x\"}]\n", "4:20"),
        (
            "scopes:\n  - admins: [{arn: \"arn:aws:iam::1:role/a\", role_name: b}]\n",
            "4:14",
        ),
        ("scopes:\n  - allowed_accounts: [111122223333]\n", "4:24"),
        ("scopes:\n  - min_admins: two\n", "4:17"),
        ("scopes:\n  - forbid: [root_users]\n", "4:14"),
        ("scopes:\n  - {match: {}, owner: me}\n", "4:17"),
        ("waivers:\n  - {rule: EA113, expires: 2027-01-01}\n", "4:5"),
        ("waivers:\n  - {rule: EA113, reason: r}\n", "4:5"),
        ("waivers:\n  - {reason: r, expires: 2027-01-01}\n", "4:5"),
        (
            "waivers:\n  - {rule: EA113, reason: r, expires: 31.12.2027}\n",
            "4:39",
        ),
    ];
    for (body, at) in cases {
        let text = format!("{head}{body}");
        let schema_errors = validator.iter_errors(&yaml_json(&text)).count();
        assert!(schema_errors > 0, "the schema accepts:\n{text}");
        let error = aws_auth_audit::policy::load("p.yaml", &text).expect_err(&text);
        assert_eq!(
            format!("{}:{}", error.line, error.column),
            at,
            "{text}\n{error}"
        );
    }
    // And a good one both accept.
    let good =
        format!("{head}scopes:\n  - match: {{accounts: [\"111122223333\"]}}\n    min_admins: 2\n");
    assert_eq!(validator.iter_errors(&yaml_json(&good)).count(), 0);
    aws_auth_audit::policy::load("p.yaml", &good).unwrap();
}

#[test]
fn the_schemas_rule_codes_are_the_registrys() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("policies/policy.schema.json")).unwrap(),
    )
    .unwrap();
    let codes: Vec<&str> = schema["$defs"]["ruleCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let registry: Vec<&str> = aws_auth_audit::rules::RULES
        .iter()
        .map(|r| r.meta.code)
        .collect();
    assert_eq!(
        codes, registry,
        "policies/policy.schema.json lists other rule codes"
    );
}
