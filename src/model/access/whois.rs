//! `whois` across both sources: which one EKS uses for a caller under the cluster's mode —
//! an access entry, an aws-auth mapping, or the hidden creator — and what it gives.

use crate::evidence::AuthenticationMode;
use serde::Serialize;

use crate::evidence::{AccessEntry, UserInfo};
use crate::model::awsauth::lookup::{Identity, Outcome};
use crate::model::iam::Wanted;

/// What decides the caller's access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    /// The access entry for the caller's principal.
    AccessEntry,
    /// aws-auth (its outcome says what it gives, or that it refuses).
    AwsAuth,
    /// The hidden creator's `system:masters`: the audit's caller is this principal.
    HiddenCreator,
    /// Nothing: EKS refuses the caller.
    Nobody,
}

impl DecidedBy {
    /// In words, for a person reading `whois`.
    pub fn describe(self) -> &'static str {
        match self {
            DecidedBy::AccessEntry => "an access entry",
            DecidedBy::AwsAuth => "aws-auth",
            DecidedBy::HiddenCreator => "the cluster creator's hidden system:masters",
            DecidedBy::Nobody => "nobody: EKS refuses this caller",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Decision<'a> {
    pub decided_by: DecidedBy,
    /// Why, in a sentence.
    pub reason: String,
    /// The caller's access entry, whether it decides or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_entry: Option<&'a AccessEntry>,
}

/// The access entry EKS would use for `identity`: entries name the role (with its path) or the
/// user; a session of a role matches its role's entry.
pub fn entry_for<'a>(identity: &Identity, entries: &'a [AccessEntry]) -> Option<&'a AccessEntry> {
    let wanted = Wanted::from_arn(&identity.canonical_arn)?;
    entries
        .iter()
        .find(|e| Wanted::from_arn(&e.principal_arn).as_ref() == Some(&wanted))
}

/// Decides, under `mode`, between an access entry, aws-auth's `outcome`, and the hidden
/// creator (when the audit's `caller` is this principal in `system:masters` and nothing
/// visible explains it).
pub fn decide<'a>(
    mode: Option<&AuthenticationMode>,
    identity: &Identity,
    outcome: Option<&Outcome>,
    entries: &'a [AccessEntry],
    caller: Option<&UserInfo>,
) -> Decision<'a> {
    let entry = entry_for(identity, entries);
    let aws_auth_maps = matches!(
        outcome,
        Some(Outcome::Mapped { .. } | Outcome::Nondeterministic { .. })
    );
    let masters = &crate::model::policies::privileged_groups()
        .superuser_group
        .name;
    let is_hidden_creator = caller.is_some_and(|c| {
        c.groups.iter().any(|g| g == masters)
            && c.extra_value("canonicalArn")
                .or(c.extra_value("arn"))
                .and_then(Wanted::from_arn)
                .is_some_and(|w| Wanted::from_arn(&identity.canonical_arn) == Some(w))
    });
    let (decided_by, reason) = match mode {
        Some(AuthenticationMode::Api) => match entry {
            Some(_) => (DecidedBy::AccessEntry, "API mode: access entries only".to_string()),
            None => (DecidedBy::Nobody, "API mode: no access entry for this principal, and aws-auth is ignored".to_string()),
        },
        Some(AuthenticationMode::ApiAndConfigMap) => match entry {
            Some(_) => (
                DecidedBy::AccessEntry,
                if aws_auth_maps {
                    "API_AND_CONFIG_MAP: the access entry takes priority over the aws-auth mapping, which is not applied".to_string()
                } else {
                    "API_AND_CONFIG_MAP: the access entry".to_string()
                },
            ),
            None if aws_auth_maps => (DecidedBy::AwsAuth, "API_AND_CONFIG_MAP: no access entry, so aws-auth".to_string()),
            None => (DecidedBy::Nobody, "API_AND_CONFIG_MAP: neither an access entry nor an aws-auth mapping".to_string()),
        },
        Some(AuthenticationMode::ConfigMap) if is_hidden_creator && !aws_auth_maps => (
            DecidedBy::HiddenCreator,
            "CONFIG_MAP: the cluster creator's invisible system:masters (this principal is the audit's caller, in system:masters with no mapping)".to_string(),
        ),
        Some(AuthenticationMode::ConfigMap) if aws_auth_maps => (DecidedBy::AwsAuth, "CONFIG_MAP: aws-auth only".to_string()),
        Some(AuthenticationMode::ConfigMap) => (
            DecidedBy::Nobody,
            "CONFIG_MAP: no aws-auth mapping (unless this principal created the cluster: that grant is invisible)".to_string(),
        ),
        _ => match (entry, aws_auth_maps) {
            (Some(_), _) => (DecidedBy::AccessEntry, "mode unknown: the access entry, if the mode uses entries".to_string()),
            (None, true) => (DecidedBy::AwsAuth, "mode unknown: aws-auth, unless the mode is API".to_string()),
            (None, false) => (DecidedBy::Nobody, "mode unknown: no access entry and no aws-auth mapping".to_string()),
        },
    };
    Decision {
        decided_by,
        reason,
        access_entry: entry,
    }
}
