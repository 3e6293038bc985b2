//! ## What it does
//! Reports a mapping ARN that can never equal the ARN of a caller: not an ARN at all, an
//! unknown partition, an account that is not 12 digits, a resource STS never returns (an
//! IAM group, a policy, an instance profile), a `*`/`?` wildcard, or a role or user IAM would
//! never create — a region in the ARN (IAM is global), a name longer than 64 characters or
//! with a character outside `A–Z a–z 0–9 + = , . @ _ -`, a path longer than 512 characters or
//! outside printable ASCII. The finding says which rule of IAM the ARN breaks. Also reports
//! `mapAccounts` items that are not 12-digit account ids.
//!
//! ## Why is this bad?
//! The authenticator does not validate ARNs in aws-auth: it stores any string and compares
//! it, case-insensitively, with the caller's ARN. A typo, an IAM group ARN (groups cannot
//! authenticate), or a wildcard (compared literally) gives a dead mapping that looks live.
//! An account id written without its leading zero (`12345678912`) never equals the
//! 12-digit id STS reports.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/Admin*     # literal `*`
//! mapUsers: |
//!   - userarn: arn:aws:iam::111122223333:group/admins    # groups never authenticate
//! ```
//!
//! ## Remediation
//! Map each role or user by its exact ARN, one mapping per principal. Quote account ids and
//! keep their leading zeros.
//!
//! ## How to verify by hand
//! `aws iam get-role --role-name NAME` / `aws iam get-user --user-name NAME` must return the
//! ARN as written (ignoring case and the role path).
//!
//! ## References
//! - IAM User Guide, "IAM and AWS STS quotas": role and user names 64 characters, paths 512
//!   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)
//! - IAM API Reference, CreateRole / CreateUser: `RoleName`/`UserName` pattern `[\w+=,.@-]+`,
//!   `Path` pattern `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
//! - IAM User Guide, "IAM identifiers" (IAM ARNs have no region)
//! - aws-iam-authenticator `pkg/arn/arn.go` (`Canonicalize`: accepted partitions and resources)
//! - aws-iam-authenticator `pkg/mapper/configmap/mapper.go` (literal, case-insensitive comparison)

use super::prelude::*;
use crate::model::arn;

pub const META: RuleMeta = RuleMeta {
    code: "EA109",
    slug: "invalid-arn",
    severity: Severity::High,
    summary: "invalid ARN, partition, account id or wildcard",
    needs: &[Input::AwsAuth],
};

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for (section, entry) in kept_entries(doc) {
        let written = entry.row.arn();
        if written.is_empty() || has_whitespace(written) {
            continue; // sso rows; whitespace is EA121
        }
        let Some(problem) = arn_problem(written) else { continue };
        let field = arn_field(section);
        out.emit(
            At::Entry(section, entry, Field::Key(field)),
            Some(written),
            format!("`{}` {problem}: this mapping never matches", arn::shorten(written)),
            "map the exact ARN of an IAM role or user: arn:PARTITION:iam::ACCOUNT:role/NAME or …:user/NAME".to_string(),
        );
    }
    for account in doc.section(SectionKey::MapAccounts).kept_accounts() {
        if arn::is_account_id(&account.account) {
            continue;
        }
        let hint = if account.account.len() < 12 && account.account.bytes().all(|b| b.is_ascii_digit()) && !account.account.is_empty() {
            format!("; if leading zeros were lost, write \"{:0>12}\"", account.account)
        } else {
            String::new()
        };
        out.emit(
            At::Account(account),
            None,
            format!("mapAccounts item `{}` is not a 12-digit account id: it never matches{hint}", account.account),
            "write the account id as a quoted 12-digit string".to_string(),
        );
    }
}
