//! `serde_json`'s pretty printing (two spaces a level), written by hand for what makes a
//! large report's bulk: the findings and the kept rows. `serde_json` walks every field
//! through its serializer traits and escapes a string a byte at a time; a 1 MiB aws-auth's
//! report is 4 MB of them. The output is byte for byte `serde_json::to_writer_pretty`'s,
//! and a test holds it there for every shape a finding or a row can take.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::awsauth::{RoleMapping, SsoMatcher, UserMapping};
use crate::rules::finding::{Finding, Location, WaiverNote};

/// A pretty JSON writer at a nesting depth, for values written inside a larger document.
pub struct Pretty<'w, W: Write> {
    out: &'w mut W,
    depth: usize,
    /// Whether the object or array being written has a member yet, one flag per level.
    has_member: Vec<bool>,
}

const INDENT: &[u8] = b"                                                                ";

impl<'w, W: Write> Pretty<'w, W> {
    /// A writer whose next value sits `depth` levels deep.
    pub fn at(out: &'w mut W, depth: usize) -> Pretty<'w, W> {
        Pretty {
            out,
            depth,
            has_member: Vec::with_capacity(8),
        }
    }

    fn indent(&mut self) -> io::Result<()> {
        let mut spaces = 2 * self.depth;
        while spaces > 0 {
            let now = spaces.min(INDENT.len());
            self.out.write_all(&INDENT[..now])?;
            spaces -= now;
        }
        Ok(())
    }

    /// Before a member of the enclosing object or array: the separator and the indentation.
    fn next_member(&mut self) -> io::Result<()> {
        let first = match self.has_member.last_mut() {
            Some(has) => !std::mem::replace(has, true),
            None => return Ok(()),
        };
        self.out.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent()
    }

    pub fn begin_object(&mut self) -> io::Result<()> {
        self.open(b"{")
    }

    pub fn end_object(&mut self) -> io::Result<()> {
        self.close(b"}")
    }

    pub fn begin_array(&mut self) -> io::Result<()> {
        self.open(b"[")
    }

    pub fn end_array(&mut self) -> io::Result<()> {
        self.close(b"]")
    }

    fn open(&mut self, bracket: &[u8]) -> io::Result<()> {
        self.out.write_all(bracket)?;
        self.depth += 1;
        self.has_member.push(false);
        Ok(())
    }

    fn close(&mut self, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_member.pop() == Some(true) {
            self.out.write_all(b"\n")?;
            self.indent()?;
        }
        self.out.write_all(bracket)
    }

    /// A member's key, up to its value (`"key": `).
    pub fn key(&mut self, key: &str) -> io::Result<()> {
        self.next_member()?;
        self.raw_string(key)?;
        self.out.write_all(b": ")
    }

    /// Before an array's item.
    pub fn item(&mut self) -> io::Result<()> {
        self.next_member()
    }

    pub fn string(&mut self, text: &str) -> io::Result<()> {
        self.raw_string(text)
    }

    pub fn number(&mut self, n: usize) -> io::Result<()> {
        write!(self.out, "{n}")
    }

    pub fn null(&mut self) -> io::Result<()> {
        self.out.write_all(b"null")
    }

    /// Any serialisable value, by `serde_json` itself, indented to this depth (a JSON text
    /// has no line break but the ones the printer writes, so each gets the indentation).
    pub fn serde(&mut self, value: &impl Serialize) -> io::Result<()> {
        let text = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
        let mut lines = text.split(|&b| b == b'\n');
        if let Some(first) = lines.next() {
            self.out.write_all(first)?;
        }
        for line in lines {
            self.out.write_all(b"\n")?;
            self.indent()?;
            self.out.write_all(line)?;
        }
        Ok(())
    }

    /// A member whose value is a string.
    pub fn string_member(&mut self, key: &str, value: &str) -> io::Result<()> {
        self.key(key)?;
        self.string(value)
    }

    /// A member whose value is a list of strings, or `null`.
    fn strings_member(&mut self, key: &str, items: Option<&[String]>) -> io::Result<()> {
        self.key(key)?;
        match items {
            None => self.null(),
            Some(items) => self.strings(items),
        }
    }

    /// A list of strings.
    pub fn strings(&mut self, items: &[impl AsRef<str>]) -> io::Result<()> {
        self.array(items, |json, item| json.string(item.as_ref()))
    }

    /// An array of `items`, each written by `write_item`.
    pub fn array<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut write_item: impl FnMut(&mut Self, T) -> io::Result<()>,
    ) -> io::Result<()> {
        self.begin_array()?;
        for item in items {
            self.item()?;
            write_item(self, item)?;
        }
        self.end_array()
    }

    /// A string in quotes, escaped as `serde_json` escapes it: `"` and `\`, and the control
    /// characters U+0000–U+001F (`\b \t \n \f \r` by name, the others as `\u00XX`).
    fn raw_string(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(b"\"")?;
        let bytes = text.as_bytes();
        let mut plain_from = 0;
        loop {
            let at = next_to_escape(bytes, plain_from);
            self.out.write_all(&bytes[plain_from..at])?;
            let Some(&byte) = bytes.get(at) else { break };
            plain_from = at + 1;
            let named: &[u8] = match byte {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                b'\t' => b"\\t",
                b'\n' => b"\\n",
                0x0c => b"\\f",
                b'\r' => b"\\r",
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let code = [
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(byte >> 4)],
                        HEX[usize::from(byte & 0xf)],
                    ];
                    self.out.write_all(&code)?;
                    continue;
                }
            };
            self.out.write_all(named)?;
        }
        self.out.write_all(b"\"")
    }
}

fn is_escaped(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The first byte from `from` on that a JSON string escapes (`bytes.len()` when none), eight
/// bytes at a time: a word holds one when a byte is below 0x20 or equals `"` or `\` (the
/// classic "has a byte less than n" and "has a zero byte" tests; bytes of 0x80 and above,
/// UTF-8's, never pass them).
fn next_to_escape(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = ONES << 7;
    let has_below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let has_byte = |word: u64, b: u8| has_below(word ^ (ONES * u64::from(b)), 1);
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_ne_bytes(chunk.try_into().expect("eight bytes"));
        if has_below(word, 0x20) | has_byte(word, b'"') | has_byte(word, b'\\') != 0 {
            break;
        }
        at += 8;
    }
    while at < bytes.len() && !is_escaped(bytes[at]) {
        at += 1;
    }
    at
}

/// A finding, as its `Serialize` derive writes it.
pub fn finding<W: Write>(json: &mut Pretty<'_, W>, finding: &Finding) -> io::Result<()> {
    json.begin_object()?;
    json.string_member("code", finding.code)?;
    json.string_member("slug", finding.slug)?;
    json.string_member("severity", finding.severity.as_str())?;
    json.string_member("status", &finding.status.label())?;
    json.string_member("message", &finding.message)?;
    if let Some(principal) = &finding.principal {
        json.string_member("principal", principal)?;
    }
    json.key("location")?;
    location(json, &finding.location)?;
    json.string_member("remediation", &finding.remediation)?;
    json.string_member("fingerprint", &finding.fingerprint)?;
    if !finding.controls.is_empty() {
        json.key("controls")?;
        json.strings(&finding.controls)?;
    }
    if let Some(waiver) = &finding.waiver {
        json.key("waiver")?;
        waiver_note(json, waiver)?;
    }
    json.end_object()
}

fn location<W: Write>(json: &mut Pretty<'_, W>, location: &Location) -> io::Result<()> {
    json.begin_object()?;
    json.string_member("route", &location.route)?;
    json.string_member("path", &location.path)?;
    json.key("line")?;
    json.number(location.line)?;
    json.key("column")?;
    json.number(location.column)?;
    json.end_object()
}

fn waiver_note<W: Write>(json: &mut Pretty<'_, W>, waiver: &WaiverNote) -> io::Result<()> {
    json.begin_object()?;
    json.string_member("reason", &waiver.reason)?;
    if let Some(owner) = &waiver.owner {
        json.string_member("owner", owner)?;
    }
    json.string_member("expires", &waiver.expires)?;
    json.string_member("at", &waiver.at)?;
    json.end_object()
}

/// A `mapRoles` row, as its `Serialize` derive writes it.
pub fn role_mapping<W: Write>(json: &mut Pretty<'_, W>, row: &RoleMapping) -> io::Result<()> {
    json.begin_object()?;
    json.string_member("rolearn", &row.rolearn)?;
    json.key("sso")?;
    match &row.sso {
        None => json.null()?,
        Some(sso) => sso_matcher(json, sso)?,
    }
    json.string_member("username", &row.username)?;
    json.strings_member("groups", row.groups.as_deref())?;
    json.end_object()
}

fn sso_matcher<W: Write>(json: &mut Pretty<'_, W>, sso: &SsoMatcher) -> io::Result<()> {
    json.begin_object()?;
    json.string_member("permissionSetName", &sso.permission_set_name)?;
    json.string_member("accountID", &sso.account_id)?;
    json.string_member("partition", &sso.partition)?;
    json.end_object()
}

/// A `mapUsers` row, as its `Serialize` derive writes it.
pub fn user_mapping<W: Write>(json: &mut Pretty<'_, W>, row: &UserMapping) -> io::Result<()> {
    json.begin_object()?;
    json.string_member("userarn", &row.userarn)?;
    json.string_member("username", &row.username)?;
    json.strings_member("groups", row.groups.as_deref())?;
    json.end_object()
}

/// A finding in every shape a writer must handle: no principal and no file; a principal, a
/// file position at column 0, controls, a waiver with and without an owner, an `unknown`
/// status; each severity. `text` fills every free-text field.
#[cfg(test)]
pub(crate) fn finding_shapes(text: &str) -> Vec<Finding> {
    use crate::rules::finding::{Severity, Status};
    let text = text.to_string();
    let plain = Finding {
        code: "EA113",
        slug: "system-masters-grant",
        severity: Severity::Medium,
        status: Status::Fail,
        message: text.clone(),
        principal: None,
        location: Location::default(),
        remediation: String::new(),
        fingerprint: "0f36a8dffc1e23c6".into(),
        controls: Vec::new(),
        waiver: None,
    };
    let full = Finding {
        status: Status::Unknown(text.clone()),
        principal: Some(text.clone()),
        location: Location {
            route: text.clone(),
            path: "/tmp/a \"b\".yaml".into(),
            line: 41,
            column: 0,
        },
        controls: vec!["CIS 4.1.1".into(), text.clone()],
        waiver: Some(WaiverNote {
            reason: text.clone(),
            owner: Some("team".into()),
            expires: "2027-01-01".into(),
            at: "policy.yaml:3:5".into(),
        }),
        ..plain.clone()
    };
    let ownerless = Finding {
        waiver: Some(WaiverNote {
            owner: None,
            ..full.waiver.clone().unwrap()
        }),
        ..full.clone()
    };
    let mut all = vec![plain.clone(), full, ownerless];
    for severity in [
        Severity::Critical,
        Severity::High,
        Severity::Low,
        Severity::Info,
    ] {
        all.push(Finding {
            severity,
            ..plain.clone()
        });
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_hand(write: impl Fn(&mut Pretty<'_, Vec<u8>>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut Pretty::at(&mut out, 0)).expect("writing into memory");
        String::from_utf8(out).expect("UTF-8")
    }

    /// Every byte a string can hold that `serde_json` escapes, next to ones it leaves.
    fn awkward_text() -> String {
        let mut text: String = (0u8..0x80).map(char::from).collect();
        text.push_str("é \u{202e} \u{200b} › 🎉 \\\" end");
        text
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let text = awkward_text();
        assert_eq!(
            by_hand(|json| json.string(&text)),
            serde_json::to_string(&text).unwrap()
        );
        assert_eq!(by_hand(|json| json.string("")), "\"\"");
        // Each byte at each place of a word, and in the bytes after the last whole word.
        for byte in (0u8..0x80).chain(["é", "\u{202e}"].iter().flat_map(|t| t.bytes())) {
            for at in 0..20 {
                let mut bytes = b"abcdefghijklmnopqrst".to_vec();
                bytes[at] = byte;
                let Ok(text) = String::from_utf8(bytes) else {
                    continue;
                };
                assert_eq!(
                    by_hand(|json| json.string(&text)),
                    serde_json::to_string(&text).unwrap()
                );
            }
        }
    }

    #[test]
    fn findings_are_written_as_serde_writes_them() {
        let all = finding_shapes(&awkward_text());
        for f in all {
            assert_eq!(
                by_hand(|json| finding(json, &f)),
                serde_json::to_string_pretty(&f).unwrap()
            );
        }
    }

    #[test]
    fn rows_are_written_as_serde_writes_them() {
        let text = awkward_text();
        let roles = [
            RoleMapping::default(),
            RoleMapping {
                rolearn: text.clone(),
                sso: Some(Box::new(SsoMatcher {
                    permission_set_name: text.clone(),
                    account_id: "111122223333".into(),
                    partition: String::new(),
                })),
                username: text.clone(),
                groups: Some(vec![text.clone(), String::new()]),
            },
            RoleMapping {
                groups: Some(Vec::new()),
                ..RoleMapping::default()
            },
        ];
        for row in &roles {
            assert_eq!(
                by_hand(|json| role_mapping(json, row)),
                serde_json::to_string_pretty(row).unwrap()
            );
        }
        let users = [
            UserMapping::default(),
            UserMapping {
                userarn: text.clone(),
                username: text.clone(),
                groups: Some(vec![text.clone()]),
            },
        ];
        for row in &users {
            assert_eq!(
                by_hand(|json| user_mapping(json, row)),
                serde_json::to_string_pretty(row).unwrap()
            );
        }
    }

    #[test]
    fn a_serde_value_is_indented_to_its_depth() {
        let value = serde_json::json!({"a": [1, {"b": "x\ny"}], "c": {}, "d": []});
        let mut out = Vec::new();
        let mut json = Pretty::at(&mut out, 0);
        json.begin_object().unwrap();
        json.key("v").unwrap();
        json.serde(&value).unwrap();
        json.end_object().unwrap();
        let expected = serde_json::to_string_pretty(&serde_json::json!({ "v": value })).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
