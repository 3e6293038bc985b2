//! ## What it does
//! Reports every mapping that puts a principal in the `system:masters` group.
//!
//! ## Why is this bad?
//! `system:masters` is hard-wired in the API server as a superuser group: requests from its
//! members skip authorization entirely. No Role, ClusterRole or RoleBinding can restrict it,
//! and removing RBAC bindings does not revoke it. Whoever can assume a mapped role — every
//! principal its trust policy admits — is a cluster superuser. Such grants often hide among
//! node mappings.
//!
//! A grant on a row that lets nobody in today (its ARN never matches a caller: EA107, EA108,
//! EA109; or it matches one whose username can never render, such as `{{EC2PrivateDNSName}}`
//! on an IAM user: EA115) is reported as dead, one severity lower: it becomes live the moment
//! someone corrects the row.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/CI
//!     username: ci
//!     groups:
//!       - system:masters
//! ```
//!
//! ## Remediation
//! Bind the principal's group to the narrowest ClusterRole that works (`edit`, `view`, or a
//! custom role) instead, or move it to an EKS access entry with a scoped access policy. Keep
//! at most a break-glass role with `system:masters`, assumable by few, and monitored.
//!
//! ## How to verify by hand
//! `kubectl -n kube-system get cm aws-auth -o yaml | grep -n system:masters`, then
//! `aws iam get-role --role-name NAME --query Role.AssumeRolePolicyDocument` for who can
//! assume each role.
//!
//! ## References
//! - Kubernetes RBAC, "User-facing roles" and the `system:masters` group: https://kubernetes.io/docs/reference/access-authn-authz/rbac/
//! - Amazon EKS best practices guide, identity and access management: avoid `system:masters` in aws-auth

use super::prelude::*;
use crate::model::policies::privileged_groups;

pub const META: RuleMeta = RuleMeta {
    code: "EA113",
    slug: "system-masters-grant",
    severity: Severity::High,
    summary: "`system:masters` grant",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    let masters = &privileged_groups().superuser_group;
    for (section, entry) in kept_entries(doc) {
        for (i, group) in entry.row.groups().iter().enumerate() {
            if *group != masters.name {
                continue;
            }
            let principal = principal_of(entry);
            let who = principal.as_deref().unwrap_or("(no principal)");
            emit_grant(
                out,
                At::Entry(section, entry, Field::Group(i)),
                entry,
                principal.as_deref(),
                format!(
                    "{who} is granted system:masters as `{}`: {}",
                    entry.row.username(),
                    masters.effect
                ),
                "bind a narrower ClusterRole to a dedicated group, or use an access entry with a scoped access policy".to_string(),
            );
        }
    }
}
