//! ## What it does
//! On a cluster not yet in `API` mode, lists what switching to `API` would break, mapping by
//! mapping (aws-auth is ignored in `API` mode, and the switch cannot be undone):
//! - a row that cannot become an access entry as written: a `system:` group other than the
//!   node groups (access entries reject them: `system:masters` becomes
//!   `AmazonEKSClusterAdminPolicy`), a username with a reserved prefix (`system:`, `eks:`,
//!   `aws:`, `amazon:`, `iam:`), `{{SessionName}}` without a colon before it, a template
//!   other than `{{SessionName}}`/`{{SessionNameRaw}}` (not documented for access entries), an
//!   `sso:` matcher (an entry names one role ARN, with its path);
//! - every `mapAccounts` account (no access-entry form exists);
//! - in `API_AND_CONFIG_MAP`, every row still in effect that no access entry names (its
//!   principal loses access on the switch). A node row whose role belongs to a managed node
//!   group or Fargate profile is left out: EKS created its entry when the cluster left
//!   `CONFIG_MAP`.
//!
//! A row that never matches (a role ARN with a path, an STS session ARN, an ARN IAM never
//! issues: EA107–EA109), one whose principal IAM says does not exist (EA401), and a
//! `mapAccounts` item that is not an account id grant nothing today, so switching loses
//! nothing through them: they are left out (their own rules report them).
//!
//! ## Why is this bad?
//! It is not, yet: this is the migration-readiness report (severity info). aws-auth is
//! deprecated and the move to `API` is one-way; eksctl's migrator stops on `system:` groups
//! and `mapAccounts` and reports nothing about role paths. Knowing the blockers before the
//! switch is what keeps it from locking people or nodes out.
//!
//! ## Example
//! ```yaml
//! mapRoles: |
//!   - rolearn: arn:aws:iam::111122223333:role/admins
//!     username: admin
//!     groups: [system:masters]      # needs AmazonEKSClusterAdminPolicy instead
//! ```
//!
//! ## Remediation
//! For each mapping: create the access entry (`aws eks create-access-entry`) with groups that
//! do not start with `system:` and a username EKS accepts, associate the access policy that
//! replaces `system:masters`, check it with `whois`, then delete the row. Replace
//! `mapAccounts` with entries for the principals that need access. Switch to `API` when this
//! rule reports nothing.
//!
//! ## How to verify by hand
//! `aws eks list-access-entries --cluster-name N` against `kubectl -n kube-system get cm
//! aws-auth -o yaml`; `eksctl utils migrate-to-access-entry --cluster N
//! --target-authentication-mode API` (dry run without `--approve`).
//!
//! ## References
//! - Amazon EKS user guide, migrating existing aws-auth entries to access entries: https://docs.aws.amazon.com/eks/latest/userguide/migrating-access-entries.html
//! - Amazon EKS user guide, creating access entries (group and username restrictions): https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
//! - terraform-aws-modules/terraform-aws-eks#2915 (`system:masters` rejected in access entries)

use super::ClusterFacts;
use super::prelude::*;
use crate::model::iam::Wanted;

pub const META: RuleMeta = RuleMeta {
    code: "EA309",
    slug: "api-mode-blocker",
    severity: Severity::Info,
    summary: "migration blocker for the `API` mode",
    needs: &[Input::AwsAuth, Input::Mode, Input::EntrySet],
};

/// Username prefixes access entries reject.
const RESERVED_PREFIXES: [&str; 5] = ["system:", "eks:", "aws:", "amazon:", "iam:"];

/// Why this row cannot become an access entry as it is written.
fn cannot_move(row: &Row) -> Vec<String> {
    let privileged = crate::model::policies::privileged_groups();
    let is_node_group = |g: &str| privileged.node_groups.iter().any(|n| n.name == g);
    let node_row = row.groups().iter().any(|g| is_node_group(g));
    let mut reasons = Vec::new();
    if row.sso().is_some() {
        reasons.push(
            "its `sso:` matcher has no access-entry form: an entry names one role ARN, with its /aws-reserved/sso.amazonaws.com/ path".to_string(),
        );
    }
    for group in row.groups() {
        if group.starts_with("system:") && !is_node_group(group) {
            reasons.push(if *group == privileged.superuser_group.name {
                format!("group `{group}` is rejected in access entries: associate AmazonEKSClusterAdminPolicy instead")
            } else {
                format!("group `{group}` is rejected in access entries (no `system:` groups)")
            });
        }
    }
    let username = row.username();
    if node_row {
        reasons.push(
            "a node row moves as an entry of type EC2_LINUX or EC2_WINDOWS (not STANDARD), whose groups and username EKS sets".to_string(),
        );
        return reasons;
    }
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| username.starts_with(*p)) {
        reasons.push(format!(
            "username `{username}` starts with `{prefix}`, which access entries reject"
        ));
    }
    for template in ["{{SessionName}}", "{{SessionNameRaw}}"] {
        if let Some(at) = username.find(template)
            && !username[..at].contains(':')
        {
            reasons.push(format!(
                "username `{username}`: access entries need a colon before {template}"
            ));
        }
    }
    let other_templates: Vec<&str> = username
        .match_indices("{{")
        .filter_map(|(at, _)| {
            let rest = &username[at..];
            rest.find("}}").map(|end| &rest[..end + 2])
        })
        .filter(|t| *t != "{{SessionName}}" && *t != "{{SessionNameRaw}}")
        .collect();
    if !other_templates.is_empty() {
        reasons.push(format!(
            "username `{username}` uses {}, which the access-entry documentation does not list (only {{{{SessionName}}}} and {{{{SessionNameRaw}}}}); unverified whether EKS accepts it",
            other_templates.join(", ")
        ));
    }
    reasons
}

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(doc), Some(entries)) = (facts.aws_auth, facts.access_entries) else {
        return;
    };
    let mode = facts.mode();
    if mode == Some(&AuthenticationMode::Api) {
        return;
    }
    let managed_node_role = |wanted: &Option<Wanted>| {
        wanted.is_some()
            && facts
                .node_roles
                .unwrap_or_default()
                .iter()
                .any(|r| Wanted::from_arn(&r.role_arn) == *wanted)
    };
    for (section, entry) in kept_entries(doc) {
        let arn = entry.row.arn().trim();
        // A row that never matches (EA107, EA108, EA109) grants nothing to lose, and neither
        // does one whose principal IAM says does not exist (EA401).
        if never_matches(entry).is_some() {
            continue;
        }
        let wanted = Wanted::from_arn(arn);
        if let (Some(iam), Some(w)) = (facts.iam, &wanted)
            && matches!(
                iam.lookup(w.kind, &w.account, &w.name),
                Some(crate::evidence::Fetched::Absent)
            )
        {
            continue;
        }
        let has_entry = entries
            .iter()
            .any(|e| wanted.is_some() && Wanted::from_arn(&e.principal_arn) == wanted);
        let reasons = cannot_move(&entry.row);
        let lost = mode == Some(&AuthenticationMode::ApiAndConfigMap) && !has_entry;
        let node_row = entry.row.groups().iter().any(|g| g == "system:nodes");
        if has_entry || (node_row && managed_node_role(&wanted)) || (!lost && reasons.is_empty())
        {
            continue;
        }
        let who = principal_of(entry).unwrap_or_else(|| "(no principal)".into());
        let mut message = if lost {
            format!("{who}: switching to API mode drops this mapping, and no access entry names the principal")
        } else {
            format!("{who}: this mapping cannot become an access entry as written")
        };
        if !reasons.is_empty() {
            message.push_str(if lost { "; " } else { ": " });
            message.push_str(&reasons.join("; "));
        }
        let principal = if arn.is_empty() { "ARN" } else { arn };
        let remediation = if node_row {
            format!(
                "aws eks create-access-entry --cluster-name {} --principal-arn {principal} --type EC2_LINUX (or EC2_WINDOWS), then delete this row",
                facts.cluster_name()
            )
        } else {
            format!(
                "aws eks create-access-entry --cluster-name {} --principal-arn {principal} with groups and a username EKS accepts (and the access policy that replaces any system: group), check it with `whois`, then delete this row",
                facts.cluster_name()
            )
        };
        out.emit(
            At::Entry(section, entry, Field::Key(arn_field(section))),
            Some(&who),
            message,
            remediation,
        );
    }
    for account in doc.section(SectionKey::MapAccounts).kept_accounts() {
        // Not an account id (EA109): it lets nobody in today either.
        if !crate::model::arn::is_account_id(&account.account) {
            continue;
        }
        out.emit(
            At::Account(account),
            Some(&account.account),
            format!(
                "mapAccounts {} has no access-entry form: in API mode no principal of that account gets in through it",
                account.account
            ),
            "create access entries for the principals of that account that need access, then remove the account from mapAccounts".to_string(),
        );
    }
}
