//! ## What it does
//! With an organisation policy whose matching scope has `allowed_accounts`, reports every
//! principal in effect from an account other than the cluster's own that the list does not
//! allow. For a file, the cluster's account is the scope's `match.accounts` when it names one.
//!
//! ## Why is this bad?
//! A principal of another account is controlled by whoever administers that account's IAM: a
//! vendor, a retired sandbox, an account that left the organisation.
//!
//! ## Example
//! `allowed_accounts: ["444455556666"]` and an access entry for
//! `arn:aws:iam::777788889999:role/partner`.
//!
//! ## Remediation
//! Remove the grant, or add the account to `allowed_accounts` after review.
//!
//! ## How to verify by hand
//! Compare the account of every principal in `principals[]` with the cluster ARN's account.
//!
//! ## References
//! - docs/policy.md (`allowed_accounts`)
//! - EA208 (another account's principal in an access entry)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA505",
    slug: "principal-of-foreign-account",
    severity: Severity::High,
    summary: "principal of an account the policy's scope does not allow",
    needs: &[Input::Policy],
};

/// Runs when a matching scope lists `allowed_accounts` and the target's own account is known.
pub fn check(facts: &PolicyFacts<'_>, out: &mut PolicyEmitter<'_>) -> bool {
    let Some(allowed) = &facts.allowed_accounts else {
        return false;
    };
    if facts.own_accounts.is_empty() {
        return false;
    }
    for p in facts.principals.iter().filter(|p| p.in_effect) {
        let Some(account) = p.mapped_account().map(str::to_string).or_else(|| {
            crate::model::arn::parse(&p.arn)
                .ok()
                .map(|a| a.account.to_string())
                .filter(|a| !a.is_empty())
        }) else {
            continue;
        };
        if facts.own_accounts.contains(&account) || allowed.contains(&account.as_str()) {
            continue;
        }
        out.emit(
            Some(p),
            Subject::Principal(&p.arn),
            format!(
                "{} belongs to account {account}, which is neither the cluster's ({}) nor allowed by the policy (scope {})",
                p.arn,
                facts.own_accounts.join(", "),
                facts.scope_lines
            ),
            format!("remove the grant, or add {account} to allowed_accounts after review"),
        );
    }
    true
}
