//! `--format asff`: the findings (and each rule that could not be evaluated, undecided) in the
//! AWS Security Finding Format, as `BatchImportFindings`
//! takes them (a JSON list of `AwsSecurityFinding`): one per finding, with a stable `Id` (the
//! cluster and the finding's fingerprint, so the next run updates it), the cluster as an
//! `AwsEksCluster` resource, the rule code as `GeneratorId`, the severity mapped
//! (critical…info → CRITICAL…INFORMATIONAL), the remediation and the rule's page. A finding the
//! audit could not decide is `Compliance.Status: NOT_AVAILABLE`, never `PASSED`; a waived one
//! is `Workflow.Status: SUPPRESSED`. The tests validate every object against botocore's
//! request model of `BatchImportFindings`.

use serde_json::{Value, json};

use super::export::{ExportTarget, Judged, NoCluster, observed_at, rule_url};
use crate::judge::result::CheckResult;
use crate::rules::finding::{Finding, Severity, Status};

/// The schema version Security Hub reads.
pub const SCHEMA_VERSION: &str = "2018-10-08";

/// `text` cut to at most `max` characters (ASFF's field limits), marked when cut.
fn at_most(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

/// One finding as Security Hub takes it.
pub fn finding(target: &ExportTarget, f: &Finding, observed: &str) -> Value {
    let summary = super::export::summary_of(f.code);
    let (compliance, workflow) = match &f.status {
        Status::Fail => ("FAILED", "NEW"),
        Status::Info => ("WARNING", "NEW"),
        Status::Unknown(_) => ("NOT_AVAILABLE", "NEW"),
        Status::Waived => ("FAILED", "SUPPRESSED"),
    };
    let mut fields = serde_json::Map::new();
    fields.insert("aws-auth-audit/code".into(), json!(f.code));
    fields.insert("aws-auth-audit/status".into(), json!(f.status.label()));
    fields.insert("aws-auth-audit/fingerprint".into(), json!(f.fingerprint));
    fields.insert(
        "aws-auth-audit/location".into(),
        json!(at_most(&f.location.route, 2048)),
    );
    if let Some(principal) = &f.principal {
        fields.insert("aws-auth-audit/principal".into(), json!(principal));
    }
    json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": target.finding_id(f),
        "ProductArn": format!(
            "arn:{}:securityhub:{}:{}:product/{}/default",
            target.partition, target.region, target.account, target.account
        ),
        "ProductName": "aws-auth-audit",
        "CompanyName": "aws-auth-audit",
        "GeneratorId": format!("aws-auth-audit/{}", f.code),
        "AwsAccountId": target.account,
        "Region": target.region,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": observed,
        "UpdatedAt": observed,
        "Severity": {"Label": label(f.severity), "Original": f.severity.to_string()},
        "Title": at_most(&format!("{} {}", f.code, summary), 256),
        "Description": at_most(&f.message, 1024),
        "Remediation": {"Recommendation": {
            "Text": at_most(&f.remediation, 512),
            "Url": rule_url(f.code),
        }},
        "Resources": [resource(target)],
        "Compliance": {"Status": compliance},
        "Workflow": {"Status": workflow},
        "RecordState": "ACTIVE",
        "ProductFields": fields,
    })
}

/// The cluster as an `AwsEksCluster` resource with its details; for a region the scan could
/// not list, the account.
fn resource(target: &ExportTarget) -> Value {
    let (kind, id) = target.resource();
    let mut resource = json!({
        "Type": kind, "Id": id, "Partition": target.partition, "Region": target.region,
    });
    if kind == "AwsEksCluster" {
        resource["Details"] =
            json!({"AwsEksCluster": {"Name": target.cluster_name, "Arn": target.cluster_arn}});
    }
    resource
}

/// Every finding of a cluster's audit (and each rule not evaluated), as ASFF objects.
pub fn findings<'a>(judged: impl Into<Judged<'a>>, now: &str) -> Result<Vec<Value>, NoCluster> {
    let judged = judged.into();
    let target = ExportTarget::of(judged).ok_or(NoCluster { format: "asff" })?;
    let observed = observed_at(judged, now);
    Ok(super::export::exported(judged)
        .iter()
        .map(|f| finding(&target, f, &observed))
        .collect())
}

/// Every finding of a cluster's audit, as the `Findings` list of `BatchImportFindings`.
pub fn render(result: &CheckResult, now: &str) -> Result<String, NoCluster> {
    let findings = findings(result, now)?;
    Ok(format!(
        "{}\n",
        serde_json::to_string_pretty(&findings).expect("serialisable")
    ))
}
