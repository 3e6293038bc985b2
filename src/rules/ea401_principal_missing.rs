//! ## What it does
//! Looks up, by name in its account, every IAM role and user that aws-auth maps, and reports
//! each that does not exist (IAM answered `NoSuchEntity`). A lookup that IAM refused or that
//! could not be made (no credentials for that account) is reported as `unknown`, never as
//! "does not exist".
//!
//! ## Why is this bad?
//! aws-auth matches callers by ARN string. A mapping whose principal was deleted is not
//! harmless dead configuration: whoever can later create a role or user of that name in that
//! account — any administrator, any pipeline with `iam:CreateRole` — inherits the mapping's
//! username and groups, with no change to the cluster and nothing to review. (Access entries
//! key on the principal's unique id instead, and do not have this problem.)
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/old-admins   # deleted last year
//!     username: admin
//!     groups: [system:masters]
//! ```
//!
//! ## Remediation
//! Remove the mapping. If the principal is still needed, re-create it deliberately and map it
//! again, after reviewing who can create or assume it.
//!
//! ## How to verify by hand
//! `aws iam get-role --role-name NAME` (or `get-user --user-name NAME`) in the mapped account:
//! `NoSuchEntity` confirms it. Role and user names are unique per account whatever their
//! path, so the name alone is enough.
//!
//! ## References
//! - Amazon EKS user guide, access entries vs aws-auth (matching by unique id): https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
//! - kubernetes-sigs/aws-iam-authenticator#281: a re-created user regains access

use super::ClusterFacts;
use super::prelude::*;
use crate::model::iam::sso_role_parts;
use crate::evidence::Fetched;

pub const META: RuleMeta = RuleMeta {
    code: "EA401",
    slug: "principal-missing",
    severity: Severity::High,
    summary: "mapped principal does not exist: whoever creates that name inherits the access",
    needs: &[Input::AwsAuth, Input::Iam],
};

/// Whether EA404 explains this missing role better (an SSO role whose permission set lives on
/// under another suffix).
fn replaced_sso_role(facts: &ClusterFacts<'_>, name: &str) -> bool {
    let Some((set, _)) = sso_role_parts(name) else {
        return false;
    };
    matches!(
        facts.iam.and_then(|i| i.sso_roles.as_ref()),
        Some(Fetched::Found(roles)) if roles.iter().any(|r| sso_role_parts(&r.name).is_some_and(|(s, _)| s == set))
    )
}

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(doc), Some(iam)) = (facts.aws_auth, facts.iam) else {
        return;
    };
    for (section, entry, wanted, result) in resolved_entries(doc, iam) {
        let arn = entry.row.arn().trim().to_string();
        let kind = kind_name(wanted.kind);
        let at = At::Entry(section, entry, Field::Key(arn_field(section)));
        match result {
            Fetched::Found(_) => {}
            Fetched::Absent if replaced_sso_role(facts, &wanted.name) => {}
            Fetched::Absent => {
                let groups = entry.row.groups();
                let what = if groups.is_empty() {
                    format!("username `{}`", entry.row.username())
                } else {
                    format!("username `{}` and groups {}", entry.row.username(), groups.join(", "))
                };
                out.emit(
                    at,
                    Some(&arn),
                    format!(
                        "{arn} does not exist: IAM has no {kind} named `{}` in account {} (NoSuchEntity). aws-auth matches by ARN string, so whoever creates a {kind} of that name inherits {what}",
                        wanted.name, wanted.account
                    ),
                    format!("remove the mapping of {arn}, or re-create the {kind} deliberately and review who can create or assume it"),
                );
            }
            Fetched::Unknown(unknown) => out.emit_unknown(
                at,
                Some(&arn),
                unknown.reason.as_str(),
                format!(
                    "whether {arn} exists is unknown: {}",
                    unknown.detail
                ),
            ),
        }
    }
}
