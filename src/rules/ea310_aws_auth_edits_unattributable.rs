//! ## What it does
//! Reports a cluster whose mode reads aws-auth (`CONFIG_MAP`, `API_AND_CONFIG_MAP`) and whose
//! control-plane audit log is off (DescribeCluster's `logging`): who added or changed each
//! aws-auth row cannot be attributed. CloudTrail records the EKS API (access entries, their
//! policies, the mode) but not Kubernetes API writes; the ConfigMap's `managedFields` name only
//! the last manager that wrote its `data` — which row each edit added, only the audit log's
//! `update`/`patch` events of `kube-system/aws-auth` record. A cluster whose DescribeCluster
//! says nothing of logging (a kubeconfig context, an older snapshot) is not judged.
//!
//! ## Why is this bad?
//! aws-auth is where `system:masters` hides; a row added by a compromised pipeline or by hand
//! during an incident looks like any other. Without the audit log, "who gave this role
//! cluster-admin, and when?" has no answer.
//!
//! ## Example
//! `aws eks describe-cluster --name prod --query cluster.logging` shows `audit` with
//! `"enabled": false`, and aws-auth maps `role/ops` into `system:masters`.
//!
//! ## Remediation
//! Send the audit log to CloudWatch Logs (CloudWatch charges apply):
//! `aws eks update-cluster-config --name CLUSTER --logging '{"clusterLogging":[{"types":["audit"],"enabled":true}]}'`
//! — or move the mappings to access entries, whose every grant CloudTrail records.
//!
//! ## How to verify by hand
//! `aws eks describe-cluster --name CLUSTER --query 'cluster.logging.clusterLogging'`.
//!
//! ## References
//! - EKS User Guide, "Send control plane logs to CloudWatch Logs": https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
//! - Kubernetes, "Auditing": https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA310",
    slug: "aws-auth-edits-unattributable",
    severity: Severity::Info,
    summary: "aws-auth is read, but the audit log that would say who edited it is off",
    needs: &[Input::AwsAuth, Input::Mode],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let Some(cluster) = facts.cluster else {
        return;
    };
    let reads_aws_auth = matches!(
        facts.mode(),
        Some(AuthenticationMode::ConfigMap | AuthenticationMode::ApiAndConfigMap)
    );
    if !reads_aws_auth || facts.aws_auth.is_none() || cluster.audit_log != Some(false) {
        return;
    }
    out.emit(
        At::Cluster("logging"),
        None,
        format!(
            "EKS reads aws-auth in this mode ({}), but the cluster's audit log is off: who added or changed each aws-auth row cannot be attributed (CloudTrail does not record Kubernetes writes; managedFields name only the last writer)",
            facts.mode().map_or("unknown", |m| m.as_str())
        ),
        format!(
            "turn on the audit log: aws eks update-cluster-config --name {} --logging '{{\"clusterLogging\":[{{\"types\":[\"audit\"],\"enabled\":true}}]}}' (CloudWatch Logs charges apply); or move the mappings to access entries, whose every grant CloudTrail records",
            cluster.name
        ),
    );
}
