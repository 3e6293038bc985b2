//! A Markdown report, for pull-request comments and job summaries.

use super::escape::markdown;
use crate::check::CheckResult;

pub fn render(result: &CheckResult) -> String {
    let mut out = String::from("## aws-auth-audit\n\n");
    if let Some(live) = &result.live {
        out.push_str(&format!("{}\n\n", markdown(&live.headline())));
    }
    let failing = result.findings.len();
    out.push_str(&match failing {
        0 if result.coverage.complete => "No findings: every rule was evaluated.\n".to_string(),
        0 => "No findings, but coverage is incomplete.\n".to_string(),
        n => format!(
            "**{n} finding(s)** in {} input(s).\n",
            result.documents.len()
        ),
    });
    if failing > 0 {
        out.push_str("\n| severity | rule | location | finding |\n|---|---|---|---|\n");
        for f in &result.findings {
            out.push_str(&format!(
                "| {} | {} {} | {} | {} |\n",
                f.severity,
                f.code,
                markdown(f.slug),
                markdown(&f.location.display()),
                markdown(&f.message)
            ));
        }
        out.push_str("\n<details><summary>Remediation</summary>\n\n");
        for f in &result.findings {
            out.push_str(&format!(
                "- **{}** {}: {}\n",
                f.code,
                if f.location.in_file() {
                    format!("line {}", f.location.line)
                } else {
                    markdown(&f.location.route)
                },
                markdown(&f.remediation)
            ));
        }
        out.push_str("\n</details>\n");
    }
    let missing = super::table::not_evaluated_lines(result);
    if !missing.is_empty() {
        out.push_str(&format!(
            "\n> **Incomplete.** {}\n",
            markdown(missing.trim_end()).replace('\n', "\n> ")
        ));
    }
    for note in &result.notes {
        out.push_str(&format!("\n> note: {}\n", markdown(note)));
    }
    out
}
