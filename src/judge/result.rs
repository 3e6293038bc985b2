//! What a judgement produces: findings, notes, coverage and, for a cluster, its context and
//! access matrix (`CheckResult`); and the inputs a judgement reads. The judging itself is
//! `crate::judge`.

use serde::{Deserialize, Serialize};

use crate::model::awsauth::document::AwsAuthDocument;
use crate::rules::finding::{Finding, Severity, Status};

pub use crate::inputs::manifest::{CheckError, InputFile, MAX_CONFIGMAP_DATA_BYTES};

/// Which rules ran. Offline, every aws-auth rule runs on every judged ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Coverage {
    pub complete: bool,
    #[serde(deserialize_with = "crate::rules::finding::catalogue_word::list")]
    pub rules_evaluated: Vec<crate::rules::finding::CatalogueWord>,
    pub not_evaluated: Vec<NotEvaluated>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NotEvaluated {
    #[serde(deserialize_with = "crate::rules::finding::catalogue_word::deserialize")]
    pub code: crate::rules::finding::CatalogueWord,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub documents: Vec<AwsAuthDocument>,
    pub findings: Vec<Finding>,
    /// Things worth saying that are not findings (other ConfigMaps, assumptions).
    pub notes: Vec<String>,
    pub coverage: Coverage,
    /// For a live audit (or a snapshot): which cluster, how it was reached, who asked.
    pub live: Option<LiveContext>,
    /// The organisation policy the result was judged against, if any.
    pub policy: Option<AppliedPolicy>,
}

/// Which policy applied: the file, its digest, the profiles it extends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AppliedPolicy {
    pub path: String,
    pub digest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extends: Vec<String>,
    /// Set when the policy has scopes but none covers the file judged: what did not run and
    /// how to cover it (also said on stderr).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncovered: Option<String>,
}

/// What a report says about the cluster a live audit read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LiveContext {
    #[serde(flatten)]
    pub cluster: crate::evidence::ClusterInfo,
    pub transport: crate::evidence::Transport,
    /// The caller as the API server saw it, when SelfSubjectReview answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<crate::evidence::UserInfo>,
    /// What IAM said about the principals aws-auth names, when IAM was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<crate::model::access::IamSummary>,
    /// The access matrix: every way in, with its power and whether it is in effect.
    #[serde(skip)]
    pub principals: Vec<crate::model::access::Principal>,
    /// When the evidence was collected (RFC 3339): the instant a replay is judged at.
    #[serde(skip)]
    pub collected_at: Option<String>,
    /// CloudTrail's record of access changes within its window, oldest first.
    #[serde(skip)]
    pub history: Vec<crate::model::access::history::HistoryItem>,
    /// Whether `history` is CloudTrail's whole record of the window.
    #[serde(skip)]
    pub history_state: HistoryState,
    /// The CloudTrail events `history` and the provenance were read from, when they were read
    /// whole: what a later `scan --baseline` carries forward.
    #[serde(skip)]
    pub trail: Option<crate::evidence::Trail>,
}

/// What the audit knows of who granted each way in.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum HistoryState {
    /// Nothing to know: access declared by a plan or a ClusterConfig (not granted yet).
    #[default]
    NotApplicable,
    /// CloudTrail's EKS events of the whole window were read.
    Read,
    /// They were not read, or read in part: why.
    Unread(String),
}

impl LiveContext {
    /// One line for the head of a human-readable report: which cluster, how, as whom.
    pub fn headline(&self) -> String {
        let mut facts = Vec::new();
        if let Some(mode) = &self.cluster.authentication_mode {
            facts.push(format!("authentication mode {mode}"));
        }
        if let Some(version) = &self.cluster.kubernetes_version {
            facts.push(format!("Kubernetes {version}"));
        }
        facts.push(format!(
            "read via {}{}",
            self.transport.via,
            if self.transport.tls_verified {
                ""
            } else {
                " WITHOUT TLS verification"
            }
        ));
        if let Some(caller) = &self.caller {
            facts.push(format!(
                "as `{}` (groups: {})",
                caller.username,
                caller.groups.join(", ")
            ));
        }
        if let Some(iam) = &self.iam {
            for lookup in &iam.lookups {
                let calls: usize = lookup.calls.values().sum();
                facts.push(format!(
                    "IAM account {}: {} lookup, {calls} call(s)",
                    lookup.account, lookup.strategy
                ));
            }
        }
        format!("cluster {}: {}", self.cluster.arn, facts.join("; "))
    }
}

impl CheckResult {
    /// The access matrix of a judgement: a cluster's, or for files the one their aws-auth makes
    /// alone (no mode, no RBAC: `system:masters` and the node groups are what shows).
    pub fn access_matrix(&self) -> Vec<crate::model::access::Principal> {
        match &self.live {
            Some(live) => live.principals.clone(),
            None => self
                .documents
                .iter()
                .flat_map(|doc| {
                    crate::model::access::matrix(crate::model::access::AccessInputs {
                        mode: None,
                        aws_auth: Some(doc),
                        aws_auth_unread: None,
                        entries: None,
                        rbac: None,
                        caller: None,
                        creator: None,
                    })
                })
                .collect(),
        }
    }

    /// Whether a failing finding reaches `threshold` (`None`: never).
    /// Nothing judged: no document, no finding, nothing left undecided.
    pub fn empty() -> CheckResult {
        CheckResult {
            documents: Vec::new(),
            findings: Vec::new(),
            notes: Vec::new(),
            coverage: Coverage {
                complete: true,
                rules_evaluated: Vec::new(),
                not_evaluated: Vec::new(),
            },
            live: None,
            policy: None,
        }
    }

    pub fn fails_at(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| {
            self.findings
                .iter()
                .any(|f| f.status == Status::Fail && f.severity >= t)
        })
    }
}

/// Lists, in the coverage, every finding a rule could not decide (`unknown(REASON)`), with the
/// principal it is about; any such finding makes coverage incomplete.
pub fn list_undecided(findings: &[Finding], coverage: &mut Coverage) {
    for finding in findings {
        if let Some(reason) = undecided_reason(finding) {
            coverage.not_evaluated.push(NotEvaluated {
                code: finding.code,
                reason,
            });
        }
    }
    coverage.complete = coverage.not_evaluated.is_empty();
}

/// What the coverage says of an undecided finding (`unknown(REASON) for PRINCIPAL`); `None`
/// for a decided one.
pub fn undecided_reason(finding: &Finding) -> Option<String> {
    let Status::Unknown(reason) = &finding.status else {
        return None;
    };
    Some(format!(
        "unknown({reason}) for {}",
        finding
            .principal
            .as_deref()
            .unwrap_or(&finding.location.route)
    ))
}

/// Most severe first, then file order: the same order on every run.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            b.severity,
            &a.location.path,
            a.location.line,
            a.location.column,
            a.code,
        )
            .cmp(&(
                a.severity,
                &b.location.path,
                b.location.line,
                b.location.column,
                b.code,
            ))
    });
}
