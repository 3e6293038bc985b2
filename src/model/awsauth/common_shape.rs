//! A direct reader for the shape nearly every `mapRoles` and `mapUsers` has: a block list of
//! block mappings whose values are one-line scalars, or lists of one-line scalars (block or
//! `[flow]`). It builds the same [`JsonNode`] tree as the full path (saphyr's events → YAML
//! tree → [`to_json`](super::json_value::to_json)), positions included, without either
//! intermediate tree — a 1 MiB section costs a few milliseconds instead of tens.
//!
//! It is a shortcut, never a second opinion: on the first byte or line outside the shape it
//! gives up (`None`) and the caller takes the full path, which decides everything this
//! reader does not understand — anchors, tags, block scalars, multi-line or
//! escaped scalars, flow mappings, empty values, duplicate keys, tabs, `\r`, non-ASCII text,
//! a tree over the budget. So its rules can stay strict: what it accepts must be text whose
//! reading nobody can dispute. `tests/integration/yaml_fast_path.rs` holds it to that: on
//! every vector, fixture and example, and on mutated variants of them, whatever it accepts
//! must equal the full path's tree.

use super::json_value::{JsonMember, JsonNode, JsonObject, JsonValue};
use crate::inputs::yaml::line::{
    Line, is_flow_indicator, is_printable_ascii, quoted_end, split_lines,
};
use crate::inputs::yaml::{Budget, Node, Pos, Resolved, resolve_plain};

/// The section's tree when the text has the common shape; `None` sends the caller to the
/// full YAML path. (For tests and tools: [`read_common_shape_items`] is what the reader of
/// a section uses.)
pub fn read_common_shape(text: &str, budget: Budget) -> Option<JsonNode> {
    let mut items = Vec::new();
    let start = read_common_shape_items(text, budget, |item| items.push(item))?;
    Some(JsonNode {
        value: JsonValue::Array(items),
        start,
    })
}

/// Reads a text of the common shape item by item, handing each list item's tree to
/// `on_item` as soon as it is read (so that only one item's tree is ever in memory), and
/// returns where the list starts. `None` sends the caller to the full YAML path — possibly
/// after some items were handed over, which the caller then discards.
pub fn read_common_shape_items(
    text: &str,
    budget: Budget,
    mut on_item: impl FnMut(JsonNode),
) -> Option<Pos> {
    // One pass refuses everything outside printable ASCII and newlines (tabs, `\r`,
    // non-ASCII, control bytes): positions are then byte offsets.
    if !is_printable_ascii(text) {
        return None;
    }
    let mut reader = Reader {
        budget,
        nodes: 0,
        tree_bytes: 0,
    };
    let mut list_start: Option<(Pos, usize)> = None;
    let mut current: Option<Item> = None;
    let mut offset = 0;
    for (number, line) in split_lines(text).enumerate() {
        let at = Line::new(line, 1 + number, offset);
        offset += line.len() + 1;
        let indent = at.indent();
        let rest = &at.text[indent..];
        if rest.is_empty() || rest[0] == b'#' {
            continue; // blank, or only a comment
        }
        let dash = rest[0] == b'-' && (rest.len() == 1 || rest[1] == b' ');
        if dash {
            if let Some(item) = current.as_mut()
                && let Some(list) = item.open_list.as_mut()
                && list.takes_item_at(indent, item.key_indent)
            {
                list.indent = Some(indent);
                let value_at = at.skip_spaces(indent + 1);
                if value_at == indent + 1 || value_at >= at.text.len() {
                    return None; // `-` alone, or `-x`: not a one-line scalar item
                }
                let (node, end) = reader.block_scalar(&at, value_at)?;
                at.blank_or_comment_from(end)?;
                list.items.push(node);
                continue;
            }
            match list_start {
                None => list_start = Some((at.pos(indent), indent)),
                Some((_, list_indent)) if list_indent != indent => return None,
                Some(_) => {}
            }
            if let Some(item) = current.take() {
                on_item(reader.finish(item)?);
            }
            let key_at = at.skip_spaces(indent + 1);
            if key_at == indent + 1 || key_at >= at.text.len() {
                return None;
            }
            let mut item = Item {
                start: at.pos(key_at),
                key_indent: key_at,
                members: Vec::new(),
                open_list: None,
            };
            reader.key_value(&at, key_at, &mut item)?;
            current = Some(item);
        } else {
            let item = current.as_mut()?;
            if indent != item.key_indent {
                return None;
            }
            reader.close_list(item)?;
            reader.key_value(&at, indent, item)?;
        }
    }
    if let Some(item) = current.take() {
        on_item(reader.finish(item)?);
    }
    let (list_start, _) = list_start?;
    reader.spend(0)?;
    Some(list_start)
}

/// A list item's mapping while its lines are read.
struct Item {
    start: Pos,
    key_indent: usize,
    members: Vec<JsonMember>,
    /// A key whose value is a block list on the following lines.
    open_list: Option<OpenList>,
}

struct OpenList {
    key: String,
    key_pos: Pos,
    /// The column of its `-`s, known from the first one.
    indent: Option<usize>,
    items: Vec<JsonNode>,
}

impl OpenList {
    /// A block list under a key sits at the key's column (YAML's indentless form) or deeper,
    /// every `-` at the column of the first.
    fn takes_item_at(&self, indent: usize, key_indent: usize) -> bool {
        match self.indent {
            Some(column) => indent == column,
            None => indent >= key_indent,
        }
    }
}

/// What the full path's budget would count for the same tree: nodes, and their memory as
/// `inputs::yaml` counts it (a node each, plus each scalar's text).
struct Reader {
    budget: Budget,
    nodes: usize,
    tree_bytes: usize,
}

impl Reader {
    fn spend(&mut self, text_len: usize) -> Option<()> {
        self.nodes += 1;
        self.tree_bytes += std::mem::size_of::<Node>() + text_len;
        (self.nodes <= self.budget.max_nodes && self.tree_bytes <= self.budget.max_bytes)
            .then_some(())
    }

    fn finish(&mut self, mut item: Item) -> Option<JsonNode> {
        self.close_list(&mut item)?;
        self.spend(0)?;
        item.members
            .sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
        Some(JsonNode {
            value: JsonValue::Object(JsonObject {
                members: item.members,
                overwritten: Vec::new(),
            }),
            start: item.start,
        })
    }

    /// Ends a key's block list: it must have had an item (`key:` and nothing is a null the
    /// full path positions).
    fn close_list(&mut self, item: &mut Item) -> Option<()> {
        let Some(list) = item.open_list.take() else {
            return Some(());
        };
        let first = list.items.first()?.start;
        self.spend(0)?;
        // saphyr starts a block sequence at its first `-`, but an indentless one (its `-`s
        // at the key's column) at its first item.
        let start = if list.indent? == item.key_indent {
            first
        } else {
            Pos {
                index: first.index - (first.column - 1 - list.indent?),
                line: first.line,
                column: list.indent? + 1,
            }
        };
        push_member(
            item,
            JsonMember {
                key: list.key,
                key_pos: list.key_pos,
                value: JsonNode {
                    value: JsonValue::Array(list.items),
                    start,
                },
            },
        )
    }

    /// `key: value` from `at` to the end of the line.
    fn key_value(&mut self, line: &Line, at: usize, item: &mut Item) -> Option<()> {
        let (key, colon) = self.key(line, at)?;
        let key_pos = line.pos(at);
        let value_at = line.skip_spaces(colon + 1);
        if value_at == colon + 1 && value_at < line.text.len() {
            return None; // `key:value` is one plain scalar, not a pair
        }
        if line.blank_or_comment_from(colon + 1).is_some() {
            if item.members.iter().any(|m| m.key == key) {
                return None;
            }
            item.open_list = Some(OpenList {
                key,
                key_pos,
                indent: None,
                items: Vec::new(),
            });
            return Some(());
        }
        let (value, end) = if line.text[value_at] == b'[' {
            self.flow_list(line, value_at)?
        } else {
            self.block_scalar(line, value_at)?
        };
        line.blank_or_comment_from(end)?;
        push_member(
            item,
            JsonMember {
                key,
                key_pos,
                value,
            },
        )
    }

    /// A key (plain, or quoted without escapes) and the index of its `:`.
    fn key(&mut self, line: &Line, at: usize) -> Option<(String, usize)> {
        let (key, colon) = line.key(at)?;
        // A plain key YAML 1.1 types (`yes`, `on`, `null`, `1e3`) is not written as typed.
        let key = if line.text[at].is_ascii_alphabetic() {
            match resolve_plain(key) {
                Resolved::Str(s) if s == key => s,
                _ => return None,
            }
        } else {
            key.to_string()
        };
        self.spend(key.len())?;
        Some((key, colon))
    }

    /// A one-line scalar in block context (plain, or quoted without escapes) starting at
    /// `at`, and the index just past it (trailing spaces are the caller's).
    fn block_scalar(&mut self, line: &Line, at: usize) -> Option<(JsonNode, usize)> {
        let text = line.text;
        if matches!(text[at], b'"' | b'\'') {
            let close = quoted_end(text, at)?;
            return Some((self.quoted(line, at, close)?, close + 1));
        }
        let end = line.plain_end(at);
        Some((self.plain(line, at, end)?, end))
    }

    fn quoted(&mut self, line: &Line, open: usize, close: usize) -> Option<JsonNode> {
        let value = line.str(open + 1, close).to_string();
        self.spend(value.len())?;
        Some(JsonNode {
            value: JsonValue::String(value),
            start: line.pos(open),
        })
    }

    /// A plain scalar spanning `at..end`, typed as go-yaml v2 types it.
    fn plain(&mut self, line: &Line, at: usize, end: usize) -> Option<JsonNode> {
        if !line.is_safe_plain(at, end) {
            return None;
        }
        let text = line.str(at, end);
        self.spend(text.len())?;
        let value = match resolve_plain(text) {
            Resolved::Null => JsonValue::Null,
            Resolved::Bool(b) => JsonValue::Bool(b),
            Resolved::Int(i) => JsonValue::Number(i as f64),
            Resolved::Float(f) => JsonValue::Number(f),
            Resolved::Str(s) => JsonValue::String(s),
            Resolved::Merge => return None,
        };
        Some(JsonNode {
            value,
            start: line.pos(at),
        })
    }

    /// `[a, b]` on one line: items are plain (no flow indicators, no `:`) or quoted.
    fn flow_list(&mut self, line: &Line, open: usize) -> Option<(JsonNode, usize)> {
        let text = line.text;
        let mut items = Vec::new();
        let mut at = line.skip_spaces(open + 1);
        loop {
            match text.get(at)? {
                b']' => break,
                b'"' | b'\'' => {
                    let close = quoted_end(text, at)?;
                    items.push(self.quoted(line, at, close)?);
                    at = line.skip_spaces(close + 1);
                }
                _ => {
                    // In `[…]` go-yaml v2 refuses `x:` before `,?[]{}` where saphyr reads
                    // on: only a `:` followed by a letter or digit is taken here.
                    let len = text[at..]
                        .iter()
                        .enumerate()
                        .take_while(|&(i, &b)| {
                            !is_flow_indicator(b)
                                && b != b'#'
                                && (b != b':'
                                    || text.get(at + i + 1).is_some_and(u8::is_ascii_alphanumeric))
                        })
                        .count();
                    let end = at + len
                        - text[at..at + len]
                            .iter()
                            .rev()
                            .take_while(|&&b| b == b' ')
                            .count();
                    if end == at {
                        return None; // `[,]`, `[a,,b]`
                    }
                    items.push(self.plain(line, at, end)?);
                    at = line.skip_spaces(at + len);
                }
            }
            match text.get(at)? {
                b',' => at = line.skip_spaces(at + 1),
                b']' => break,
                _ => return None,
            }
        }
        self.spend(0)?;
        let node = JsonNode {
            value: JsonValue::Array(items),
            start: line.pos(open),
        };
        Some((node, at + 1))
    }
}

/// Adds a member unless its key is already there (a duplicate key is the full path's to judge).
fn push_member(item: &mut Item, member: JsonMember) -> Option<()> {
    if item.members.iter().any(|m| m.key == member.key) {
        return None;
    }
    item.members.push(member);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Option<JsonNode> {
        read_common_shape(text, Budget::SECTION)
    }

    #[test]
    fn reads_the_common_shapes() {
        for text in [
            "- rolearn: arn:aws:iam::111122223333:role/a\n  username: a\n  groups:\n    - system:masters\n",
            "- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: arn:aws:iam::1:role/n\n  username: system:node:{{EC2PrivateDNSName}}\n",
            "- \"rolearn\": \"arn:aws:iam::1:role/x\"\n  \"groups\": [\"a\", 'b']\n",
            "- userarn: arn:aws:iam::1:user/u\n  username: u\n  groups: [a, b,]\n",
            "- rolearn: a #comment\n  # a note\n  username: b#c\n  groups: [system:masters] # admins\n",
        ] {
            assert!(shape(text).is_some(), "{text}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_path() {
        for text in [
            "- rolearn: &x a\n",
            "- rolearn: !!str a\n",
            "- rolearn: |\n    a\n",
            "- rolearn: a\n  groups:\n- username: b\n",
            "- rolearn: a\n  rolearn: b\n",
            "- rolearn: a\n    b\n",
            "- rolearn: \"a\\tb\"\n",
            "- rolearn: 'it''s'\n",
            "- rolearn: a\n\tusername: b\n",
            "- rolearn: a:\n",
            "- rolearn: a: b\n",
            "- groups: [a: b]\n",
            "- groups: [a:]\n",
            "- rolearn: a\n  groups: # none\n  username: b\n",
            "- groups: {a: b}\n",
            "- yes: a\n",
            "rolearn: a\n",
            "---\n- rolearn: a\n",
            "- rolearn: é\n",
            "",
        ] {
            assert!(shape(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn positions_are_those_of_the_text() {
        let root = shape("- rolearn: a\n  groups:\n  - g\n").unwrap();
        let JsonValue::Array(items) = &root.value else {
            panic!()
        };
        let JsonValue::Object(object) = &items[0].value else {
            panic!()
        };
        let groups = &object.members[0];
        assert_eq!(groups.key, "groups");
        assert_eq!((groups.key_pos.line, groups.key_pos.column), (2, 3));
        // An indentless list starts at its first item, as saphyr has it.
        assert_eq!((groups.value.start.line, groups.value.start.column), (3, 5));
        assert_eq!(groups.value.start.index, 27);
    }
}
