//! ## What it does
//! Compares each mapped IAM role's or user's creation date with the last time the aws-auth
//! ConfigMap changed (the latest of its `creationTimestamp` and its `managedFields` times, as
//! the API server reports them). A principal created after that moment was not the principal
//! the mapping was written for.
//!
//! ## Why is this bad?
//! aws-auth matches by ARN string, so a role or user that was deleted and re-created under
//! the same name silently regains everything the old one was mapped to. Nobody reviewed the
//! new principal's trust policy or owners against the cluster access it now has. (The same
//! situation for an access entry is the opposite: the entry is dead, because EKS keys it on
//! the old principal's unique id.)
//!
//! The ConfigMap's last change is an upper bound for when the mapping was written; if the
//! mapping was added in advance of the principal on purpose, this finding says so too, and the
//! review it asks for is the same.
//!
//! ## Example
//! aws-auth last changed 2025-03-01; `arn:aws:iam::111122223333:role/deploy` was created
//! 2026-02-10.
//!
//! ## Remediation
//! Review the principal (trust policy, owners, who can assume it) as if it were a new grant;
//! then re-apply aws-auth (which records a new change time) to acknowledge it.
//!
//! ## How to verify by hand
//! `kubectl -n kube-system get cm aws-auth -o jsonpath='{.metadata.managedFields[*].time}'`
//! and `aws iam get-role --role-name NAME --query Role.CreateDate`.
//!
//! ## References
//! - Amazon EKS user guide, re-created principals and access entries: https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
//! - kubernetes-sigs/aws-iam-authenticator#281; awsdocs/amazon-eks-user-guide#440

use super::ClusterFacts;
use super::prelude::*;
use crate::evidence::Fetched;

pub const META: RuleMeta = RuleMeta {
    code: "EA402",
    slug: "principal-recreated",
    severity: Severity::High,
    summary: "principal re-created after it was mapped",
    needs: &[Input::AwsAuth, Input::Iam, Input::AwsAuthHistory],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(doc), Some(iam), Some(modified)) = (facts.aws_auth, facts.iam, facts.aws_auth_modified) else {
        return;
    };
    let Some(changed) = instant(modified) else {
        return;
    };
    for (section, entry, wanted, result) in resolved_entries(doc, iam) {
        let Fetched::Found(principal) = result else {
            continue;
        };
        let Some(created) = instant(&principal.create_date) else {
            continue;
        };
        if created <= changed {
            continue;
        }
        let arn = entry.row.arn().trim().to_string();
        let kind = kind_name(wanted.kind);
        out.emit(
            At::Entry(section, entry, Field::Key(arn_field(section))),
            Some(&arn),
            format!(
                "{arn} was created {}, after aws-auth last changed ({modified}): the mapping was written for an earlier {kind} of that name (or in advance), and this one inherited its access without a review",
                principal.create_date
            ),
            format!("review {} (trust policy, owners) as a new grant, then re-apply aws-auth to acknowledge it", principal.arn),
        );
    }
}
