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
