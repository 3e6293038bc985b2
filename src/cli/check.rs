//! `check FILE…`: what the inputs are (aws-auth manifests, a snapshot, a Terraform plan, an
//! eksctl ClusterConfig), each judged by the one pipeline; `--resolve` adds IAM's answers;
//! `--baseline` is a finishing step.

use super::error::{CliError, CliResult};
use super::output::{ReportArgs, deliver, runtime};
use crate::evidence::{Fetched, Snapshot};
use crate::inputs::kind::InputKind;
use crate::inputs::manifest::InputFile;
use crate::judge::Finish;
use crate::judge::result::CheckResult;
use crate::source::aws::{AwsSession, CredentialOptions};
use crate::source::file::read_input;

/// Reads every input (`-` once at most: standard input).
pub fn read_all(files: &[String]) -> Result<Vec<InputFile>, CliError> {
    if files.iter().filter(|f| *f == "-").count() > 1 {
        return Err(CliError::input(
            "`-` (standard input) can be given only once",
        ));
    }
    Ok(files
        .iter()
        .map(|f| read_input(f))
        .collect::<Result<_, _>>()?)
}

/// What an input is (one sniffer for every command: `inputs::kind`).
fn kind(input: &InputFile) -> InputKind {
    crate::inputs::kind::kind_of(&input.bytes)
}

/// The two sides of a Terraform plan, judged, when `input` is one.
pub fn judge_plan(
    input: &InputFile,
    finish: &[&dyn Finish],
) -> Option<Result<(CheckResult, CheckResult), CliError>> {
    (kind(input) == InputKind::TerraformPlan).then(|| judge_plan_sides(input, finish))
}

/// A Terraform plan's two sides, judged: before, and after apply.
fn judge_plan_sides(
    input: &InputFile,
    finish: &[&dyn Finish],
) -> Result<(CheckResult, CheckResult), CliError> {
    let text = String::from_utf8_lossy(&input.bytes);
    let (before, after) = crate::inputs::terraform::read_plan(&text)
        .map_err(|e| CliError::input(format!("{}: {e}", input.path)))?;
    let judge = |side, which| {
        crate::judge::judge_declared(side, &input.path, "terraform plan", which, finish)
            .map_err(CliError::from)
    };
    Ok((judge(&before, "before")?, judge(&after, "after")?))
}

/// Judges the inputs as what they are: a Terraform plan (after apply), an eksctl
/// ClusterConfig, a snapshot, or aws-auth manifests. A plan, a ClusterConfig and a snapshot
/// are judged on their own; a fleet scan's output is refused with the commands that read it.
pub fn judge_inputs(inputs: &[InputFile], finish: &[&dyn Finish]) -> Result<CheckResult, CliError> {
    // Each input sniffed once.
    let kinds: Vec<InputKind> = inputs.iter().map(kind).collect();
    let other = |wanted: fn(InputKind) -> bool| {
        inputs
            .iter()
            .zip(&kinds)
            .find(|(_, k)| wanted(**k))
            .map(|(input, k)| (input, *k))
    };
    if let Some((input, kind)) = other(InputKind::is_fleet) {
        return Err(CliError::input(format!(
            "{}: this is {}: `merge` reports it, `policy init` starts a policy from it, `scan --baseline` compares with it",
            input.path,
            kind.describe()
        )));
    }
    if let ([input], [kind]) = (inputs, kinds.as_slice()) {
        match kind {
            // A plan is judged as it leaves things after apply.
            InputKind::TerraformPlan => {
                return judge_plan_sides(input, finish).map(|(_, after)| after);
            }
            InputKind::EksctlConfig => {
                let text = String::from_utf8_lossy(&input.bytes);
                let declared = crate::inputs::eksctl::read_cluster_config(&text).map_err(|e| {
                    CliError::input(format!(
                        "{}:{}:{}: {}",
                        input.path, e.line, e.column, e.message
                    ))
                })?;
                return Ok(crate::judge::judge_declared(
                    &declared,
                    &input.path,
                    "eksctl ClusterConfig",
                    "declared",
                    finish,
                )?);
            }
            InputKind::Snapshot => {
                return Ok(crate::judge::judge_snapshot(
                    &read_snapshot(input)?,
                    finish,
                )?);
            }
            _ => {}
        }
    }
    if let Some((input, kind)) = other(|k| k != InputKind::Manifest) {
        return Err(CliError::input(format!(
            "{}: {} is judged on its own; check it separately from other inputs",
            input.path,
            kind.describe()
        )));
    }
    Ok(crate::judge::judge_files(inputs, None, finish)?)
}

/// A snapshot file, parsed; its errors name the file, line and column.
pub fn read_snapshot(input: &InputFile) -> Result<Snapshot, CliError> {
    let text = String::from_utf8_lossy(&input.bytes);
    Snapshot::from_json(&text).map_err(|e| match e {
        crate::evidence::SnapshotError::Invalid {
            line,
            column,
            message,
        } => CliError::input(format!("{}:{line}:{column}: {message}", input.path)),
        other => CliError::input(format!("{}: {other}", input.path)),
    })
}

/// `check`.
pub fn run(
    files: &[String],
    report: ReportArgs,
    resolve: Option<CredentialOptions>,
    baseline: Option<&str>,
    policy: Option<&crate::policy::Policy>,
) -> CliResult {
    let inputs = read_all(files)?;
    let baseline = baseline
        .map(|path| -> Result<_, CliError> {
            let input = read_input(path)?;
            crate::report::json::read_baseline(&input).map_err(|e| CliError::input(e.to_string()))
        })
        .transpose()?;
    // The policy first (severities, waivers), then the baseline (what is new).
    let step = policy.map(super::policy::step);
    let mut finish: Vec<&dyn Finish> = Vec::new();
    if let Some(step) = &step {
        finish.push(step);
    }
    if let Some(baseline) = &baseline {
        finish.push(baseline);
    }
    let Some(options) = resolve else {
        let result = judge_inputs(&inputs, &finish)?;
        let status = deliver(&result, &report);
        // The process ends with this command: freeing a large judgement (a 1 MiB aws-auth is
        // ~7,000 rows and their findings: 7 ms) is work the operating system does for free.
        std::mem::forget((result, inputs));
        return status;
    };
    if let Some(snapshot) = inputs.iter().find(|i| kind(i) == InputKind::Snapshot) {
        return Err(CliError::input(format!(
            "{}: --resolve applies to aws-auth files; a snapshot carries the IAM answers it was collected with",
            snapshot.path
        )));
    }
    // First the files alone (their errors are input errors), then IAM, then the judgement.
    let (documents, _) = crate::model::awsauth::documents::read_documents(&inputs)?;
    let wanted: std::collections::BTreeSet<crate::model::iam::Wanted> = documents
        .iter()
        .flat_map(crate::model::iam::wanted_by)
        .collect();
    let sso = wanted
        .iter()
        .any(|w| crate::model::iam::sso_role_parts(&w.name).is_some());
    let evidence = runtime()?.block_on(async {
        let session = AwsSession::new(&options).await;
        crate::source::iam::resolve(&wanted, &session, sso, true).await
    });
    let result = crate::judge::judge_files(&inputs, Some(&Fetched::Found(evidence)), &finish)?;
    deliver(&result, &report)
}
