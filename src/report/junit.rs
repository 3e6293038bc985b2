//! JUnit XML, for CI systems that show test results: one test case per rule in scope for
//! `check` (a failure per finding at or above `--fail-on`, an error when the rule could not be
//! evaluated; a rule out of scope, never run, is no case), one per verdict and new finding for
//! `diff`.

use crate::diff::DiffResult;
use crate::infra::escape::terminal;
use crate::judge::result::CheckResult;
use crate::rules::RULES;
use crate::rules::finding::{Finding, Severity, Status};

/// Text as XML character data or attribute value: markup escaped, and the characters XML 1.0
/// cannot hold at all (C0 controls other than tab and newlines) shown as `\u{…}`.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\u{{{:04x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// A finding as lines: the tool's own line breaks, the input's escaped (a newline in a
/// username must not start a line of its own in a CI system's view of the failure).
fn finding_text(f: &Finding) -> String {
    format!(
        "{} {} at {}: {}\nfix: {}",
        f.severity,
        f.code,
        terminal(&f.location.display()),
        terminal(&f.message),
        terminal(&f.remediation)
    )
}

fn suite(name: &str, cases: &[String], failures: usize, errors: usize) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"aws-auth-audit\" tests=\"{n}\" failures=\"{failures}\" errors=\"{errors}\">\n  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{failures}\" errors=\"{errors}\">\n{}  </testsuite>\n</testsuites>\n",
        xml(name),
        cases.concat(),
        n = cases.len(),
    )
}

/// `check`: one case per rule.
pub fn check(result: &CheckResult, threshold: Option<Severity>) -> String {
    let mut cases = Vec::new();
    let (mut failures, mut errors) = (0, 0);
    // A case per rule in scope: evaluated, or not (an error). A rule the input cannot have
    // (the cluster rules on a file, the policy's without a policy) is no case at all: it
    // never ran, so it never reads as passed.
    let in_scope = |code: &str| {
        result.coverage.rules_evaluated.contains(&code)
            || result.coverage.not_evaluated.iter().any(|n| n.code == code)
    };
    for rule in RULES.iter().filter(|r| in_scope(r.meta.code)) {
        let name = format!("{} {}", rule.meta.code, rule.meta.slug);
        let mut body = String::new();
        if let Some(missing) = result
            .coverage
            .not_evaluated
            .iter()
            .find(|n| n.code == rule.meta.code)
        {
            errors += 1;
            body.push_str(&format!(
                "      <error message=\"not evaluated\">{}</error>\n",
                xml(&terminal(&missing.reason))
            ));
        }
        let findings: Vec<&Finding> = result
            .findings
            .iter()
            .filter(|f| f.code == rule.meta.code)
            .collect();
        let failing: Vec<&&Finding> = findings
            .iter()
            .filter(|f| f.status == Status::Fail && threshold.is_some_and(|t| f.severity >= t))
            .collect();
        if !failing.is_empty() {
            failures += 1;
            body.push_str(&format!(
                "      <failure message=\"{} finding(s)\" type=\"{}\">{}</failure>\n",
                failing.len(),
                rule.meta.severity,
                xml(&failing
                    .iter()
                    .map(|f| finding_text(f))
                    .collect::<Vec<_>>()
                    .join("\n\n"))
            ));
        }
        let below: Vec<String> = findings
            .iter()
            .filter(|f| !failing.iter().any(|g| std::ptr::eq(**g, **f)))
            .map(|f| format!("{} ({})", finding_text(f), f.status.label()))
            .collect();
        if !below.is_empty() {
            body.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                xml(&below.join("\n\n"))
            ));
        }
        cases.push(if body.is_empty() {
            format!("    <testcase classname=\"aws-auth-audit.rules\" name=\"{}\"/>\n", xml(&name))
        } else {
            format!(
                "    <testcase classname=\"aws-auth-audit.rules\" name=\"{}\">\n{body}    </testcase>\n",
                xml(&name)
            )
        });
    }
    suite("check", &cases, failures, errors)
}

/// `diff`: one case per verdict and per new finding; a failure when it is at or above the
/// threshold (unchanged findings only with `existing`); an error for each thing either side
/// could not evaluate.
pub fn diff(result: &DiffResult, threshold: Option<Severity>, existing: bool) -> String {
    let fails = |s: Severity| threshold.is_some_and(|t| s >= t);
    let mut cases = Vec::new();
    let mut failures = 0;
    let mut case = |class: &str, name: String, severity: Severity, text: String, failing: bool| {
        if failing {
            failures += 1;
            cases.push(format!(
                "    <testcase classname=\"aws-auth-audit.{class}\" name=\"{}\">\n      <failure message=\"{}\" type=\"{severity}\">{}</failure>\n    </testcase>\n",
                xml(&name),
                xml(&name),
                xml(&text)
            ));
        } else {
            cases.push(format!(
                "    <testcase classname=\"aws-auth-audit.{class}\" name=\"{}\">\n      <system-out>{}</system-out>\n    </testcase>\n",
                xml(&name),
                xml(&text)
            ));
        }
    };
    for v in &result.verdicts {
        case(
            "access",
            format!("{}: {}", v.severity, terminal(&v.message)),
            v.severity,
            format!(
                "{} at {}",
                terminal(&v.message),
                terminal(&v.location.display())
            ),
            fails(v.severity),
        );
    }
    for f in &result.findings.new {
        case(
            "new",
            format!("{} {}", f.code, terminal(&f.message)),
            f.severity,
            finding_text(f),
            f.status == Status::Fail && fails(f.severity),
        );
    }
    if existing {
        for f in &result.findings.unchanged {
            case(
                "existing",
                format!("{} {}", f.code, terminal(&f.message)),
                f.severity,
                finding_text(f),
                f.status == Status::Fail && fails(f.severity),
            );
        }
    }
    // What either side could not judge: an error each, and never a passed "no change".
    for missing in &result.not_evaluated {
        cases.push(format!(
            "    <testcase classname=\"aws-auth-audit.coverage\" name=\"not evaluated: {}\">\n      <error message=\"not evaluated\">{}</error>\n    </testcase>\n",
            xml(&terminal(missing)),
            xml(&terminal(missing))
        ));
    }
    if cases.is_empty() {
        cases.push(
            "    <testcase classname=\"aws-auth-audit.access\" name=\"no access change\"/>\n"
                .to_string(),
        );
    }
    suite(
        &terminal(&format!("diff {} → {}", result.base, result.head)),
        &cases,
        failures,
        result.not_evaluated.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(xml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(xml("x\u{1b}[31m\ty"), "x\\u{001b}[31m\ty");
    }
}
