//! The versioned JSON report.

use serde::Serialize;
use serde_json::{Value, json};

use super::JSON_REPORT_VERSION;
use crate::awsauth::{Row, SectionKey};
use crate::check::CheckResult;
use crate::finding::{Finding, Severity, Status};

#[derive(Serialize)]
struct Summary {
    findings: usize,
    failing: usize,
    unknown: usize,
    by_severity: serde_json::Map<String, Value>,
}

fn summary(findings: &[Finding]) -> Summary {
    let mut by_severity = serde_json::Map::new();
    for severity in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let n = findings.iter().filter(|f| f.severity == severity).count();
        by_severity.insert(severity.as_str().into(), json!(n));
    }
    Summary {
        findings: findings.len(),
        failing: findings.iter().filter(|f| f.status == Status::Fail).count(),
        unknown: findings
            .iter()
            .filter(|f| matches!(f.status, Status::Unknown(_)))
            .count(),
        by_severity,
    }
}

/// The report as a JSON value.
pub fn report(result: &CheckResult) -> Value {
    let inputs: Vec<Value> = result
        .documents
        .iter()
        .map(|doc| {
            let rows = |key: SectionKey| -> Vec<Value> {
                doc.section(key)
                    .kept()
                    .map(|e| match &e.row {
                        Row::Role(r) => serde_json::to_value(r).expect("serialisable"),
                        Row::User(u) => serde_json::to_value(u).expect("serialisable"),
                    })
                    .collect()
            };
            let accounts: Vec<&str> = doc
                .section(SectionKey::MapAccounts)
                .kept_accounts()
                .map(|a| a.account.as_str())
                .collect();
            json!({
                "source": doc.path,
                "configmap": doc.configmap,
                "aws_auth": {
                    "map_roles": rows(SectionKey::MapRoles),
                    "map_users": rows(SectionKey::MapUsers),
                    "map_accounts": accounts,
                },
            })
        })
        .collect();
    json!({
        "version": JSON_REPORT_VERSION,
        "tool": {"name": "aws-auth-audit", "version": env!("CARGO_PKG_VERSION")},
        "inputs": inputs,
        "findings": result.findings,
        "notes": result.notes,
        "coverage": result.coverage,
        "summary": summary(&result.findings),
    })
}

pub fn render(result: &CheckResult) -> String {
    let mut text = serde_json::to_string_pretty(&report(result)).expect("serialisable");
    text.push('\n');
    text
}
