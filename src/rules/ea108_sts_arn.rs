//! ## What it does
//! Reports a mapping whose ARN is an STS session ARN
//! (`arn:aws:sts::111122223333:assumed-role/Ops/alice`) instead of the role's IAM ARN.
//!
//! ## Why is this bad?
//! The authenticator turns every assumed-role session into `arn:aws:iam::ACCOUNT:role/NAME`
//! before it looks the caller up; the ConfigMap backend never converts the mapping's own
//! ARN. An `sts` ARN in `aws-auth` therefore never matches anyone (only the mounted-file
//! backend, which EKS does not use for aws-auth, canonicalises mapping ARNs).
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:sts::111122223333:assumed-role/Ops/alice
//!     username: ops
//! ```
//!
//! ## Remediation
//! Map the role: `rolearn: arn:aws:iam::111122223333:role/Ops`. To tell sessions apart, use
//! `username: ops:{{SessionName}}`.
//!
//! ## How to verify by hand
//! `aws sts get-caller-identity` returns the `assumed-role` ARN; the authenticator log line
//! for that caller shows `canonicalArn=arn:aws:iam::…:role/Ops`, which is what must be mapped.
//!
//! ## References
//! - aws-iam-authenticator `pkg/arn/arn.go` (`Canonicalize`)
//! - aws-iam-authenticator `pkg/mapper/file/mapper_test.go` ("test compatibility with eks")

use super::prelude::*;
use crate::model::arn;

pub const META: RuleMeta = RuleMeta {
    code: "EA108",
    slug: "sts-arn",
    severity: Severity::High,
    summary: "STS/assumed-role ARN never matches",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let written = entry.row.arn();
        let Ok(parsed) = arn::parse(written) else { continue };
        if parsed.service != "sts" || !parsed.resource.starts_with("assumed-role/") {
            continue;
        }
        let field = arn_field(section);
        let fix = match arn::canonicalize(written) {
            Ok((_, canonical)) => arn::strip_path(&canonical).unwrap_or(canonical),
            Err(_) => format!("arn:{}:iam::{}:role/ROLE_NAME", parsed.partition, parsed.account),
        };
        out.emit(
            At::Entry(section, entry, Field::Key(field)),
            Some(written),
            format!("{written} is an STS session ARN: EKS matches the role, so this mapping never matches; write `{fix}`"),
            format!("set {field} to `{fix}` and use `{{{{SessionName}}}}` in the username to tell sessions apart"),
        );
    }
}
