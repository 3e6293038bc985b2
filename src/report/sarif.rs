//! SARIF 2.1.0: rule metadata from the registry, results at the file's line and column,
//! stable `partialFingerprints`.

use serde_json::{Value, json};

use crate::check::CheckResult;
use crate::finding::Severity;
use crate::rules::RULES;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning's numeric severity (0–10).
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

pub fn report(result: &CheckResult) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.meta.code,
                "name": rule.meta.slug,
                "shortDescription": {"text": rule.meta.summary},
                "fullDescription": {"text": rule.doc_section("What it does").unwrap_or_default()},
                "help": {"text": rule.doc(), "markdown": rule.doc()},
                "defaultConfiguration": {"level": level(rule.meta.severity)},
                "properties": {
                    "tags": ["security", "eks", "aws-auth"],
                    "security-severity": security_severity(rule.meta.severity),
                },
            })
        })
        .collect();
    let results: Vec<Value> = result
        .findings
        .iter()
        .map(|f| {
            let index = RULES.iter().position(|r| r.meta.code == f.code).unwrap_or(0);
            json!({
                "ruleId": f.code,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": format!("{} Fix: {}", f.message, f.remediation)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.location.path},
                        "region": {"startLine": f.location.line.max(1), "startColumn": f.location.column.max(1)},
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.location.route}],
                }],
                "partialFingerprints": {"awsAuthAudit/v1": f.fingerprint},
                "properties": {"severity": f.severity.as_str(), "status": f.status.label()},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "aws-auth-audit",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/aws-auth-audit/aws-auth-audit",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

pub fn render(result: &CheckResult) -> String {
    let mut text = serde_json::to_string_pretty(&report(result)).expect("serialisable");
    text.push('\n');
    text
}
