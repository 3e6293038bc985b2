//! Go's `encoding/json` decoding into `[]RoleMapping` / `[]UserMapping`, reproduced field by
//! field: keys match struct fields exactly or under Unicode simple case folding, unknown keys
//! are ignored, members are assigned in key byte order (so among case variants the byte-wise
//! greatest spelling is assigned last and wins), a value of the wrong type is reported and
//! leaves the field as it was, `null` clears slices and pointers, and a non-null value into
//! the `sso` pointer allocates it before failing.

use super::place::Field;
use std::borrow::Cow;

use super::json_value::{JsonNode, JsonObject, JsonValue};
use super::model::{
    DuplicateKey, Entry, FieldPositions, KeyObservation, Row, SectionFailure, SectionKey,
    SsoMatcher, TypeMismatch,
};
use crate::inputs::yaml::Pos;

const ROLE_FIELDS: &[&str] = &["rolearn", "sso", "username", "groups", "userid"];
const USER_FIELDS: &[&str] = &["userarn", "username", "groups", "userid"];
const SSO_FIELDS: &[&str] = &["permissionSetName", "accountID", "partition"];

/// Folds a key for `encoding/json`'s case-insensitive match. Only characters whose simple
/// case-folding orbit contains an ASCII letter can match our (ASCII) field names: ASCII
/// letters themselves, U+017F LATIN SMALL LETTER LONG S (s) and U+212A KELVIN SIGN (k).
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{017F}' => 's',
            '\u{212A}' => 'k',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The field a JSON key is assigned to: an exact match first, then a folded one.
pub fn match_field(fields: &[&'static str], key: &str) -> Option<&'static str> {
    if let Some(f) = fields.iter().find(|f| **f == key) {
        return Some(f);
    }
    let folded = fold(key);
    fields
        .iter()
        .find(|f| f.to_ascii_lowercase() == folded)
        .copied()
}

/// Whether a key spelling is only reachable through non-ASCII folding (`uſerarn`).
pub fn is_unicode_folded(key: &str) -> bool {
    !key.is_ascii()
}

#[derive(Default)]
struct Decoder {
    field_pos: FieldPositions,
    group_pos: Vec<Pos>,
    keys: Vec<KeyObservation>,
    mismatches: Vec<TypeMismatch>,
    duplicates: Vec<DuplicateKey>,
}

impl Decoder {
    fn mismatch(&mut self, field: Field, expected: &'static str, node: &JsonNode) {
        self.mismatches.push(TypeMismatch {
            field,
            expected,
            found: node.value.type_name(),
            pos: node.start,
        });
    }

    /// Assigns a string field, moving the text out of the JSON tree (each value is assigned
    /// once: members are walked once, in order).
    fn string(&mut self, target: &mut String, field: &'static str, node: &mut JsonNode) {
        match &mut node.value {
            JsonValue::String(s) => {
                *target = std::mem::take(s);
                self.field_pos.insert(field, node.start);
            }
            JsonValue::Null => {}
            _ => self.mismatch(Field::Key(field), "string", node),
        }
    }

    fn groups(&mut self, target: &mut Option<Vec<String>>, node: &mut JsonNode) {
        match &mut node.value {
            JsonValue::Null => {
                *target = None;
                self.group_pos.clear();
            }
            JsonValue::Array(items) => {
                let mut groups = target.take().unwrap_or_default();
                let mut positions = std::mem::take(&mut self.group_pos);
                let count = items.len();
                for (i, item) in items.iter_mut().enumerate() {
                    if i >= groups.len() {
                        groups.push(String::new());
                        positions.push(item.start);
                    }
                    match &mut item.value {
                        JsonValue::String(s) => {
                            groups[i] = std::mem::take(s);
                            positions[i] = item.start;
                        }
                        JsonValue::Null => {}
                        _ => self.mismatch(Field::Group(i), "string", item),
                    }
                }
                groups.truncate(count);
                positions.truncate(count);
                self.group_pos = positions;
                self.field_pos.insert("groups", node.start);
                *target = Some(groups);
            }
            _ => self.mismatch(Field::Key("groups"), "array", node),
        }
    }

    fn sso(&mut self, target: &mut Option<Box<SsoMatcher>>, node: &mut JsonNode) {
        let start = node.start;
        match &mut node.value {
            JsonValue::Null => *target = None,
            JsonValue::Object(object) => {
                let sso = target.get_or_insert_with(Box::default);
                self.field_pos.insert("sso", start);
                self.object(object, SSO_FIELDS, true, |decoder, field, value| {
                    let slot = match field {
                        "permissionSetName" => &mut sso.permission_set_name,
                        "accountID" => &mut sso.account_id,
                        _ => &mut sso.partition,
                    };
                    decoder.string(slot, qualified(field, true), value);
                });
            }
            _ => {
                target.get_or_insert_with(Box::default);
                self.field_pos.insert("sso", start);
                self.mismatch(Field::Key("sso"), "object", node);
            }
        }
    }

    /// Walks an object's members in byte order, assigning each to its field.
    fn object(
        &mut self,
        object: &mut JsonObject,
        fields: &[&'static str],
        in_sso: bool,
        mut assign: impl FnMut(&mut Decoder, &'static str, &mut JsonNode),
    ) {
        // Each field's winning spelling so far, to report case variants that lose.
        let mut winners: Vec<(&'static str, usize)> = Vec::new();
        for index in 0..object.members.len() {
            let member = &mut object.members[index];
            let field = match_field(fields, &member.key);
            self.keys.push(KeyObservation {
                spelling: match field {
                    Some(f) if f == member.key => Cow::Borrowed(f),
                    _ => Cow::Owned(member.key.clone()),
                },
                pos: member.key_pos,
                field,
                in_sso,
            });
            let Some(field) = field else { continue };
            let is_collection = matches!(
                member.value.value,
                JsonValue::Array(_) | JsonValue::Object(_)
            );
            assign(self, field, &mut member.value);
            if is_collection {
                // A block collection starts on the next line: point at its key.
                self.field_pos
                    .insert(qualified(field, in_sso), member.key_pos);
            }
            match winners.iter_mut().find(|(f, _)| *f == field) {
                Some((_, previous)) => {
                    let lost = &object.members[*previous];
                    let won = &object.members[index];
                    self.duplicates.push(DuplicateKey {
                        field: Field::Key(qualified(field, in_sso)),
                        lost: (lost.key.clone(), lost.key_pos),
                        won: (won.key.clone(), won.key_pos),
                        case_variant: true,
                    });
                    *previous = index;
                }
                None => winners.push((field, index)),
            }
        }
        for lost in &object.overwritten {
            let Some(field) = match_field(fields, &lost.key) else {
                continue;
            };
            let won = object
                .members
                .iter()
                .find(|m| m.key == lost.key)
                .map(|m| (m.key.clone(), m.key_pos))
                .unwrap_or_else(|| (lost.key.clone(), lost.key_pos));
            self.duplicates.push(DuplicateKey {
                field: Field::Key(qualified(field, in_sso)),
                lost: (lost.key.clone(), lost.key_pos),
                won,
                case_variant: false,
            });
        }
    }
}

/// A field's name as `field_pos` keys it: `sso.accountID` for the matcher's fields.
fn qualified(field: &'static str, in_sso: bool) -> &'static str {
    match (in_sso, field) {
        (false, _) => field,
        (true, "permissionSetName") => "sso.permissionSetName",
        (true, "accountID") => "sso.accountID",
        (true, "partition") => "sso.partition",
        (true, _) => unreachable!("the matcher has three fields"),
    }
}

/// Decodes one list item into an entry (its strings are moved out of `node`).
pub fn decode_entry(section: SectionKey, index: usize, node: &mut JsonNode) -> Entry {
    let mut decoder = Decoder::default();
    let mut row = match section {
        SectionKey::MapUsers => Row::User(Default::default()),
        _ => Row::Role(Default::default()),
    };
    let start = node.start;
    match &mut node.value {
        JsonValue::Object(object) => {
            let fields = match section {
                SectionKey::MapUsers => USER_FIELDS,
                _ => ROLE_FIELDS,
            };
            let mut userid = String::new();
            decoder.object(object, fields, false, |decoder, field, value| {
                match (&mut row, field) {
                    (Row::Role(r), "rolearn") => decoder.string(&mut r.rolearn, field, value),
                    (Row::Role(r), "sso") => decoder.sso(&mut r.sso, value),
                    (Row::Role(r), "username") => decoder.string(&mut r.username, field, value),
                    (Row::Role(r), "groups") => decoder.groups(&mut r.groups, value),
                    (Row::User(u), "userarn") => decoder.string(&mut u.userarn, field, value),
                    (Row::User(u), "username") => decoder.string(&mut u.username, field, value),
                    (Row::User(u), "groups") => decoder.groups(&mut u.groups, value),
                    (_, _) => decoder.string(&mut userid, field, value),
                }
            });
        }
        JsonValue::Null => {}
        _ => decoder.mismatch(Field::Row, "object", node),
    }
    Entry {
        index,
        pos: start,
        row,
        field_pos: decoder.field_pos,
        group_pos: decoder.group_pos,
        keys: decoder.keys,
        type_mismatches: decoder.mismatches,
        duplicate_keys: decoder.duplicates,
        validation_error: None,
        overridden_by: None,
    }
}

/// Decodes a section's JSON into entries; `null` is an empty list, anything but a list
/// loses the section. Strings are moved out of the tree, which is left spent.
pub fn decode_section(
    section: SectionKey,
    root: &mut JsonNode,
) -> Result<Vec<Entry>, SectionFailure> {
    match &mut root.value {
        JsonValue::Null => Ok(Vec::new()),
        JsonValue::Array(items) => Ok(items
            .iter_mut()
            .enumerate()
            .map(|(i, item)| decode_entry(section, i, item))
            .collect()),
        other => Err(SectionFailure::NotAList {
            pos: root.start,
            found: other.type_name(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_matches_go() {
        assert_eq!(match_field(ROLE_FIELDS, "rOlEaRn"), Some("rolearn"));
        assert_eq!(match_field(USER_FIELDS, "u\u{017F}erarn"), Some("userarn"));
        assert_eq!(match_field(SSO_FIELDS, "accountid"), Some("accountID"));
        assert_eq!(match_field(ROLE_FIELDS, "role_arn"), None);
        // U+0131 DOTLESS I has no simple fold to 'i' in Go.
        assert_eq!(match_field(ROLE_FIELDS, "userıd"), None);
        assert_eq!(match_field(ROLE_FIELDS, "group"), None);
    }
}
