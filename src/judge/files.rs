//! Evidence from aws-auth files: every `kube-system/aws-auth` ConfigMap in the inputs, and, for
//! `check --resolve`, IAM's answers about the principals they name. Rules that need what only a
//! cluster has (its RBAC, its caller, aws-auth's change time, access entries) are out of a
//! file's scope.

use std::collections::BTreeMap;

use super::{Availability, Evidence, unknown_reason};
use crate::evidence::{Fetched, IamEvidence};
use crate::inputs::manifest::{CheckError, InputFile};
use crate::judge::result::CheckResult;
use crate::model::awsauth::documents::read_documents;
use crate::rules::Input;

/// The evidence of aws-auth files; with `iam`, what IAM said of the principals they name
/// (found, or why it is unknown).
pub fn file_evidence<'a>(
    inputs: &[InputFile],
    iam: Option<&'a Fetched<IamEvidence>>,
) -> Result<Evidence<'a>, CheckError> {
    let (documents, notes) = read_documents(inputs)?;
    let mut available = BTreeMap::from([(Input::AwsAuth, Availability::Read)]);
    let mut evidence = Evidence {
        documents,
        notes,
        ..Evidence::default()
    };
    if let Some(iam) = iam {
        let availability = match iam {
            Fetched::Found(found) => {
                evidence.facts.iam = Some(found);
                Availability::Read
            }
            Fetched::Absent => Availability::Missing("not evaluated: IAM was not read".into()),
            Fetched::Unknown(u) => Availability::Missing(unknown_reason(u)),
        };
        available.insert(Input::Iam, availability);
        // Every principal's policies in the caller's account: who may assume a file's
        // administrator roles (EA406). A file has no cluster to create an entry on (EA405).
        let policies = match iam {
            Fetched::Found(found) => match &found.authorization {
                Some(Fetched::Found(_)) => Availability::Read,
                Some(Fetched::Unknown(u)) => Availability::Missing(unknown_reason(u)),
                Some(Fetched::Absent) | None => {
                    Availability::Missing("not evaluated: IAM policies were not read".into())
                }
            },
            Fetched::Absent => Availability::Missing("not evaluated: IAM was not read".into()),
            Fetched::Unknown(u) => Availability::Missing(unknown_reason(u)),
        };
        available.insert(Input::IamPolicies, policies);
        if let Fetched::Found(found) = iam {
            for lookup in &found.accounts {
                let calls: usize = lookup.calls.values().sum();
                evidence.trailing_notes.push(format!(
                    "IAM account {}: {} lookup, {calls} call(s) ({})",
                    lookup.account, lookup.strategy, lookup.reason
                ));
            }
        }
    }
    evidence.inputs = available;
    Ok(evidence)
}

/// Judges every `kube-system/aws-auth` in the inputs.
pub fn check(inputs: &[InputFile]) -> Result<CheckResult, CheckError> {
    judge_files(inputs, None, &[])
}

/// Judges every `kube-system/aws-auth` in the inputs; with `iam` (`check --resolve`), the
/// offline rules with IAM at hand (EA107 gives IAM's ARN) and the IAM rules a file is enough
/// for (EA401, EA404, EA406). Then the finishing steps.
pub fn judge_files(
    inputs: &[InputFile],
    iam: Option<&Fetched<IamEvidence>>,
    finish: &[&dyn super::Finish],
) -> Result<CheckResult, CheckError> {
    Ok(super::judge(file_evidence(inputs, iam)?, finish))
}
