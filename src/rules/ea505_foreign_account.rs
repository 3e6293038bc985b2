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
