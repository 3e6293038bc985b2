//! Text from the input never reaches a terminal or a Markdown page raw: control,
//! bidirectional and zero-width characters are shown as `\u{…}` escapes (Trojan Source,
//! ANSI escape injection).

/// A character a terminal or a log reader would interpret or not show: a control, a
/// bidirectional override or isolate, a zero-width character, a line or paragraph separator.
pub fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

/// Whether a text is printable ASCII only (U+0020–U+007E), decided without a branch per
/// byte: such text holds nothing dangerous and takes a terminal column a byte.
pub fn is_printable_ascii(text: &str) -> bool {
    text.bytes()
        .fold(true, |printable, b| printable & (0x20..0x7f).contains(&b))
}

/// The first character of a text that is [dangerous](is_dangerous), printable ASCII (the
/// common case) decided without decoding characters.
pub fn first_dangerous(text: &str) -> Option<char> {
    if is_printable_ascii(text) {
        return None;
    }
    text.chars().find(|&c| is_dangerous(c))
}

/// Escapes what a terminal would interpret.
pub fn terminal(text: &str) -> String {
    if first_dangerous(text).is_none() {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if is_dangerous(c) {
                format!("\\u{{{:04x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Escapes for a Markdown table cell or paragraph.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in terminal(text).chars() {
        match c {
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '\\' | '~' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(terminal("a\u{1b}[31mb"), "a\\u{001b}[31mb");
        assert_eq!(terminal("admin\u{202e}nimda"), "admin\\u{202e}nimda");
        assert_eq!(terminal("plain"), "plain");
        assert_eq!(markdown("a|b`c"), "a\\|b\\`c");
    }
}
