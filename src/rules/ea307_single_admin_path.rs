//! ## What it does
//! Counts the independent ways to administer the cluster that are in effect under its
//! authentication mode — distinct principals at the cluster-admin tier from aws-auth
//! (`system:masters`, or a group bound to `cluster-admin`), from access entries
//! (`AmazonEKSClusterAdminPolicy` at cluster scope, or groups bound to it), and the hidden
//! creator of a `CONFIG_MAP` cluster — and reports fewer than two.
//!
//! ## Why is this bad?
//! With one admin path, losing it locks everyone out of cluster administration: the role is
//! deleted or its trust policy changed, the SSO permission set re-provisioned (EA404), an
//! aws-auth edit breaks the section (EA101). When the only path is the hidden creator, the
//! cluster is administered by an identity nobody can see.
//!
//! ## Example
//! An `API` cluster whose only cluster-admin is the creator's access entry.
//!
//! ## Remediation
//! Keep two independent admin paths — two roles, with different trust (for example an SSO
//! permission set and a break-glass role) — as access entries; document them.
//!
//! ## How to verify by hand
//! `aws eks list-access-entries --associated-policy-arn
//! arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`, aws-auth's
//! `system:masters` rows, and ClusterRoleBindings to `cluster-admin`.
//!
//! ## References
//! - Amazon EKS best practices, identity and access management (break-glass access)
//! - aws/containers-roadmap#1209 and #185 (lock-outs through aws-auth)

use super::ClusterFacts;
use super::prelude::*;
use crate::model::access::Tier;

pub const META: RuleMeta = RuleMeta {
    code: "EA307",
    slug: "single-admin-path",
    severity: Severity::Medium,
    summary: "one admin path only: lockout risk",
    needs: &[Input::AwsAuth, Input::Mode, Input::EntrySet, Input::Rbac],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let principals = facts.principals();
    // One path per principal (an entry with a path and a path-less row are the same role).
    let mut admins: Vec<(String, String)> = principals
        .iter()
        .filter(|p| p.in_effect && p.tier == Tier::ClusterAdmin)
        .map(|p| {
            let key = crate::model::iam::Wanted::from_arn(&p.arn)
                .map_or(p.arn.clone(), |w| format!("{}:{}", w.account, w.name));
            (key, p.arn.clone())
        })
        .collect();
    admins.sort();
    admins.dedup_by(|a, b| a.0 == b.0);
    // A CONFIG_MAP cluster's creator holds system:masters whether or not a row names it.
    let hidden_seen = principals
        .iter()
        .any(|p| p.in_effect && p.tier == Tier::ClusterAdmin && p.source.is_hidden());
    let hidden_unnamed = facts.mode() == Some(&AuthenticationMode::ConfigMap) && !hidden_seen;
    if admins.len() + usize::from(hidden_unnamed) >= 2 {
        return;
    }
    let only_hidden = hidden_unnamed
        || (hidden_seen && admins.len() == 1);
    let message = match admins.first() {
        _ if only_hidden => {
            "the only cluster-admin path is the hidden creator: an identity no configuration shows".to_string()
        }
        None => "no principal in effect has cluster-admin: nobody can administer the cluster through any visible path".to_string(),
        Some((_, only)) => format!("{only} is the only cluster-admin path in effect: losing it locks administration out"),
    };
    out.emit(
        At::Cluster("admin paths"),
        None,
        message,
        "keep two independent admin paths (e.g. an SSO permission set and a break-glass role), as access entries".to_string(),
    );
}
