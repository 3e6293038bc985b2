//! ## What it does
//! With an organisation policy whose scope matches the cluster (or the file) and lists its
//! `admins`, reports every principal that holds cluster-admin or admin power in effect —
//! through whatever path the access matrix shows: a `system:masters` row, a group bound to
//! `cluster-admin`, an access policy, the hidden creator — or that could make itself one (a
//! latent administrator: its IAM policies let it, EA405/EA406; the finding says which kind —
//! `policy init` lists latent administrators too, marked so in its comment), and that no
//! `admins` entry of a matching scope names (`arn`, `role_name`, `user_name` or `sso_permission_set`). The finding
//! names the principal, the path that gives it power, and the scope line that decided.
//!
//! ## Why is this bad?
//! An administrator nobody agreed to is the question every access review asks first. Generic
//! rules report `system:masters` grants; only a statement of intent tells the expected
//! platform role from the forgotten contractor role.
//!
//! ## Example
//! ```yaml
//! scopes:
//!   - match: {clusters: ["prod-*"]}
//!     admins: [{sso_permission_set: AdministratorAccess}]
//! ```
//! and `prod-eu` maps `arn:aws:iam::111122223333:role/ci` into `system:masters`.
//!
//! ## Remediation
//! Remove the grant, or, when the administrator is intended, add it to the scope's `admins`
//! (and review the change like any other access change).
//!
//! ## How to verify by hand
//! `aws-auth-audit cluster --name CLUSTER --format json` and read `principals[]` with tier
//! `cluster-admin` or `admin` and `in_effect: true`; compare with the policy's scopes.
//!
//! ## References
//! - docs/policy.md (scopes, admins, matching)
//! - CIS Amazon EKS Benchmark v1.0.1, 4.1.1 (cluster-admin only where required)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA501",
    slug: "unexpected-administrator",
    severity: Severity::High,
    summary: "unexpected administrator: cluster-admin or admin power the policy's scope does not list",
    needs: &[Input::Policy],
};

/// Runs when a matching scope lists `admins`.
pub fn check(facts: &PolicyFacts<'_>, out: &mut PolicyEmitter<'_>) -> bool {
    let Some(expected) = &facts.admins else {
        return false;
    };
    for p in facts.principals.iter().filter(|p| p.is_admin_or_latent()) {
        if expected.iter().any(|e| (e.names)(&p.arn)) {
            continue;
        }
        let holds = if p.in_effect {
            format!("holds {} power through {}", p.tier.as_str(), p.source)
        } else {
            format!(
                "is a latent administrator — no way in today, but IAM lets it make one ({})",
                p.source
            )
        };
        out.emit(
            Some(p),
            Subject::Principal(&p.arn),
            format!(
                "{} {holds} ({}), and the policy does not list it as an administrator here (scope {})",
                p.arn,
                p.tier_reason,
                facts.scope_lines
            ),
            format!(
                "remove the grant, or, if it is intended, add the principal to the scope's admins in {}",
                facts.policy_path
            ),
        );
    }
    true
}
