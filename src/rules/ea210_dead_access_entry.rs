//! ## What it does
//! Looks up in IAM the principal of every access entry and reports the entries whose principal
//! no longer exists, or was created after the entry (deleted and re-created under the same
//! name). The entry's creation time comes from DescribeAccessEntry, the principal's from
//! GetRole/GetUser or a ListRoles/ListUsers sweep.
//!
//! ## Why is this bad?
//! EKS keys an access entry on the principal's unique id (`AROA…`/`AIDA…`), not on its ARN,
//! and does not delete the entry when the principal goes. So the entry is dead: the principal
//! it was made for is gone, and a principal re-created under the same name does **not** get
//! its access — the opposite of aws-auth, where a re-created name silently inherits. A dead
//! entry misleads every review that reads the entry list ("the pipeline role is admin"), and
//! a re-created principal that was supposed to keep its access has silently lost it: the kind
//! of surprise found during an outage.
//!
//! ## Example
//! The entry for `arn:aws:iam::111122223333:role/deploy` was created 2026-01-02; IAM says
//! `role/deploy` was created 2026-04-10, or that it does not exist.
//!
//! ## Remediation
//! Delete the dead entry (`aws eks delete-access-entry`); if the re-created principal should
//! have access, create its entry again (and associate its policies) so EKS records the new id.
//!
//! ## How to verify by hand
//! `aws eks describe-access-entry --cluster-name N --principal-arn ARN --query
//! accessEntry.createdAt` against `aws iam get-role --role-name NAME --query Role.CreateDate`
//! (or `NoSuchEntity`).
//!
//! ## References
//! - Amazon EKS user guide, creating access entries ("even though the ARN is the same for the recreated IAM principal, … the access entry no longer applies"): https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
//! - terraform-aws-modules/terraform-aws-eks#3047 (stale access entries)

use super::ClusterFacts;
use super::prelude::*;
use crate::model::iam::Wanted;
use crate::evidence::Fetched;

pub const META: RuleMeta = RuleMeta {
    code: "EA210",
    slug: "dead-access-entry",
    severity: Severity::Medium,
    summary: "entry whose principal was deleted or re-created (dead entry)",
    needs: &[Input::AccessEntries, Input::Iam],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(entries), Some(iam)) = (facts.access_entries, facts.iam) else {
        return;
    };
    for entry in entries {
        let Some(wanted) = Wanted::from_arn(&entry.principal_arn) else {
            continue;
        };
        let arn = &entry.principal_arn;
        let kind = kind_name(wanted.kind);
        let route = entry_route(entry);
        match iam.lookup(wanted.kind, &wanted.account, &wanted.name) {
            None => out.emit_unknown(
                At::Cluster(&route),
                Some(arn),
                "not-looked-up",
                format!("whether {arn} still exists is unknown: IAM was not asked about it"),
            ),
            Some(Fetched::Unknown(unknown)) => out.emit_unknown(
                At::Cluster(&route),
                Some(arn),
                unknown.reason.as_str(),
                format!("whether {arn} still exists is unknown: {}", unknown.detail),
            ),
            Some(Fetched::Absent) => out.emit(
                At::Cluster(&route),
                Some(arn),
                format!(
                    "the access entry of {arn} is dead: IAM has no {kind} named `{}` in account {} (NoSuchEntity). EKS keeps the entry, and a {kind} re-created under that name would not get its access",
                    wanted.name, wanted.account
                ),
                format!(
                    "aws eks delete-access-entry --cluster-name {} --principal-arn {arn}; re-create the entry only for a principal that exists",
                    facts.cluster_name()
                ),
            ),
            Some(Fetched::Found(principal)) => {
                let (Some(created), Some(entry_created)) = (
                    instant(&principal.create_date),
                    entry.created_at.as_deref().and_then(instant),
                ) else {
                    continue;
                };
                if created <= entry_created {
                    continue;
                }
                out.emit(
                    At::Cluster(&route),
                    Some(arn),
                    format!(
                        "the access entry of {arn} is dead: the entry dates from {}, the {kind} from {} ({}). EKS keys entries on the unique id of the {kind} they were made for, so the re-created {kind} gets nothing from it",
                        entry.created_at.as_deref().unwrap_or_default(),
                        principal.create_date,
                        principal.id
                    ),
                    format!("delete the entry and create it again for the current {kind} (and re-associate its access policies), or delete it if the {kind} should have no access"),
                );
            }
        }
    }
}
