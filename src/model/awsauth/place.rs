//! Places in an aws-auth document, typed: a data key, a section, a row or one of its fields, a
//! key as spelled, a `mapAccounts` item — and the one resolver that turns a place into a
//! route (`configmap kube-system/aws-auth › data.mapRoles › [2] › groups › [1]`) and a file
//! position. Rules, the policy, `whois` and the diff all locate through it.

use std::borrow::Cow;

use super::document::AwsAuthDocument;
use super::model::{AccountEntry, Entry, KeyObservation, SectionKey};
use crate::inputs::yaml::Pos;
use crate::model::location::Location;

/// A field of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The row itself.
    Row,
    /// A key of the row by its JSON name: `rolearn`, `username`, `groups`, `sso`, or
    /// `sso.accountID` inside the matcher.
    Key(&'static str),
    /// One item of `groups`.
    Group(usize),
}

impl Field {
    /// The field as a fingerprint names it: ``, `rolearn`, `groups[1]`, `sso.accountID`.
    pub fn name(self) -> Cow<'static, str> {
        match self {
            Field::Row => Cow::Borrowed(""),
            Field::Key(key) => Cow::Borrowed(key),
            Field::Group(i) => Cow::Owned(format!("groups[{i}]")),
        }
    }

    /// The field as steps of a route: ` › groups › [1]`, ` › sso › accountID`, `` for the row.
    fn route(self) -> String {
        match self {
            Field::Row => String::new(),
            Field::Key(key) => key.split('.').map(|part| format!(" › {part}")).collect(),
            Field::Group(i) => format!(" › groups › [{i}]"),
        }
    }
}

/// The field as a message names it: `rolearn`, `groups[1]`, `entry` for the row itself.
impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Row => f.write_str("entry"),
            other => f.write_str(&other.name()),
        }
    }
}

/// A place in one aws-auth document.
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    /// A key of `data`.
    DataKey(&'a str),
    /// A position inside a section's text.
    Section(SectionKey, Pos),
    /// A section's key in `data` (where to point at what a section lost).
    SectionKey(SectionKey),
    /// A row, or a field of it (at the field's value when decoded, else at the row).
    Field(SectionKey, &'a Entry, Field),
    /// A field of a row at an explicit position (a value that was not decoded).
    FieldAt(SectionKey, &'a Entry, Field, Pos),
    /// A key of a row, as spelled.
    Key(SectionKey, &'a Entry, &'a KeyObservation),
    /// An item of `mapAccounts`.
    Account(&'a AccountEntry),
}

impl AwsAuthDocument {
    /// The route and file position of a place in this document.
    pub fn locate(&self, place: Place<'_>) -> Location {
        let base = &self.configmap;
        let (route, (line, column)) = match place {
            Place::DataKey(key) => (
                format!("configmap {base} › data.{key}"),
                self.data_key(key)
                    .map_or((1, 1), |d| (d.key_pos.line, d.key_pos.column)),
            ),
            Place::SectionKey(section) => (
                format!("configmap {base} › data.{section}"),
                self.data_key(section.as_str())
                    .map_or((1, 1), |d| (d.key_pos.line, d.key_pos.column)),
            ),
            Place::Section(section, pos) => (
                format!("configmap {base} › data.{section}"),
                self.file_pos(section, pos),
            ),
            Place::Field(section, entry, field) => {
                let pos = match field {
                    Field::Row => entry.pos,
                    Field::Key(key) => entry.pos_of(key),
                    Field::Group(i) => entry.group_pos.get(i).copied().unwrap_or(entry.pos),
                };
                return self.locate(Place::FieldAt(section, entry, field, pos));
            }
            Place::FieldAt(section, entry, field, pos) => (
                format!(
                    "configmap {base} › data.{section} › [{}]{}",
                    entry.index,
                    field.route()
                ),
                self.file_pos(section, pos),
            ),
            Place::Key(section, entry, key) => (
                format!(
                    "configmap {base} › data.{section} › [{}]{} › {}",
                    entry.index,
                    if key.in_sso { " › sso" } else { "" },
                    key.spelling
                ),
                self.file_pos(section, key.pos),
            ),
            Place::Account(account) => (
                format!("configmap {base} › data.mapAccounts › [{}]", account.index),
                self.file_pos(SectionKey::MapAccounts, account.pos),
            ),
        };
        Location {
            route,
            path: if line == 0 {
                String::new()
            } else {
                self.path.clone()
            },
            line,
            column,
        }
    }

    /// The row of `section` at `index`, located (none when the document has no such row).
    pub fn locate_row(&self, section: SectionKey, index: usize) -> Option<Location> {
        let entry = self
            .section(section)
            .entries
            .iter()
            .find(|e| e.index == index)?;
        Some(self.locate(Place::Field(section, entry, Field::Row)))
    }
}

#[cfg(test)]
mod tests {
    use super::Field;

    #[test]
    fn fields_become_route_steps_and_names() {
        assert_eq!(Field::Group(1).route(), " › groups › [1]");
        assert_eq!(Field::Key("sso.accountID").route(), " › sso › accountID");
        assert_eq!(Field::Key("rolearn").route(), " › rolearn");
        assert_eq!(Field::Row.route(), "");
        assert_eq!(Field::Group(1).name(), "groups[1]");
        assert_eq!(Field::Row.name(), "");
    }
}
