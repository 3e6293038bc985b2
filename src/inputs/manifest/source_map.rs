//! Maps a position inside a data value (the YAML embedded in `mapRoles`) back to the line
//! and column of the manifest file, whatever style the value was written in.
//!
//! A literal block (`|`, `|-`) maps line for line. Other styles (folded, quoted with escapes,
//! plain multi-line) are aligned character by character against the scalar's source text.
//! If the alignment fails (it should not), every position falls back to the scalar's start:
//! coarse, never wrong.

use crate::inputs::yaml::line::split_lines;
use crate::inputs::yaml::{Pos, ScalarStyle};

#[derive(Debug, Clone, PartialEq)]
pub enum SourceMap {
    /// Value line `k` is file line `first_line + k - 1`, shifted right by `indent` columns.
    Lines { first_line: usize, indent: usize },
    /// File (line, column) of every character of the value.
    Chars(Vec<(u32, u32)>),
    /// The scalar's start, for every position.
    Start(Pos),
}

impl SourceMap {
    /// The file position of a position in the value.
    pub fn to_file(&self, inner: Pos) -> (usize, usize) {
        match self {
            SourceMap::Lines { first_line, indent } => {
                (first_line + inner.line - 1, inner.column + indent)
            }
            SourceMap::Chars(chars) => match chars.get(inner.index).or(chars.last()) {
                Some(&(line, column)) => (line as usize, column as usize),
                None => (0, 0),
            },
            SourceMap::Start(pos) => (pos.line, pos.column),
        }
    }

    /// Builds the map for a scalar of `style` whose source (from its start, quotes included)
    /// is `source` and whose parsed value is `value`.
    pub fn build(source: &str, start: Pos, style: ScalarStyle, value: &str) -> SourceMap {
        if style == ScalarStyle::Literal && literal_lines_match(source, start, value) {
            return SourceMap::Lines {
                first_line: start.line,
                indent: start.column - 1,
            };
        }
        align(source, start, style, value).unwrap_or(SourceMap::Start(start))
    }
}

/// Whether each line of the value is the source line minus the block's indentation.
fn literal_lines_match(source: &str, start: Pos, value: &str) -> bool {
    let indent = start.column - 1;
    let mut source_lines = split_lines(source);
    for (i, value_line) in split_lines(value).enumerate() {
        let Some(source_line) = source_lines.next() else {
            return value_line.is_empty();
        };
        let source_line = source_line.strip_suffix('\r').unwrap_or(source_line);
        let content = if i == 0 {
            source_line
        } else if value_line.is_empty() && source_line.trim().is_empty() {
            continue;
        } else {
            // The first `indent` characters are spaces (so as many bytes), and more follow.
            match source_line.as_bytes().get(..indent) {
                Some(lead) if lead.iter().all(|&b| b == b' ') && source_line.len() > indent => {
                    &source_line[indent..]
                }
                _ => return false,
            }
        };
        if content != value_line {
            return false;
        }
    }
    true
}

/// One unit of source that yields at most one value character.
struct Atom {
    produced: Option<char>,
    line: u32,
    column: u32,
}

fn atoms(source: &str, start: Pos, style: ScalarStyle) -> Vec<Atom> {
    let mut out = Vec::with_capacity(source.len());
    let (mut line, mut column) = (start.line as u32, start.column as u32);
    let mut chars = source.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        let (at_line, at_column) = (line, column);
        let advance = |c: char, line: &mut u32, column: &mut u32| {
            if c == '\n' {
                *line += 1;
                *column = 1;
            } else {
                *column += 1;
            }
        };
        advance(c, &mut line, &mut column);
        let quote = match style {
            ScalarStyle::SingleQuoted => Some('\''),
            ScalarStyle::DoubleQuoted => Some('"'),
            _ => None,
        };
        if first && Some(c) == quote {
            first = false;
            continue;
        }
        first = false;
        let produced = match (style, c) {
            (ScalarStyle::SingleQuoted, '\'') if chars.peek() == Some(&'\'') => {
                let next = chars.next().unwrap_or('\'');
                advance(next, &mut line, &mut column);
                Some('\'')
            }
            (ScalarStyle::DoubleQuoted, '\\') => {
                let Some(e) = chars.next() else { break };
                advance(e, &mut line, &mut column);
                let hex_len = match e {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    _ => 0,
                };
                if hex_len > 0 {
                    let hex: String = (0..hex_len).filter_map(|_| chars.next()).collect();
                    for h in hex.chars() {
                        advance(h, &mut line, &mut column);
                    }
                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                } else {
                    match e {
                        'n' => Some('\n'),
                        't' | '\t' => Some('\t'),
                        'r' => Some('\r'),
                        '0' => Some('\0'),
                        'a' => Some('\x07'),
                        'b' => Some('\x08'),
                        'e' => Some('\x1b'),
                        'f' => Some('\x0c'),
                        'v' => Some('\x0b'),
                        'N' => Some('\u{85}'),
                        '_' => Some('\u{a0}'),
                        'L' => Some('\u{2028}'),
                        'P' => Some('\u{2029}'),
                        '\n' | '\r' => None,
                        other => Some(other),
                    }
                }
            }
            (_, c) => Some(c),
        };
        out.push(Atom {
            produced,
            line: at_line,
            column: at_column,
        });
    }
    out
}

fn align(source: &str, start: Pos, style: ScalarStyle, value: &str) -> Option<SourceMap> {
    let atoms = atoms(source, start, style);
    let mut map = Vec::with_capacity(value.len());
    let mut next = 0;
    for c in value.chars() {
        loop {
            let atom = atoms.get(next)?;
            next += 1;
            let Some(p) = atom.produced else { continue };
            if p == c || (p == '\n' && (c == ' ' || c == '\n')) {
                map.push((atom.line, atom.column));
                break;
            }
        }
    }
    Some(SourceMap::Chars(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::yaml::{Budget, parse_stream};

    /// Parses `data:` of a manifest and maps inner (line, column) of `needle` in `key`.
    fn locate(manifest: &str, key: &str, needle: &str) -> (usize, usize) {
        let stream = parse_stream(manifest, Budget::MANIFEST).unwrap();
        let root = stream.documents[0].root.as_ref().unwrap();
        let node = root.get("data").unwrap().get(key).unwrap();
        let scalar = node.as_scalar().unwrap();
        let source: String = manifest
            .chars()
            .skip(node.start.index)
            .take(node.end.index - node.start.index)
            .collect();
        let map = SourceMap::build(&source, node.start, scalar.style, &scalar.value);
        let index = scalar
            .value
            .chars()
            .collect::<String>()
            .find(needle)
            .unwrap();
        let index = scalar.value[..index].chars().count();
        let before: String = scalar.value.chars().take(index).collect();
        let line = before.matches('\n').count() + 1;
        let column = before.chars().rev().take_while(|c| *c != '\n').count() + 1;
        map.to_file(Pos {
            index,
            line,
            column,
        })
    }

    #[test]
    fn literal_block_maps_line_for_line() {
        let m = "data:\n  mapRoles: |\n    - rolearn: A\n      groups:\n        - system:masters\n";
        assert_eq!(locate(m, "mapRoles", "system:masters"), (5, 11));
    }

    #[test]
    fn double_quoted_with_escapes_maps_to_the_escape_line() {
        let m = "data:\n  mapRoles: \"- rolearn: A\\n  groups:\\n  - system:masters\\n\"\n";
        assert_eq!(locate(m, "mapRoles", "system:masters"), (2, 43));
    }

    #[test]
    fn folded_and_single_quoted() {
        let m = "data:\n  mapRoles: >\n    [a,\n    'b']\n  x: '- it''s\n    here'\n";
        assert_eq!(locate(m, "mapRoles", "'b'"), (4, 5));
        assert_eq!(locate(m, "x", "here"), (6, 5));
    }
}
