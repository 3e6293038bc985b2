//! Which organisation policy a command judges against: `--policy FILE`, else
//! `AWS_AUTH_AUDIT_POLICY`, else `.aws-auth-audit.yaml` from the current folder up to the
//! repository root; `--no-policy` for none.

use std::path::PathBuf;

use super::error::CliError;
use crate::policy::{Policy, PolicyStep};
use crate::source::file::read_input;

/// The policy to apply, if any.
pub fn load(args: super::args::PolicyArgs) -> Result<Option<Policy>, CliError> {
    if args.no_policy {
        return Ok(None);
    }
    let found = args.policy.or_else(|| {
        let cwd = std::env::current_dir().ok()?;
        crate::policy::discover(std::env::var_os("AWS_AUTH_AUDIT_POLICY"), &cwd, |p| {
            p.exists()
        })
    });
    let Some(path) = found else {
        return Ok(None);
    };
    let input = read_input(&path.to_string_lossy())?;
    let text = String::from_utf8(input.bytes)
        .map_err(|_| CliError::input(format!("{}: the policy is not UTF-8", input.path)))?;
    crate::policy::load(&input.path, &text)
        .map(Some)
        .map_err(|e| CliError::input(e.to_string()))
}

/// `policy check FILE`: the policy as it reads, or exit 2 at the line that is wrong.
pub fn run_check(file: &std::path::Path) -> super::error::CliResult {
    let policy = load(super::args::PolicyArgs {
        policy: Some(file.to_path_buf()),
        no_policy: false,
    })?
    .expect("a named policy is loaded");
    let text = crate::report::policy::describe(&policy);
    if !policy.incomplete.is_empty() {
        use std::io::Write;
        let _ = write!(
            std::io::stderr(),
            "warning: {}",
            crate::report::policy::incomplete(&policy)
        );
    }
    super::output::write_stdout(&text)?;
    Ok(crate::cli::exit::ExitStatus::Clean)
}

/// `policy init`: a starting policy from a file, a snapshot or a live cluster. Evidence that
/// could not show every administrator is refused (exit 3) unless `allow_incomplete`, which
/// writes the gaps as the policy's header; either way they are said on stderr.
pub fn run_init(
    input: Option<String>,
    cluster: Option<String>,
    region: Option<String>,
    output: Option<PathBuf>,
    allow_incomplete: bool,
) -> super::error::CliResult {
    // A fleet scan's JSON Lines (or JSON report): a scope per cluster. Read once under the
    // manifests' cap; only a scan's output may be larger, and is then read whole.
    let first = input
        .as_deref()
        .map(crate::source::file::read_input)
        .transpose()?;
    let fleet_lines = match &first {
        Some(first) if first.bytes.len() > crate::inputs::manifest::MAX_INPUT_BYTES => Some(
            super::fleet_lines::read_lines(std::path::Path::new(&first.path))?,
        ),
        Some(first) if crate::inputs::kind::kind_of(&first.bytes).is_fleet() => {
            Some(super::fleet_lines::lines_of(first)?)
        }
        _ => None,
    };
    let (text, gaps) = if let Some(lines) = fleet_lines {
        let mut scopes = Vec::new();
        let mut not_audited = Vec::new();
        for line in lines {
            match line {
                crate::report::fleet::FleetLine::Cluster(c) => scopes.push(c.starting_scope()),
                crate::report::fleet::FleetLine::NotAudited(n) => not_audited.push(format!(
                    "{} was not audited: {}: {}",
                    n.target(),
                    n.reason,
                    n.detail
                )),
                _ => {}
            }
        }
        let mut gaps = crate::policy::gap_lines(&scopes);
        gaps.extend(not_audited);
        (crate::policy::starting_policy_of(&scopes, &gaps), gaps)
    } else {
        let result = match (first, cluster) {
            (Some(first), _) => super::check::judge_inputs(&[first], &[])?,
            (None, Some(name)) => {
                let mut target = super::args::ClusterTarget::named(&name, region.as_deref());
                target.no_iam = true;
                let snapshot = super::cluster::collect_snapshot(target)?;
                crate::judge::judge_snapshot(&snapshot, &[])?
            }
            (None, None) => unreachable!("clap requires FILE or --cluster"),
        };
        let anchor = output
            .clone()
            .unwrap_or_else(|| PathBuf::from(".aws-auth-audit.yaml"));
        crate::policy::starting_policy(&result, &file_frame(&anchor, None))
    };
    if !gaps.is_empty() {
        use std::io::Write;
        let mut stderr = std::io::stderr().lock();
        let verdict = if allow_incomplete {
            "written with these gaps as its header (`policy check` reports them)"
        } else {
            "not written (--allow-incomplete writes it with these gaps as its header)"
        };
        let _ = writeln!(
            stderr,
            "warning: the evidence could not show every administrator, so the policy would leave some out; {verdict}:"
        );
        for gap in &gaps {
            let _ = writeln!(stderr, "  - {}", crate::infra::escape::terminal(gap));
        }
        if !allow_incomplete {
            return Ok(crate::cli::exit::ExitStatus::Incomplete);
        }
    }
    super::output::write_report(output.as_deref(), &text)?;
    Ok(crate::cli::exit::ExitStatus::Clean)
}

/// The finishing step of a loaded policy, judged as of today.
pub fn step(policy: &Policy) -> PolicyStep<'_> {
    step_judging_files_as(policy, None)
}

/// The finishing step that judges every file as `judged_as` (both sides of a diff as the file
/// being changed), when given.
pub fn step_judging_files_as(policy: &Policy, judged_as: Option<String>) -> PolicyStep<'_> {
    let now = crate::infra::time::rfc3339(std::time::SystemTime::now());
    PolicyStep {
        policy,
        today: now.get(..10).unwrap_or(&now).to_string(),
        files: file_frame(std::path::Path::new(&policy.path), judged_as),
    }
}

/// The folders a file's path is matched from: the folder of `anchor` (the policy file, or the
/// file `policy init` writes) and the repository root above it, both absolute.
pub fn file_frame(anchor: &std::path::Path, judged_as: Option<String>) -> crate::policy::FileFrame {
    let cwd = std::env::current_dir().unwrap_or_default();
    let folder = cwd
        .join(anchor)
        .parent()
        .map_or_else(|| cwd.clone(), std::path::Path::to_path_buf);
    let mut roots = vec![folder.clone()];
    if let Some(repository) = folder.ancestors().find(|dir| dir.join(".git").exists())
        && repository != folder
    {
        roots.push(repository.to_path_buf());
    }
    crate::policy::FileFrame {
        cwd,
        roots,
        judged_as,
    }
}

/// Says on stderr, once each, that a policy in force covers none of the judged files (the
/// report's notes say it too).
pub fn warn_uncovered(results: &[&crate::judge::result::CheckResult]) {
    use std::io::Write;
    let mut said: Vec<&str> = Vec::new();
    for warning in results
        .iter()
        .filter_map(|r| r.policy.as_ref()?.uncovered.as_deref())
    {
        if !said.contains(&warning) {
            said.push(warning);
            let _ = writeln!(
                std::io::stderr(),
                "warning: {}",
                crate::infra::escape::terminal(warning)
            );
        }
    }
}
