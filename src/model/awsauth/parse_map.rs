//! `ParseMap` (`pkg/mapper/configmap/configmap.go`): each data key read on its own, with the
//! decoder the authenticator uses for it, then validated row by row and keyed as `saveMap`
//! keys them (role ARNs lower-cased, user ARNs as written, the last duplicate winning).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::common_shape::read_common_shape_items;
use super::decode::{decode_entry, decode_section};
use super::json_value::{JsonNode, to_json};
use super::model::{AccountEntry, Entry, Row, Section, SectionFailure, SectionKey};
use super::validate::validate;
use crate::inputs::yaml::{
    Budget, Node, NodeKind, Pos, Resolved, ScalarStyle, YamlError, parse_stream,
};
use crate::inputs::yaml::{resolve_plain, resolve_tagged};

/// The auditor could not read a section within its budget (hostile or absurd input).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SectionBudgetError {
    pub pos: Pos,
    pub message: String,
}

/// `isSkippable`: empty after trimming, or only `""`, `''` or two backticks.
pub fn is_skippable(text: &str) -> bool {
    matches!(text.trim(), "" | "\"\"" | "''" | "``")
}

fn pos_of_line_column(text: &str, line: usize, column: usize) -> Pos {
    let mut index = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return Pos {
                index: index + column.saturating_sub(1),
                line,
                column,
            };
        }
        index += l.chars().count() + 1;
    }
    Pos {
        index,
        line,
        column,
    }
}

/// Whether the text after a `---` holds anything but comments and blank lines.
fn has_content_after(text: &str, at: Pos) -> bool {
    text.chars()
        .skip(at.index)
        .collect::<String>()
        .lines()
        .enumerate()
        .any(|(i, line)| {
            let line = if i == 0 {
                line.trim_start_matches("---")
            } else {
                line
            };
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#')
        })
}

/// The scanner reports a tab somewhere near it (the start of the token it was scanning, or
/// just past the tab); the tab itself, the first one from the start of that line on, is what
/// the user has to fix.
fn first_tab_from(text: &str, from: Pos) -> Pos {
    let (mut line, mut column) = (1, 1);
    for (index, c) in text.chars().enumerate() {
        if line >= from.line && c == '\t' {
            return Pos {
                index,
                line,
                column,
            };
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    from
}

/// The first document of a section, and where an ignored second one starts.
struct ParsedYaml {
    root: Option<Node>,
    ignored_document_at: Option<Pos>,
}

fn parse_yaml(text: &str) -> Result<Result<ParsedYaml, SectionFailure>, SectionBudgetError> {
    match parse_stream(text, Budget::SECTION) {
        Ok(stream) => {
            let root = stream.documents.into_iter().next().and_then(|d| d.root);
            let ignored = stream
                .unread_document_at
                .filter(|at| has_content_after(text, *at));
            Ok(Ok(ParsedYaml {
                root,
                ignored_document_at: ignored,
            }))
        }
        Err(YamlError::Syntax { pos, message }) => Ok(Err(SectionFailure::Syntax {
            pos: if message.contains("tab") {
                first_tab_from(text, pos)
            } else {
                pos
            },
            message,
        })),
        Err(YamlError::Budget { pos, message }) => Err(SectionBudgetError { pos, message }),
    }
}

/// Reads one data value. `key` decides the decoder; the caller passes only the three keys.
pub fn parse_section(key: SectionKey, text: &str) -> Result<Section, SectionBudgetError> {
    parse_section_with(key, text, true)
}

/// [`parse_section`] without the common-shape shortcut: every section through saphyr's
/// events, the YAML tree and its JSON conversion. For the tests that hold the shortcut to
/// the full path.
pub fn parse_section_full_path(key: SectionKey, text: &str) -> Result<Section, SectionBudgetError> {
    parse_section_with(key, text, false)
}

fn parse_section_with(
    key: SectionKey,
    text: &str,
    shortcut: bool,
) -> Result<Section, SectionBudgetError> {
    let mut section = Section {
        present: true,
        ..Section::default()
    };
    if is_skippable(text) {
        section.skipped_as_empty = true;
        return Ok(section);
    }
    if key == SectionKey::MapAccounts {
        read_accounts(text, &mut section)?;
        return Ok(section);
    }
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let leading = text.chars().count() - trimmed.chars().count();
        let failure = match serde_json::from_str::<serde_json::Value>(text) {
            Err(e) => SectionFailure::Json {
                pos: pos_of_line_column(text, e.line(), e.column()),
                message: format!("JSON syntax error: {e}"),
            },
            Ok(_) => SectionFailure::Json {
                pos: pos_of_line_column(text, 1, 1 + leading),
                message: "a JSON object, not a list".into(),
            },
        };
        section.failure = Some(failure);
        return Ok(section);
    }
    // Each valid row's store key hashed where it is read (on the core that read it, for the
    // shortcut), so that finding which row wins is a pass over numbers.
    let keyed = KeyHasher(std::hash::RandomState::new());
    // (The shortcut validates each row as it decodes it, on the core that read it.)
    let hashes = match shortcut
        .then(|| read_common_shape_into(key, text, &keyed, &mut section))
        .flatten()
    {
        Some(hashes) => hashes,
        None => {
            let Some(mut json) = read_full_path(text, &mut section)? else {
                return Ok(section);
            };
            match decode_section(key, &mut json) {
                Ok(entries) => section.entries = entries,
                Err(failure) => {
                    section.failure = Some(failure);
                    return Ok(section);
                }
            }
            for entry in &mut section.entries {
                entry.validation_error = validate(&entry.row).err();
            }
            section.entries.iter().map(|e| keyed.hash(e)).collect()
        }
    };
    mark_overrides(&mut section, &hashes);
    Ok(section)
}

/// The common-shape shortcut: each list item decoded as soon as it is read. The rows' key
/// hashes when the text had the shape; `None` when not (`section` is left as it was).
fn read_common_shape_into(
    key: SectionKey,
    text: &str,
    keyed: &KeyHasher,
    section: &mut Section,
) -> Option<Vec<Option<u64>>> {
    let (entries, hashes) = read_decoded(key, text, keyed)?;
    section.entries = entries;
    Some(hashes)
}

/// Hashes a valid row's store key (`None` for a row `Validate()` drops), with keys drawn at
/// random for the section (input cannot aim rows at one bucket).
struct KeyHasher(std::hash::RandomState);

impl KeyHasher {
    fn hash(&self, entry: &Entry) -> Option<u64> {
        use std::hash::BuildHasher;
        entry
            .is_valid()
            .then(|| self.0.hash_one(store_key(&entry.row).as_ref()))
    }
}

/// A section of the common shape, its items decoded as they are read: the rows, and each
/// row's key hash.
fn read_decoded(
    key: SectionKey,
    text: &str,
    keyed: &KeyHasher,
) -> Option<(Vec<Entry>, Vec<Option<u64>>)> {
    // Room for the entries up front (an ARN alone is ~40 bytes of text): reserved memory that
    // is never written costs nothing, growing a vector copies it.
    let mut entries = Vec::with_capacity(text.len() / 32);
    let mut hashes = Vec::with_capacity(text.len() / 32);
    read_common_shape_items(text, Budget::SECTION, |mut item| {
        let mut entry = decode_entry(key, entries.len(), &mut item);
        entry.validation_error = validate(&entry.row).err();
        hashes.push(keyed.hash(&entry));
        entries.push(entry);
    })?;
    Some((entries, hashes))
}

/// The full path: saphyr's events, the YAML tree, its JSON conversion. `None` when the
/// section ends there (a syntax error, a conversion error, an empty document), recorded in
/// `section`.
fn read_full_path(
    text: &str,
    section: &mut Section,
) -> Result<Option<JsonNode>, SectionBudgetError> {
    let ParsedYaml {
        root,
        ignored_document_at: ignored,
    } = match parse_yaml(text)? {
        Ok(parsed) => parsed,
        Err(failure) => {
            section.failure = Some(failure);
            return Ok(None);
        }
    };
    section.ignored_document_at = ignored;
    let Some(root) = root else {
        return Ok(None);
    };
    let converted = to_json(&root);
    drop(root); // the YAML tree is no longer needed: keep peak memory to one tree
    match converted {
        Ok(json) => Ok(Some(json)),
        Err(e) => {
            section.failure = Some(SectionFailure::Syntax {
                pos: e.pos,
                message: e.message,
            });
            Ok(None)
        }
    }
}

/// The key `saveMap` stores a row under (borrowed when it is the text as written).
pub fn store_key(row: &Row) -> Cow<'_, str> {
    match row {
        Row::Role(r) if !r.rolearn.is_empty() => lowercase(&r.rolearn),
        Row::Role(r) => r
            .sso
            .as_ref()
            .map(|s| Cow::Owned(s.arn_like()))
            .unwrap_or_default(),
        Row::User(u) => Cow::Borrowed(&u.userarn),
    }
}

/// `strings.ToLower`, without a copy for text that has no upper case.
fn lowercase(text: &str) -> Cow<'_, str> {
    if text.is_ascii() && !text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

fn mark_overrides(section: &mut Section, hashes: &[Option<u64>]) {
    // The last row of each key hash; then each row whose winner is another row of the same
    // key. Two keys of one hash (as likely as guessing 64 random bits) would give some row
    // a winner of another key: then the keys themselves decide.
    let mut last: HashMap<u64, usize, BuildHasherDefault<HashIsKey>> =
        HashMap::with_capacity_and_hasher(hashes.len(), Default::default());
    for (i, hash) in hashes.iter().enumerate() {
        if let Some(hash) = hash {
            last.insert(*hash, i);
        }
    }
    let entries = &section.entries;
    let winners: Option<Vec<Option<usize>>> = hashes
        .iter()
        .enumerate()
        .map(|(i, hash)| match hash.map(|h| last[&h]) {
            Some(w) if w != i && store_key(&entries[w].row) != store_key(&entries[i].row) => None,
            winner => Some(winner),
        })
        .collect();
    let winners = winners.unwrap_or_else(|| winners_by_key(entries));
    for (i, winner) in winners.into_iter().enumerate() {
        if let Some(winner) = winner.filter(|&w| w != i) {
            section.entries[i].overridden_by = Some(section.entries[winner].index);
        }
    }
}

/// Each valid row's winner, found by the store keys themselves.
fn winners_by_key(entries: &[Entry]) -> Vec<Option<usize>> {
    let keys: Vec<Option<Cow<'_, str>>> = entries
        .iter()
        .map(|entry| entry.is_valid().then(|| store_key(&entry.row)))
        .collect();
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
    for (i, key) in keys.iter().enumerate() {
        if let Some(key) = key {
            last.insert(key, i);
        }
    }
    keys.iter()
        .map(|key| key.as_deref().map(|k| last[k]))
        .collect()
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct HashIsKey(u64);

impl Hasher for HashIsKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64`s are hashed here; any other input still gets a stable hash.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// `mapAccounts`: yaml.v2 straight into `[]string`, which assigns each scalar's source text
/// (no number typing), `""` for null, and drops items that are not scalars.
fn read_accounts(text: &str, section: &mut Section) -> Result<(), SectionBudgetError> {
    let ParsedYaml {
        root,
        ignored_document_at: ignored,
    } = match parse_yaml(text)? {
        Ok(parsed) => parsed,
        Err(failure) => {
            section.failure = Some(failure);
            return Ok(());
        }
    };
    section.ignored_document_at = ignored;
    let Some(root) = root else { return Ok(()) };
    let items = match &root.kind {
        NodeKind::Sequence(items) => items,
        NodeKind::Scalar(s)
            if s.style == ScalarStyle::Plain && resolve_plain(&s.value) == Resolved::Null =>
        {
            return Ok(());
        }
        _ => {
            section.failure = Some(SectionFailure::NotAList {
                pos: root.start,
                found: match root.kind {
                    NodeKind::Mapping(_) => "mapping",
                    _ => "string",
                },
            });
            return Ok(());
        }
    };
    for (index, item) in items.iter().enumerate() {
        let mut entry = AccountEntry {
            index,
            pos: item.start,
            account: String::new(),
            type_error: None,
        };
        match item.as_scalar() {
            None => entry.type_error = Some(format!("a {} is not a string", item.kind_name())),
            Some(scalar) => {
                let resolved = match &item.tag {
                    Some(tag) => match resolve_tagged(tag, &scalar.value) {
                        Ok(r) => r,
                        Err(message) => {
                            section.failure = Some(SectionFailure::Syntax {
                                pos: item.start,
                                message,
                            });
                            section.accounts.clear();
                            return Ok(());
                        }
                    },
                    None if scalar.style == ScalarStyle::Plain => resolve_plain(&scalar.value),
                    None => Resolved::Str(scalar.value.clone()),
                };
                entry.account = match resolved {
                    Resolved::Null => String::new(),
                    Resolved::Str(s) if item.tag.as_deref() == Some("tag:yaml.org,2002:binary") => {
                        s
                    }
                    _ => scalar.value.clone(),
                };
            }
        }
        section.accounts.push(entry);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of one key, of keys that differ only in case (one key for roles), and rows
    /// `Validate()` drops.
    const ROWS: &str = "\
- rolearn: arn:aws:iam::111122223333:role/A
  username: first
- rolearn: arn:aws:iam::111122223333:role/B
  username: other
- rolearn: arn:aws:iam::111122223333:role/a
  username: second
- rolearn: not-an-arn
  username: dropped
- rolearn: arn:aws:iam::111122223333:role/A
  username: third
- rolearn: arn:aws:iam::111122223333:role/C
  username: alone
";

    fn winners(section: &Section) -> Vec<Option<usize>> {
        section.entries.iter().map(|e| e.overridden_by).collect()
    }

    /// The last row of a store key wins; a key hash shared by rows of different keys (as a
    /// collision would) changes nothing: the keys decide.
    #[test]
    fn the_last_row_of_a_key_wins_whatever_the_hashes() {
        let section = parse_section(SectionKey::MapRoles, ROWS).expect("within budget");
        assert_eq!(
            winners(&section),
            [Some(4), None, Some(4), None, None, None],
            "{section:?}"
        );
        let mut colliding = section.clone();
        for entry in &mut colliding.entries {
            entry.overridden_by = None;
        }
        let all_one: Vec<Option<u64>> = colliding
            .entries
            .iter()
            .map(|e| e.is_valid().then_some(7))
            .collect();
        mark_overrides(&mut colliding, &all_one);
        assert_eq!(winners(&colliding), winners(&section));
    }
}
