//! Go's `encoding/json` decoding into `[]RoleMapping` / `[]UserMapping`, reproduced field by
//! field: keys match struct fields exactly or under Unicode simple case folding, unknown keys
//! are ignored, members are assigned in key byte order (so among case variants the byte-wise
//! greatest spelling is assigned last and wins), a value of the wrong type is reported and
//! leaves the field as it was, `null` clears slices and pointers, and a non-null value into
//! the `sso` pointer allocates it before failing.

use std::collections::BTreeMap;

use super::json_value::{JsonMember, JsonNode, JsonObject, JsonValue};
use super::model::{
    DuplicateKey, Entry, KeyObservation, Row, SectionFailure, SectionKey, SsoMatcher, TypeMismatch,
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
    field_pos: BTreeMap<String, Pos>,
    group_pos: Vec<Pos>,
    keys: Vec<KeyObservation>,
    mismatches: Vec<TypeMismatch>,
    duplicates: Vec<DuplicateKey>,
}

impl Decoder {
    fn mismatch(&mut self, field: &str, expected: &'static str, node: &JsonNode) {
        self.mismatches.push(TypeMismatch {
            field: field.to_string(),
            expected,
            found: node.value.type_name(),
            pos: node.start,
        });
    }

    fn string(&mut self, target: &mut String, field: &str, node: &JsonNode) {
        match &node.value {
            JsonValue::String(s) => {
                *target = s.clone();
                self.field_pos.insert(field.to_string(), node.start);
            }
            JsonValue::Null => {}
            _ => self.mismatch(field, "string", node),
        }
    }

    fn groups(&mut self, target: &mut Option<Vec<String>>, node: &JsonNode) {
        match &node.value {
            JsonValue::Null => {
                *target = None;
                self.group_pos.clear();
            }
            JsonValue::Array(items) => {
                let mut groups = target.take().unwrap_or_default();
                let mut positions = std::mem::take(&mut self.group_pos);
                for (i, item) in items.iter().enumerate() {
                    if i >= groups.len() {
                        groups.push(String::new());
                        positions.push(item.start);
                    }
                    let field = format!("groups[{i}]");
                    match &item.value {
                        JsonValue::String(s) => {
                            groups[i] = s.clone();
                            positions[i] = item.start;
                        }
                        JsonValue::Null => {}
                        _ => self.mismatch(&field, "string", item),
                    }
                }
                groups.truncate(items.len());
                positions.truncate(items.len());
                self.group_pos = positions;
                self.field_pos.insert("groups".into(), node.start);
                *target = Some(groups);
            }
            _ => self.mismatch("groups", "array", node),
        }
    }

    fn sso(&mut self, target: &mut Option<SsoMatcher>, node: &JsonNode) {
        match &node.value {
            JsonValue::Null => *target = None,
            JsonValue::Object(object) => {
                let sso = target.get_or_insert_with(SsoMatcher::default);
                self.field_pos.insert("sso".into(), node.start);
                self.object(object, SSO_FIELDS, true, |decoder, field, value| {
                    let slot = match field {
                        "permissionSetName" => &mut sso.permission_set_name,
                        "accountID" => &mut sso.account_id,
                        _ => &mut sso.partition,
                    };
                    decoder.string(slot, &format!("sso.{field}"), value);
                });
            }
            _ => {
                target.get_or_insert_with(SsoMatcher::default);
                self.field_pos.insert("sso".into(), node.start);
                self.mismatch("sso", "object", node);
            }
        }
    }

    /// Walks an object's members in byte order, assigning each to its field.
    fn object(
        &mut self,
        object: &JsonObject,
        fields: &[&'static str],
        in_sso: bool,
        mut assign: impl FnMut(&mut Decoder, &'static str, &JsonNode),
    ) {
        let mut winners: BTreeMap<&'static str, &JsonMember> = BTreeMap::new();
        for member in &object.members {
            let field = match_field(fields, &member.key);
            self.keys.push(KeyObservation {
                spelling: member.key.clone(),
                pos: member.key_pos,
                field,
                in_sso,
            });
            if let Some(field) = field {
                if let Some(previous) = winners.insert(field, member) {
                    self.duplicates.push(DuplicateKey {
                        field: qualified(field, in_sso),
                        lost: (previous.key.clone(), previous.key_pos),
                        won: (member.key.clone(), member.key_pos),
                        case_variant: true,
                    });
                }
                assign(self, field, &member.value);
                if matches!(
                    member.value.value,
                    JsonValue::Array(_) | JsonValue::Object(_)
                ) {
                    // A block collection starts on the next line: point at its key.
                    self.field_pos
                        .insert(qualified(field, in_sso), member.key_pos);
                }
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
                field: qualified(field, in_sso),
                lost: (lost.key.clone(), lost.key_pos),
                won,
                case_variant: false,
            });
        }
    }
}

fn qualified(field: &str, in_sso: bool) -> String {
    if in_sso {
        format!("sso.{field}")
    } else {
        field.to_string()
    }
}

fn decode_entry(section: SectionKey, index: usize, node: &JsonNode) -> Entry {
    let mut decoder = Decoder::default();
    let mut row = match section {
        SectionKey::MapUsers => Row::User(Default::default()),
        _ => Row::Role(Default::default()),
    };
    match &node.value {
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
        _ => decoder.mismatch("entry", "object", node),
    }
    Entry {
        index,
        pos: node.start,
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
/// loses the section.
pub fn decode_section(section: SectionKey, root: &JsonNode) -> Result<Vec<Entry>, SectionFailure> {
    match &root.value {
        JsonValue::Null => Ok(Vec::new()),
        JsonValue::Array(items) => Ok(items
            .iter()
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
