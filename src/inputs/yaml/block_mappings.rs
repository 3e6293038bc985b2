//! A direct reader for the shape nearly every aws-auth manifest has: one document of block
//! mappings (`apiVersion`, `kind`, `metadata`, `data`) whose values are nested block
//! mappings, one-line scalars or literal block scalars (`|`, `|-`, `|+`) — the `mapRoles: |`
//! that holds a whole 1 MiB section. It builds the same [`Stream`] as [`parse_stream`]
//! (saphyr's events → tree), positions included, without scanning the block scalar a
//! character at a time.
//!
//! Like the section's shortcut (`model::awsauth::common_shape`) it is never a second opinion:
//! at the first line outside the shape it gives up (`None`) and the caller takes the full path
//! — for sequences, flow collections, anchors, tags, folded or indented-indicator block
//! scalars, multi-line or escaped scalars, empty values, several documents, tabs, `\r`,
//! non-ASCII text, a text without a final newline, a tree over the budget.
//! `tests/integration/yaml_manifest_fast_path.rs` holds it to the full path on every held
//! manifest and on mutants of them.
//!
//! [`parse_stream`]: super::parse_stream

use super::line::{Line, is_printable_ascii, line_spans, quoted_end, quoted_style};
use super::{Budget, Document, Node, NodeKind, Pos, Scalar, ScalarStyle, Stream};

/// The stream of a manifest of the common shape; `None` sends the caller to the full path.
pub fn read_block_mappings(text: &str, budget: Budget) -> Option<Stream> {
    if !text.ends_with('\n') || !is_printable_ascii(text) {
        return None;
    }
    let mut lines = Cursor {
        text,
        offset: 0,
        number: 1,
    };
    let mut reader = Reader {
        budget,
        nodes: 0,
        bytes: 0,
        open: Vec::new(),
        root: None,
    };
    let mut document_start: Option<(Pos, bool)> = None;
    let mut pending_key: Option<Node> = None;
    while let Some(line) = lines.next_line() {
        let indent = line.indent();
        match line.text.get(indent) {
            None | Some(b'#') => continue, // blank, or only a comment
            Some(_) if line.text == b"---" && document_start.is_none() => {
                document_start = Some((line.pos(0), true));
                continue;
            }
            Some(_) => {}
        }
        if let Some(key) = pending_key.take() {
            // `key:` and a deeper line: a nested mapping starts there.
            if reader.open.last().is_none_or(|map| indent <= map.indent) {
                return None; // `key:` with nothing under it is a null the full path reads
            }
            reader.open_mapping(key, indent, line.pos(indent))?;
        } else {
            reader.close_deeper_than(indent, line.pos(indent))?;
            match reader.open.last() {
                Some(map) if map.indent == indent => {}
                None if indent == 0 && reader.root.is_none() => {
                    document_start.get_or_insert((line.pos(0), false));
                    reader.open_root(line.pos(0))?;
                }
                _ => return None,
            }
        }
        let (key_text, colon) = line.key(indent)?;
        let key_style = match line.text[indent] {
            quote @ (b'"' | b'\'') => quoted_style(quote),
            _ => ScalarStyle::Plain,
        };
        let key = reader.scalar(key_text, key_style, line.pos(indent), line.pos(colon))?;
        let value_at = line.skip_spaces(colon + 1);
        if value_at == line.text.len() || line.text[value_at] == b'#' && value_at > colon + 1 {
            pending_key = Some(key);
            continue;
        }
        if value_at == colon + 1 {
            return None; // `key:value` is one plain scalar, not a pair
        }
        let value = match line.text[value_at] {
            b'|' => {
                let chomping = match &line.text[value_at + 1..] {
                    b"" => Chomping::Clip,
                    b"-" => Chomping::Strip,
                    b"+" => Chomping::Keep,
                    _ => return None,
                };
                let parent_indent = reader.open.last()?.indent;
                let (value, start, end) = literal(&mut lines, parent_indent, chomping)?;
                reader.scalar_owned(value, ScalarStyle::Literal, start, end)?
            }
            quote @ (b'"' | b'\'') => {
                let close = quoted_end(line.text, value_at)?;
                line.blank_or_comment_from(close + 1)?;
                // saphyr ends a quoted scalar where its line ends: after the spaces and the
                // comment that follow the closing quote.
                let (start, end) = (line.pos(value_at), line.pos(line.text.len()));
                let value = line.str(value_at + 1, close);
                reader.scalar(value, quoted_style(quote), start, end)?
            }
            _ => {
                let end = line.plain_end(value_at);
                if !line.is_safe_plain(value_at, end) {
                    return None;
                }
                let (start, stop) = (line.pos(value_at), line.pos(end));
                reader.scalar(line.str(value_at, end), ScalarStyle::Plain, start, stop)?
            }
        };
        reader.open.last_mut()?.pairs.push((key, value));
    }
    if pending_key.is_some() {
        return None;
    }
    reader.close_all(lines.end_of_text())?;
    let root = reader.root?;
    let (start, explicit_start) = document_start?;
    Some(Stream {
        documents: vec![Document {
            root: Some(root),
            start,
            explicit_start,
        }],
        unread_document_at: None,
    })
}

/// What a literal block scalar's final line breaks become.
#[derive(Clone, Copy)]
enum Chomping {
    /// `|`: one line break kept.
    Clip,
    /// `|-`: none.
    Strip,
    /// `|+`: all of them.
    Keep,
}

/// The text's lines, read one at a time.
struct Cursor<'a> {
    text: &'a str,
    /// Where the next line starts, and its number.
    offset: usize,
    number: usize,
}

impl<'a> Cursor<'a> {
    /// The next line, without reading past it.
    fn peek(&self) -> Option<Line<'a>> {
        let rest = self.text.get(self.offset..).filter(|r| !r.is_empty())?;
        let len = rest.bytes().position(|b| b == b'\n').unwrap_or(rest.len());
        Some(Line::new(&rest[..len], self.number, self.offset))
    }

    fn next_line(&mut self) -> Option<Line<'a>> {
        let line = self.peek()?;
        self.offset += line.text.len() + 1;
        self.number += 1;
        Some(line)
    }

    /// Where saphyr places the end of the text (which ends with a line break): a line past
    /// the last.
    fn end_of_text(&self) -> Pos {
        Pos {
            index: self.text.len(),
            line: self.number,
            column: 1,
        }
    }
}

/// The literal block scalar whose content starts at the next line, under a mapping at
/// `parent_indent`: its value, start and end — where saphyr ends it: past the indentation
/// of the line that ends it (left unread), or at the end of the text.
fn literal(
    lines: &mut Cursor,
    parent_indent: usize,
    chomping: Chomping,
) -> Option<(String, Pos, Pos)> {
    let head = lines.peek()?;
    let indent = head.indent();
    // Leading blank lines, or content not deeper than its mapping, take YAML's rules for
    // detecting the indentation: the full path's to apply.
    if indent <= parent_indent || indent == head.text.len() {
        return None;
    }
    let start = head.pos(indent);
    // Two passes over the block's lines: where it ends, then its value at its exact size.
    let (text, bytes) = (lines.text, lines.text.as_bytes());
    let block_start = lines.offset;
    let mut block_end = bytes.len();
    let mut end = None;
    for (line_start, line_end) in line_spans(bytes, block_start) {
        let spaces = bytes[line_start..line_end]
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        if line_start + spaces == line_end {
            if spaces > indent {
                return None; // a line of spaces past the indentation is content: rare, left out
            }
        } else if spaces < indent {
            block_end = line_start;
            end = Some(spaces);
            break;
        }
    }
    let mut value = String::with_capacity(block_end - block_start);
    let mut owed_breaks = 0;
    for (line_start, line_end) in line_spans(&bytes[..block_end], block_start) {
        if line_end - line_start <= indent {
            owed_breaks += 1; // blank: only spaces, checked above
        } else {
            for _ in 0..owed_breaks {
                value.push('\n');
            }
            value.push_str(&text[line_start + indent..line_end]);
            owed_breaks = 1;
        }
        lines.number += 1;
    }
    lines.offset = block_end;
    let end = match end {
        Some(spaces) => Pos {
            index: block_end + spaces,
            line: lines.number,
            column: spaces + 1,
        },
        None => lines.end_of_text(),
    };
    let breaks = match chomping {
        Chomping::Clip => 1,
        Chomping::Strip => 0,
        Chomping::Keep => owed_breaks,
    };
    for _ in 0..breaks {
        value.push('\n');
    }
    Some((value, start, end))
}

/// A block mapping while its lines are read.
struct OpenMapping {
    indent: usize,
    start: Pos,
    /// The key this mapping is the value of (none for the root).
    key: Option<Node>,
    pairs: Vec<(Node, Node)>,
}

/// The open mappings, and what the full path's budget would count for the same tree.
struct Reader {
    budget: Budget,
    nodes: usize,
    bytes: usize,
    open: Vec<OpenMapping>,
    root: Option<Node>,
}

impl Reader {
    fn spend(&mut self, text_len: usize) -> Option<()> {
        self.nodes += 1;
        self.bytes += std::mem::size_of::<Node>() + text_len;
        (self.nodes <= self.budget.max_nodes && self.bytes <= self.budget.max_bytes).then_some(())
    }

    fn scalar(&mut self, value: &str, style: ScalarStyle, start: Pos, end: Pos) -> Option<Node> {
        self.scalar_owned(value.to_string(), style, start, end)
    }

    fn scalar_owned(
        &mut self,
        value: String,
        style: ScalarStyle,
        start: Pos,
        end: Pos,
    ) -> Option<Node> {
        self.spend(value.len())?;
        Some(Node {
            kind: NodeKind::Scalar(Scalar { value, style }),
            start,
            end,
            tag: None,
        })
    }

    fn open_root(&mut self, start: Pos) -> Option<()> {
        self.push(OpenMapping {
            indent: 0,
            start,
            key: None,
            pairs: Vec::new(),
        })
    }

    fn open_mapping(&mut self, key: Node, indent: usize, start: Pos) -> Option<()> {
        self.push(OpenMapping {
            indent,
            start,
            key: Some(key),
            pairs: Vec::new(),
        })
    }

    fn push(&mut self, mapping: OpenMapping) -> Option<()> {
        if self.open.len() >= self.budget.max_depth {
            return None;
        }
        self.spend(0)?;
        self.open.push(mapping);
        Some(())
    }

    /// Ends every open mapping deeper than `indent` where the next token starts, `at`.
    fn close_deeper_than(&mut self, indent: usize, at: Pos) -> Option<()> {
        while self.open.last().is_some_and(|m| m.indent > indent) {
            self.close_last(at)?;
        }
        Some(())
    }

    /// Ends every open mapping, the root last, at the end of the text `at`.
    fn close_all(&mut self, at: Pos) -> Option<()> {
        while !self.open.is_empty() {
            self.close_last(at)?;
        }
        Some(())
    }

    /// Ends the innermost open mapping at `at`: into its parent under its key, or the root.
    fn close_last(&mut self, at: Pos) -> Option<()> {
        let mapping = self.open.pop()?;
        let node = Node {
            kind: NodeKind::Mapping(mapping.pairs),
            start: mapping.start,
            end: at,
            tag: None,
        };
        match (mapping.key, self.open.last_mut()) {
            (Some(key), Some(parent)) => parent.pairs.push((key, node)),
            (None, None) => self.root = Some(node),
            _ => return None,
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Option<Stream> {
        read_block_mappings(text, Budget::MANIFEST)
    }

    #[test]
    fn reads_the_common_manifests() {
        for text in [
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n    - rolearn: a\n",
            "# header\n---\nkind: ConfigMap\ndata:\n  mapUsers: |-\n    - userarn: b\n\n  mapAccounts: |+\n    - \"1\"\n",
            "kind: ConfigMap # c\nmetadata:\n  annotations:\n    eks.amazonaws.com/x: \"y\"\n  name: 'aws-auth'\n",
        ] {
            assert!(shape(text).is_some(), "{text}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_path() {
        for text in [
            "kind: ConfigMap",                         // no final line break
            "kind: ConfigMap\r\n",                     // `\r`
            "kind: ConfigMap\ndata:\n",                // an empty value
            "kind: ConfigMap\nitems:\n- a\n",          // a sequence
            "metadata: {name: aws-auth}\n",            // a flow mapping
            "data:\n  mapRoles: >\n    a\n",           // folded
            "data:\n  mapRoles: |2\n    a\n",          // an indentation indicator
            "data:\n  mapRoles: |\n\n    a\n",         // a leading blank line
            "data:\n  mapRoles: |\n    a\n      \n",   // spaces past the indentation
            "kind: &a ConfigMap\n",                    // an anchor
            "kind: !!str ConfigMap\n",                 // a tag
            "kind: ConfigMap\n---\nkind: ConfigMap\n", // two documents
            "kind: \"Config\\u004dap\"\n",             // an escape
            "kind: Config\n  Map\n",                   // a multi-line plain scalar
            "kind:ConfigMap\n",                        // one plain scalar
            "kind: ConfigMap\n  name: x\n",            // indentation out of step
            "data:\n  mapRoles: |\n    é\n",           // non-ASCII
            "",
        ] {
            assert!(shape(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn a_literal_block_keeps_its_lines_and_ends_where_saphyr_ends_it() {
        let text = "data:\n  a: |\n    x\n\n      y\n\n  b: |+\n    z\n\n";
        let stream = shape(text).unwrap();
        assert_eq!(
            stream,
            super::super::parse_stream(text, Budget::MANIFEST).unwrap()
        );
        let data = stream.documents[0]
            .root
            .as_ref()
            .unwrap()
            .get("data")
            .unwrap();
        let a = data.get("a").unwrap();
        assert_eq!(a.str_value(), Some("x\n\n  y\n"));
        assert_eq!((a.start.line, a.start.column), (3, 5));
        assert_eq!((a.end.line, a.end.column, a.end.index), (7, 3, 31));
        let b = data.get("b").unwrap();
        assert_eq!(b.str_value(), Some("z\n\n"));
        assert_eq!((b.end.line, b.end.column), (10, 1));
    }
}
