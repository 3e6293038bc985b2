//! ## What it does
//! For every IAM Identity Center role that aws-auth maps by name
//! (`AWSReservedSSO_<PermissionSet>_<suffix>`) and that no longer exists, looks for the role
//! that carries the same permission set now (the roles under
//! `/aws-reserved/sso.amazonaws.com/`) and reports it, with the exact ARN to map instead.
//!
//! ## Why is this bad?
//! IAM Identity Center re-creates a permission set's role with a new random suffix whenever
//! the permission set is re-provisioned or re-assigned to the account. The mapping of the old
//! name silently stops matching: the people who use that permission set lose cluster access
//! (a lockout, if it was the admin path), and the stale name waits for anyone who creates a
//! role of that name (EA401).
//!
//! ## Example
//! aws-auth maps `role/AWSReservedSSO_Admin_0123456789abcdef`; IAM now has
//! `role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_fedcba9876543210`.
//!
//! ## Remediation
//! Map the current role — without its path in aws-auth (the path never matches there), with
//! it in an access entry — or use an `sso:` matcher where the authenticator supports it, or an
//! access entry, which follows the role you name.
//!
//! ## How to verify by hand
//! `aws iam list-roles --path-prefix /aws-reserved/sso.amazonaws.com/ --query
//! 'Roles[].RoleName'`.
//!
//! ## References
//! - Amazon EKS user guide, IAM Identity Center roles in aws-auth (no path): https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html
//! - aws/containers-roadmap#2336 (automating SSO access to EKS)

use super::ClusterFacts;
use super::prelude::*;
use crate::model::iam::sso_role_parts;
use crate::evidence::Fetched;

pub const META: RuleMeta = RuleMeta {
    code: "EA404",
    slug: "sso-suffix-stale",
    severity: Severity::High,
    summary: "SSO role whose permission set suffix no longer exists",
    needs: &[Input::AwsAuth, Input::Iam],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(doc), Some(iam)) = (facts.aws_auth, facts.iam) else {
        return;
    };
    let Some(Fetched::Found(sso_roles)) = &iam.sso_roles else {
        return;
    };
    for (section, entry, wanted, result) in resolved_entries(doc, iam) {
        if !matches!(result, Fetched::Absent) {
            continue;
        }
        let Some((set, suffix)) = sso_role_parts(&wanted.name) else {
            continue;
        };
        let current: Vec<&crate::evidence::IamPrincipal> = sso_roles
            .iter()
            .filter(|r| sso_role_parts(&r.name).is_some_and(|(s, _)| s == set))
            .collect();
        let Some(now) = current.first() else {
            continue;
        };
        let arn = entry.row.arn().trim().to_string();
        let pathless = crate::model::arn::strip_path(&now.arn).unwrap_or_else(|_| now.arn.clone());
        out.emit(
            At::Entry(section, entry, Field::Key(arn_field(section))),
            Some(&arn),
            format!(
                "{arn} no longer exists: permission set `{set}` is now carried by {} (suffix {} replaced {suffix}), so its users no longer match this mapping",
                now.arn,
                sso_role_parts(&now.name).map_or("", |(_, s)| s)
            ),
            format!("map `{pathless}` in aws-auth (no path), or `{}` in an access entry", now.arn),
        );
    }
}
