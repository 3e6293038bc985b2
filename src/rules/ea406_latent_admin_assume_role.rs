//! ## What it does
//! For every IAM role of the cluster's account that is an administrator of the cluster today (an
//! aws-auth row or an access entry gives it cluster-admin or admin power), or that can make
//! itself one through the EKS API (what EA405 finds), reads its trust policy and every
//! principal's identity policies in the account (GetAccountAuthorizationDetails) and reports
//! each principal that is no administrator itself but may assume that role: the trust policy
//! names it (in the same account that alone is enough), or admits its whole account or anyone
//! and its own policies allow `sts:AssumeRole` on the role (an explicit Deny, or a boundary that
//! does not allow it, closes the path). Chains count: a role reached this way leads one hop
//! further, breadth first, up to four `sts:AssumeRole` calls; the shortest chain is said. A
//! condition in a trust or a policy leaves the verdict conditional: reported as undecided
//! (`unknown(conditional)`). Principals of other accounts (their policies are not readable from
//! here; EA403 reports a trust that admits them) are not judged; the verdict is before SCPs.
//! `check --resolve` judges a file's administrator rows the same way, with the policies of the
//! caller's account.
//!
//! ## Why is this bad?
//! The access matrix shows the role; the people who can become it are in IAM. A trust policy
//! that admits the account root delegates the decision to every identity policy of the
//! account: a `sts:AssumeRole` on `*` in a CI role makes CI a cluster administrator by one
//! call. EA403 reports the breadth of the trust; this rule names who actually gets through.
//!
//! ## Example
//! `role/admins` is mapped into `system:masters`; its trust admits
//! `arn:aws:iam::111122223333:root`; `role/jump` has `{"Effect": "Allow", "Action":
//! "sts:AssumeRole", "Resource": "*"}`.
//!
//! ## Remediation
//! Name the administrators in the role's trust policy (and require MFA or a session tag),
//! instead of the account root; remove `sts:AssumeRole` on `*` from identity policies, naming
//! the roles each principal needs.
//!
//! ## How to verify by hand
//! `aws iam get-role --role-name ROLE --query Role.AssumeRolePolicyDocument`, then
//! `aws iam simulate-principal-policy --policy-source-arn PRINCIPAL --action-names
//! sts:AssumeRole --resource-arns ROLE_ARN`.
//!
//! ## References
//! - IAM User Guide, "Granting a user permissions to switch roles": https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
//! - IAM User Guide, "Policy evaluation logic" (resource-based policies in the same account): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

use super::ClusterFacts;
use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA406",
    slug: "latent-admin-through-assume-role",
    severity: Severity::High,
    summary: "a principal that is no administrator may assume a role that is one, or can make itself one",
    needs: &[Input::Iam, Input::IamPolicies],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    report_latent(
        facts,
        out,
        crate::model::latent::LatentPath::AssumeRole,
        |latent| {
            format!(
                "{} is no administrator of this cluster today, but may {} ({} sts:AssumeRole call{}; before SCPs)",
                latent.arn,
                latent.describe(),
                latent.assume_calls(),
                if latent.assume_calls() == 1 { "" } else { "s" }
            )
        },
        "name the administrators in the role's trust policy instead of the account (and require MFA or a session tag), and narrow sts:AssumeRole in identity policies to the roles each principal needs",
    );
}
