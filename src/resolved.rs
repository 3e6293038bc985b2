//! `check --resolve`: aws-auth files judged with IAM's answers about the principals they name.
//! The offline rules run with IAM at hand (EA107 gives IAM's ARN), and so do the IAM rules a
//! file is enough for (EA401, EA404). Rules that need what only a cluster has — its RBAC, its
//! caller, aws-auth's change time — are not run on files.

use crate::check::{
    CheckError, CheckResult, InputFile, NotEvaluated, check_with, list_undecided, sort_findings,
};
use crate::rules::{ClusterFacts, Needs, RULES};
use crate::snapshot::{Fetched, IamEvidence};

/// Judges `inputs` with `iam` (found, or why it is unknown).
pub fn check_resolved(
    inputs: &[InputFile],
    iam: &Fetched<IamEvidence>,
) -> Result<CheckResult, CheckError> {
    let evidence = match iam {
        Fetched::Found(evidence) => Some(evidence),
        _ => None,
    };
    let mut result = check_with(inputs, evidence)?;
    for rule in RULES.iter().filter(|r| r.meta.needs == Needs::Iam) {
        let Some(evidence) = evidence else {
            let reason = match iam {
                Fetched::Unknown(u) => format!("unknown({}): {}", u.reason.as_str(), u.detail),
                _ => "not evaluated: IAM was not read".to_string(),
            };
            result.coverage.not_evaluated.push(NotEvaluated {
                code: rule.meta.code,
                reason,
            });
            continue;
        };
        result.coverage.rules_evaluated.push(rule.meta.code);
        for doc in &result.documents {
            let facts = ClusterFacts {
                cluster_arn: &doc.path,
                aws_auth: Some(doc),
                caller: None,
                rbac: None,
                iam: Some(evidence),
                aws_auth_modified: None,
                ..ClusterFacts::default()
            };
            result.findings.extend(rule.run_cluster(&facts));
        }
    }
    list_undecided(&result.findings, &mut result.coverage);
    sort_findings(&mut result.findings);
    if let Some(evidence) = evidence {
        for lookup in &evidence.accounts {
            let calls: usize = lookup.calls.values().sum();
            result.notes.push(format!(
                "IAM account {}: {} lookup, {calls} call(s) ({})",
                lookup.account, lookup.strategy, lookup.reason
            ));
        }
    }
    Ok(result)
}
