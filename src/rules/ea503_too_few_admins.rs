//! ## What it does
//! With an organisation policy whose matching scope sets `min_admins`, counts the independent
//! cluster-admin paths in effect (distinct principals at the cluster-admin tier, the hidden
//! creator of a `CONFIG_MAP` cluster included) and reports fewer than required.
//!
//! ## Why is this bad?
//! Below the agreed number of administrators, one deleted role or one broken aws-auth edit
//! locks administration out — and the organisation said it would not accept that risk here.
//!
//! ## Example
//! `min_admins: 2` and the cluster's only cluster-admin is the creator's access entry.
//!
//! ## Remediation
//! Add independent administrators (different roles, different trust: an SSO permission set
//! and a break-glass role), as access entries.
//!
//! ## How to verify by hand
//! The `principals[]` of the JSON report with tier `cluster-admin` and `in_effect: true`.
//!
//! ## References
//! - docs/policy.md (`min_admins`)
//! - EA307 (the same risk without a policy: fewer than two paths)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA503",
    slug: "too-few-admin-paths",
    severity: Severity::High,
    summary: "fewer admin paths in effect than the policy's `min_admins`: lockout risk",
    needs: &[Input::Policy],
};

/// Runs when a matching scope sets `min_admins` (the largest applies). Independent paths are
/// counted by principal (sessions of one role are one path); the hidden creator of a
/// `CONFIG_MAP` cluster counts even when the audit could not name it.
pub fn check(facts: &PolicyFacts<'_>, out: &mut PolicyEmitter<'_>) -> bool {
    let Some((minimum, at)) = &facts.min_admins else {
        return false;
    };
    let mut keys: Vec<String> = facts
        .principals
        .iter()
        .filter(|p| p.in_effect && p.tier == crate::model::access::Tier::ClusterAdmin)
        .map(|p| {
            crate::model::iam::Wanted::from_arn(&p.arn).map_or(p.arn.to_lowercase(), |w| {
                format!("{}:{}", w.account, w.name.to_lowercase())
            })
        })
        .collect();
    keys.sort();
    keys.dedup();
    let hidden_seen = facts
        .principals
        .iter()
        .any(|p| p.source.is_hidden() && p.in_effect);
    let hidden = usize::from(facts.mode == Some(&AuthenticationMode::ConfigMap) && !hidden_seen);
    let count = keys.len() + hidden;
    if count < *minimum {
        out.emit(
            None,
            Subject::Other("admin paths"),
            format!(
                "{count} cluster-admin path(s) in effect, fewer than the {minimum} the policy requires (min_admins at {at})"
            ),
            "add independent administrators (different roles with different trust) as access entries".to_string(),
        );
    }
    true
}
