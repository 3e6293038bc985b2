//! A finishing step of the judgement, `check --baseline REPORT.json`: report only what a previous JSON report did not have, by
//! fingerprint (fingerprints survive re-indentation and reordering, so drift is real change).

use std::collections::BTreeSet;

use crate::judge::result::CheckResult;

/// The baseline report could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}:{line}:{column}: not a JSON report of aws-auth-audit: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// The fingerprints a previous report had.
pub struct Baseline {
    path: String,
    fingerprints: BTreeSet<String>,
}

/// Reads a report written by `check --format json` (or `cluster --format json`).
impl Baseline {
    /// A baseline of these fingerprints, read from `path` (one cluster of a fleet scan's).
    pub fn of(path: &str, fingerprints: BTreeSet<String>) -> Baseline {
        Baseline {
            path: path.to_string(),
            fingerprints,
        }
    }
}

impl super::Finish for Baseline {
    /// Drops the findings the baseline had, and says how many.
    fn finish(&self, result: &mut CheckResult) {
        let before = result.findings.len();
        result
            .findings
            .retain(|f| !self.fingerprints.contains(&f.fingerprint));
        let known = before - result.findings.len();
        result.notes.push(format!(
            "baseline {}: {known} finding(s) it already had are not reported; {} new",
            self.path,
            result.findings.len()
        ));
    }
}
