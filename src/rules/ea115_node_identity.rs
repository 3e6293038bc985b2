//! ## What it does
//! Reports node mappings that are incomplete or on the wrong principal. A mapping is a node
//! mapping when its username starts with `system:node:` or uses `{{EC2PrivateDNSName}}`, or
//! its groups include `system:nodes` or `system:bootstrappers`. It is reported when:
//! the principal is not a role (an IAM user cannot carry an EC2 instance session); the
//! username is not `system:node:{{EC2PrivateDNSName}}` (or `system:node:{{SessionName}}` for
//! Fargate); or `system:bootstrappers` or `system:nodes` is missing.
//!
//! ## Why is this bad?
//! Kubelets authenticate with their instance's role, and the Node authorizer only lets
//! `system:node:<node name>` in `system:nodes` read what its own pods need. A node username
//! on a human role lets that human impersonate nodes (read secrets of pods on that node,
//! change node status). A node mapping that misses a group breaks TLS bootstrap or node
//! authorization: nodes fail to join. `{{EC2PrivateDNSName}}` on an IAM user can never
//! render (users have no session name), so the mapping never works.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:user/xxxx          # a user, not a node role
//!     username: system:node:{{EC2PrivateDNSName}}
//!     groups: [system:masters]
//! ```
//!
//! ## Remediation
//! Map each node role exactly as EKS writes it:
//! `username: system:node:{{EC2PrivateDNSName}}` with groups `system:bootstrappers` and
//! `system:nodes`; give people and CI roles their own usernames and groups.
//!
//! ## How to verify by hand
//! Compare the mapping with the one EKS creates for a managed node group
//! (`kubectl -n kube-system get cm aws-auth -o yaml` on a fresh cluster), and check the
//! role's trust policy: only `ec2.amazonaws.com` should assume a node role.
//!
//! ## References
//! - Kubernetes Node authorization: https://kubernetes.io/docs/reference/access-authn-authz/node/
//! - Amazon EKS user guide, "Amazon EKS node IAM role" and the aws-auth ConfigMap
//! - aws-iam-authenticator `pkg/server/server.go` (`renderTemplate`: `{{EC2PrivateDNSName}}` needs an instance id)

use super::prelude::*;
use crate::model::arn::{self, PrincipalType};
use crate::model::policies::privileged_groups;

pub const META: RuleMeta = RuleMeta {
    code: "EA115",
    slug: "node-identity",
    severity: Severity::Medium,
    summary: "node identity incomplete or on a non-node role",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    let facts = privileged_groups();
    for (section, entry) in kept_entries(doc) {
        let username = entry.row.username();
        let groups = entry.row.groups();
        let node_username = username.starts_with("system:node:") || username.contains("{{EC2PrivateDNSName}}");
        let node_groups = groups.iter().any(|g| g == "system:nodes" || g == "system:bootstrappers");
        if !node_username && !node_groups {
            continue;
        }
        let principal = principal_of(entry);
        let who = principal.clone().unwrap_or_else(|| "(no principal)".into());
        let kind = arn::classify(entry.row.arn()).ok();
        if matches!(kind, Some(PrincipalType::User | PrincipalType::Root | PrincipalType::FederatedUser)) {
            let never = if username.contains("{{EC2PrivateDNSName}}") {
                " It can never authenticate: {{EC2PrivateDNSName}} needs an EC2 instance session name, and a user has none."
            } else {
                ""
            };
            let message = format!("{who} is not a role but has a node identity (`{username}`): only EC2 instances' roles should be nodes.{never}");
            let remediation = "give this principal its own username and groups; map node roles only".to_string();
            let at = At::Entry(section, entry, Field::Key("username"));
            // A row that never matches is dead for that reason too; one that matches but never
            // renders is this finding's own subject, said in full at the rule's severity.
            if never_matches(entry).is_some() {
                emit_grant(out, at, entry, principal.as_deref(), message, remediation);
            } else {
                out.emit(at, principal.as_deref(), message, remediation);
            }
            continue;
        }
        if !facts.node_usernames.iter().any(|u| u == username) {
            out.emit(
                At::Entry(section, entry, Field::Key("username")),
                principal.as_deref(),
                format!("{who} has node groups but the username `{username}`: the Node authorizer needs `system:node:{{{{EC2PrivateDNSName}}}}`"),
                "set `username: system:node:{{EC2PrivateDNSName}}` on node roles, or remove the node groups".to_string(),
            );
        }
        let missing: Vec<&str> = ["system:bootstrappers", "system:nodes"]
            .into_iter()
            .filter(|g| !groups.iter().any(|have| have == g))
            .collect();
        if !missing.is_empty() {
            out.emit(
                At::Entry(section, entry, Field::Key("groups")),
                principal.as_deref(),
                format!("node mapping {who} lacks {}: nodes using it cannot bootstrap or be authorised", missing.join(" and ")),
                format!("add {} to groups", missing.join(" and ")),
            );
        }
    }
}
