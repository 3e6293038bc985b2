//! The rows EKS keeps from `aws-auth`, as the authenticator's Go structs hold them
//! (`pkg/config/types.go`), and what we observed while decoding each entry.

use serde::Serialize;

use crate::inputs::yaml::Pos;

/// The three data keys EKS reads. Their spelling is exact.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
pub enum SectionKey {
    #[serde(rename = "mapRoles")]
    MapRoles,
    #[serde(rename = "mapUsers")]
    MapUsers,
    #[serde(rename = "mapAccounts")]
    MapAccounts,
}

impl SectionKey {
    pub const ALL: [SectionKey; 3] = [
        SectionKey::MapRoles,
        SectionKey::MapUsers,
        SectionKey::MapAccounts,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SectionKey::MapRoles => "mapRoles",
            SectionKey::MapUsers => "mapUsers",
            SectionKey::MapAccounts => "mapAccounts",
        }
    }

    pub fn from_key(key: &str) -> Option<SectionKey> {
        SectionKey::ALL.into_iter().find(|s| s.as_str() == key)
    }
}

impl std::fmt::Display for SectionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `SSOARNMatcher`.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct SsoMatcher {
    #[serde(rename = "permissionSetName")]
    pub permission_set_name: String,
    #[serde(rename = "accountID")]
    pub account_id: String,
    pub partition: String,
}

impl SsoMatcher {
    /// `RoleMapping.SSOArnLike`, bug included: the partition is filled in only when it was
    /// left empty, so an explicit partition yields an empty partition field.
    pub fn arn_like(&self) -> String {
        let partition = if self.partition.is_empty() { "aws" } else { "" };
        format!(
            "arn:{partition}:iam::{}:role/AWSReservedSSO_{}_*",
            self.account_id, self.permission_set_name
        )
        .to_lowercase()
    }
}

/// `RoleMapping`.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct RoleMapping {
    pub rolearn: String,
    pub sso: Option<Box<SsoMatcher>>,
    pub username: String,
    pub groups: Option<Vec<String>>,
}

/// `UserMapping`.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct UserMapping {
    pub userarn: String,
    pub username: String,
    pub groups: Option<Vec<String>>,
}

/// A decoded row of either section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Role(RoleMapping),
    User(UserMapping),
}

impl Row {
    pub fn username(&self) -> &str {
        match self {
            Row::Role(r) => &r.username,
            Row::User(u) => &u.username,
        }
    }

    pub fn groups(&self) -> &[String] {
        match self {
            Row::Role(r) => r.groups.as_deref().unwrap_or_default(),
            Row::User(u) => u.groups.as_deref().unwrap_or_default(),
        }
    }

    /// The ARN the row matches (`rolearn` or `userarn`); empty for an `sso` row.
    pub fn arn(&self) -> &str {
        match self {
            Row::Role(r) => &r.rolearn,
            Row::User(u) => &u.userarn,
        }
    }

    /// Whether the row names a role by an ARN with a path: STS reports a role's sessions
    /// without it, so EKS never matches the row (in mapRoles or filed under mapUsers).
    pub fn has_role_path(&self) -> bool {
        let arn = self.arn().trim();
        self.sso().is_none()
            && crate::model::arn::strip_path(arn).is_ok_and(|stripped| stripped != arn)
    }

    pub fn sso(&self) -> Option<&SsoMatcher> {
        match self {
            Row::Role(r) => r.sso.as_deref(),
            Row::User(_) => None,
        }
    }

    /// What a reader calls the principal: the ARN, or the SSO pattern.
    pub fn principal(&self) -> std::borrow::Cow<'_, str> {
        match self.sso() {
            Some(sso) if self.arn().is_empty() => {
                format!("sso:{}/{}", sso.account_id, sso.permission_set_name).into()
            }
            _ => self.arn().into(),
        }
    }
}

/// An entry key as written, and the struct field `encoding/json` assigned it to.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyObservation {
    /// The field's own name when written exactly so (no copy), else the text as written.
    pub spelling: std::borrow::Cow<'static, str>,
    pub pos: Pos,
    /// The field's JSON name (`rolearn`, `groups`, …), `None` when the key is ignored.
    pub field: Option<&'static str>,
    /// Nested under `sso`.
    pub in_sso: bool,
}

/// A value of the wrong JSON type: `encoding/json` reported it and left the field as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeMismatch {
    /// `username`, `groups`, `groups[1]`, `sso`, `sso.accountID`, or the row itself.
    pub field: super::place::Field,
    pub expected: &'static str,
    pub found: &'static str,
    pub pos: Pos,
}

/// A key that YAML saw twice in one entry, or two spellings of one field.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateKey {
    pub field: super::place::Field,
    /// The spelling and position that lost.
    pub lost: (String, Pos),
    /// The spelling and position that won.
    pub won: (String, Pos),
    /// Whether the two spellings differ (case or Unicode folding) rather than repeat.
    pub case_variant: bool,
}

/// Where each decoded field of an entry was written. A handful of fields per entry: a short
/// list (a map would cost a 400-byte node for every one of thousands of entries).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldPositions(Vec<(&'static str, Pos)>);

impl FieldPositions {
    /// Records a field's position; a later one replaces an earlier one.
    pub fn insert(&mut self, field: &'static str, pos: Pos) {
        match self.0.iter_mut().find(|(f, _)| *f == field) {
            Some(slot) => slot.1 = pos,
            None => self.0.push((field, pos)),
        }
    }

    pub fn get(&self, field: &str) -> Option<Pos> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
    }
}

/// One list item of `mapRoles` or `mapUsers`, with everything the rules need.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Index in the section's list.
    pub index: usize,
    /// Where the item starts, inside the section's text.
    pub pos: Pos,
    pub row: Row,
    /// Value position of each decoded field (by JSON name, `sso.accountID` for nested ones).
    pub field_pos: FieldPositions,
    /// Position of each group item.
    pub group_pos: Vec<Pos>,
    pub keys: Vec<KeyObservation>,
    pub type_mismatches: Vec<TypeMismatch>,
    pub duplicate_keys: Vec<DuplicateKey>,
    /// The error `Validate()` returns; the row is dropped when it is set.
    pub validation_error: Option<String>,
    /// Set when a later row with the same key replaces this one in EKS's map.
    pub overridden_by: Option<usize>,
}

impl Entry {
    pub fn is_valid(&self) -> bool {
        self.validation_error.is_none()
    }

    /// Kept by EKS: valid and not replaced by a later duplicate.
    pub fn is_kept(&self) -> bool {
        self.is_valid() && self.overridden_by.is_none()
    }

    /// The best position for a field: its value, else the entry.
    pub fn pos_of(&self, field: &str) -> Pos {
        self.field_pos.get(field).unwrap_or(self.pos)
    }
}

/// One item of `mapAccounts`.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountEntry {
    pub index: usize,
    pub pos: Pos,
    /// The text yaml.v2 assigns: the scalar's source text, or `""` for null.
    pub account: String,
    /// Set when the item is not a scalar: yaml.v2 drops it.
    pub type_error: Option<String>,
}

/// Why a whole section yields no rows.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionFailure {
    /// YAML the authenticator's parser rejects; every row is lost.
    Syntax { pos: Pos, message: String },
    /// Starts with `{`: read as JSON, which is never a list.
    Json { pos: Pos, message: String },
    /// Well-formed, but not a list (a mapping, or a scalar).
    NotAList { pos: Pos, found: &'static str },
}

impl SectionFailure {
    pub fn pos(&self) -> Pos {
        match self {
            SectionFailure::Syntax { pos, .. }
            | SectionFailure::Json { pos, .. }
            | SectionFailure::NotAList { pos, .. } => *pos,
        }
    }
}

/// One data key's content as EKS reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    pub present: bool,
    /// Empty, `""`, `''` or two backticks: treated as absent.
    pub skipped_as_empty: bool,
    pub failure: Option<SectionFailure>,
    /// `mapRoles`/`mapUsers` items, kept or not.
    pub entries: Vec<Entry>,
    /// `mapAccounts` items.
    pub accounts: Vec<AccountEntry>,
    /// Where a second YAML document starts: EKS ignores it.
    pub ignored_document_at: Option<Pos>,
}

impl Section {
    pub fn kept(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_kept())
    }

    pub fn kept_accounts(&self) -> impl Iterator<Item = &AccountEntry> {
        self.accounts.iter().filter(|a| a.type_error.is_none())
    }
}
