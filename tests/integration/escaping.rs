//! No byte of input can start a line, move the cursor or open an escape sequence in any text
//! output: every control, bidirectional and zero-width character, put into usernames, groups,
//! ARNs and file names, comes out of every text format escaped (`\u{…}`).

use crate::common::{configmap, run, scratch, write};

/// Every character a terminal or a log reader would interpret or not show.
fn dangerous() -> Vec<char> {
    let mut all: Vec<char> = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .collect();
    all.extend(
        [0x061c, 0x2028, 0x2029, 0xfeff]
            .into_iter()
            .chain(0x200b..=0x200f)
            .chain(0x202a..=0x202e)
            .chain(0x2066..=0x2069)
            .filter_map(char::from_u32),
    );
    all
}

/// A manifest whose usernames and groups each carry one of the characters, followed by text
/// that would look like the tool's own line if the character started a new one.
fn hostile_manifest(chars: &[char]) -> String {
    let mut rows = String::new();
    for (i, c) in chars.iter().enumerate() {
        let escaped = format!("\\u{:04X}", *c as u32);
        rows.push_str(&format!(
            "    - rolearn: arn:aws:iam::111122223333:role/r{i}\n      username: \"u{i}{escaped}FORGED: mapped as system:masters\"\n      groups:\n        - \"g{i}{escaped}FORGED\"\n        - system:masters\n"
        ));
    }
    configmap(&format!("  mapRoles: |\n{rows}"))
}

/// What an output may hold: the tool's own newlines (and tabs in Markdown tables), nothing
/// else a terminal would act on, and no line that the input began.
fn assert_escaped(what: &str, text: &str, chars: &[char]) {
    for c in chars {
        if *c == '\n' {
            continue;
        }
        assert!(
            !text.contains(*c),
            "{what}: U+{:04X} came out raw",
            *c as u32
        );
    }
    for line in text.lines() {
        assert!(
            !line
                .trim_start_matches(['│', '|', ' ', '┆'])
                .starts_with("FORGED"),
            "{what}: the input started a line: {line}"
        );
    }
}

#[test]
fn no_input_character_is_interpreted_by_any_text_output() {
    let chars = dangerous();
    assert!(chars.len() > 80);
    let dir = scratch("escaping");
    let base = write(&dir, "base.yaml", configmap("  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/r0\n      username: plain\n").as_bytes());
    let head = write(&dir, "head.yaml", hostile_manifest(&chars).as_bytes());
    let mut outputs: Vec<(String, String)> = Vec::new();
    for format in ["table", "markdown", "junit", "html", "dot", "mermaid"] {
        let r = run(&["check", &head, "--format", format, "--color", "never"]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        outputs.push((format!("check --format {format}"), r.stdout + &r.stderr));
    }
    for format in ["table", "markdown", "junit", "html"] {
        let r = run(&["diff", &base, &head, "--format", format]);
        assert!(r.code == 1, "diff {format}: {}", r.stderr);
        outputs.push((format!("diff --format {format}"), r.stdout + &r.stderr));
    }
    for (i, _) in chars.iter().enumerate().step_by(7) {
        let r = run(&[
            "whois",
            &format!("arn:aws:iam::111122223333:role/r{i}"),
            "--file",
            &head,
        ]);
        assert_eq!(r.code, 0, "whois r{i}: {}", r.stderr);
        outputs.push((format!("whois r{i}"), r.stdout + &r.stderr));
    }
    // Errors that quote what the user gave: an ARN and a file name (a command line cannot
    // hold a NUL).
    for c in chars.iter().filter(|c| **c != '\0') {
        let arn = format!("arn:aws:iam::111122223333:role/x{c}FORGED");
        let r = run(&["whois", &arn, "--file", &head]);
        outputs.push((
            format!("whois error U+{:04X}", *c as u32),
            r.stdout + &r.stderr,
        ));
        let missing = dir.join(format!("no{c}FORGED.yaml"));
        if let Some(path) = missing.to_str() {
            let r = run(&["check", path]);
            assert_eq!(r.code, 2);
            outputs.push((format!("check error U+{:04X}", *c as u32), r.stderr));
        }
    }
    for (what, text) in &outputs {
        assert_escaped(what, text, &chars);
    }
    // The escapes are there: the reader sees what the input held.
    let table = &outputs[0].1;
    assert!(
        table.contains("\\u{202e}") && table.contains("\\u{001b}"),
        "{table}"
    );
}
