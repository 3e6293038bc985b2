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
    /// An account `mapAccounts` lists: every principal of it gets in as its own ARN (the
    /// account is the row's `arn`: see [`super::Principal::mapped_account`]).
    MapAccounts { index: usize },
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
    /// No way in today, but IAM lets the principal make one (a latent administrator).
    Latent(LatentPath),
}

/// The two ways a latent administrator has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatentPath {
    /// Creating its own access entry with the admin policy (EA405).
    EksApi,
    /// Assuming a role that administers the cluster (EA406).
    AssumeRole,
}

impl LatentPath {
    fn text(self) -> &'static str {
        match self {
            LatentPath::EksApi => "latent (IAM: its own access entry)",
            LatentPath::AssumeRole => "latent (IAM: assumes an admin role)",
        }
    }
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

    /// The source a report names (`aws-auth mapRoles[1]`, `creator (hidden; …)`): the
    /// inverse of its `Display`.
    pub fn parse(text: &str) -> Option<PrincipalSource> {
        if let Some(path) = [LatentPath::EksApi, LatentPath::AssumeRole]
            .into_iter()
            .find(|p| p.text() == text)
        {
            return Some(PrincipalSource::Latent(path));
        }
        if let Some(row) = text.strip_prefix("aws-auth ") {
            if row == "(not read)" {
                return Some(PrincipalSource::AwsAuthUnread);
            }
            let (key, index) = row.strip_suffix(']')?.split_once('[')?;
            let index = index.parse().ok()?;
            return match SectionKey::from_key(key)? {
                SectionKey::MapAccounts => Some(PrincipalSource::MapAccounts { index }),
                section => Some(PrincipalSource::AwsAuth { section, index }),
            };
        }
        if let Some(kind) = text
            .strip_prefix("access entry (")
            .and_then(|t| t.strip_suffix(')'))
        {
            return Some(PrincipalSource::AccessEntry(AccessEntryType::parse(kind)));
        }
        if text == "creator (hidden; the audit's caller)" {
            return Some(PrincipalSource::HiddenCaller);
        }
        if let Some(by) = text
            .strip_prefix("creator (hidden; ")
            .and_then(|t| t.strip_suffix(')'))
        {
            return creator_named_by(by).map(PrincipalSource::HiddenCreator);
        }
        let by = text.strip_prefix("creator (")?.strip_suffix(')')?;
        creator_named_by(by).map(PrincipalSource::CreatorWithoutEntry)
    }
}

fn named_by(source: &CreatorSource) -> String {
    match source {
        CreatorSource::CloudTrail => "CloudTrail CreateCluster".into(),
        CreatorSource::User => "named by --creator".into(),
        CreatorSource::Other(other) => format!("named by {other}"),
    }
}

fn creator_named_by(text: &str) -> Option<CreatorSource> {
    match text {
        "CloudTrail CreateCluster" => Some(CreatorSource::CloudTrail),
        "named by --creator" => Some(CreatorSource::User),
        other => other
            .strip_prefix("named by ")
            .map(|o| CreatorSource::Other(o.to_string())),
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
            PrincipalSource::Latent(path) => f.write_str(path.text()),
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

impl<'de> serde::Deserialize<'de> for PrincipalSource {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        PrincipalSource::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is no way in this build knows"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of source reads back as itself from the text a report writes.
    #[test]
    fn every_source_reads_back_from_its_text() {
        let sources = [
            PrincipalSource::AwsAuth {
                section: SectionKey::MapRoles,
                index: 3,
            },
            PrincipalSource::AwsAuth {
                section: SectionKey::MapUsers,
                index: 0,
            },
            PrincipalSource::MapAccounts { index: 1 },
            PrincipalSource::AwsAuthUnread,
            PrincipalSource::AccessEntry(AccessEntryType::Ec2Linux),
            PrincipalSource::AccessEntry(AccessEntryType::Other("NEW_KIND".into())),
            PrincipalSource::HiddenCreator(CreatorSource::CloudTrail),
            PrincipalSource::HiddenCreator(CreatorSource::User),
            PrincipalSource::CreatorWithoutEntry(CreatorSource::CloudTrail),
            PrincipalSource::HiddenCaller,
            PrincipalSource::Latent(LatentPath::EksApi),
            PrincipalSource::Latent(LatentPath::AssumeRole),
        ];
        for source in sources {
            assert_eq!(
                PrincipalSource::parse(&source.to_string()),
                Some(source.clone())
            );
        }
        assert_eq!(PrincipalSource::parse("aws-auth mapGroups[1]"), None);
        assert_eq!(PrincipalSource::parse("someone"), None);
    }
}
