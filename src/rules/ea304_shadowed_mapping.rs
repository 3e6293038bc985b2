//! ## What it does
//! In `API_AND_CONFIG_MAP` mode, reports every aws-auth mapping whose principal also has an
//! access entry (the same role or user: names are unique per account, so a path-less aws-auth
//! ARN and an entry ARN with a path name the same role).
//!
//! ## Why is this bad?
//! EKS uses the access entry and ignores the aws-auth row entirely — its username and groups
//! are not merged. A reviewer reading aws-auth sees access that is not in effect (more or less
//! than the real one), and whoever deletes the entry silently brings the row back into force.
//!
//! ## Example
//! aws-auth maps `role/ops` to `system:masters`; an access entry for `role/ops` has
//! `AmazonEKSViewPolicy`: the role is a viewer, not a superuser.
//!
//! ## Remediation
//! Delete the aws-auth row once the access entry says what the principal should have.
//!
//! ## How to verify by hand
//! `aws eks describe-access-entry --cluster-name N --principal-arn ARN` for each ARN in
//! aws-auth.
//!
//! ## References
//! - Amazon EKS user guide, migrating to access entries ("the settings for the access entry … override the ConfigMap entry"): https://docs.aws.amazon.com/eks/latest/userguide/migrating-access-entries.html
//! - aws/containers-roadmap#185 (access entries take priority)

use super::ClusterFacts;
use super::prelude::*;
use crate::model::iam::Wanted;

pub const META: RuleMeta = RuleMeta {
    code: "EA304",
    slug: "shadowed-mapping",
    severity: Severity::Low,
    summary: "aws-auth mapping shadowed by an access entry",
    needs: &[Input::AwsAuth, Input::Mode, Input::EntrySet],
};

pub fn check(facts: &ClusterFacts<'_>, out: &mut Emitter<'_>) {
    let (Some(doc), Some(entries)) = (facts.aws_auth, facts.access_entries) else {
        return;
    };
    if facts.mode() != Some(&AuthenticationMode::ApiAndConfigMap) {
        return;
    }
    for (section, entry) in kept_entries(doc) {
        let Some(wanted) = Wanted::from_arn(entry.row.arn().trim()) else {
            continue;
        };
        let Some(shadow) = entries
            .iter()
            .find(|e| Wanted::from_arn(&e.principal_arn).as_ref() == Some(&wanted))
        else {
            continue;
        };
        let arn = entry.row.arn().trim().to_string();
        out.emit(
            At::Entry(section, entry, Field::Key(arn_field(section))),
            Some(&arn),
            format!(
                "{arn} also has an access entry ({}): EKS uses the entry and ignores this row (username `{}`, groups {}), which comes back into force if the entry is deleted",
                shadow.principal_arn,
                entry.row.username(),
                entry.row.groups().join(", ")
            ),
            "delete this aws-auth row once the access entry grants what the principal should have".to_string(),
        );
    }
}
