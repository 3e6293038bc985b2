//! ## What it does
//! Reports each ClusterRoleBinding or RoleBinding whose subject is a `User` named by a static
//! username that an aws-auth row or an access entry gives, when the role is `cluster-admin`,
//! every verb on every resource, a role that can escalate, or a role with an admin-equivalent
//! capability where the binding applies it (EA205 lists them). (A username with a template, such
//! as `{{SessionName}}`, is known only per session and is not judged here.)
//!
//! ## Why is this bad?
//! RBAC binds users by name. `username: deploy` in aws-auth, with a ClusterRoleBinding of user
//! `deploy` to `cluster-admin` elsewhere, makes the mapped role an administrator — and neither
//! the mapping (no privileged group) nor the binding (no IAM in sight) shows it alone. Every
//! principal mapped to that username, now or later, inherits it.
//!
//! ## Example
//! ```yaml
//! # aws-auth
//! - rolearn: arn:aws:iam::111122223333:role/Deploy
//!   username: deploy
//! # RBAC
//! kind: ClusterRoleBinding
//! roleRef: {kind: ClusterRole, name: cluster-admin}
//! subjects: [{kind: User, name: deploy}]
//! ```
//!
//! ## Remediation
//! Bind a group the mapping sets, to the narrowest role that works; keep user bindings for
//! names no mapping can produce.
//!
//! ## How to verify by hand
//! `kubectl get clusterrolebindings,rolebindings -A -o json | jq '.items[] |
//! select(any(.subjects[]?; .kind=="User" and .name=="USERNAME"))'`.
//!
//! ## References
//! - Kubernetes RBAC, "Referring to subjects": https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-subjects
//! - aws-iam-authenticator README, "username" (the Kubernetes username a mapping gives)

use super::ClusterFacts;
use super::prelude::*;
use crate::model::rbac::grants_to_user;

pub const META: RuleMeta = RuleMeta {
    code: "EA212",
    slug: "username-bound-to-admin",
    severity: Severity::High,
    summary: "mapped username bound to cluster-admin, a wildcard role or an escalating role",
    needs: &[Input::Rbac],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(rbac) = facts.rbac else {
        return;
    };
    let report = |out: &mut Emitter<'_>, at: At<'_>, who: Option<&str>, username: &str| {
        for grant in grants_to_user(rbac, username) {
            let Some(power) = grant.admin_power(facts.mode()) else {
                continue;
            };
            let what = &power.what;
            let (severity, scope) = grant_reach(&grant, &power);
            out.emit_with(
                at,
                who,
                severity,
                format!(
                    "{} is mapped to username `{username}`, which {} gives {what} over {scope}",
                    who.unwrap_or("(no principal)"),
                    grant.describe()
                ),
                format!(
                    "bind a group the mapping sets, to the narrowest role that works, instead of user `{username}` in {}",
                    grant.describe()
                ),
            );
        }
    };
    let static_name = |name: &str| !name.is_empty() && !name.contains("{{");
    if let Some(doc) = facts.aws_auth {
        for (section, entry) in kept_entries(doc) {
            let username = entry.row.username();
            if static_name(username) {
                let who = principal_of(entry);
                report(out, At::Entry(section, entry, Field::Key("username")), who.as_deref(), username);
            }
        }
    }
    for entry in facts.access_entries.unwrap_or_default() {
        if let Some(username) = entry.username.as_deref().filter(|u| static_name(u)) {
            let route = entry_route(entry);
            report(out, At::Cluster(&route), Some(&entry.principal_arn), username);
        }
    }
}
