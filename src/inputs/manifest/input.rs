//! Bytes to text: size cap, encoding, and characters YAML forbids, each refused with the
//! line and column where the problem is.

/// Largest input `check` reads.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// The input cannot be read as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Characters YAML's printable set excludes (C0 but tab/LF/CR, DEL, C1 but NEL, U+FFFE/F).
fn is_forbidden(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x7f' | '\u{80}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// Decodes a manifest: UTF-8 (a byte-order mark is dropped), at most [`MAX_INPUT_BYTES`].
/// The text is the input's own bytes, not a copy.
pub fn decode_text(bytes: &[u8]) -> Result<&str, InputError> {
    let error = |offset: usize, message: String| {
        let (line, column) = line_column(bytes, offset);
        InputError {
            line,
            column,
            message,
        }
    };
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(error(
            0,
            format!(
                "input is larger than {} MiB: refusing to read it",
                MAX_INPUT_BYTES / 1024 / 1024
            ),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(error(
            0,
            "UTF-16 text (byte-order mark found): save the manifest as UTF-8".into(),
        ));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let skipped = bytes.len() - body.len();
    let text = std::str::from_utf8(body).map_err(|e| {
        error(
            skipped + e.valid_up_to(),
            format!("invalid UTF-8 at byte {}", skipped + e.valid_up_to()),
        )
    })?;
    // Fast path: only bytes below 0x20, DEL, and the lead bytes of C1 controls (0xC2) and of
    // U+FFFE/U+FFFF (0xEF) can start a forbidden character.
    let suspect = |b: &u8| {
        (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || matches!(b, 0x7f | 0xc2 | 0xef)
    };
    // Folded a block at a time, without an early exit, so the compiler checks many bytes at
    // once; the exact search runs only when a block holds a suspect byte.
    let any_suspect = text
        .as_bytes()
        .chunks(256)
        .any(|block| block.iter().fold(false, |seen, b| seen | suspect(b)));
    if any_suspect && let Some((offset, c)) = text.char_indices().find(|(_, c)| is_forbidden(*c)) {
        let name = if c == '\0' {
            "NUL byte".to_string()
        } else {
            format!("control character U+{:04X}", c as u32)
        };
        return Err(error(
            skipped + offset,
            format!("{name}: YAML does not allow it"),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_with_positions() {
        let e = decode_text(b"a: 1\nb: \xff\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 4));
        let e = decode_text(b"a: 1\n  b\0\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 4));
        assert!(
            decode_text(b"\xff\xfea\x00")
                .unwrap_err()
                .message
                .contains("UTF-16")
        );
        assert_eq!(decode_text(b"\xef\xbb\xbfa: 1").unwrap(), "a: 1");
        assert!(decode_text(&vec![b' '; MAX_INPUT_BYTES + 1]).is_err());
    }
}
