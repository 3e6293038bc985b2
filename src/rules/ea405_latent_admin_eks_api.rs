//! ## What it does
//! Reads every IAM principal's identity policies in the cluster's account
//! (GetAccountAuthorizationDetails: inline and attached managed policies at their default
//! version, a user's groups' policies, permission boundaries) and reports each role or user
//! that is not an administrator of the cluster today but may make itself one through the EKS
//! API, by either way:
//! - **an access policy**: create an access entry for itself (`eks:CreateAccessEntry` on the
//!   cluster's ARN) — or use the one it has — and associate an admin-tier access policy with it
//!   at cluster scope (`eks:AssociateAccessPolicy` on the entry's ARN):
//!   `AmazonEKSClusterAdminPolicy`, or `AmazonEKSAdminPolicy`/`AmazonEKSEditPolicy`, whose
//!   rules at cluster scope reach admin-equivalent power;
//! - **a powerful group**: create its entry with a Kubernetes group that RBAC binds to
//!   cluster-wide administrator power, or add that group to the entry it has
//!   (`eks:UpdateAccessEntry`) — no access policy needed, so a Deny on
//!   `eks:AssociateAccessPolicy` does not close this way (`system:` groups are not candidates:
//!   EKS refuses them in entries);
//!
//! and, in `CONFIG_MAP` mode, first switch the mode (`eks:UpdateClusterConfig`), since EKS takes
//! access entries only in the others.
//!
//! Policies are evaluated as AWS evaluates them: an explicit `Deny` wins, an `Allow` is
//! needed, a permissions boundary must allow too; `Action`/`NotAction` and
//! `Resource`/`NotResource` with their wildcards (a `Resource` naming another cluster does not
//! count). Conditions on what the audit knows of each call are decided — `eks:policyArn`,
//! `eks:accessScope`, `eks:namespaces`, `eks:principalArn`, `eks:accessEntryType`,
//! `eks:kubernetesGroups`, `aws:RequestedRegion` — so a policy that allows associating only the
//! View policy, or only at namespace scope, is no way in. A condition on anything else (tags,
//! MFA, source IP, a username the caller picks) leaves the verdict **conditional**: reported as
//! undecided (`unknown(conditional)`), never as no. The verdict is before the organisation's
//! service and resource control policies, which a member account cannot read: an SCP may close
//! a path reported here.
//!
//! ## Why is this bad?
//! Nothing in aws-auth, the access entries or RBAC shows this principal; a review of the
//! cluster's access finds nobody. Yet two API calls make it `cluster-admin`, and every
//! principal that may assume it (or use its keys) inherits that. `eks:*` in a CI or "developer"
//! role is common; so is `NotAction: iam:*` (which allows every EKS action).
//!
//! ## Example
//! ```json
//! {"Version": "2012-10-17", "Statement": [
//!   {"Effect": "Allow", "Action": "eks:*", "Resource": "*"}]}
//! ```
//! attached to `role/ci`, which has no access entry and no aws-auth row.
//!
//! ## Remediation
//! Remove `eks:CreateAccessEntry` and `eks:AssociateAccessPolicy` from the principal's
//! policies, or narrow them: a `Resource` naming the clusters it manages, and a condition on
//! `eks:policyArn` that excludes the admin access policies. Guard the whole account with a
//! permissions boundary or an SCP that denies them to all but the platform role.
//!
//! ## How to verify by hand
//! `aws iam simulate-principal-policy --policy-source-arn ARN --action-names
//! eks:CreateAccessEntry eks:AssociateAccessPolicy --resource-arns CLUSTER_ARN` (the simulator
//! also ignores SCPs unless asked).
//!
//! ## References
//! - IAM User Guide, "Policy evaluation logic": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//! - Service Authorization Reference, Amazon EKS (actions, resources, condition keys): https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html
//! - Amazon EKS User Guide, "Grant IAM users access to Kubernetes with EKS access entries": https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA405",
    slug: "latent-admin-through-eks-api",
    severity: Severity::High,
    summary: "IAM lets a principal that is no administrator make itself cluster-admin through the EKS API",
    needs: &[Input::Iam, Input::IamPolicies, Input::Mode],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    report_latent(
        facts,
        out,
        crate::model::latent::LatentPath::EksApi,
        |latent| {
            format!(
                "{} is no administrator of this cluster today, but its IAM policies let it make itself one: {} (before SCPs, which a member account cannot read)",
                latent.arn,
                latent.describe()
            )
        },
        "remove eks:CreateAccessEntry and eks:AssociateAccessPolicy from its policies, or narrow them (a Resource naming its own clusters, a condition on eks:policyArn excluding the admin policies); deny them to all but the platform role with a permissions boundary or an SCP",
    );
}
