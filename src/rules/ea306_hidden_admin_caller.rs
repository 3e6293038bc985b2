//! ## What it does
//! Asks the API server who the audit's own caller is (SelfSubjectReview, what
//! `kubectl auth whoami` prints) and reports the caller when it is in `system:masters` but no
//! aws-auth mapping that matches it grants `system:masters`. Nothing visible explains that
//! power: on EKS it is, in practice, the IAM principal that created the cluster, which holds
//! `system:masters` outside every configuration an administrator can read.
//!
//! The caller is matched against aws-auth exactly as the authenticator matches it (the
//! `arn` extra the authenticator puts in the user info; roles by their path-less ARN).
//! A caller that is in `system:masters` without any IAM ARN in its user info (a client
//! certificate, another authenticator) is reported too: nothing in aws-auth names it either.
//!
//! ## Why is this bad?
//! `system:masters` skips authorization entirely, and this grant cannot be seen in aws-auth,
//! in access entries (they never grant `system:masters`), in RBAC, or in any AWS API. In
//! `CONFIG_MAP` mode it cannot be revoked either: only deleting the principal or migrating the
//! cluster to an access-entry mode removes it. Whoever can use these credentials (everyone the
//! role's trust policy admits) is a permanent, invisible cluster superuser.
//!
//! How EKS names the creator inside Kubernetes is not documented; `kubernetes-admin` is what
//! community reports show. The finding says what the API server answered.
//!
//! ## Example
//! `kubectl auth whoami` as the role that created the cluster:
//! ```text
//! ATTRIBUTE                  VALUE
//! Username                   kubernetes-admin
//! Groups                     [system:masters system:authenticated]
//! Extra: arn                 [arn:aws:sts::111122223333:assumed-role/Platform/alice]
//! ```
//! while aws-auth maps no `arn:aws:iam::111122223333:role/Platform`.
//!
//! ## Remediation
//! Treat the credentials as break-glass: restrict who can assume the role (its trust policy),
//! alert on its use (CloudTrail), and migrate the cluster to `API_AND_CONFIG_MAP` then `API`,
//! where the creator's power is an access entry you can see and delete. Do not use this
//! principal for day-to-day work or for audits.
//!
//! ## How to verify by hand
//! `kubectl auth whoami -o yaml` with the same credentials, and
//! `kubectl -n kube-system get cm aws-auth -o yaml` for a mapping of the ARN it shows;
//! `aws eks describe-cluster --name N --query cluster.accessConfig` for the mode.
//!
//! ## References
//! - Amazon EKS user guide, cluster creator permissions: https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
//! - aws/containers-roadmap#378 (the creator is implicitly mapped to `kubernetes-admin`) and #922
//! - Kubernetes SelfSubjectReview: https://kubernetes.io/docs/reference/access-authn-authz/authentication/#self-subject-review

use super::ClusterFacts;
use super::prelude::*;
use crate::model::awsauth::lookup::{Identity, Outcome, lookup};
use crate::model::policies::privileged_groups;

pub const META: RuleMeta = RuleMeta {
    code: "EA306",
    slug: "hidden-admin-caller",
    severity: Severity::High,
    summary: "the caller is an admin that no visible configuration names",
    needs: &[Input::AwsAuth, Input::Caller],
};

/// Whether a visible aws-auth mapping that matches `arn` grants `group`.
fn mapping_grants(doc: &AwsAuthDocument, arn: &str, group: &str) -> Result<bool, String> {
    let identity = Identity::from_arn(arn, None).map_err(|e| e.to_string())?;
    Ok(match lookup(doc.lookup_sections(), &identity, false) {
        Outcome::Mapped { groups, .. } => groups.iter().any(|g| g == group),
        Outcome::Nondeterministic { candidates, .. } => candidates
            .iter()
            .any(|c| c.groups.iter().any(|g| g == group)),
        Outcome::NotMapped | Outcome::RenderError { .. } => false,
    })
}

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(caller) = facts.caller else {
        return;
    };
    let masters = &privileged_groups().superuser_group.name;
    if !caller.groups.iter().any(|g| g == masters) {
        return;
    }
    let arn = caller.extra_value("arn");
    let visible = match (arn, facts.aws_auth) {
        // An ARN we cannot parse cannot have matched a mapping either.
        (Some(arn), Some(doc)) => mapping_grants(doc, arn, masters).unwrap_or_default(),
        _ => false,
    };
    if visible {
        return;
    }
    let who = arn.map_or_else(
        || format!("the caller `{}` (no IAM ARN in its user info)", caller.username),
        |arn| format!("the caller {arn} (Kubernetes username `{}`)", caller.username),
    );
    let principal = caller
        .extra_value("canonicalArn")
        .or(arn)
        .map(str::to_string)
        .unwrap_or_else(|| caller.username.clone());
    let source = if facts.aws_auth.is_some() {
        "no aws-auth mapping that matches it grants system:masters"
    } else {
        "the cluster has no aws-auth ConfigMap"
    };
    out.emit(
        At::Cluster("caller"),
        Some(&principal),
        format!(
            "{who} is in system:masters, but {source}, and access entries never grant system:masters: a hidden superuser, on EKS almost certainly the cluster creator (in CONFIG_MAP mode it cannot be revoked)"
        ),
        "restrict and monitor who can use this principal, and migrate the cluster to API_AND_CONFIG_MAP then API so the creator's access becomes a deletable access entry".to_string(),
    );
}
