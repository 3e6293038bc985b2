//! A Markdown report, for pull-request comments and job summaries.

use crate::infra::escape::markdown;
use crate::judge::result::CheckResult;

/// Findings as a Markdown table: severity, rule, location, message.
pub fn findings_table(findings: &[crate::rules::finding::Finding]) -> String {
    let mut out = String::from("| severity | rule | location | finding |\n|---|---|---|---|\n");
    for f in findings {
        let waiver = f
            .waiver_line()
            .map_or(String::new(), |w| format!(" <br>*{}*", markdown(&w)));
        out.push_str(&format!(
            "| {} | {} {} | {} | {}{waiver} |\n",
            f.severity_label(),
            f.code,
            markdown(f.slug),
            markdown(&f.location.display()),
            markdown(&f.message)
        ));
    }
    out
}

/// The report; `threshold` is `--fail-on`, what its summary counts as failing the run.
pub fn render(result: &CheckResult, threshold: Option<crate::rules::finding::Severity>) -> String {
    let mut out = String::from("## aws-auth-audit\n\n");
    if let Some(live) = &result.live {
        out.push_str(&format!("{}\n\n", markdown(&live.headline())));
    }
    let failing = result.findings.len();
    out.push_str(&match failing {
        0 if result.coverage.complete => format!(
            "No findings: all {} rule(s) in scope were evaluated.\n",
            result.coverage.rules_evaluated.len()
        ),
        0 => "No findings, but coverage is incomplete.\n".to_string(),
        n => format!(
            "**{n} finding(s)** in {} input(s): {}.\n",
            result.documents.len(),
            crate::rules::finding::Tally::of(&result.findings).line(threshold)
        ),
    });
    if failing > 0 {
        out.push('\n');
        out.push_str(&findings_table(&result.findings));
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
    if let Some(live) = result.live.as_ref().filter(|l| !l.principals.is_empty()) {
        out.push_str(&format!(
            "\n<details><summary>Access matrix ({} ways in)</summary>\n\n| principal | source | username | groups | policies | power | in effect | granted |\n|---|---|---|---|---|---|---|---|\n",
            live.principals.len()
        ));
        for p in &live.principals {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} ({}) | {} | {} |\n",
                markdown(&p.arn),
                markdown(&p.source.to_string()),
                markdown(&p.username),
                markdown(&p.groups.join(", ")),
                markdown(&p.policies.join("; ")),
                p.tier.as_str(),
                markdown(&p.tier_reason),
                if p.in_effect {
                    "yes".to_string()
                } else {
                    format!("no: {}", markdown(&p.note))
                },
                markdown(p.provenance.as_deref().unwrap_or_default())
            ));
        }
        out.push_str("\n</details>\n");
    }
    if let Some(live) = result.live.as_ref().filter(|l| !l.history.is_empty()) {
        out.push_str(&format!(
            "\n<details><summary>Access history ({} changes in CloudTrail's window)</summary>\n\n| when | what | who | event |\n|---|---|---|---|\n",
            live.history.len()
        ));
        for h in &live.history {
            let marks = h.marks();
            out.push_str(&format!(
                "| {} | {}{} | {} | {} |\n",
                markdown(&h.time),
                markdown(&h.what),
                if marks.is_empty() {
                    String::new()
                } else {
                    format!(" **({})**", marks.join(", "))
                },
                markdown(&h.actor),
                markdown(&h.event_id)
            ));
        }
        out.push_str("\n</details>\n");
    }
    if let Some(iam) = result.live.as_ref().and_then(|l| l.iam.as_ref()) {
        out.push_str(&format!(
            "\n<details><summary>IAM principals ({})</summary>\n\n| principal | IAM | created | last used | who can assume |\n|---|---|---|---|---|\n",
            iam.principals.len()
        ));
        for p in &iam.principals {
            let (arn, created, used) =
                p.iam
                    .as_ref()
                    .map_or((p.status.clone(), String::new(), String::new()), |i| {
                        (
                            i.arn.clone(),
                            i.create_date.clone(),
                            i.last_used.clone().unwrap_or_default(),
                        )
                    });
            out.push_str(&format!(
                "| {} {} | {} | {} | {} | {} |\n",
                match p.kind {
                    crate::evidence::IamKind::Role => "role",
                    crate::evidence::IamKind::User => "user",
                },
                markdown(&p.name),
                markdown(&arn),
                markdown(&created),
                markdown(&used),
                markdown(&p.who_can_assume.join("; "))
            ));
        }
        out.push_str("\n</details>\n");
    }
    for note in &result.notes {
        out.push_str(&format!("\n> note: {}\n", markdown(note)));
    }
    out
}
