//! SARIF 2.1.0: rule metadata from the registry, results at the file's line and column,
//! stable `partialFingerprints`.

use serde::Serialize;
use serde_json::{Value, json};

use crate::judge::result::CheckResult;
use crate::rules::RULES;
use crate::rules::finding::{Finding, Severity};

pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning's numeric severity (0–10).
pub(crate) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Value,
    locations: Value,
    partial_fingerprints: Value,
    properties: Value,
    /// A waived finding: the policy's waiver, with its reason as the justification.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<Value>,
}

/// The log's one run; its results are serialised one by one as they are reached
/// ([`Results`]), never held together as JSON values.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    invocations: Value,
    column_kind: &'static str,
    results: Results<'a>,
    /// What SARIF has no place for: which rules ran and which could not (a check not done is
    /// never a pass), and for a live audit the cluster and its access matrix.
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    coverage: &'a crate::judge::result::Coverage,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<&'a crate::judge::result::LiveContext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_matrix: Option<&'a [crate::model::access::Principal]>,
}

/// The findings as SARIF results, each built when the serialiser reaches it.
struct Results<'a>(&'a [Finding]);

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(sarif_result))
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

/// The rules SARIF describes: every rule, the policy's only when a policy applied (they are
/// last in the registry, so the others keep their indices).
pub(crate) fn rule_descriptors(with_policy: bool) -> Vec<Value> {
    RULES
        .iter()
        .filter(|rule| with_policy || !rule.is_policy())
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
        .collect()
}

/// A path as a URI reference (RFC 3986): characters a URI cannot hold are percent-encoded,
/// so `my file.yaml` and the live source `arn:… (kubectl get …)` stay valid SARIF.
pub(crate) fn uri_reference(path: &str) -> String {
    crate::infra::percent::uri_path(path)
}

pub(crate) fn sarif_result(f: &Finding) -> SarifResult {
    SarifResult {
        rule_id: f.code,
        rule_index: rule_index(f.code),
        level: level(f.severity),
        message: json!({"text": format!("{} Fix: {}", f.message, f.remediation)}),
        locations: if f.location.in_file() {
            json!([{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri_reference(&f.location.path)},
                    "region": {"startLine": f.location.line, "startColumn": f.location.column.max(1)},
                },
                "logicalLocations": [{"fullyQualifiedName": f.location.route}],
            }])
        } else {
            json!([{"logicalLocations": [{"fullyQualifiedName": f.location.route}]}])
        },
        partial_fingerprints: json!({"awsAuthAudit/v1": f.fingerprint}),
        properties: if f.controls.is_empty() {
            json!({"severity": f.severity.as_str(), "status": f.status.label()})
        } else {
            json!({"severity": f.severity.as_str(), "status": f.status.label(), "controls": f.controls})
        },
        suppressions: suppressions(f),
    }
}

/// A waived finding's suppression: the waiver, where the policy states it.
fn suppressions(f: &Finding) -> Option<Value> {
    f.waiver.as_ref().map(|w| {
        json!([{
            "kind": "external",
            "status": "accepted",
            "justification": w.reason,
            "location": {"physicalLocation": {"artifactLocation": {"uri": uri_reference(w.at.rsplitn(3, ':').nth(2).unwrap_or(&w.at))}}},
            "properties": {"owner": w.owner, "expires": w.expires, "at": w.at},
        }])
    })
}

/// Serialised result by result, without building the whole log as one JSON tree.
pub fn render(result: &CheckResult) -> String {
    let mut text = Vec::new();
    write(result, &mut text).expect("writing into memory");
    String::from_utf8(text).expect("serde_json writes UTF-8")
}

/// Writes the log to `out` as it is serialised (stdout needs no copy of it in memory).
pub fn write(result: &CheckResult, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: tool(result),
            invocations: invocations(result),
            column_kind: COLUMN_KIND,
            results: Results(&result.findings),
            properties: run_properties(result),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const COLUMN_KIND: &str = "unicodeCodePoints";

fn tool(result: &CheckResult) -> Value {
    json!({"driver": {
        "name": "aws-auth-audit",
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": "https://github.com/aws-auth-audit/aws-auth-audit",
        "rules": rule_descriptors(result.policy.is_some()),
        "properties": super::ToolInfo::this_build().sarif_properties(),
    }})
}

/// The run's invocation: successful only when every rule in scope was evaluated, and a
/// notification, tied to its rule, for each one that was not — so a code-scanning view never
/// reads a rule that did not run as one that passed.
fn invocations(result: &CheckResult) -> Value {
    not_evaluated_invocation(
        result
            .coverage
            .not_evaluated
            .iter()
            .map(|n| (Some(n.code), n.reason.as_str())),
    )
}

/// One invocation from what could not be evaluated: `(rule code when there is one, reason)`.
pub(crate) fn not_evaluated_invocation<'a>(
    not_evaluated: impl IntoIterator<Item = (Option<&'a str>, &'a str)>,
) -> Value {
    let notifications: Vec<Value> = not_evaluated
        .into_iter()
        .map(|(code, reason)| match code {
            Some(code) => json!({
                "level": "error",
                "message": {"text": format!("{code} not evaluated: {reason}")},
                "associatedRule": {"id": code, "index": rule_index(code)},
            }),
            None => json!({
                "level": "error",
                "message": {"text": format!("not evaluated: {reason}")},
            }),
        })
        .collect();
    if notifications.is_empty() {
        json!([{"executionSuccessful": true}])
    } else {
        json!([{"executionSuccessful": false, "toolExecutionNotifications": notifications}])
    }
}

fn run_properties(result: &CheckResult) -> RunProperties<'_> {
    RunProperties {
        coverage: &result.coverage,
        cluster: result.live.as_ref(),
        access_matrix: result.live.as_ref().map(|l| l.principals.as_slice()),
    }
}

fn rule_index(code: &str) -> usize {
    RULES.iter().position(|r| r.meta.code == code).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri_reference("examples/aws-auth.yaml"),
            "examples/aws-auth.yaml"
        );
        assert_eq!(uri_reference("my file%.yaml"), "my%20file%25.yaml");
        assert_eq!(
            uri_reference("arn:aws:eks:r:1:cluster/x (kubectl)"),
            "arn:aws:eks:r:1:cluster/x%20(kubectl)"
        );
        assert_eq!(uri_reference("é"), "%C3%A9");
    }
}
