//! ## What it does
//! Fires for every cluster whose authentication mode is `CONFIG_MAP`: the IAM principal that
//! created it holds `system:masters` through a mapping no API shows. The finding names the
//! creator from CloudTrail's `CreateCluster` event (the last 90 days) or `--creator`; failing
//! that, the audit's own caller when it is in `system:masters` with no visible mapping (EA306);
//! failing that, what the cluster's tags say of the tool that created it (a CloudFormation
//! stack, eksctl, Terraform), labelled as a heuristic. It says why CloudTrail could not name
//! it. (`bootstrapClusterCreatorAdminPermissions` cannot be false in this mode.)
//!
//! ## Why is this bad?
//! In `CONFIG_MAP` mode the creator's superuser access is invisible — not in aws-auth, not in
//! any AWS API — and cannot be revoked: deleting the principal is the only way, and a
//! re-created principal of the same name gets it back. Access reviews that read aws-auth miss
//! the most powerful identity on the cluster.
//!
//! ## Example
//! `aws eks describe-cluster --name prod --query cluster.accessConfig` answers
//! `{"authenticationMode": "CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": true}`.
//!
//! ## Remediation
//! Move the cluster to `API_AND_CONFIG_MAP` (`aws eks update-cluster-config --access-config
//! authenticationMode=API_AND_CONFIG_MAP`): EKS then shows the creator's access as an access
//! entry you can delete. Until then, find the creator (CloudTrail `CreateCluster`, 90 days)
//! and guard who can use it.
//!
//! ## How to verify by hand
//! `aws cloudtrail lookup-events --lookup-attributes
//! AttributeKey=EventName,AttributeValue=CreateCluster` (within 90 days of creation), and
//! `kubectl auth whoami` as that principal.
//!
//! ## References
//! - Amazon EKS user guide, cluster creator and aws-auth ("This principal doesn't appear in any visible configuration"): https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html
//! - Amazon EKS best practices, iam.adoc: in CONFIG_MAP mode "this access cannot be revoked"

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA301",
    slug: "hidden-creator-config-map",
    severity: Severity::High,
    summary: "hidden creator admin: `CONFIG_MAP` mode gives the creator an invisible, unrevocable `system:masters`",
    needs: &[Input::Mode],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    if facts.mode() != Some(&AuthenticationMode::ConfigMap) {
        return;
    }
    let masters = &crate::model::policies::privileged_groups().superuser_group.name;
    let likely = facts
        .caller
        .filter(|c| c.groups.iter().any(|g| g == masters))
        .and_then(|c| c.extra_value("canonicalArn").or(c.extra_value("arn")));
    let cloudtrail = match facts.creator {
        Some(crate::evidence::Fetched::Found(_)) | None => String::new(),
        Some(crate::evidence::Fetched::Absent) => {
            "CloudTrail has no CreateCluster event for it (older than its 90 days)".to_string()
        }
        Some(crate::evidence::Fetched::Unknown(u)) => {
            format!("CloudTrail could not be read: unknown({})", u.reason.as_str())
        }
    };
    let hints = facts
        .cluster
        .map(|c| crate::model::access::creator_hints(&c.tags))
        .unwrap_or_default();
    let hinted = if hints.is_empty() {
        String::new()
    } else {
        format!(
            "; heuristics from the cluster's tags (they name the pipeline, not the principal): {}",
            hints.join("; ")
        )
    };
    let (named, who) = match (facts.known_creator(), likely) {
        (Some(creator), _) => (
            Some(creator.arn.as_str()),
            format!(
                "; the creator is {} ({})",
                creator.arn,
                match (creator.source.as_str(), &creator.event_time) {
                    ("cloudtrail", Some(time)) => format!("CloudTrail CreateCluster event of {time}"),
                    ("cloudtrail", None) => "CloudTrail CreateCluster event".to_string(),
                    _ => "named by --creator".to_string(),
                }
            ),
        ),
        (None, Some(arn)) => (
            Some(arn),
            format!(
                "; {}the audit's own caller, {arn}, is in system:masters with no visible mapping (EA306): it is likely the creator",
                if cloudtrail.is_empty() { String::new() } else { format!("{cloudtrail}, but ") }
            ),
        ),
        (None, None) => (
            None,
            format!(
                "; the creator is not named{} (pass --creator ARN if you know it)",
                if cloudtrail.is_empty() { String::new() } else { format!(": {cloudtrail}") }
            ),
        ),
    };
    out.emit(
        At::Cluster("authentication mode"),
        named,
        format!(
            "the cluster's authentication mode is CONFIG_MAP: the IAM principal that created it holds system:masters invisibly, and it cannot be revoked{who}{}",
            if facts.known_creator().is_some() { "" } else { hinted.as_str() }
        ),
        "move the cluster to API_AND_CONFIG_MAP so the creator's access becomes a visible, deletable access entry; meanwhile guard and monitor the creator principal".to_string(),
    );
}
