//! ## What it does
//! With an organisation policy whose matching scope has `forbid`, reports what it forbids:
//! `iam_users` (an IAM user with access in effect), `map_accounts` (a `mapAccounts` grant in
//! aws-auth), `config_map_mode` (the cluster's authentication mode is `CONFIG_MAP`),
//! `system_masters` (an aws-auth row in `system:masters`).
//!
//! ## Why is this bad?
//! Each is a practice the organisation decided against: long-lived user keys, whole accounts
//! mapped at once, an invisible unrevocable creator, superusers outside access entries.
//!
//! ## Example
//! `forbid: [iam_users]` and `mapUsers` maps `arn:aws:iam::111122223333:user/alice`.
//!
//! ## Remediation
//! Replace the forbidden grant (a role for the user, access entries for the accounts' roles,
//! a move to `API_AND_CONFIG_MAP`), or change the policy if the practice is accepted here.
//!
//! ## How to verify by hand
//! aws-auth (`kubectl get configmap aws-auth -n kube-system -o yaml`), `aws eks
//! list-access-entries`, and `aws eks describe-cluster --query cluster.accessConfig`.
//!
//! ## References
//! - docs/policy.md (`forbid`)

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA504",
    slug: "forbidden-principal-or-mode",
    severity: Severity::High,
    summary: "principal kind or mode the policy's scope forbids",
    needs: &[Input::Policy],
};
