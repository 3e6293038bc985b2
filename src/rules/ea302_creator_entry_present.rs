//! ## What it does
//! In an access-entry mode, reports the cluster creator's access entry when it still has
//! `AmazonEKSClusterAdminPolicy`. The creator comes from CloudTrail's `CreateCluster` event
//! (or `--creator`); without it, a heuristic stands in — a `STANDARD` entry created within ten
//! minutes of the cluster, on a cluster whose `bootstrapClusterCreatorAdminPermissions` is
//! true (the EKS API does not mark the creator's entry) — and the finding says which.
//!
//! ## Why is this bad?
//! The creator is usually a pipeline or a person's everyday role that needed admin once, to
//! create the cluster. Left in place, it keeps cluster-admin for as long as the cluster lives;
//! the best practices guide says to remove it once other administrators exist.
//!
//! ## Example
//! The cluster was created at 2026-01-01T00:00:00Z; the entry for `role/terraform` at
//! 2026-01-01T00:00:02Z with `AmazonEKSClusterAdminPolicy`.
//!
//! ## Remediation
//! Once another administrator path exists, `aws eks delete-access-entry` for the creator (or
//! disassociate the policy); create clusters with `bootstrapClusterCreatorAdminPermissions`
//! false and grant admin explicitly.
//!
//! ## How to verify by hand
//! Compare `aws eks describe-cluster --query cluster.createdAt` with `aws eks
//! describe-access-entry --query accessEntry.createdAt`, and CloudTrail's `CreateCluster`.
//!
//! ## References
//! - Amazon EKS best practices, "Remove the cluster-admin permissions from the cluster creator principal"
//! - Amazon EKS user guide, access entries (creator entry): https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA302",
    slug: "creator-entry-present",
    severity: Severity::Medium,
    summary: "the creator's cluster-admin access entry is still present",
    needs: Needs::AccessEntries,
};

fn seconds(text: &str) -> Option<i64> {
    aws_smithy_types::DateTime::from_str(text, aws_smithy_types::date_time::Format::DateTime)
        .ok()
        .map(|d| d.secs())
}

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(entries), Some(cluster)) = (facts.access_entries, facts.cluster) else {
        return;
    };
    if let Some(creator) = facts.known_creator() {
        let wanted = crate::iam::Wanted::from_arn(&creator.arn);
        for (entry, policy) in entry_policies(entries) {
            if policy_name(&policy.policy_arn) != "AmazonEKSClusterAdminPolicy"
                || wanted.is_none()
                || crate::iam::Wanted::from_arn(&entry.principal_arn) != wanted
            {
                continue;
            }
            out.emit(
                At::Cluster(&entry_route(entry)),
                Some(&entry.principal_arn),
                format!(
                    "{} is the cluster creator ({}) and still has cluster-admin through its access entry",
                    entry.principal_arn,
                    if creator.source == "cloudtrail" { "CloudTrail CreateCluster" } else { "named by --creator" }
                ),
                "once another admin path exists, delete this entry or disassociate AmazonEKSClusterAdminPolicy".to_string(),
            );
        }
        return;
    }
    if cluster.bootstrap_creator_admin != Some(true) {
        return;
    }
    let Some(created) = cluster.created_at.as_deref().and_then(seconds) else {
        return;
    };
    for (entry, policy) in entry_policies(entries) {
        let Some(entry_created) = entry.created_at.as_deref().and_then(seconds) else {
            continue;
        };
        if entry.kind != "STANDARD"
            || policy_name(&policy.policy_arn) != "AmazonEKSClusterAdminPolicy"
            || (entry_created - created).abs() > 600
        {
            continue;
        }
        out.emit(
            At::Cluster(&entry_route(entry)),
            Some(&entry.principal_arn),
            format!(
                "{} is likely the cluster creator's bootstrap entry (created {} s after the cluster; a heuristic: EKS does not mark it) and still has cluster-admin",
                entry.principal_arn,
                entry_created - created
            ),
            "once another admin path exists, delete this entry or disassociate AmazonEKSClusterAdminPolicy".to_string(),
        );
    }
}
