//! One line of printable-ASCII YAML, for the shortcuts that read the common shapes line by
//! line (`block_mappings` for a manifest, `model::awsauth::common_shape` for a section). Their
//! callers refuse anything but printable ASCII and `\n` up front, so byte offsets are
//! character offsets and every byte range is a `str`.

use super::Pos;

/// One line of the text, with its 1-based number and the offset of its first byte.
pub struct Line<'a> {
    pub source: &'a str,
    pub text: &'a [u8],
    pub number: usize,
    pub offset: usize,
}

impl<'a> Line<'a> {
    pub fn new(source: &'a str, number: usize, offset: usize) -> Line<'a> {
        Line {
            source,
            text: source.as_bytes(),
            number,
            offset,
        }
    }

    /// The position of a column (0-based) of this line.
    pub fn pos(&self, column: usize) -> Pos {
        Pos {
            index: self.offset + column,
            line: self.number,
            column: column + 1,
        }
    }

    /// The leading spaces.
    pub fn indent(&self) -> usize {
        self.text.iter().take_while(|&&b| b == b' ').count()
    }

    pub fn skip_spaces(&self, mut at: usize) -> usize {
        while self.text.get(at) == Some(&b' ') {
            at += 1;
        }
        at
    }

    /// Nothing but spaces from `at` on, and maybe a comment after one of them.
    pub fn blank_or_comment_from(&self, at: usize) -> Option<()> {
        let after = self.skip_spaces(at);
        match self.text.get(after) {
            None => Some(()),
            Some(b'#') if after > at => Some(()),
            Some(_) => None,
        }
    }

    /// Where a plain scalar starting at `at` ends: before a comment (` #`) or the end of the
    /// line, trailing spaces left out.
    pub fn plain_end(&self, at: usize) -> usize {
        let rest = &self.text[at..];
        let end = memchr::memchr_iter(b'#', rest)
            .find(|&hash| hash > 0 && rest[hash - 1] == b' ')
            .map_or(self.text.len(), |hash| at + hash - 1);
        end - self.text[at..end]
            .iter()
            .rev()
            .take_while(|&&b| b == b' ')
            .count()
    }

    pub fn str(&self, from: usize, to: usize) -> &'a str {
        &self.source[from..to]
    }

    /// A plain key starting at `at` (a letter, then letters, digits and `_-./`) or a quoted
    /// one without escapes, followed by `:`: the key's text and the index of its `:`.
    pub fn key(&self, at: usize) -> Option<(&'a str, usize)> {
        let text = self.text;
        let (key, end) = if matches!(text.get(at)?, b'"' | b'\'') {
            let close = quoted_end(text, at)?;
            (self.str(at + 1, close), close + 1)
        } else {
            if !text[at].is_ascii_alphabetic() {
                return None;
            }
            let end = at
                + text[at..]
                    .iter()
                    .take_while(|&&b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/')
                    })
                    .count();
            (self.str(at, end), end)
        };
        (text.get(end) == Some(&b':')).then_some((key, end))
    }

    /// Whether `at..end` is a plain scalar whose reading nobody can dispute: it starts with a
    /// byte no YAML indicator begins with, holds no flow indicator (`{` and `}` excepted, which
    /// only a flow context gives meaning to), no `: ` and does not end with `:`.
    pub fn is_safe_plain(&self, at: usize, end: usize) -> bool {
        let bytes = &self.text[at..end];
        // Searched a vector at a time; a `:` is safe only before a byte other than a space.
        bytes.first().is_some_and(|&b| starts_plain(b))
            && memchr::memchr3(b'[', b']', b',', bytes).is_none()
            && memchr::memchr_iter(b':', bytes)
                .all(|colon| bytes.get(colon + 1).is_some_and(|&next| next != b' '))
    }
}

/// The lines of `bytes` from `from` (a line's start) to its last line break, as `(start,
/// end)` byte offsets with the break left out; their breaks found a vector at a time.
pub fn line_spans(bytes: &[u8], from: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut line_start = from;
    memchr::memchr_iter(b'\n', &bytes[from..]).map(move |at| {
        let span = (line_start, from + at);
        line_start = from + at + 1;
        span
    })
}

/// The lines of a text as `text.split('\n')` gives them (a final empty one after a final
/// line break), by [`line_spans`]: `split` searches each line afresh, which costs more than
/// the line on short ones.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> + '_ {
    let last = text.rfind('\n').map_or(0, |at| at + 1);
    line_spans(text.as_bytes(), 0)
        .map(|(start, end)| &text[start..end])
        .chain(std::iter::once(&text[last..]))
}

/// The style of a quoted scalar that opens with `quote` (`"` or `'`).
pub fn quoted_style(quote: u8) -> super::ScalarStyle {
    if quote == b'"' {
        super::ScalarStyle::DoubleQuoted
    } else {
        super::ScalarStyle::SingleQuoted
    }
}

/// Whether a text is printable ASCII and `\n` only (no tab, `\r`, control byte or non-ASCII):
/// what the line readers take.
pub fn is_printable_ascii(text: &str) -> bool {
    // A block at a time without an early exit, which the compiler turns into vector code.
    text.as_bytes().chunks(256).all(|block| {
        block.iter().fold(true, |ok, &b| {
            ok & ((b == b'\n') | (0x20..0x7f).contains(&b))
        })
    })
}

/// Bytes that may not appear inside a plain scalar of the line readers: a flow indicator
/// (meaningful in `[…]`, and kept out of block scalars too — nothing common needs them).
pub fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b'[' | b']' | b'{' | b'}' | b',')
}

/// Whether a plain scalar may start with this byte without YAML reading it as an indicator
/// (`-`, `?`, `:`, `&`, `*`, `!`, `|`, `>`, quotes, `%`, `@`, backtick, flow indicators).
pub fn starts_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'~' | b'$' | b'+')
}

/// The closing quote of a quoted scalar opened at `open`, when the scalar has no escape
/// (`\` in double quotes, `''` in single quotes) and ends on this line.
pub fn quoted_end(text: &[u8], open: usize) -> Option<usize> {
    let quote = text[open];
    let len = text[open + 1..].iter().position(|&b| b == quote)?;
    let close = open + 1 + len;
    let inner = &text[open + 1..close];
    if quote == b'"' && inner.contains(&b'\\') {
        return None;
    }
    if quote == b'\'' && text.get(close + 1) == Some(&b'\'') {
        return None;
    }
    Some(close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_lines_splits_as_split_does() {
        for text in ["", "\n", "a", "a\n", "a\nb", "\n\na\n\nbc\n", "é\nü"] {
            let ours: Vec<&str> = split_lines(text).collect();
            let std: Vec<&str> = text.split('\n').collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn a_plain_scalar_ends_before_a_comment() {
        let line = Line::new("k: a#b c  # note # more", 1, 0);
        assert_eq!(line.plain_end(3), 8);
        assert_eq!(Line::new("k: #x", 1, 0).plain_end(3), 5);
        assert_eq!(Line::new("k: a  ", 1, 0).plain_end(3), 4);
    }

    #[test]
    fn safe_plain_scalars() {
        let line = Line::new("x: a:b a{b} a: b a, [a] a: -a", 1, 0);
        let safe = |from: usize, to: usize| line.is_safe_plain(from, to);
        assert!(safe(3, 6)); // a:b
        assert!(safe(7, 11)); // a{b}
        assert!(!safe(12, 16)); // `a: b`
        assert!(!safe(12, 14)); // `a:`
        assert!(!safe(17, 19)); // `a,`
        assert!(!safe(20, 23)); // `[a]`
        assert!(!safe(27, 29)); // `-a`
    }

    #[test]
    fn printable_ascii_is_exactly_space_to_tilde_and_line_breaks() {
        for b in 0u8..=255 {
            let text = format!("{}{}", "a".repeat(300), char::from(b));
            let want = b == b'\n' || (0x20..0x7f).contains(&b);
            assert_eq!(is_printable_ascii(&text), want, "byte {b:#x}");
        }
    }
}
