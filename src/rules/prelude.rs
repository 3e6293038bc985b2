//! What most rules use.

pub use super::{At, Emitter, Input, RuleMeta};
pub use crate::evidence::{AccessEntryType, AuthenticationMode, CreatorSource, ScopeKind};
pub use crate::model::awsauth::document::AwsAuthDocument;
pub use crate::model::awsauth::{Entry, Row, SectionKey};
pub use crate::rules::finding::Severity;

/// The two sections whose items are mappings, with their kept or dropped entries.
pub fn mapping_sections(doc: &AwsAuthDocument) -> impl Iterator<Item = (SectionKey, &Entry)> {
    [SectionKey::MapRoles, SectionKey::MapUsers]
        .into_iter()
        .flat_map(move |s| doc.section(s).entries.iter().map(move |e| (s, e)))
}

/// Entries EKS keeps (valid, not replaced by a later duplicate).
pub fn kept_entries(doc: &AwsAuthDocument) -> impl Iterator<Item = (SectionKey, &Entry)> {
    mapping_sections(doc).filter(|(_, e)| e.is_kept())
}

/// The principal to name in a message: the ARN, the SSO pattern, or `None`.
pub fn principal_of(entry: &Entry) -> Option<String> {
    let p = entry.row.principal();
    (!p.is_empty()).then_some(p)
}

/// `mapRoles[2]`, for messages.
pub fn entry_name(section: SectionKey, entry: &Entry) -> String {
    format!("{section}[{}]", entry.index)
}

/// The key that holds a row's ARN in a section: `userarn` in mapUsers, `rolearn` elsewhere.
pub fn arn_field(section: SectionKey) -> &'static str {
    if section == SectionKey::MapUsers {
        "userarn"
    } else {
        "rolearn"
    }
}

/// Every kept row that names an IAM role or user, with what IAM said about it.
pub fn resolved_entries<'a>(
    doc: &'a AwsAuthDocument,
    iam: &'a crate::evidence::IamEvidence,
) -> impl Iterator<
    Item = (
        SectionKey,
        &'a Entry,
        crate::model::iam::Wanted,
        &'a crate::evidence::Fetched<crate::evidence::IamPrincipal>,
    ),
> {
    kept_entries(doc).filter_map(move |(section, entry)| {
        if entry.row.sso().is_some() {
            return None;
        }
        let wanted = crate::model::iam::Wanted::from_arn(entry.row.arn().trim())?;
        let result = iam.lookup(wanted.kind, &wanted.account, &wanted.name)?;
        Some((section, entry, wanted, result))
    })
}

/// An RFC 3339 time as an instant, so times with fractions or offsets compare as times.
pub fn instant(text: &str) -> Option<aws_smithy_types::DateTime> {
    aws_smithy_types::DateTime::from_str(text, aws_smithy_types::date_time::Format::DateTime).ok()
}

/// `role` or `user`, for messages.
pub fn kind_name(kind: crate::evidence::IamKind) -> &'static str {
    match kind {
        crate::evidence::IamKind::Role => "role",
        crate::evidence::IamKind::User => "user",
    }
}

/// `access-entry ARN`, the route part of an access entry.
pub fn entry_route(entry: &crate::evidence::AccessEntry) -> String {
    format!("access-entry {}", entry.principal_arn)
}

/// The policy's name when it is an AWS-managed access policy ARN, else the ARN.
pub fn policy_name(arn: &str) -> &str {
    arn.strip_prefix(&crate::model::policies::access_policies().arn_prefix)
        .unwrap_or(arn)
}

/// `cluster`, or `namespaces a, b`.
pub fn scope_text(scope: &crate::evidence::AccessScope) -> String {
    if scope.kind == ScopeKind::Namespace {
        format!("namespaces {}", scope.namespaces.join(", "))
    } else {
        "the whole cluster".to_string()
    }
}

/// Every (entry, policy) pair whose policies were read.
pub fn entry_policies(
    entries: &[crate::evidence::AccessEntry],
) -> impl Iterator<
    Item = (
        &crate::evidence::AccessEntry,
        &crate::evidence::AssociatedPolicy,
    ),
> {
    entries.iter().flat_map(|e| match &e.policies {
        crate::evidence::Fetched::Found(policies) => {
            policies.iter().map(move |p| (e, p)).collect::<Vec<_>>()
        }
        _ => Vec::new(),
    })
}
