//! The HTML report (`--format html`): one self-contained page a reviewer can file — coverage
//! first, a summary read in ten seconds, the access graph with its administrator paths drawn,
//! the access matrix as a sortable and filterable table, the findings by severity with their
//! fixes and their rules' documentation. For `check` and `cluster` ([`check`]), `diff`
//! ([`diff`]: the verdicts first, then each changed path before and after) and a fleet
//! (`report::fleet`'s `html`). Every value from the input is escaped ([`page::esc`]); the page
//! loads nothing and runs only its own hashed script.

pub mod audit;
mod diff;
pub mod graph;
pub mod page;
pub mod view;

use std::collections::BTreeSet;

pub use audit::Outcome;
pub use diff::diff;

use crate::judge::result::CheckResult;
use view::AuditView;

/// When the page was written (`written`, from the caller), and when the evidence was
/// collected when a snapshot says.
fn when(result: &CheckResult, written: &str) -> String {
    match result.live.as_ref().and_then(|l| l.collected_at.as_ref()) {
        Some(collected) => format!("evidence collected {collected}; report written {written}"),
        None => format!("report written {written}"),
    }
}

/// The page of a `check` or `cluster` judgement.
/// `written` is when the report is written (RFC 3339), the caller's to say: a replay can
/// render the page byte for byte again.
pub fn check(result: &CheckResult, outcome: &Outcome, written: &str) -> String {
    let view = AuditView::from_result(result, outcome.threshold);
    let subject = view.subject();
    let mut body = format!(
        "<header>\n<h1>aws-auth-audit: who can get in</h1>\n{}</header>\n",
        audit::header(&view, ("When", when(result, written)))
    );
    body.push_str(&audit::body(&view, "a", Some(outcome), 2));
    let codes: BTreeSet<String> = view.findings.iter().map(|f| f.code.to_string()).collect();
    body.push_str(&audit::rules_appendix(&codes));
    page::document(&format!("aws-auth-audit: {subject}"), &body)
}
