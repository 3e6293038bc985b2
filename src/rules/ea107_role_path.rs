//! ## What it does
//! Reports a role ARN written with a path (`role/team/dev/Deploy`, or the IAM Identity
//! Center form `role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123`),
//! and prints the exact path-less ARN that does match. When the audit reads IAM (a live
//! cluster, a snapshot), it also looks the role up by name and gives the ARN IAM knows, with
//! its real path, for an access entry — or says that no such role exists.
//!
//! ## Why is this bad?
//! STS reports an assumed role as `assumed-role/NAME/SESSION`, without the role's path, and
//! the authenticator turns that into `role/NAME`. It compares that string with the mapping's
//! ARN as written, so an ARN that contains a path never matches: the mapping is dead, and
//! the people or nodes it names are refused. This is the long-open authenticator issue
//! #268. (Access entries, by contrast, want the ARN *with* its path.)
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/teams/platform/Deploy
//!     username: deploy
//! ```
//!
//! ## Remediation
//! Write the role's name without its path: `arn:aws:iam::111122223333:role/Deploy`. Role
//! names are unique in an account whatever their path, so this names the same role. For an
//! IAM Identity Center role, the name keeps its random suffix and changes when the
//! permission set is re-provisioned; consider an access entry instead.
//!
//! ## How to verify by hand
//! `aws iam get-role --role-name Deploy --query Role.Arn` shows the path; compare with
//! `aws sts get-caller-identity` after assuming the role: the assumed-role ARN has no path.
//!
//! ## References
//! - kubernetes-sigs/aws-iam-authenticator issue #268 "Roles with paths do not work when the path is included in their ARN in the aws-auth configmap"
//! - aws-iam-authenticator `pkg/arn/arn.go` (`Canonicalize`)
//! - Amazon EKS user guide, troubleshooting IAM: "ARNs in aws-auth ConfigMap entries can't include a path"

use super::prelude::*;
use crate::model::arn;

pub const META: RuleMeta = RuleMeta {
    code: "EA107",
    slug: "role-path",
    severity: Severity::High,
    summary: "role ARN with a path never matches",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let written = entry.row.arn();
        let Ok(parsed) = arn::parse(written) else { continue };
        // `role/NAME` has no path; `role/PATH…/NAME` has (no list built per row).
        let mut segments = parsed.resource.split('/');
        if parsed.service != "iam" || segments.next() != Some("role") || segments.count() < 2 {
            continue;
        }
        let Ok(fixed) = arn::strip_path(written) else { continue };
        let field = arn_field(section);
        let sso = written.contains("/aws-reserved/sso.amazonaws.com/");
        let message = if sso {
            format!(
                "{written} never matches: it is an IAM Identity Center role ARN with its path, and EKS compares the path-less ARN `{fixed}`"
            )
        } else {
            format!("{written} never matches: EKS compares role ARNs without their path; write `{fixed}`")
        };
        let known = out.iam().and_then(|iam| {
            let wanted = crate::model::iam::Wanted::from_arn(written)?;
            iam.lookup(wanted.kind, &wanted.account, &wanted.name)
        });
        let (message, remediation) = match known {
            Some(crate::evidence::Fetched::Found(role)) => (
                format!(
                    "{message}. IAM: the role is {}{}",
                    role.arn,
                    if role.arn == written {
                        String::new()
                    } else {
                        format!(" (path {}, not the one written)", role.path)
                    }
                ),
                format!(
                    "set {field} to `{fixed}` in aws-auth; an access entry for this role takes `{}`",
                    role.arn
                ),
            ),
            Some(crate::evidence::Fetched::Absent) => (
                format!("{message}. IAM has no role of that name in the account (see EA401)"),
                format!("set {field} to `{fixed}` once the role exists, or remove the mapping"),
            ),
            _ => (
                message,
                format!("set {field} to `{fixed}` (the same role: names are unique whatever the path)"),
            ),
        };
        out.emit(At::Entry(section, entry, Field::Key(field)), Some(written), message, remediation);
    }
}
