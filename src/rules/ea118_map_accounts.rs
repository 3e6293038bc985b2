//! ## What it does
//! Reports every account listed in `mapAccounts`.
//!
//! ## Why is this bad?
//! `mapAccounts` lets every IAM principal of the account in — every role, every user, the
//! root user, federated users — when no explicit mapping matches them. Each authenticates
//! with its own ARN as username and no groups. That is far more than most teams mean, and
//! the set of principals changes whenever anyone in that account creates a role. Any RBAC
//! binding to `system:authenticated` then applies to all of them.
//!
//! ## Example
//! ```yaml
//! mapAccounts: |
//!   - "444455556666"
//! ```
//!
//! ## Remediation
//! Remove `mapAccounts` and map the roles that need access explicitly, or use access
//! entries.
//!
//! ## How to verify by hand
//! `kubectl -n kube-system get cm aws-auth -o jsonpath='{.data.mapAccounts}'`.
//!
//! ## References
//! - aws-iam-authenticator `pkg/server/server.go` (`doMapping`: `IsAccountAllowed`, username = canonical ARN)
//! - aws-iam-authenticator README, "mapAccounts"

use super::prelude::*;
use crate::model::arn::is_account_id;

pub const META: RuleMeta = RuleMeta {
    code: "EA118",
    slug: "map-accounts-grant",
    severity: Severity::High,
    summary: "`mapAccounts` grant",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for account in doc.section(SectionKey::MapAccounts).kept_accounts() {
        if !is_account_id(&account.account) {
            continue; // never matches: EA109
        }
        out.emit(
            At::Account(account),
            Some(&account.account),
            format!(
                "every IAM principal of account {} (all roles, users, root) can authenticate, each as its own ARN with no groups",
                account.account
            ),
            "remove the account and map the roles that need access explicitly".to_string(),
        );
    }
}
