//! ## What it does
//! For every managed node group's node role and every Fargate profile's pod execution role,
//! checks that EKS would map it under the cluster's authentication mode: an aws-auth row for
//! the role (path-less, as EKS compares) whose groups include `system:nodes` — used unless the
//! mode is `API` — or a node-type access entry (`EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`,
//! `EC2`) for it — used unless the mode is `CONFIG_MAP`. Reports each role that has neither.
//!
//! ## Why is this bad?
//! Nodes whose role EKS cannot map are refused by the API server: new nodes never join,
//! existing ones go `NotReady` when their credentials renew, Fargate pods stay `Pending`. This
//! is how one aws-auth edit (a dropped row, a section lost to a tab, EA101) takes a cluster's
//! capacity down.
//!
//! ## Example
//! Node group `workers` runs as `role/eks-workers`; aws-auth maps `role/eks-node` only, and
//! the mode is `CONFIG_MAP`.
//!
//! ## Remediation
//! Map the role: an access entry of type `EC2_LINUX` (or `FARGATE_LINUX`) for it, or in
//! `CONFIG_MAP` mode an aws-auth row with username `system:node:{{EC2PrivateDNSName}}` (Fargate:
//! `system:node:{{SessionName}}`) and groups `system:bootstrappers`, `system:nodes`.
//!
//! ## How to verify by hand
//! `aws eks describe-nodegroup --query nodegroup.nodeRole` for each node group, then the
//! role's aws-auth row or `aws eks describe-access-entry --principal-arn ROLE`.
//!
//! ## References
//! - Amazon EKS user guide, node IAM role and aws-auth: https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html
//! - Amazon EKS user guide, access entry types: https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html

use super::ClusterFacts;
use super::prelude::*;
use crate::model::iam::Wanted;

pub const META: RuleMeta = RuleMeta {
    code: "EA308",
    slug: "node-role-unmapped",
    severity: Severity::Critical,
    summary: "node group or Fargate role not mapped: nodes cannot join",
    needs: &[Input::AwsAuth, Input::Mode, Input::EntrySet, Input::NodeRoles],
};

const NODE_ENTRY_TYPES: [&str; 4] = ["EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2"];

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(roles) = facts.node_roles else {
        return;
    };
    let mode = facts.mode();
    let entries = facts.access_entries.unwrap_or(&[]);
    for role in roles {
        let Some(wanted) = Wanted::from_arn(&role.role_arn) else {
            continue;
        };
        let by_aws_auth = mode != Some(&AuthenticationMode::Api)
            && facts.aws_auth.is_some_and(|doc| {
                kept_entries(doc).any(|(_, e)| {
                    let arn = e.row.arn().trim();
                    // EKS compares the path-less role ARN: a row with a path never matches.
                    crate::model::arn::strip_path(arn).is_ok_and(|stripped| stripped == arn)
                        && Wanted::from_arn(arn).as_ref() == Some(&wanted)
                        && e.row.groups().iter().any(|g| g == "system:nodes")
                })
            });
        let by_entry = mode != Some(&AuthenticationMode::ConfigMap)
            && entries.iter().any(|e| {
                NODE_ENTRY_TYPES.contains(&e.kind.as_str())
                    && Wanted::from_arn(&e.principal_arn).as_ref() == Some(&wanted)
            });
        if by_aws_auth || by_entry {
            continue;
        }
        let route = format!("{} › role", role.owner);
        out.emit(
            At::Cluster(&route),
            Some(&role.role_arn),
            format!(
                "{} runs as {}, which EKS does not map: {}, and {} — its nodes cannot join",
                role.owner,
                role.role_arn,
                if mode == Some(&AuthenticationMode::Api) {
                    "aws-auth is ignored in API mode"
                } else {
                    "no aws-auth row maps it (path-less) with system:nodes"
                },
                if mode == Some(&AuthenticationMode::ConfigMap) {
                    "access entries are unused in CONFIG_MAP mode"
                } else {
                    "no node-type access entry names it"
                },
            ),
            format!(
                "create an access entry of a node type for {} (or, in CONFIG_MAP mode, its aws-auth node row)",
                role.role_arn
            ),
        );
    }
}
