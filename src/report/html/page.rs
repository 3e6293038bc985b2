//! The page around a report: one self-contained HTML document. Its style and its script are
//! inline and named by their SHA-256 in a Content-Security-Policy that allows nothing else —
//! no other script, style, image, font, frame or request to any origin — so a report attached
//! to a ticket opens the same offline, and a hostile value in it can neither run nor fetch.

use std::sync::LazyLock;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::infra::escape::terminal;

/// The page's style (light and dark schemes, print).
pub const STYLE: &str = include_str!("report.css");
/// The page's script: tracing a principal's paths, sorting and filtering tables, opening
/// folded groups for print. The report reads fully without it.
pub const SCRIPT: &str = include_str!("report.js");

fn sha256_source(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// The Content-Security-Policy of every page: only the inline style and script, by hash.
pub static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src 'none'; base-uri 'none'; form-action 'none'",
        sha256_source(STYLE),
        sha256_source(SCRIPT)
    )
});

/// Text from the input, safe as HTML text or a quoted attribute value: what a terminal would
/// interpret (controls, bidirectional overrides, zero-width characters) shown as `\u{…}`,
/// then `&`, `<`, `>`, `"` and `'` as entities.
pub fn esc(text: &str) -> String {
    let shown = terminal(text);
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole document: `title` (input text, escaped here) and `body` (already HTML).
pub fn document(title: &str, body: &str) -> String {
    let tool = crate::report::ToolInfo::this_build();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"{name} {version} (commit {commit})\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the report</a>\n<main id=\"main\">\n{body}<footer>Written by {name} {version} (commit {commit}, {rules} rules). This page is self-contained: it loads nothing from anywhere.</footer>\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        csp = *CONTENT_SECURITY_POLICY,
        name = tool.name,
        version = tool.version,
        commit = esc(&tool.commit),
        rules = tool.rules,
        title = esc(title),
    )
}

/// A `<dl>` of facts (labels are ours; values are input text, escaped here).
pub fn facts(pairs: &[(&str, String)]) -> String {
    let mut out = String::from("<dl class=\"facts\">\n");
    for (label, value) in pairs {
        out.push_str(&format!("<dt>{label}</dt><dd>{}</dd>\n", esc(value)));
    }
    out.push_str("</dl>\n");
    out
}

/// Coverage first: a note when everything in scope was checked, else a banner that cannot be
/// missed — `title` and `intro` are ours; each of `lines` (input text) is escaped here.
pub fn coverage_banner(
    id: &str,
    complete: &str,
    title: &str,
    intro: &str,
    lines: &[String],
) -> String {
    if lines.is_empty() {
        return format!("<p class=\"complete\" id=\"{id}\">{complete}</p>\n");
    }
    let mut out = format!(
        "<section class=\"banner incomplete\" id=\"{id}\" role=\"alert\">\n<h2>{title}</h2>\n<p>{intro}</p>\n<ul>\n"
    );
    for line in lines {
        out.push_str(&format!("<li>{}</li>\n", esc(line)));
    }
    out.push_str("</ul>\n</section>\n");
    out
}

/// The opening of a sortable table `id` with a filter box above it: every header is a button
/// that sorts by its column (the page's script), the box hides rows without its text.
pub fn sortable_table_head(id: &str, filter_label: &str, rows: usize, headers: &[&str]) -> String {
    let mut out = format!(
        "<div class=\"controls\"><label for=\"{id}-filter\">{filter_label}</label><input type=\"search\" id=\"{id}-filter\" data-filter=\"{id}\" data-count=\"{id}-count\"><output id=\"{id}-count\">{rows} rows</output></div>\n<div class=\"scroll\"><table class=\"sortable\" id=\"{id}\">\n<thead><tr>"
    );
    for head in headers {
        out.push_str(&format!(
            "<th scope=\"col\"><button type=\"button\">{head}</button></th>"
        ));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    out
}

/// A severity as a labelled badge (the word, never the colour alone).
pub fn severity_badge(severity: crate::rules::finding::Severity) -> String {
    format!("<span class=\"sev sev-{0}\">{0}</span>", severity.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_text_is_text() {
        assert_eq!(
            esc("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(esc("a\"b'c&"), "a&quot;b&#39;c&amp;");
        assert_eq!(esc("x\u{202e}y\n"), "x\\u{202e}y\\u{000a}");
    }

    #[test]
    fn the_policy_names_exactly_the_inline_style_and_script() {
        let page = document("t", "<p>b</p>\n");
        let style = &page[page.find("<style>").unwrap() + 7..page.find("</style>").unwrap()];
        let script = &page[page.find("<script>").unwrap() + 8..page.find("</script>").unwrap()];
        assert!(CONTENT_SECURITY_POLICY.contains(&sha256_source(style)));
        assert!(CONTENT_SECURITY_POLICY.contains(&sha256_source(script)));
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'none'"));
        assert_eq!(page.matches("<script").count(), 1);
    }
}
