//! The command line: one file per command, one place for format dispatch and writing
//! (`output.rs`), one for how commands fail (`error.rs`), the grammar in `args.rs`. `main.rs`
//! only calls [`run`]; every command returns `Result<ExitStatus, CliError>`.

mod args;
mod catalogue;
mod check;
mod cluster;
mod diff;
mod error;
pub mod exit;
mod fleet_lines;
mod kubeconfig;
mod merge;
mod output;
mod policy;
mod reference;
mod scan;
mod security_hub;
mod token;
mod whois;

use std::ffi::OsString;
use std::io::Write;

use clap::{CommandFactory, FromArgMatches};

pub use args::{Cli, ClusterTarget, ColorChoice, Command, ExecChoice, FailOn, TextOrJson};
pub use error::{CliError, CliResult};
pub use output::exit_status;
pub use reference::cli_reference;

use crate::cli::exit::ExitStatus;
use crate::infra::escape::terminal;
use crate::source::aws::CredentialOptions;

/// Parses the arguments and runs the command; a failure is said once, on stderr.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitStatus {
    let parsed = Cli::command()
        .version(version())
        .long_version(version())
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => {
            output::set_s3_kms_key(cli.s3_kms_key.clone());
            cli
        }
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::InputError
            } else {
                ExitStatus::Clean
            };
        }
    };
    match dispatch(cli.command) {
        Ok(status) => status,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {}", terminal(&error.message));
            error.status
        }
    }
}

/// `--version`: the version, the commit it was built from and the rule catalogue's size, so a
/// report can be traced to a build.
pub fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let tool = crate::report::ToolInfo::this_build();
        format!(
            "{} (commit {}, {} rules)",
            tool.version, tool.commit, tool.rules
        )
    })
}

fn dispatch(command: Command) -> CliResult {
    match command {
        Command::Check {
            files,
            report,
            resolve,
            region,
            profile,
            baseline,
            policy,
        } => check::run(
            &files,
            report,
            resolve.then_some(CredentialOptions {
                region,
                profile,
                role_arn: None,
            }),
            baseline.as_deref(),
            policy::load(policy)?.as_ref(),
        ),
        Command::Diff {
            files,
            git,
            format,
            output,
            fail_on,
            fail_on_existing,
            allow_incomplete,
            policy,
        } => diff::run(diff::DiffArgs {
            files,
            git,
            format,
            output,
            fail_on,
            fail_on_existing,
            allow_incomplete,
            policy: policy::load(policy)?,
        }),
        Command::Whois {
            arn,
            file,
            snapshot,
            cluster,
            region,
            session_name,
            access_key_id,
            sso_role_match,
            format,
            policy,
        } => {
            let caller = whois::Caller {
                arn: &arn,
                session_name: session_name.as_deref(),
                access_key_id: access_key_id.as_deref(),
            };
            match file {
                Some(file) => whois::run_file(
                    &caller,
                    &file,
                    sso_role_match,
                    format,
                    policy::load(policy)?.as_ref(),
                ),
                None => whois::run_cluster(
                    &caller,
                    snapshot.as_deref(),
                    cluster.map(|name| {
                        // whois reads what decides the caller's identity: IAM is not needed.
                        let mut target = ClusterTarget::named(&name, region.as_deref());
                        target.no_iam = true;
                        target
                    }),
                    format,
                    policy::load(policy)?.as_ref(),
                ),
            }
        }
        Command::Rules { format } => catalogue::run_rules(format),
        Command::Explain { code } => catalogue::run_explain(&code),
        Command::Completions { shell } => {
            output::write_report(None, &reference::completions(shell))?;
            Ok(ExitStatus::Clean)
        }
        Command::Man => {
            output::write_report(None, &reference::man_page())?;
            Ok(ExitStatus::Clean)
        }
        Command::Scan {
            org,
            accounts,
            accounts_file,
            role_name,
            external_id,
            regions,
            include,
            exclude,
            tag,
            concurrency,
            region_concurrency,
            scan_deadline,
            shard,
            shards,
            resume,
            evidence,
            replay,
            baseline,
            fail_on_existing,
            quiet,
            format,
            output,
            fail_on,
            allow_incomplete,
            allow_empty_fleet,
            profile,
            timeout,
            deadline,
            no_iam,
            page_size,
            policy,
            security_hub,
        } => {
            let globs = |list: Vec<String>| -> Result<Vec<crate::policy::Glob>, CliError> {
                list.iter()
                    .map(|g| {
                        crate::policy::Glob::new(g)
                            .map_err(|e| CliError::input(format!("`{g}`: {e}")))
                    })
                    .collect()
            };
            let mut accounts = accounts;
            if let Some(path) = accounts_file {
                accounts.extend(scan::read_accounts(&path)?);
            }
            let tags = tag
                .iter()
                .map(|t| {
                    let (key, value) = t
                        .split_once('=')
                        .ok_or_else(|| CliError::input(format!("--tag {t}: expected KEY=VALUE")))?;
                    let glob = crate::policy::Glob::new(value)
                        .map_err(|e| CliError::input(format!("--tag {t}: {e}")))?;
                    Ok((key.to_string(), glob))
                })
                .collect::<Result<Vec<_>, CliError>>()?;
            let all_regions = regions.iter().any(|r| r == "all");
            if all_regions && regions.len() > 1 {
                return Err(CliError::input(
                    "--regions all: `all` stands alone (every region enabled for each account)",
                ));
            }
            let shard = scan::shard(shard.as_deref(), shards)?;
            let output = output
                .map(|path| output::expand_path(&path, shard))
                .transpose()?;
            scan::run(scan::ScanArgs {
                fleet: crate::source::fleet::FleetOptions {
                    org,
                    accounts,
                    tags,
                    role_name,
                    external_id,
                    regions: if all_regions { Vec::new() } else { regions },
                    all_regions,
                    region_concurrency: usize::from(region_concurrency),
                    scan_deadline: scan_deadline.map(std::time::Duration::from_secs),
                    include: globs(include)?,
                    exclude: globs(exclude)?,
                    concurrency: usize::from(concurrency),
                    audit: crate::source::audit::AuditOptions::new(
                        timeout, page_size, deadline, !no_iam, None,
                    ),
                    shard,
                    skip: Default::default(),
                },
                evidence: evidence
                    .map(|path| output::expand_path(&path, shard))
                    .transpose()?,
                resume,
                replay: replay
                    .map(|path| output::expand_path(&path, shard))
                    .transpose()?,
                baseline,
                fail_on_existing,
                profile,
                format,
                output,
                fail_on,
                allow_incomplete,
                allow_empty_fleet,
                policy: policy::load(policy)?,
                quiet,
                security_hub,
            })
        }
        Command::Merge {
            shards,
            format,
            output,
            allow_incomplete,
            allow_empty_fleet,
            fail_on,
            security_hub,
            role_name,
            external_id,
            profile,
        } => merge::run_merge(merge::MergeArgs {
            shards: shards
                .iter()
                .map(|path| output::expand_path(path, None))
                .collect::<Result<Vec<_>, _>>()?,
            format,
            output: output
                .map(|path| output::expand_path(&path, None))
                .transpose()?,
            allow_incomplete,
            allow_empty_fleet,
            fail_on,
            security_hub: security_hub.then_some(security_hub::AccountAccess {
                base: CredentialOptions {
                    region: None,
                    profile,
                    role_arn: None,
                },
                role_name,
                external_id,
            }),
        }),
        Command::Policy { action } => match action {
            args::PolicyAction::Check { file } => policy::run_check(&file),
            args::PolicyAction::Init {
                input,
                cluster,
                region,
                output,
                allow_incomplete,
            } => policy::run_init(input, cluster, region, output, allow_incomplete),
        },
        Command::Cluster {
            target,
            report,
            snapshot,
            policy,
            security_hub,
        } => cluster::run(
            target,
            report,
            snapshot,
            policy::load(policy)?.as_ref(),
            security_hub,
        ),
        Command::Collect {
            target,
            output,
            allow_incomplete,
        } => cluster::run_collect(
            target,
            output::expand_path(&output, None)?,
            allow_incomplete,
        ),
        Command::Kubeconfig {
            name,
            region,
            alias,
            output,
            exec,
            role_arn,
            profile,
            dry_run,
        } => kubeconfig::run(
            kubeconfig::KubeconfigArgs {
                name,
                alias,
                output,
                exec,
                dry_run,
            },
            CredentialOptions {
                region,
                profile,
                role_arn,
            },
        ),
        Command::Token {
            cluster_name,
            region,
            role_arn,
            profile,
        } => token::run(
            &cluster_name,
            CredentialOptions {
                region,
                profile,
                role_arn,
            },
        ),
    }
}

/// Runs `f`, turning a panic into exit code 4.
pub fn guard(f: impl FnOnce() -> ExitStatus + std::panic::UnwindSafe) -> ExitStatus {
    std::panic::catch_unwind(f).unwrap_or(ExitStatus::Internal)
}

#[cfg(test)]
mod tests {
    use super::args::FailOn;
    use super::output::exit_status;
    use super::*;
    use crate::cli::exit::ExitStatus;
    use crate::judge::result::{CheckResult, Coverage, NotEvaluated};
    use crate::rules::finding::Severity;
    use crate::rules::finding::{Finding, Location, Status};

    fn result(severities: &[Severity], complete: bool) -> CheckResult {
        CheckResult {
            documents: Vec::new(),
            findings: severities
                .iter()
                .map(|&severity| Finding {
                    controls: Vec::new(),
                    waiver: None,
                    code: "EA113",
                    slug: "system-masters-grant",
                    severity,
                    status: Status::Fail,
                    message: String::new(),
                    principal: None,
                    location: Location {
                        route: String::new(),
                        path: String::new(),
                        line: 1,
                        column: 1,
                    },
                    remediation: String::new(),
                    fingerprint: String::new(),
                })
                .collect(),
            notes: Vec::new(),
            coverage: Coverage {
                complete,
                rules_evaluated: Vec::new(),
                not_evaluated: if complete {
                    Vec::new()
                } else {
                    vec![NotEvaluated {
                        code: "EA901",
                        reason: "access_denied".into(),
                    }]
                },
            },
            live: None,
            policy: None,
        }
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        use ExitStatus::{Clean, Findings, Incomplete};
        // (findings, coverage complete, --fail-on, --allow-incomplete, expected)
        let cases: &[(&[Severity], bool, FailOn, bool, ExitStatus)] = &[
            (&[], true, FailOn::High, false, Clean),
            (&[Severity::Medium], true, FailOn::High, false, Clean),
            (&[Severity::High], true, FailOn::High, false, Findings),
            (&[Severity::Critical], true, FailOn::None, false, Clean),
            (&[Severity::Info], true, FailOn::Info, false, Findings),
            // incomplete wins over findings, and --allow-incomplete turns it off
            (&[Severity::High], false, FailOn::High, false, Incomplete),
            (&[], false, FailOn::High, true, Clean),
            (&[Severity::High], false, FailOn::High, true, Findings),
        ];
        for (severities, complete, fail_on, allow, expected) in cases {
            assert_eq!(
                exit_status(&result(severities, *complete), *fail_on, *allow),
                *expected,
                "{severities:?} complete={complete} --fail-on {fail_on:?} allow={allow}"
            );
        }
    }

    #[test]
    fn a_panic_is_exit_code_4() {
        assert_eq!(guard(|| panic!("bug")), ExitStatus::Internal);
        assert_eq!(guard(|| ExitStatus::Clean), ExitStatus::Clean);
        let codes: Vec<u8> = [
            ExitStatus::Clean,
            ExitStatus::Findings,
            ExitStatus::InputError,
            ExitStatus::Incomplete,
            ExitStatus::Internal,
        ]
        .iter()
        .map(|s| s.code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4]);
    }
}
