//! What most rules use.

pub use super::policy_facts::{Forbidden, PolicyEmitter, PolicyFacts, Subject};
pub use super::{At, Emitter, Input, RuleMeta};
pub use crate::evidence::{AccessEntryType, AuthenticationMode, CreatorSource, ScopeKind};
pub use crate::model::awsauth::document::AwsAuthDocument;
pub use crate::model::awsauth::{Entry, Field, Row, SectionKey};
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
pub fn principal_of(entry: &Entry) -> Option<std::borrow::Cow<'_, str>> {
    let p = entry.row.principal();
    (!p.is_empty()).then_some(p)
}

/// Whether a text holds whitespace (`char::is_whitespace`: Unicode's White_Space), decided
/// byte by byte for ASCII text.
pub fn has_whitespace(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes().any(|b| b.is_ascii_whitespace() || b == 0x0b)
    } else {
        text.chars().any(char::is_whitespace)
    }
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

/// Why a mapping ARN can never equal a caller's ARN (`None` when it can): a wildcard, not an
/// ARN, an unknown partition, a resource STS never returns, an account that is not 12 digits,
/// or a role or user IAM would never create. EA109 reports these.
pub fn arn_problem(written: &str) -> Option<String> {
    use crate::model::arn::{self, ArnError};
    if written.bytes().any(|b| b == b'*' || b == b'?') {
        return Some("contains a wildcard, which EKS compares literally".into());
    }
    let Ok(parsed) = arn::parse(written) else {
        return Some("is not an ARN".into());
    };
    match arn::classify_parsed(&parsed) {
        Err(ArnError::Malformed) => Some("is not an ARN".into()),
        Err(e @ ArnError::UnknownPartition(_)) => Some(e.to_string()),
        Err(e) => Some(format!("names no principal STS returns: {e}")),
        Ok(_) => {
            if !arn::is_account_id(parsed.account) {
                return Some(format!(
                    "has account `{}`, which is not 12 digits",
                    arn::shorten(parsed.account)
                ));
            }
            arn::iam_rule_broken_in(&parsed)
        }
    }
}

/// Why a kept mapping never matches any caller today, naming the rule that reports it: a role
/// ARN with a path (EA107), an STS session ARN (EA108), an ARN IAM never issues (EA109).
pub fn never_matches(entry: &Entry) -> Option<String> {
    use crate::model::arn;
    let written = entry.row.arn();
    if written.is_empty() || has_whitespace(written) {
        return None;
    }
    if entry.row.has_role_path() {
        return Some("its role ARN has a path, which EKS never compares (EA107)".into());
    }
    if let Ok(parsed) = arn::parse(written)
        && parsed.service == "sts"
        && parsed.resource.starts_with("assumed-role/")
    {
        return Some("it names an STS session, never the role EKS compares (EA108)".into());
    }
    arn_problem(written).map(|problem| format!("its ARN {problem} (EA109)"))
}

/// One severity lower (a grant that is dead today is a latent risk, not a live one).
pub fn one_lower(severity: Severity) -> Severity {
    match severity {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}

/// Why a kept mapping lets nobody in today, and what would make it live.
pub struct DeadGrant {
    /// What the report says of it: `this mapping never matches today (…)`.
    pub why: String,
    /// What someone would do to make it live: `corrects the ARN`.
    pub revived_by: &'static str,
}

/// Why a kept mapping lets nobody in today: it never matches a caller (EA107, EA108, EA109),
/// or it matches one whose templates never render, which EKS denies (EA115).
pub fn dead_grant(entry: &Entry) -> Option<DeadGrant> {
    if let Some(why) = never_matches(entry) {
        return Some(DeadGrant {
            why: format!("this mapping never matches today ({why})"),
            revived_by: "corrects the ARN",
        });
    }
    crate::model::awsauth::template::never_renders(
        entry.row.arn(),
        entry.row.username(),
        entry.row.groups(),
    )
    .map(|why| DeadGrant {
        why: format!("EKS rejects every request this mapping matches ({why}; EA115)"),
        revived_by: "gives the mapping a username and groups that render",
    })
}

/// Reports what a mapping grants: as a live grant, or — when the mapping lets nobody in today
/// ([`dead_grant`]) — as a dead one that becomes live the moment someone corrects it, one
/// severity lower.
pub fn emit_grant(
    out: &mut Emitter<'_>,
    at: At<'_>,
    entry: &Entry,
    principal: Option<&str>,
    message: String,
    remediation: String,
) {
    match dead_grant(entry) {
        None => out.emit(at, principal, message, remediation),
        Some(dead) => {
            let severity = one_lower(out.default_severity());
            out.emit_with(
                at,
                principal,
                severity,
                format!(
                    "{message} — but {}: the grant is dead now, and becomes live the moment someone {}",
                    dead.why, dead.revived_by
                ),
                format!("{remediation}, before anyone {}", dead.revived_by),
            );
        }
    }
}

/// How far a binding's administrator power reaches, and the severity that earns: the whole
/// cluster (high) for a ClusterRoleBinding or a capability that reaches past its namespace
/// (running code as kube-system's service accounts), one namespace (medium) otherwise.
pub fn grant_reach(
    grant: &crate::model::rbac::Grant<'_>,
    power: &crate::model::rbac::AdminPower,
) -> (Severity, String) {
    match grant.namespace() {
        None => (Severity::High, "the whole cluster".to_string()),
        Some(ns) if power.cluster_wide => (
            Severity::High,
            format!("the whole cluster (bound in namespace {ns})"),
        ),
        Some(ns) => (Severity::Medium, format!("namespace {ns}")),
    }
}

/// Reports every latent administrator of one path (EA405, EA406) as `message` words it: failing
/// when the path is unconditional, undecided (`unknown(conditional)`) when it rests on
/// conditions the audit does not evaluate.
pub fn report_latent(
    facts: &super::ClusterFacts<'_>,
    out: &mut Emitter<'_>,
    path: crate::model::latent::LatentPath,
    message: impl Fn(&crate::model::latent::LatentAdmin) -> String,
    remediation: &str,
) {
    let Some(crate::evidence::Fetched::Found(authorization)) =
        facts.iam.and_then(|i| i.authorization.as_ref())
    else {
        return;
    };
    let matrix = facts.principals();
    let cluster = crate::model::latent::Cluster {
        arn: facts.cluster_arn,
        mode: facts.mode(),
        matrix: &matrix,
        rbac: facts.rbac,
    };
    let latent = crate::model::latent::of_cluster(authorization, &cluster, &[path]);
    for (_, latent) in latent {
        let at = format!("iam {}", latent.arn);
        let message = message(&latent);
        if latent.conditions.is_empty() {
            out.emit(
                At::Cluster(&at),
                Some(&latent.arn),
                message,
                remediation.to_string(),
            );
        } else {
            out.emit_undecided(
                At::Cluster(&at),
                Some(&latent.arn),
                "conditional",
                format!(
                    "{message} — if these conditions hold: {}",
                    latent.conditions.join("; ")
                ),
                remediation.to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    /// The ASCII shortcut agrees with `char::is_whitespace` on every ASCII byte.
    #[test]
    fn whitespace_as_unicode_has_it() {
        for b in 0u8..0x80 {
            let text = format!("a{}b", b as char);
            assert_eq!(
                super::has_whitespace(&text),
                (b as char).is_whitespace(),
                "{b:#x}"
            );
        }
        assert!(super::has_whitespace("a\u{00a0}b"));
        assert!(!super::has_whitespace("aéb"));
    }
}
