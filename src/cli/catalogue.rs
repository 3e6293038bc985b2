//! `rules` and `explain CODE`: the rule catalogue, from the registry and the rules' own
//! documentation.

use serde_json::json;

use super::args::TextOrJson;
use super::error::{CliError, CliResult};
use super::output::write_stdout;
use crate::cli::exit::ExitStatus;
use crate::rules::{self, RULES};

pub fn run_rules(format: TextOrJson) -> CliResult {
    let text = match format {
        TextOrJson::Json => {
            let rules: Vec<_> = RULES
                .iter()
                .map(|r| json!({"code": r.meta.code, "slug": r.meta.slug, "severity": r.meta.severity, "summary": r.meta.summary, "needs": r.meta.needs}))
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&rules).expect("serialisable")
            )
        }
        TextOrJson::Text => RULES
            .iter()
            .map(|r| {
                // (`as_str`: a Display that ignores the width would break the columns.)
                format!(
                    "{}  {:<8}  {:<30}  {}\n",
                    r.meta.code,
                    r.meta.severity.as_str(),
                    r.meta.slug,
                    r.meta.summary
                )
            })
            .collect(),
    };
    write_stdout(&text)?;
    Ok(ExitStatus::Clean)
}

/// `explain CODE`, or the slug `rules` prints next to it (`explain role-path`), in any case.
pub fn run_explain(code: &str) -> CliResult {
    let rule = rules::find(&code.to_ascii_uppercase())
        .or_else(|| {
            RULES
                .iter()
                .find(|r| r.meta.slug.eq_ignore_ascii_case(code))
        })
        .ok_or_else(|| {
            CliError::input(format!(
                "no rule `{code}`; `aws-auth-audit rules` lists them"
            ))
        })?;
    write_stdout(&rule.page())?;
    Ok(ExitStatus::Clean)
}
