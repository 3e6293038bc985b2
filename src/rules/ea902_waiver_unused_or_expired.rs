//! ## What it does
//! Reports a waiver of the organisation policy that has expired (the finding it hid is
//! reported again, and so is the waiver) or that matched no finding of a target it applies to
//! (like cargo-deny's unused exceptions).
//!
//! ## Why is this bad?
//! Exceptions that outlive their reason, or that hide nothing any more, make a policy that
//! nobody can read with confidence; an expired one means a promised fix did not happen.
//!
//! ## Example
//! `waivers: [{rule: EA113, principal: arn:aws:iam::111122223333:role/legacy-admin, reason:
//! "until SEC-123", expires: 2026-03-31}]`, judged on 2026-11-30.
//!
//! ## Remediation
//! Fix what the waiver excused and delete it, or renew it with a new date and reason; delete
//! a waiver that matches nothing.
//!
//! ## How to verify by hand
//! The waiver's line in the policy file and the finding's fingerprint in the JSON report.
//!
//! ## References
//! - docs/policy.md (waivers and their lifecycle)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA902",
    slug: "waiver-unused-or-expired",
    severity: Severity::Low,
    summary: "waiver unused or expired",
    needs: &[Input::Policy],
};

/// Runs, after the waivers are applied, when the policy has any waiver.
pub fn check(facts: &PolicyFacts<'_>, out: &mut PolicyEmitter<'_>) -> bool {
    for waiver in &facts.waivers {
        let subject = format!("waiver {}", waiver.at);
        if let Some(fingerprint) = &waiver.expired_over {
            out.emit(
                None,
                Subject::Other(&subject),
                format!(
                    "the waiver at {} ({}) expired on {} (reason: {}): the finding it hid ({fingerprint}) is reported again",
                    waiver.at, waiver.named, waiver.expires, waiver.reason
                ),
                "fix what the waiver excused and delete it, or renew it with a new date and reason".to_string(),
            );
        } else if waiver.unused {
            out.emit(
                None,
                Subject::Other(&subject),
                format!(
                    "the waiver at {} ({}) matched no finding here: it hides nothing",
                    waiver.at, waiver.named
                ),
                "delete the waiver, or correct its rule, principal or fingerprint".to_string(),
            );
        }
    }
    !facts.waivers.is_empty()
}
