//! Generated documentation must match the code: one page per rule, the rule index, and the
//! CLI reference (which also pins `--help`). `UPDATE_DOCS=1 cargo test --test integration generated_docs`
//! rewrites them.

use std::path::Path;

use aws_auth_audit::cli::cli_reference;
use aws_auth_audit::rules::RULES;
use aws_auth_audit::rules::{rule_page, rules_index};

fn compare(relative: &str, expected: &str, stale: &mut Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, expected).unwrap();
    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected) {
        stale.push(relative.to_string());
    }
}

#[test]
fn generated_docs_are_current() {
    let mut stale = Vec::new();
    for rule in RULES {
        compare(
            &format!("docs/rules/{}.md", rule.meta.code),
            &rule_page(rule),
            &mut stale,
        );
    }
    compare("docs/rules/README.md", &rules_index(), &mut stale);
    compare("docs/cli.md", &cli_reference(), &mut stale);
    // The JSON Schemas: a change to a report's shape shows here first. An additive change may
    // be re-published as it is; one that breaks a consumer bumps the shape's version (and so
    // the file's name and `$id`).
    for published in aws_auth_audit::report::schema::all() {
        compare(
            &format!("docs/schema/{}", published.file),
            &published.text,
            &mut stale,
        );
    }
    assert!(
        stale.is_empty(),
        "stale generated docs (UPDATE_DOCS=1 to regenerate): {stale:?}"
    );
}

#[test]
fn no_orphan_rule_pages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let Some(code) = name.strip_suffix(".md") else {
            continue;
        };
        assert!(
            code == "README" || RULES.iter().any(|r| r.meta.code == code),
            "docs/rules/{name} documents no rule"
        );
    }
}
