//! `diff BASE HEAD` / `diff --git REV FILE`: read both versions, judge each, compare.

use std::path::PathBuf;

use super::{FailOn, print_error, read_all, run_check, run_plan, write_report};
use crate::check::CheckResult;
use crate::exit::ExitStatus;
use crate::report::{self, Format};

pub struct DiffArgs {
    pub files: Vec<String>,
    pub git: Option<String>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub fail_on: FailOn,
    pub fail_on_existing: bool,
    pub allow_incomplete: bool,
}

pub fn cmd_diff(args: DiffArgs) -> ExitStatus {
    let (base, head, base_name, head_name) = match (&args.git, args.files.as_slice()) {
        (Some(rev), [file]) => {
            let head = match read_all(std::slice::from_ref(file)) {
                Ok(mut inputs) => inputs.remove(0),
                Err(status) => return status,
            };
            let base = match crate::source::git::file_at(rev, file) {
                Ok(Some(input)) => match run_check(&[input]) {
                    Ok(result) => result,
                    Err(status) => return status,
                },
                // The file is new at HEAD: BASE grants nothing.
                Ok(None) => CheckResult::empty(),
                Err(e) => {
                    print_error(&e.to_string());
                    return ExitStatus::InputError;
                }
            };
            let head_name = head.path.clone();
            let head = match run_check(&[head]) {
                Ok(result) => result,
                Err(status) => return status,
            };
            (base, head, format!("{rev}:{file}"), head_name)
        }
        (Some(_), _) => {
            print_error("with --git REV, give one FILE: BASE is that file at REV");
            return ExitStatus::InputError;
        }
        (None, [base, head]) => {
            let inputs = match read_all(&[base.clone(), head.clone()]) {
                Ok(inputs) => inputs,
                Err(status) => return status,
            };
            let mut judged = Vec::new();
            for input in inputs {
                match run_check(&[input]) {
                    Ok(result) => judged.push(result),
                    Err(status) => return status,
                }
            }
            let head_result = judged.pop().expect("two inputs");
            let base_result = judged.pop().expect("two inputs");
            (base_result, head_result, base.clone(), head.clone())
        }
        (None, [file]) => {
            let input = match read_all(std::slice::from_ref(file)) {
                Ok(mut inputs) => inputs.remove(0),
                Err(status) => return status,
            };
            match run_plan(&input) {
                Some(Ok((before, after))) => (
                    before,
                    after,
                    format!("{file} (before)"),
                    format!("{file} (after apply)"),
                ),
                Some(Err(status)) => return status,
                None => {
                    print_error(&format!(
                        "{file}: one FILE is compared only when it is a Terraform plan (`terraform show -json`); otherwise give BASE and HEAD, or --git REV FILE"
                    ));
                    return ExitStatus::InputError;
                }
            }
        }
        (None, _) => {
            print_error("give BASE and HEAD, or --git REV and one FILE");
            return ExitStatus::InputError;
        }
    };
    let mut result = crate::diff::diff(&base, &head, &base_name, &head_name);
    let incomplete: Vec<String> = [(&base_name, &base), (&head_name, &head)]
        .into_iter()
        .filter(|(_, r)| !r.coverage.complete)
        .map(|(name, r)| {
            format!(
                "{name} could not be judged completely, so the comparison may miss changes: {}",
                r.coverage
                    .not_evaluated
                    .iter()
                    .map(|n| format!("{} {}", n.code, n.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
        .collect();
    result.notes.extend(incomplete.iter().cloned());
    let threshold = args.fail_on.threshold();
    let text = match args.format {
        Format::Table => report::diff::table(&result),
        Format::Json => report::diff::json(&result),
        Format::Sarif => report::diff::sarif(&result),
        Format::Markdown => report::diff::markdown_comment(&result),
        Format::Junit => report::junit::diff(&result, threshold, args.fail_on_existing),
    };
    let written = write_report(args.output.as_deref(), &text);
    if written != ExitStatus::Clean {
        return written;
    }
    if !incomplete.is_empty() && !args.allow_incomplete {
        ExitStatus::Incomplete
    } else if result.fails_at(threshold, args.fail_on_existing) {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}
