//! ## What it does
//! With an organisation policy, reports every administrator a matching scope names by exact
//! `arn` that has no cluster-admin or admin path in effect on the cluster (no row, no entry,
//! or one that EKS does not use under the mode, such as a role ARN with a path).
//!
//! ## Why is this bad?
//! The break-glass or platform role the organisation relies on cannot administer the cluster:
//! the day it is needed, nobody can get in. It often follows a migration to access entries
//! that forgot a mapping, or a role re-created under a path.
//!
//! ## Example
//! `admins: [{arn: arn:aws:iam::111122223333:role/breakglass}]` and the cluster's only
//! mapping of `breakglass` is `role/ops/breakglass` (a path: it never matches).
//!
//! ## Remediation
//! Give the administrator its path back (an access entry with `AmazonEKSClusterAdminPolicy`,
//! or a correct aws-auth row), or remove it from the policy if it is no longer expected.
//!
//! ## How to verify by hand
//! `aws eks list-access-entries` and `kubectl get configmap aws-auth -n kube-system -o yaml`;
//! `aws-auth-audit whois ARN --cluster CLUSTER` answers for one principal.
//!
//! ## References
//! - docs/policy.md (expected administrators)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA502",
    slug: "expected-administrator-missing",
    severity: Severity::Medium,
    summary: "expected administrator has no path in effect",
    needs: &[Input::Policy],
};

/// Runs when a matching scope lists `admins`; judges those named by exact ARN.
pub fn check(facts: &PolicyFacts<'_>, out: &mut PolicyEmitter<'_>) -> bool {
    let Some(expected) = &facts.admins else {
        return false;
    };
    for admin in expected {
        let Some(arn) = admin.arn else {
            continue;
        };
        // A latent path (IAM lets it make one) is not missing: policy init lists latent
        // administrators too.
        if facts
            .principals
            .iter()
            .filter(|p| p.is_admin_or_latent())
            .any(|p| (admin.names)(&p.arn))
        {
            continue;
        }
        out.emit(
            None,
            Subject::Principal(arn),
            format!(
                "{arn} is an expected administrator (policy {}) and has no cluster-admin or admin path in effect",
                admin.at
            ),
            "give it its access back (an access entry with AmazonEKSClusterAdminPolicy), or remove it from the policy if it is no longer expected".to_string(),
        );
    }
    true
}
