//! Where a row of the access matrix comes from. Reports print it as before (`aws-auth
//! mapRoles[1]`, `access entry (STANDARD)`, `creator (hidden; CloudTrail CreateCluster)`);
//! logic asks the type.

use crate::evidence::{AccessEntryType, CreatorSource};
use crate::model::awsauth::SectionKey;

/// One way into the cluster, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSource {
    /// A row aws-auth keeps.
    AwsAuth { section: SectionKey, index: usize },
    /// An account `mapAccounts` lists: every principal of it gets in as its own ARN.
    MapAccounts { index: usize, account: String },
    /// aws-auth was in scope and could not be read: its rows are unknown.
    AwsAuthUnread,
    /// An access entry of this type.
    AccessEntry(AccessEntryType),
    /// The creator of a `CONFIG_MAP` cluster, named by CloudTrail or `--creator`: its
    /// `system:masters` shows nowhere.
    HiddenCreator(CreatorSource),
    /// The creator in an access-entry mode whose entry is gone: no access left.
    CreatorWithoutEntry(CreatorSource),
    /// The audit's own caller, in `system:masters` with no visible mapping.
    HiddenCaller,
}

impl PrincipalSource {
    /// A grant that no configuration shows (the hidden creator, or the caller as such).
    pub fn is_hidden(&self) -> bool {
        matches!(
            self,
            PrincipalSource::HiddenCreator(_) | PrincipalSource::HiddenCaller
        )
    }

    /// Any row about the cluster's creator, hidden or gone.
    pub fn is_creator(&self) -> bool {
        self.is_hidden() || matches!(self, PrincipalSource::CreatorWithoutEntry(_))
    }

    pub fn is_access_entry(&self) -> bool {
        matches!(self, PrincipalSource::AccessEntry(_))
    }

    pub fn is_aws_auth_row(&self) -> bool {
        matches!(
            self,
            PrincipalSource::AwsAuth { .. } | PrincipalSource::MapAccounts { .. }
        )
    }

    /// The account a `mapAccounts` row opens, whole.
    pub fn mapped_account(&self) -> Option<&str> {
        match self {
            PrincipalSource::MapAccounts { account, .. } => Some(account),
            _ => None,
        }
    }
}

fn named_by(source: &CreatorSource) -> &'static str {
    match source {
        CreatorSource::CloudTrail => "CloudTrail CreateCluster",
        _ => "named by --creator",
    }
}

impl std::fmt::Display for PrincipalSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrincipalSource::AwsAuth { section, index } => write!(f, "aws-auth {section}[{index}]"),
            PrincipalSource::MapAccounts { index, .. } => {
                write!(f, "aws-auth mapAccounts[{index}]")
            }
            PrincipalSource::AwsAuthUnread => f.write_str("aws-auth (not read)"),
            PrincipalSource::AccessEntry(kind) => write!(f, "access entry ({kind})"),
            PrincipalSource::HiddenCreator(source) => {
                write!(f, "creator (hidden; {})", named_by(source))
            }
            PrincipalSource::CreatorWithoutEntry(source) => {
                write!(f, "creator ({})", named_by(source))
            }
            PrincipalSource::HiddenCaller => f.write_str("creator (hidden; the audit's caller)"),
        }
    }
}

/// A string: `aws-auth mapRoles[N]`, `access entry (TYPE)`, `creator (…)` and the like.
impl schemars::JsonSchema for PrincipalSource {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PrincipalSource".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "The way in: an aws-auth row (`aws-auth mapRoles[N]`), an access entry (`access entry (TYPE)`), the creator (`creator (…)`), or aws-auth not read.",
        })
    }
}

impl serde::Serialize for PrincipalSource {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
