//! Findings of two versions compared by fingerprint: what the change introduces, fixes, leaves
//! as it was — and what merely goes away with the row or entry the change removes, which is not
//! a fix.

use serde::Serialize;

use crate::judge::result::CheckResult;
use crate::model::iam::Wanted;
use crate::rules::finding::Finding;

/// Findings compared by fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FindingChanges {
    /// In HEAD, not in BASE: what the change introduces.
    pub new: Vec<Finding>,
    /// In BASE, not in HEAD, about something HEAD still has: what the change fixes.
    pub fixed: Vec<Finding>,
    /// In BASE, not in HEAD, because HEAD no longer has the principal they are about (its
    /// row or entry is removed): not fixed, gone with what they judged.
    #[serde(default)]
    pub removed: Vec<Finding>,
    /// In both.
    pub unchanged: Vec<Finding>,
}

/// Compares the findings of `base` and `head`.
pub fn compare(base: &CheckResult, head: &CheckResult) -> FindingChanges {
    let in_base: std::collections::BTreeSet<&str> = base
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let in_head: std::collections::BTreeSet<&str> = head
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let head_principals: Vec<String> = head
        .access_matrix()
        .into_iter()
        .map(|p| p.arn.trim().to_string())
        .collect();
    let still_in_head = |principal: &str| {
        let wanted = Wanted::from_arn(principal);
        head_principals.iter().any(|arn| {
            arn.eq_ignore_ascii_case(principal)
                || (wanted.is_some() && Wanted::from_arn(arn) == wanted)
        })
    };
    let (removed, fixed): (Vec<Finding>, Vec<Finding>) = base
        .findings
        .iter()
        .filter(|f| !in_head.contains(f.fingerprint.as_str()))
        .cloned()
        .partition(|f| f.principal.as_deref().is_some_and(|p| !still_in_head(p)));
    FindingChanges {
        new: head
            .findings
            .iter()
            .filter(|f| !in_base.contains(f.fingerprint.as_str()))
            .cloned()
            .collect(),
        fixed,
        removed,
        unchanged: head
            .findings
            .iter()
            .filter(|f| in_base.contains(f.fingerprint.as_str()))
            .cloned()
            .collect(),
    }
}
