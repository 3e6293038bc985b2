//! `diff BASE HEAD` / `diff --git REV FILE`: read both versions, judge each, compare.

use std::path::PathBuf;

use super::args::FailOn;
use super::check::{judge_inputs, judge_plan, read_all};
use super::error::{CliError, CliResult};
use super::output::write_report;
use crate::cli::exit::ExitStatus;
use crate::judge::result::CheckResult;
use crate::report::{self, DiffFormat};

pub struct DiffArgs {
    pub files: Vec<String>,
    pub git: Option<String>,
    pub format: DiffFormat,
    pub output: Option<PathBuf>,
    pub fail_on: FailOn,
    pub fail_on_existing: bool,
    pub allow_incomplete: bool,
    /// The organisation policy both sides are judged against.
    pub policy: Option<crate::policy::Policy>,
}

pub fn run(args: DiffArgs) -> CliResult {
    // Both sides are judged under the scopes of the file being changed: the base, read from
    // git or another file, is the same file at another time.
    let changed = match (&args.git, args.files.as_slice()) {
        (_, [.., head]) => Some(head.clone()),
        _ => None,
    };
    let step = args
        .policy
        .as_ref()
        .map(|p| super::policy::step_judging_files_as(p, changed.clone()));
    let finish: Vec<&dyn crate::judge::Finish> = step.iter().map(|s| s as _).collect();
    let finish = finish.as_slice();
    let (base, head, base_name, head_name) = match (&args.git, args.files.as_slice()) {
        (Some(rev), [file]) => {
            let head = read_all(std::slice::from_ref(file))?.remove(0);
            let base = match crate::source::git::file_at(rev, file)
                .map_err(|e| CliError::input(e.to_string()))?
            {
                Some(input) => judge_inputs(&[input], finish)?,
                // The file is new at HEAD: BASE grants nothing.
                None => CheckResult::empty(),
            };
            let head_name = head.path.clone();
            let head = judge_inputs(&[head], finish)?;
            (base, head, format!("{rev}:{file}"), head_name)
        }
        (Some(_), _) => {
            return Err(CliError::input(
                "with --git REV, give one FILE: BASE is that file at REV",
            ));
        }
        (None, [base, head]) => {
            let inputs = read_all(&[base.clone(), head.clone()])?;
            let base_result = judge_inputs(&inputs[..1], finish)?;
            let head_result = judge_inputs(&inputs[1..], finish)?;
            (base_result, head_result, base.clone(), head.clone())
        }
        (None, [file]) => {
            let input = read_all(std::slice::from_ref(file))?.remove(0);
            match judge_plan(&input, finish) {
                Some(judged) => {
                    let (before, after) = judged?;
                    (
                        before,
                        after,
                        format!("{file} (before)"),
                        format!("{file} (after apply)"),
                    )
                }
                None => {
                    return Err(CliError::input(format!(
                        "{file}: one FILE is compared only when it is a Terraform plan (`terraform show -json`); otherwise give BASE and HEAD, or --git REV FILE"
                    )));
                }
            }
        }
        (None, _) => {
            return Err(CliError::input(
                "give BASE and HEAD, or --git REV and one FILE",
            ));
        }
    };
    super::policy::warn_uncovered(&[&base, &head]);
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
    let status = ExitStatus::judged(
        !incomplete.is_empty(),
        args.allow_incomplete,
        result.fails_at(threshold, args.fail_on_existing),
    );
    let text = match args.format {
        DiffFormat::Table => report::diff::table(&result),
        DiffFormat::Json => report::diff::json(&result),
        DiffFormat::Sarif => report::diff::sarif(&result),
        DiffFormat::Markdown => report::diff::markdown_comment(&result),
        DiffFormat::Junit => report::junit::diff(&result, threshold, args.fail_on_existing),
        DiffFormat::Html => report::html::diff(
            &result,
            &base,
            &head,
            &super::output::outcome(status, args.fail_on),
        ),
    };
    write_report(args.output.as_deref(), &text)?;
    Ok(status)
}
