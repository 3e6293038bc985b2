//! ## What it does
//! In an access-entry mode, reports the cluster creator's access entry when it still has
//! `AmazonEKSClusterAdminPolicy`. The creator comes from CloudTrail's `CreateCluster` event
//! (or `--creator`); without it, a heuristic stands in — a `STANDARD` entry created within ten
//! minutes of the cluster, on a cluster whose `bootstrapClusterCreatorAdminPermissions` is
//! true, or within ten minutes of the update that moved a legacy cluster out of `CONFIG_MAP`
//! (ListUpdates/DescribeUpdate, type `AccessConfigUpdate`): EKS then materialises the
//! creator's old, invisible admin as an entry. The EKS API does not mark the creator's entry,
//! and the entry's creation time on a migrated cluster is not documented, so the finding says
//! it rests on a heuristic. When the updates could not be read and nothing else matched, the
//! rule says the question is unknown rather than passing it.
//!
//! ## Why is this bad?
//! The creator is usually a pipeline or a person's everyday role that needed admin once, to
//! create the cluster. Left in place, it keeps cluster-admin for as long as the cluster lives;
//! the best practices guide says to remove it once other administrators exist.
//!
//! ## Example
//! The cluster was created at 2026-01-01T00:00:00Z; the entry for `role/terraform` at
//! 2026-01-01T00:00:02Z with `AmazonEKSClusterAdminPolicy`. Or: a cluster created in 2023 in
//! `CONFIG_MAP` mode moved to `API_AND_CONFIG_MAP` at 2026-03-01T10:00:00Z, and the entry for
//! `user/alice` (who created it) dates from 2026-03-01T10:00:04Z.
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
use crate::evidence::Fetched;

pub const META: RuleMeta = RuleMeta {
    code: "EA302",
    slug: "creator-entry-present",
    severity: Severity::Medium,
    summary: "the creator's cluster-admin access entry is still present",
    needs: &[Input::EntrySet],
};

/// Why the creator is not named: CloudTrail could not be read, holds no event for it, or
/// was not asked.
fn creator_unnamed(facts: &ClusterFacts<'_>) -> String {
    match facts.creator {
        Some(Fetched::Unknown(u)) => format!(
            "CloudTrail could not be read (unknown({}))",
            u.reason.as_str()
        ),
        Some(Fetched::Absent) => {
            "CloudTrail holds no CreateCluster event for it (it keeps 90 days)".to_string()
        }
        _ => "CloudTrail did not name the creator".to_string(),
    }
}

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(entries), Some(cluster)) = (facts.access_entries, facts.cluster) else {
        return;
    };
    if let Some(creator) = facts.known_creator() {
        let wanted = crate::model::iam::Wanted::from_arn(&creator.arn);
        for (entry, policy) in entry_policies(entries) {
            if policy_name(&policy.policy_arn) != "AmazonEKSClusterAdminPolicy"
                || wanted.is_none()
                || crate::model::iam::Wanted::from_arn(&entry.principal_arn) != wanted
            {
                continue;
            }
            out.emit(
                At::Cluster(&entry_route(entry)),
                Some(&entry.principal_arn),
                format!(
                    "{} is the cluster creator ({}) and still has cluster-admin through its access entry",
                    entry.principal_arn,
                    if creator.source == CreatorSource::CloudTrail { "CloudTrail CreateCluster" } else { "named by --creator" }
                ),
                "once another admin path exists, delete this entry or disassociate AmazonEKSClusterAdminPolicy".to_string(),
            );
        }
        return;
    }
    // No named creator: the entry created with the cluster (when the bootstrap flag asked for
    // one), or the one EKS materialised when a legacy cluster left CONFIG_MAP.
    let mut anchors: Vec<(i64, String)> = Vec::new();
    if cluster.bootstrap_creator_admin == Some(true)
        && let Some(created) = cluster.created_at.as_deref().and_then(instant).map(|d| d.secs())
    {
        anchors.push((created, "the cluster was created".to_string()));
    }
    let mut history_unknown = None;
    match facts.mode_changes {
        Some(Fetched::Found(changes)) => {
            // Modes only move forward (CONFIG_MAP → API_AND_CONFIG_MAP → API): a change to
            // API_AND_CONFIG_MAP is the one that left CONFIG_MAP.
            if let Some((at, change)) = changes
                .iter()
                .filter(|c| c.status == "Successful" && c.mode == Some(AuthenticationMode::ApiAndConfigMap))
                .find_map(|c| Some((c.created_at.as_deref().and_then(instant).map(|d| d.secs())?, c)))
            {
                anchors.push((
                    at,
                    format!(
                        "the cluster left CONFIG_MAP (update {} of {}), when EKS materialises the legacy creator's admin as an entry",
                        change.id,
                        change.created_at.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        Some(Fetched::Unknown(unknown)) => history_unknown = Some(unknown),
        Some(Fetched::Absent) | None => {}
    }
    let mut matched = false;
    for (entry, policy) in entry_policies(entries) {
        if entry.kind != AccessEntryType::Standard || policy_name(&policy.policy_arn) != "AmazonEKSClusterAdminPolicy" {
            continue;
        }
        let Some(entry_created) = entry.created_at.as_deref().and_then(instant).map(|d| d.secs()) else {
            continue;
        };
        let Some((anchor, when)) = anchors
            .iter()
            .find(|(anchor, _)| (entry_created - anchor).abs() <= 600)
        else {
            continue;
        };
        matched = true;
        out.emit(
            At::Cluster(&entry_route(entry)),
            Some(&entry.principal_arn),
            format!(
                "{} is likely the cluster creator's entry (created {} s {} {when}; a heuristic: EKS does not mark it, and {}) and still has cluster-admin",
                entry.principal_arn,
                (entry_created - anchor).abs(),
                if entry_created >= *anchor { "after" } else { "before" },
                creator_unnamed(facts)
            ),
            "once another admin path exists, delete this entry or disassociate AmazonEKSClusterAdminPolicy".to_string(),
        );
    }
    // CloudTrail could not be read and the heuristic found nothing: whether the creator's
    // entry is still there is not known — said, never passed.
    if let (false, Some(Fetched::Unknown(unknown))) = (matched, facts.creator) {
        out.emit_unknown(
            At::Cluster("creator"),
            None,
            unknown.reason.as_str(),
            format!(
                "the creator's access entry could not be identified: CloudTrail could not be read (unknown({}): {}), and no entry dates from the cluster's creation or its move out of CONFIG_MAP",
                unknown.reason.as_str(),
                unknown.detail
            ),
        );
        return;
    }
    if let (false, Some(unknown)) = (matched, history_unknown) {
        out.emit_unknown(
            At::Cluster("authentication mode"),
            None,
            unknown.reason.as_str(),
            format!(
                "whether a creator entry materialised by a migration from CONFIG_MAP is still present is unknown: the cluster's updates could not be read ({})",
                unknown.detail
            ),
        );
    }
}
