//! `--format ocsf`: the findings (and each rule that could not be evaluated, undecided) as OCSF
//! Detection Findings (class 2004, category Findings),
//! OCSF 1.5.0 as named in each event's `metadata.version`: one event per finding, with the
//! cluster as the affected resource and the cloud account, the rule as the event code and the
//! finding's fingerprint as its uid, the severity mapped, the remediation, and the evidence
//! route (where in aws-auth or the cluster it is). A finding the audit could not decide has
//! status `Unknown` with why; a waived one `Suppressed`. For a file the resource is the file.
//! The tests validate every event with the OCSF models Prowler publishes (`py-ocsf-models`).

use serde_json::{Value, json};

use super::export::{ExportTarget, Judged, observed_at, rule_url};
use crate::judge::result::CheckResult;
use crate::rules::finding::{Finding, Severity, Status};

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";
const DETECTION_FINDING: u32 = 2004;
const CREATE: u32 = 1;

fn severity_id(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Critical => (5, "Critical"),
        Severity::High => (4, "High"),
        Severity::Medium => (3, "Medium"),
        Severity::Low => (2, "Low"),
        Severity::Info => (1, "Informational"),
    }
}

fn millis(rfc3339: &str) -> i64 {
    aws_smithy_types::DateTime::from_str(rfc3339, aws_smithy_types::date_time::Format::DateTime)
        .map_or(0, |t| t.to_millis().unwrap_or(0))
}

/// One finding as an OCSF Detection Finding.
pub fn event(target: Option<&ExportTarget>, f: &Finding, observed: &str) -> Value {
    let summary = super::export::summary_of(f.code);
    let (severity_id, severity) = severity_id(f.severity);
    let (status_id, status, detail) = match &f.status {
        Status::Fail | Status::Info => (1, "New", None),
        Status::Waived => (3, "Suppressed", f.waiver.as_ref().map(|w| w.reason.clone())),
        Status::Unknown(reason) => (0, "Unknown", Some(format!("not decided: {reason}"))),
    };
    let time = millis(observed);
    let (resource, cloud) = match target {
        Some(t) => (
            {
                let (kind, uid) = t.resource();
                let name = match t.cluster_name.as_str() {
                    "" => &t.account,
                    name => name,
                };
                json!({"uid": uid, "name": name, "type": kind,
                       "region": t.region, "cloud_partition": t.partition})
            },
            json!({"provider": "AWS", "region": t.region,
                   "account": {"uid": t.account, "name": t.account, "type_id": 10, "type": "AWS Account"}}),
        ),
        None => (
            json!({"uid": f.location.path, "name": f.location.path, "type": "File"}),
            json!({"provider": "AWS"}),
        ),
    };
    let mut evidence = json!({"route": f.location.route});
    if !f.location.path.is_empty() {
        evidence["file"] =
            json!({"path": f.location.path, "line": f.location.line, "column": f.location.column});
    }
    if let Some(principal) = &f.principal {
        evidence["principal"] = json!(principal);
    }
    let uid = match target {
        Some(t) => t.finding_id(f),
        None => format!("aws-auth-audit/{}", f.fingerprint),
    };
    json!({
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "aws-auth-audit", "vendor_name": "aws-auth-audit",
                        "version": env!("CARGO_PKG_VERSION")},
            "uid": uid,
            "event_code": f.code,
            "profiles": ["cloud"],
        },
        "time": time,
        "activity_id": CREATE,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": DETECTION_FINDING,
        "class_name": "Detection Finding",
        "type_uid": DETECTION_FINDING * 100 + CREATE,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "status_detail": detail,
        "message": f.message,
        "finding_info": {
            "uid": uid,
            "title": format!("{} {}", f.code, summary),
            "desc": f.message,
            "types": [format!("aws-auth-audit/{}", f.slug)],
            "created_time": time,
            "src_url": rule_url(f.code),
        },
        "resources": [resource],
        "cloud": cloud,
        "remediation": {"desc": f.remediation, "references": [rule_url(f.code)]},
        "evidences": [{"data": evidence}],
        "unmapped": {"fingerprint": f.fingerprint, "controls": f.controls},
    })
}

/// Every finding as an OCSF Detection Finding, a JSON list.
pub fn render(result: &CheckResult, now: &str) -> String {
    let events = events(result, now);
    format!(
        "{}\n",
        serde_json::to_string_pretty(&events).expect("serialisable")
    )
}

/// Every finding of a judgement (and each rule not evaluated) as an OCSF Detection Finding.
pub fn events<'a>(judged: impl Into<Judged<'a>>, now: &str) -> Vec<Value> {
    let judged = judged.into();
    let target = ExportTarget::of(judged);
    let observed = observed_at(judged, now);
    super::export::exported(judged)
        .iter()
        .map(|f| event(target.as_ref(), f, &observed))
        .collect()
}
