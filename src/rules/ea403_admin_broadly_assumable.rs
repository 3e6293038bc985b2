//! ## What it does
//! For every role that aws-auth makes a cluster administrator — mapped into `system:masters`,
//! or into a group that a ClusterRoleBinding binds to `cluster-admin` or a wildcard role —
//! reads the role's trust policy and reports who it lets assume the role when that is a broad
//! set: any AWS principal (`*`), every principal of its own account (`:root` or the account id
//! with no condition that narrows it), any principal of another account, or a SAML/OIDC
//! provider with no condition naming a subject. The report lists every admission.
//!
//! It needs aws-auth and IAM, so `check --resolve` runs it on a file too; there, with no RBAC,
//! only `system:masters` rows are judged. On a live cluster whose RBAC could not be read, a
//! broadly assumable role mapped into other groups is reported as undecided, never passed.
//!
//! ## Why is this bad?
//! A cluster administrator is whoever can assume the mapped role. A trust policy that admits
//! the account root delegates the decision to every IAM policy in the account that allows
//! `sts:AssumeRole` on `*` — typically many; another account's root delegates it to that
//! account; a federated provider without a subject condition admits everyone it signs in.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
//! ```
//! on `role/platform-admin`, mapped to `system:masters`.
//!
//! ## Remediation
//! Name the principals that may assume the role (specific roles, SSO permission sets), or add a
//! condition that narrows them (`aws:PrincipalArn`, `aws:PrincipalOrgID` plus tags, the OIDC
//! `sub`); require MFA for humans; keep cross-account trust for break-glass only.
//!
//! ## How to verify by hand
//! `aws iam get-role --role-name NAME --query Role.AssumeRolePolicyDocument`, then for an
//! account principal, `aws iam simulate-principal-policy` for the principals that should not
//! reach it.
//!
//! ## References
//! - IAM user guide, role trust policies and the account principal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
//! - Amazon EKS best practices, identity and access management (least privilege for cluster access)

use super::ClusterFacts;
use super::prelude::*;
use crate::model::iam::admissions;
use crate::model::policies::privileged_groups;
use crate::model::rbac::grants_to_group;
use crate::evidence::{Fetched, IamKind};

pub const META: RuleMeta = RuleMeta {
    code: "EA403",
    slug: "admin-broadly-assumable",
    severity: Severity::High,
    summary: "admin role assumable by a whole account, another account, or `*`",
    needs: &[Input::AwsAuth, Input::Iam],
};

/// Whether a row makes its principal a cluster administrator: yes (and why), no, or not known
/// because RBAC, which would say, could not be read.
enum Admin {
    Yes(String),
    No,
    Undecided(String),
}

/// Why this row makes its principal a cluster administrator: `system:masters` needs nothing
/// more; a group needs RBAC (a file has none: only `system:masters` is judged there).
fn admin_reason(facts: &ClusterFacts<'_>, groups: &[String]) -> Admin {
    let masters = &privileged_groups().superuser_group.name;
    if groups.iter().any(|g| g == masters) {
        return Admin::Yes(format!("mapped into {masters}"));
    }
    let Some(rbac) = facts.rbac else {
        return match facts.rbac_undecided {
            Some(reason) if !groups.is_empty() => Admin::Undecided(reason.to_string()),
            _ => Admin::No,
        };
    };
    groups
        .iter()
        .find_map(|group| {
            grants_to_group(rbac, group)
                .into_iter()
                .find(|g| g.admin_power(facts.mode()).is_some_and(|p| p.cluster_wide))
                .map(|g| format!("mapped into `{group}`, which {} makes cluster-admin", g.describe()))
        })
        .map_or(Admin::No, Admin::Yes)
}

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(doc), Some(iam)) = (facts.aws_auth, facts.iam) else {
        return;
    };
    for (section, entry, wanted, result) in resolved_entries(doc, iam) {
        if wanted.kind != IamKind::Role {
            continue;
        }
        let why_admin = match admin_reason(facts, entry.row.groups()) {
            Admin::Yes(why) => why,
            Admin::No => continue,
            Admin::Undecided(reason) => {
                if let Fetched::Found(role) = result
                    && let Some(policy) = &role.trust_policy
                    && admissions(policy).iter().any(|a| a.broad(&wanted.account).is_some())
                {
                    let arn = entry.row.arn().trim().to_string();
                    out.emit_unknown(
                        At::Entry(section, entry, Field::Key(arn_field(section))),
                        Some(&arn),
                        "rbac-not-read",
                        format!("{arn} can be assumed broadly; whether its groups make it a cluster administrator is not known: {reason}"),
                    );
                }
                continue;
            }
        };
        let Fetched::Found(role) = result else {
            continue;
        };
        let Some(policy) = &role.trust_policy else {
            continue;
        };
        let all = admissions(policy);
        let broad: Vec<String> = all.iter().filter_map(|a| a.broad(&wanted.account)).collect();
        if broad.is_empty() {
            continue;
        }
        let arn = entry.row.arn().trim().to_string();
        out.emit(
            At::Entry(section, entry, Field::Key(arn_field(section))),
            Some(&arn),
            format!(
                "{arn} is a cluster administrator ({why_admin}), and its trust policy lets {} assume it. Who can assume it: {}",
                broad.join("; "),
                all.iter().map(|a| a.describe()).collect::<Vec<_>>().join("; ")
            ),
            format!("name the principals that may assume {} in its trust policy, or narrow them with a condition (aws:PrincipalArn, the OIDC sub)", role.arn),
        );
    }
}
