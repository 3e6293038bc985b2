//! The fleet as one SARIF 2.1.0 log: every cluster's findings as results (each located at its
//! cluster's route, fingerprinted by cluster and finding), and what could not be checked as
//! tool execution notifications of an invocation that did not succeed — a target not audited
//! is never a pass.

use serde_json::{Value, json};

use super::{ClusterLine, FleetView};
use crate::report::sarif::{level, rule_descriptors, security_severity};
use crate::rules::RULES;
use crate::rules::finding::Finding;

/// A finding of a cluster's report as a SARIF result.
fn result(line: &ClusterLine, finding: &Finding, with_policy: bool) -> Value {
    let index = RULES
        .iter()
        .filter(|rule| with_policy || !rule.is_policy())
        .position(|rule| rule.meta.code == finding.code)
        .unwrap_or(0);
    let mut value = json!({
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": level(finding.severity),
        "message": {"text": format!("{}: {} Fix: {}", line.arn(), finding.message, finding.remediation)},
        "locations": [{"logicalLocations": [{"fullyQualifiedName": finding.location.route}]}],
        "partialFingerprints": {
            "awsAuthAudit/v1": finding.fingerprint,
            "awsAuthAuditCluster/v1": line.arn(),
        },
        "properties": {
            "severity": finding.severity,
            "security-severity": security_severity(finding.severity),
            "status": finding.status,
            "account": line.account,
            "region": line.region,
            "cluster": line.arn(),
        },
    });
    if let Some(waiver) = &finding.waiver {
        value["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": waiver.reason,
            "properties": waiver,
        }]);
    }
    value
}

impl FleetView<'_> {
    pub fn sarif(&self) -> String {
        let with_policy = self.clusters.iter().any(|c| c.report.policy.is_some());
        let results: Vec<Value> = self
            .clusters
            .iter()
            .flat_map(|line| {
                line.report
                    .findings
                    .iter()
                    .map(move |f| result(line, f, with_policy))
            })
            .collect();
        let mut notifications: Vec<Value> = self
            .not_audited
            .iter()
            .map(|item| {
                let target = item.target();
                json!({
                    "level": "error",
                    "message": {"text": format!("not audited: {target}: {}: {}", item.reason, item.detail)},
                    "properties": {"account": item.account, "region": item.region, "cluster": item.cluster, "reason": item.reason},
                })
            })
            .collect();
        for line in self.clusters.iter().filter(|c| !c.complete()) {
            let missing = line.report.coverage.not_evaluated.len();
            notifications.push(json!({
                "level": "warning",
                "message": {"text": format!("{}: incomplete: {missing} rule(s) not evaluated (see its report's coverage)", line.arn())},
                "properties": {"cluster": line.arn(), "not_evaluated": line.report.coverage.not_evaluated},
            }));
        }
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "aws-auth-audit",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/aws-auth-audit/aws-auth-audit",
                    "rules": rule_descriptors(with_policy),
                    "properties": crate::report::ToolInfo::this_build().sarif_properties(),
                }},
                "invocations": [{
                    "executionSuccessful": notifications.is_empty(),
                    "toolExecutionNotifications": notifications,
                }],
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {"fleet": self.summary()},
            }],
        });
        let mut text = serde_json::to_string_pretty(&log).expect("serialisable");
        text.push('\n');
        text
    }
}
