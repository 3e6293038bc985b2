//! The command line: arguments, dispatch, and the mapping of results to exit codes.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::awsauth::document::AwsAuthDocument;
use crate::awsauth::lookup::{Identity, Outcome, lookup};
use crate::check::{CheckResult, InputFile, check};
use crate::exit::{EXIT_CODES, ExitStatus};
use crate::finding::Severity;
use crate::report::{self, Format, escape::terminal};
use crate::rules::{self, RULES};
use crate::source::aws::AwsSession;
use crate::source::file::read_input;
use crate::source::token::{CredentialOptions, exec_credential, mint};

mod baseline;
mod diff;

#[derive(Debug, Parser)]
#[command(
    name = "aws-auth-audit",
    version,
    about = "Audit who can get into an Amazon EKS cluster, reading aws-auth exactly as EKS reads it",
    after_help = EXIT_CODES,
    term_width = 100,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExecChoice {
    /// Run this binary's `token` command
    #[value(name = "self")]
    SelfBinary,
    /// Run `aws eks get-token`
    Aws,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit aws-auth manifests offline (ConfigMap YAML or JSON, multi-document, List, kubectl output)
    #[command(after_help = EXIT_CODES)]
    Check {
        /// Files to read; `-` reads standard input
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
        /// Report format
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file (mode 0600, written atomically) instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit 1 when a finding has this severity or higher
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
        /// Exit 0 instead of 3 when some check could not be evaluated (the report still says so)
        #[arg(long)]
        allow_incomplete: bool,
        /// Colour in the table report (NO_COLOR is honoured)
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        /// Look up every mapped role and user in IAM (AWS credentials from the standard chain):
        /// adds EA401 and EA404, and IAM's ARNs to EA107
        #[arg(long)]
        resolve: bool,
        /// AWS region for --resolve (IAM is global; STS needs one)
        #[arg(long, value_name = "REGION", requires = "resolve")]
        region: Option<String>,
        /// AWS profile for --resolve
        #[arg(long, value_name = "NAME", requires = "resolve")]
        profile: Option<String>,
        /// A previous JSON report: only findings whose fingerprints it lacks are reported
        /// (for scheduled jobs that alert on drift)
        #[arg(long, value_name = "REPORT.json")]
        baseline: Option<String>,
    },
    /// Compare two versions of aws-auth: what the change does to access, and the findings it
    /// introduces or fixes
    #[command(after_help = EXIT_CODES)]
    Diff {
        /// BASE and HEAD files (ConfigMap manifests or snapshots); with --git, only the file; a
        /// Terraform plan (`terraform show -json`) alone compares its before and after
        #[arg(required = true, num_args = 1..=2, value_name = "FILE")]
        files: Vec<String>,
        /// Read BASE from this git revision, for the same path (a file missing there is empty)
        #[arg(long, value_name = "REV")]
        git: Option<String>,
        /// Report format
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file (mode 0600, written atomically) instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit 1 when the change introduces a verdict or finding of this severity or higher
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
        /// Findings HEAD shares with BASE count toward --fail-on too
        #[arg(long)]
        fail_on_existing: bool,
        /// Exit 0 instead of 3 when a snapshot compared could not be judged completely
        #[arg(long)]
        allow_incomplete: bool,
    },
    /// Show the Kubernetes username and groups EKS gives an IAM principal, and which mapping decides
    #[command(group(clap::ArgGroup::new("source").required(true).args(["file", "snapshot", "cluster"])))]
    Whois {
        /// The caller's ARN: an IAM role or user, or an STS assumed-role session
        arn: String,
        /// The aws-auth manifest to read
        #[arg(long, value_name = "FILE")]
        file: Option<String>,
        /// A snapshot written by `collect`: aws-auth and access entries under the cluster's mode
        #[arg(long, value_name = "FILE")]
        snapshot: Option<String>,
        /// A live cluster (by name): aws-auth and access entries under its mode
        #[arg(long, value_name = "NAME")]
        cluster: Option<String>,
        /// AWS region of --cluster (default: AWS_REGION or the profile's region)
        #[arg(long, value_name = "REGION", requires = "cluster")]
        region: Option<String>,
        /// Session name for a role ARN (an assumed-role ARN carries its own)
        #[arg(long, value_name = "NAME")]
        session_name: Option<String>,
        /// Assume the authenticator's SSORoleMatch feature gate is on (unknown on EKS; off by default)
        #[arg(long)]
        sso_role_match: bool,
        /// Output format
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
    },
    /// List the rule catalogue
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
    },
    /// Print an ExecCredential with an EKS bearer token (a drop-in for `aws eks get-token`)
    Token {
        /// The EKS cluster the token is for (signed into it)
        #[arg(long, value_name = "NAME")]
        cluster_name: String,
        /// AWS region of the cluster (default: AWS_REGION or the profile's region)
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// Assume this IAM role first, as `aws eks get-token --role-arn` does
        #[arg(long, value_name = "ARN")]
        role_arn: Option<String>,
        /// AWS profile to take credentials from (default: AWS_PROFILE, then `default`)
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
    },
    /// Write a kubeconfig entry for an EKS cluster (endpoint and CA from DescribeCluster)
    Kubeconfig {
        /// The EKS cluster's name
        #[arg(long, value_name = "NAME")]
        name: String,
        /// AWS region of the cluster (default: AWS_REGION or the profile's region)
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// Context name (default: the cluster ARN)
        #[arg(long, value_name = "ALIAS")]
        alias: Option<String>,
        /// Kubeconfig to merge into (default: first KUBECONFIG entry, else ~/.kube/config)
        #[arg(long, value_name = "PATH")]
        output: Option<PathBuf>,
        /// Credential plugin: this binary's `token` command, or `aws eks get-token`
        #[arg(long, value_enum, default_value_t = ExecChoice::SelfBinary)]
        exec: ExecChoice,
        /// Role the plugin assumes before signing (carried into its arguments)
        #[arg(long, value_name = "ARN")]
        role_arn: Option<String>,
        /// AWS profile for DescribeCluster and for the plugin (carried into its environment)
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// Print the resulting kubeconfig instead of writing it
        #[arg(long)]
        dry_run: bool,
    },
    /// Audit a live cluster: DescribeCluster, then its Kubernetes API with an in-memory client
    #[command(after_help = EXIT_CODES)]
    Cluster {
        #[command(flatten)]
        target: ClusterTarget,
        /// Report format
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file (mode 0600, written atomically) instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit 1 when a finding has this severity or higher
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
        /// Exit 0 instead of 3 when some check could not be evaluated (the report still says so)
        #[arg(long)]
        allow_incomplete: bool,
        /// Colour in the table report (NO_COLOR is honoured)
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        /// Also write the evidence snapshot this report judged (mode 0600, atomically);
        /// `check FILE` reproduces the report from it
        #[arg(long, value_name = "FILE")]
        snapshot: Option<PathBuf>,
    },
    /// Read a live cluster and write the evidence snapshot (judge it later with `check FILE`)
    #[command(after_help = EXIT_CODES)]
    Collect {
        #[command(flatten)]
        target: ClusterTarget,
        /// The snapshot file (mode 0600, written atomically); `-` for stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
        /// Exit 0 instead of 3 when some read failed (the snapshot still records it)
        #[arg(long)]
        allow_incomplete: bool,
    },
    /// Print one rule's documentation
    Explain {
        /// A rule code, e.g. EA113
        code: String,
    },
}

/// Which cluster a live command reads, and how.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["name", "context"])))]
pub struct ClusterTarget {
    /// The EKS cluster's name: endpoint and CA from DescribeCluster, token signed in-process
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Instead of --name: a context of an existing kubeconfig (KUBECONFIG, else ~/.kube/config)
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// The kubeconfig file for --context
    #[arg(long, value_name = "FILE", requires = "context")]
    kubeconfig: Option<PathBuf>,
    /// Let the kubeconfig's exec credential plugin run (a kubeconfig is data, not a program)
    #[arg(long, requires = "context")]
    allow_exec: bool,
    /// Accept a kubeconfig cluster marked insecure-skip-tls-verify; every result then says the
    /// transport was unverified
    #[arg(long, requires = "context")]
    insecure_skip_tls_verify: bool,
    /// AWS region of the cluster (default: AWS_REGION or the profile's region)
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// AWS profile for the credentials (default: AWS_PROFILE, then `default`)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Assume this IAM role first, and sign the cluster token as it
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// Seconds to wait for each Kubernetes request
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    timeout: u64,
    /// Seconds the whole collection may take: what has not been read by then is reported as
    /// unknown(timeout), and the rest is judged
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    deadline: u64,
    /// The IAM principal that created the cluster, when you know it (CloudTrail is then not
    /// asked; it keeps 90 days of events)
    #[arg(long, value_name = "ARN")]
    creator: Option<String>,
    /// Do not resolve principals in IAM (EA401–EA404 are then reported as not evaluated)
    #[arg(long)]
    no_iam: bool,
    /// Items per page when listing RBAC objects
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5000))]
    page_size: u32,
}

fn print_error(message: &str) {
    let _ = writeln!(std::io::stderr(), "error: {}", terminal(message));
}

fn write_stdout(text: &str) -> ExitStatus {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitStatus::Clean,
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Clean,
        Err(e) => {
            print_error(&format!("writing the report: {e}"));
            ExitStatus::Internal
        }
    }
}

fn read_all(files: &[String]) -> Result<Vec<InputFile>, ExitStatus> {
    if files.iter().filter(|f| *f == "-").count() > 1 {
        print_error("`-` (standard input) can be given only once");
        return Err(ExitStatus::InputError);
    }
    files
        .iter()
        .map(|f| {
            read_input(f).map_err(|e| {
                print_error(&e.to_string());
                ExitStatus::InputError
            })
        })
        .collect()
}

/// The two sides of a Terraform plan, judged, when `input` is one.
fn run_plan(input: &InputFile) -> Option<Result<(CheckResult, CheckResult), ExitStatus>> {
    let text = std::str::from_utf8(&input.bytes).ok()?;
    if !crate::terraform::is_plan(text) {
        return None;
    }
    let fail = |message: String| {
        print_error(&message);
        ExitStatus::InputError
    };
    Some(
        crate::terraform::read_plan(text)
            .map_err(|e| fail(format!("{}: {e}", input.path)))
            .and_then(|(before, after)| {
                let judge = |side, which| {
                    crate::judge::judge_declared(side, &input.path, "terraform plan", which)
                        .map_err(|e| fail(e.to_string()))
                };
                Ok((judge(&before, "before")?, judge(&after, "after")?))
            }),
    )
}

fn run_check(inputs: &[InputFile]) -> Result<CheckResult, ExitStatus> {
    let fail = |message: String| {
        print_error(&message);
        ExitStatus::InputError
    };
    if let [input] = inputs
        && let Some(judged) = run_plan(input)
    {
        // A plan is judged as it leaves things after apply.
        return judged.map(|(_, after)| after);
    }
    if let [input] = inputs
        && let Ok(text) = std::str::from_utf8(&input.bytes)
        && crate::eksctl::is_cluster_config(text)
    {
        let declared = crate::eksctl::read_cluster_config(text).map_err(|e| {
            fail(format!(
                "{}:{}:{}: {}",
                input.path, e.line, e.column, e.message
            ))
        })?;
        return crate::judge::judge_declared(
            &declared,
            &input.path,
            "eksctl ClusterConfig",
            "declared",
        )
        .map_err(|e| fail(e.to_string()));
    }
    let snapshot = inputs.iter().position(|i| {
        std::str::from_utf8(&i.bytes).is_ok_and(crate::snapshot::Snapshot::is_snapshot)
    });
    if let Some(index) = snapshot {
        let input = &inputs[index];
        if inputs.len() > 1 {
            return Err(fail(format!(
                "{}: a snapshot is judged on its own; check it separately from other inputs",
                input.path
            )));
        }
        let text = std::str::from_utf8(&input.bytes).expect("checked above");
        let snapshot = crate::snapshot::Snapshot::from_json(text).map_err(|e| match e {
            crate::snapshot::SnapshotError::Invalid {
                line,
                column,
                message,
            } => fail(format!("{}:{line}:{column}: {message}", input.path)),
            other => fail(format!("{}: {other}", input.path)),
        })?;
        return crate::judge::judge_snapshot(&snapshot).map_err(|e| fail(e.to_string()));
    }
    check(inputs).map_err(|e| fail(e.to_string()))
}

fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn cmd_check(
    files: &[String],
    report: ReportArgs,
    resolve: Option<CredentialOptions>,
    baseline: Option<&str>,
) -> ExitStatus {
    let inputs = match read_all(files) {
        Ok(inputs) => inputs,
        Err(status) => return status,
    };
    let baseline = match baseline.map(baseline::read).transpose() {
        Ok(baseline) => baseline,
        Err(e) => {
            print_error(&e.to_string());
            return ExitStatus::InputError;
        }
    };
    let deliver = |mut result: CheckResult| {
        if let Some(baseline) = &baseline {
            baseline.apply(&mut result);
        }
        deliver(&result, report)
    };
    let Some(options) = resolve else {
        return match run_check(&inputs) {
            Ok(result) => deliver(result),
            Err(status) => status,
        };
    };
    if let Some(snapshot) = inputs
        .iter()
        .find(|i| std::str::from_utf8(&i.bytes).is_ok_and(crate::snapshot::Snapshot::is_snapshot))
    {
        print_error(&format!(
            "{}: --resolve applies to aws-auth files; a snapshot carries the IAM answers it was collected with",
            snapshot.path
        ));
        return ExitStatus::InputError;
    }
    // First the files alone (their errors are input errors), then IAM, then the judgement.
    let plain = match check(&inputs) {
        Ok(result) => result,
        Err(e) => {
            print_error(&e.to_string());
            return ExitStatus::InputError;
        }
    };
    let wanted: std::collections::BTreeSet<crate::iam::Wanted> = plain
        .documents
        .iter()
        .flat_map(crate::iam::wanted_by)
        .collect();
    let sso = wanted
        .iter()
        .any(|w| crate::iam::sso_role_parts(&w.name).is_some());
    let Some(runtime) = runtime() else {
        return ExitStatus::Internal;
    };
    let session = runtime.block_on(AwsSession::new(&options));
    let evidence = runtime.block_on(crate::source::iam::resolve(&wanted, &session, sso));
    match crate::judge::check_with(&inputs, &crate::snapshot::Fetched::Found(evidence)) {
        Ok(result) => deliver(result),
        Err(e) => {
            print_error(&e.to_string());
            ExitStatus::InputError
        }
    }
}

/// Renders a report, writes it, and gives the exit code it earns.
fn deliver(result: &CheckResult, report: ReportArgs) -> ExitStatus {
    let text = match report.format {
        Format::Table => {
            report::table::render(result, use_color(report.color, report.output.is_some()))
        }
        Format::Json => report::json::render(result),
        Format::Sarif => report::sarif::render(result),
        Format::Markdown => report::markdown::render(result),
        Format::Junit => report::junit::check(result, report.fail_on.threshold()),
    };
    let written = write_report(report.output.as_deref(), &text);
    if written != ExitStatus::Clean {
        return written;
    }
    exit_status(result, report.fail_on, report.allow_incomplete)
}

/// Writes a report to `output` (0600, atomically) or to stdout.
fn write_report(output: Option<&std::path::Path>, text: &str) -> ExitStatus {
    match output {
        Some(path) => match crate::output::write_private_atomic(path, text.as_bytes()) {
            Ok(()) => ExitStatus::Clean,
            Err(e) => {
                print_error(&format!("{}: {e}", path.display()));
                ExitStatus::InputError
            }
        },
        None => write_stdout(text),
    }
}

/// The exit code a complete report earns: incomplete coverage first (unless allowed), then
/// findings at or above the threshold.
pub fn exit_status(result: &CheckResult, fail_on: FailOn, allow_incomplete: bool) -> ExitStatus {
    if !result.coverage.complete && !allow_incomplete {
        ExitStatus::Incomplete
    } else if result.fails_at(fail_on.threshold()) {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}

/// Runs `f`, turning a panic into exit code 4.
pub fn guard(f: impl FnOnce() -> ExitStatus + std::panic::UnwindSafe) -> ExitStatus {
    std::panic::catch_unwind(f).unwrap_or(ExitStatus::Internal)
}

fn whois_json(
    identity: &Identity,
    outcome: &Outcome,
    doc: &AwsAuthDocument,
    sso: bool,
) -> serde_json::Value {
    let location = |via: crate::awsauth::SectionKey, index: Option<usize>| {
        index.and_then(|i| doc.section(via).entries.iter().find(|e| e.index == i)).map(|e| {
            let (line, column) = doc.file_pos(via, e.pos);
            json!({"route": format!("configmap {} › data.{via} › [{}]", doc.configmap, e.index), "path": doc.path, "line": line, "column": column})
        })
    };
    let mut value = json!({
        "arn": identity.arn,
        "canonical_arn": identity.canonical_arn,
        "outcome": outcome.name(),
        "sso_role_match": sso,
    });
    match outcome {
        Outcome::Mapped {
            via,
            index,
            username,
            groups,
            unresolved,
        } => {
            value["via"] = json!(via);
            value["username"] = json!(username);
            value["groups"] = json!(groups);
            value["location"] = json!(location(*via, *index));
            value["unresolved_templates"] = json!(unresolved);
        }
        Outcome::NotMapped => {}
        Outcome::RenderError { via, index, reason } => {
            value["via"] = json!(via);
            value["reason"] = json!(reason);
            value["location"] = json!(location(*via, Some(*index)));
        }
        Outcome::Nondeterministic { via, candidates } => {
            value["via"] = json!(via);
            value["candidates"] = json!(candidates);
        }
    }
    value
}

fn whois_text(identity: &Identity, outcome: &Outcome, doc: &AwsAuthDocument) -> String {
    let mut out = format!(
        "arn:           {}\ncanonical arn: {}\noutcome:       {}\n",
        identity.arn,
        identity.canonical_arn,
        outcome.name()
    );
    let place = |via: crate::awsauth::SectionKey, index: usize| {
        let pos = doc
            .section(via)
            .entries
            .iter()
            .find(|e| e.index == index)
            .map(|e| doc.file_pos(via, e.pos));
        match pos {
            Some((line, column)) => format!("{via}[{index}] ({}:{line}:{column})", doc.path),
            None => format!("{via}[{index}]"),
        }
    };
    match outcome {
        Outcome::Mapped { via, index, username, groups, unresolved } => {
            let at = index.map_or_else(|| format!("{via} (account {})", identity.context.account_id), |i| place(*via, i));
            out.push_str(&format!("via:           {at}\nusername:      {username}\ngroups:        {}\n", groups.join(", ")));
            if !unresolved.is_empty() {
                out.push_str(&format!("note: {} cannot be known offline and is shown as written\n", unresolved.join(", ")));
            }
        }
        Outcome::NotMapped => out.push_str("no mapping in aws-auth matches: EKS refuses this caller (unless an access entry or the hidden cluster creator applies)\n"),
        Outcome::RenderError { via, index, reason } => {
            out.push_str(&format!("via:           {}\nEKS denies the request: {reason}\n", place(*via, *index)));
        }
        Outcome::Nondeterministic { via, candidates } => {
            out.push_str(&format!("via:           {via}: several mappings match and EKS picks one at random:\n"));
            for c in candidates {
                out.push_str(&format!("  {}: username {}, groups [{}]\n", place(*via, c.index), c.username, c.groups.join(", ")));
            }
        }
    }
    terminal(&out).replace("\\u{000a}", "\n")
}

fn cmd_whois(
    arn: &str,
    file: &str,
    session_name: Option<&str>,
    sso: bool,
    format: TextOrJson,
) -> ExitStatus {
    let identity = match Identity::from_arn(arn, session_name) {
        Ok(identity) => identity,
        Err(e) => {
            print_error(&format!("{arn}: {e}"));
            return ExitStatus::InputError;
        }
    };
    let inputs = match read_all(&[file.to_string()]) {
        Ok(inputs) => inputs,
        Err(status) => return status,
    };
    let result = match run_check(&inputs) {
        Ok(result) => result,
        Err(status) => return status,
    };
    let doc = &result.documents[0];
    let outcome = lookup(doc.lookup_sections(), &identity, sso);
    // Whether EKS enables SSORoleMatch is not public: say when the answer depends on it.
    let other = lookup(doc.lookup_sections(), &identity, !sso);
    let gate_note = (other != outcome).then(|| {
        format!(
            "with the SSORoleMatch feature gate {} (unknown on EKS), the outcome would be `{}`",
            if sso { "off" } else { "on" },
            other.name()
        )
    });
    let text = match format {
        TextOrJson::Json => {
            let mut value = whois_json(&identity, &outcome, doc, sso);
            value["notes"] = json!(gate_note.iter().collect::<Vec<_>>());
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).expect("serialisable")
            )
        }
        TextOrJson::Text => {
            let mut text = whois_text(&identity, &outcome, doc);
            if let Some(note) = &gate_note {
                text.push_str(&format!("note: {}\n", terminal(note)));
            }
            text
        }
    };
    write_stdout(&text)
}

/// `whois` against a snapshot or a live cluster: access entries and aws-auth under the mode.
fn cmd_whois_cluster(
    arn: &str,
    snapshot_path: Option<&str>,
    cluster: Option<(String, Option<String>)>,
    session_name: Option<&str>,
    format: TextOrJson,
) -> ExitStatus {
    use crate::snapshot::{Fetched, Snapshot};
    let identity = match Identity::from_arn(arn, session_name) {
        Ok(identity) => identity,
        Err(e) => {
            print_error(&format!("{arn}: {e}"));
            return ExitStatus::InputError;
        }
    };
    let snapshot = match (snapshot_path, cluster) {
        (Some(path), _) => {
            let inputs = match read_all(&[path.to_string()]) {
                Ok(inputs) => inputs,
                Err(status) => return status,
            };
            let text = String::from_utf8_lossy(&inputs[0].bytes).into_owned();
            match Snapshot::from_json(&text) {
                Ok(snapshot) => snapshot,
                Err(e) => {
                    print_error(&format!("{path}: {e}"));
                    return ExitStatus::InputError;
                }
            }
        }
        (None, Some((name, region))) => {
            let target = ClusterTarget {
                name: Some(name),
                context: None,
                kubeconfig: None,
                allow_exec: false,
                insecure_skip_tls_verify: false,
                region,
                profile: None,
                role_arn: None,
                timeout: 10,
                deadline: 300,
                creator: None,
                no_iam: true,
                page_size: 500,
            };
            match collect_snapshot(target) {
                Ok(snapshot) => snapshot,
                Err(status) => return status,
            }
        }
        (None, None) => unreachable!("clap requires --file, --snapshot or --cluster"),
    };
    let result = match crate::judge::judge_snapshot(&snapshot) {
        Ok(result) => result,
        Err(e) => {
            print_error(&e.to_string());
            return ExitStatus::InputError;
        }
    };
    let mut incomplete = Vec::new();
    let doc = result.documents.first();
    if let Fetched::Unknown(u) = &snapshot.aws_auth {
        incomplete.push(format!(
            "aws-auth: unknown({}): {}",
            u.reason.as_str(),
            u.detail
        ));
    }
    let entries: &[crate::snapshot::AccessEntry] = match &snapshot.access_entries {
        Fetched::Found(entries) => entries,
        Fetched::Absent => &[],
        Fetched::Unknown(u) => {
            incomplete.push(format!(
                "access entries: unknown({}): {}",
                u.reason.as_str(),
                u.detail
            ));
            &[]
        }
    };
    let caller = match &snapshot.caller {
        Fetched::Found(user) => Some(user),
        _ => None,
    };
    let outcome = doc.map(|d| lookup(d.lookup_sections(), &identity, false));
    let mode = snapshot.cluster.authentication_mode.as_deref();
    let decision = crate::access::whois::decide(mode, &identity, outcome.as_ref(), entries, caller);
    let text = match format {
        TextOrJson::Json => {
            let mut value = match (doc, &outcome) {
                (Some(doc), Some(outcome)) => whois_json(&identity, outcome, doc, false),
                _ => {
                    json!({"arn": identity.arn, "canonical_arn": identity.canonical_arn, "outcome": "no_aws_auth"})
                }
            };
            let aws_auth = value.clone();
            value = json!({
                "arn": identity.arn,
                "canonical_arn": identity.canonical_arn,
                "cluster": snapshot.cluster.arn,
                "mode": mode,
                "decided_by": decision.decided_by,
                "reason": decision.reason,
                "access_entry": decision.access_entry,
                "aws_auth": aws_auth,
                "incomplete": incomplete,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).expect("serialisable")
            )
        }
        TextOrJson::Text => {
            let mut text = format!(
                "{} on {} (mode {}): decided by {}\n{}\n",
                identity.arn,
                snapshot.cluster.arn,
                mode.unwrap_or("unknown"),
                serde_json::to_value(&decision.decided_by)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                decision.reason
            );
            if let Some(entry) = decision.access_entry {
                let policies = match &entry.policies {
                    Fetched::Found(p) => p
                        .iter()
                        .map(|p| {
                            format!(
                                "{} ({})",
                                p.policy_arn.rsplit('/').next().unwrap_or(&p.policy_arn),
                                if p.scope.kind == "namespace" {
                                    format!("namespaces {}", p.scope.namespaces.join(", "))
                                } else {
                                    "cluster".to_string()
                                }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => "unknown".to_string(),
                };
                text.push_str(&format!(
                    "access entry {} ({}): username {}, groups [{}], policies: {}\n",
                    entry.principal_arn,
                    entry.kind,
                    entry.username.as_deref().unwrap_or("(generated)"),
                    entry.kubernetes_groups.join(", "),
                    if policies.is_empty() {
                        "none".to_string()
                    } else {
                        policies
                    }
                ));
            }
            if let (Some(doc), Some(outcome)) = (doc, &outcome) {
                text.push_str("aws-auth: ");
                text.push_str(&whois_text(&identity, outcome, doc));
            }
            for line in &incomplete {
                text.push_str(&format!("not read: {line}\n"));
            }
            terminal(&text).replace("\\u{000a}", "\n")
        }
    };
    let written = write_stdout(&text);
    if written != ExitStatus::Clean {
        return written;
    }
    if incomplete.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Incomplete
    }
}

fn cmd_rules(format: TextOrJson) -> ExitStatus {
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
                format!(
                    "{}  {:<8}  {:<30}  {}\n",
                    r.meta.code, r.meta.severity, r.meta.slug, r.meta.summary
                )
            })
            .collect(),
    };
    write_stdout(&text)
}

fn cmd_explain(code: &str) -> ExitStatus {
    match rules::find(code) {
        Some(rule) => write_stdout(&crate::docs::rule_page(rule)),
        None => {
            print_error(&format!(
                "no rule `{code}`; `aws-auth-audit rules` lists them"
            ));
            ExitStatus::InputError
        }
    }
}

fn cmd_token(cluster: &str, options: CredentialOptions) -> ExitStatus {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            print_error(&format!("starting the async runtime: {e}"));
            return ExitStatus::Internal;
        }
    };
    let session = runtime.block_on(AwsSession::new(&options));
    match runtime.block_on(mint(cluster, &session)) {
        Ok(token) => write_stdout(&exec_credential(&token)),
        Err(e) => {
            print_error(&e.to_string());
            ExitStatus::InputError
        }
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(e) => {
            print_error(&format!("starting the async runtime: {e}"));
            None
        }
    }
}

/// `--output`, else the first `KUBECONFIG` entry, else `~/.kube/config`.
fn kubeconfig_path(output: Option<PathBuf>) -> Option<PathBuf> {
    output
        .or_else(|| {
            std::env::var_os("KUBECONFIG")
                .and_then(|v| std::env::split_paths(&v).find(|p| !p.as_os_str().is_empty()))
        })
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".kube/config")))
}

struct KubeconfigArgs {
    name: String,
    alias: Option<String>,
    output: Option<PathBuf>,
    exec: ExecChoice,
    dry_run: bool,
}

fn cmd_kubeconfig(args: KubeconfigArgs, options: CredentialOptions) -> ExitStatus {
    use crate::kubeconfig::{ExecPlugin, KubeconfigEntry, merge, parse, to_yaml};
    if let Err(e) = crate::source::token::validate_cluster_name(&args.name) {
        print_error(&e.to_string());
        return ExitStatus::InputError;
    }
    let Some(path) = kubeconfig_path(args.output) else {
        print_error("no kubeconfig path: pass --output, or set KUBECONFIG or HOME");
        return ExitStatus::InputError;
    };
    let Some(runtime) = runtime() else {
        return ExitStatus::Internal;
    };
    let session = runtime.block_on(AwsSession::new(&options));
    let (cluster, info) =
        match runtime.block_on(crate::source::eks::describe_cluster(&args.name, &session)) {
            Ok(found) => found,
            Err(e) => {
                print_error(&e.to_string());
                return ExitStatus::InputError;
            }
        };
    let exec = match args.exec {
        ExecChoice::Aws => ExecPlugin::AwsCli,
        ExecChoice::SelfBinary => match std::env::current_exe().and_then(|p| p.canonicalize()) {
            Ok(p) => ExecPlugin::SelfBinary(p.to_string_lossy().into_owned()),
            Err(e) => {
                print_error(&format!("locating this binary for the exec plugin: {e}"));
                return ExitStatus::Internal;
            }
        },
    };
    let entry = KubeconfigEntry {
        cluster,
        region: info.region.unwrap_or_default(),
        alias: args.alias,
        exec,
        role_arn: options.role_arn,
        profile: options.profile,
    };
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        print_error(&format!(
            "{}: is a symbolic link; refusing to write through it",
            path.display()
        ));
        return ExitStatus::InputError;
    }
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => match parse(&path, &text) {
            Ok(value) => value,
            Err(e) => {
                print_error(&e.to_string());
                return ExitStatus::InputError;
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            print_error(&format!("{}: {e}", path.display()));
            return ExitStatus::InputError;
        }
    };
    let updating = existing.as_ref().is_some_and(|c| {
        c["contexts"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["name"] == entry.context_name().as_str()))
    });
    let text = to_yaml(&merge(existing, &entry));
    let mut report = String::new();
    match crate::certificate::summarize(&entry.cluster.ca_data, std::time::SystemTime::now()) {
        Ok(certificates) => {
            for c in certificates {
                report.push_str(&format!(
                    "cluster CA: subject {}; issuer {}; valid {} to {}\n",
                    c.subject, c.issuer, c.not_before, c.not_after
                ));
                if let Some(warning) = c.warning() {
                    report.push_str(&format!("warning: {warning}\n"));
                }
            }
        }
        Err(e) => report.push_str(&format!("warning: {e}\n")),
    }
    if args.dry_run {
        let _ = write!(
            std::io::stderr(),
            "{}",
            terminal(&report).replace("\\u{000a}", "\n")
        );
        return write_stdout(&text);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(parent)
    {
        print_error(&format!("{}: {e}", parent.display()));
        return ExitStatus::InputError;
    }
    if let Err(e) = crate::output::write_private_atomic(&path, text.as_bytes()) {
        print_error(&format!("{}: {e}", path.display()));
        return ExitStatus::InputError;
    }
    report.insert_str(
        0,
        &format!(
            "{} context {} in {}\n",
            if updating { "Updated" } else { "Added new" },
            entry.context_name(),
            path.display()
        ),
    );
    write_stdout(&terminal(&report).replace("\\u{000a}", "\n"))
}

struct ReportArgs {
    format: Format,
    output: Option<PathBuf>,
    fail_on: FailOn,
    allow_incomplete: bool,
    color: ColorChoice,
}

/// Reads the cluster the target names into a snapshot. Errors that stop the audit before
/// any read (bad name, no cluster, a kubeconfig we refuse) are exit 2.
fn collect_snapshot(target: ClusterTarget) -> Result<crate::snapshot::Snapshot, ExitStatus> {
    use crate::source::audit::{AuditOptions, Target, collect_target};
    let Some(runtime) = runtime() else {
        return Err(ExitStatus::Internal);
    };
    let options = AuditOptions::new(
        std::time::Duration::from_secs(target.timeout.max(1)),
        target.page_size,
        std::time::Duration::from_secs(target.deadline),
        !target.no_iam,
        target.creator.clone(),
    );
    let credentials = CredentialOptions {
        region: target.region,
        profile: target.profile,
        role_arn: target.role_arn,
    };
    let audit_target = match (target.name, target.context) {
        (Some(name), _) => Target::Name(name),
        (None, Some(context)) => Target::Context {
            context,
            options: crate::source::context::ContextOptions {
                kubeconfig: target.kubeconfig,
                allow_exec: target.allow_exec,
                insecure_skip_tls_verify: target.insecure_skip_tls_verify,
            },
        },
        (None, None) => unreachable!("clap requires --name or --context"),
    };
    runtime.block_on(async {
        let session = AwsSession::new(&credentials).await;
        collect_target(&session, &audit_target, &options)
            .await
            .map_err(|e| {
                print_error(&e.to_string());
                ExitStatus::InputError
            })
    })
}

fn cmd_cluster(target: ClusterTarget, report: ReportArgs, evidence: Option<PathBuf>) -> ExitStatus {
    let snapshot = match collect_snapshot(target) {
        Ok(snapshot) => snapshot,
        Err(status) => return status,
    };
    if let Some(path) = evidence
        && let Err(e) = crate::output::write_private_atomic(&path, snapshot.to_json().as_bytes())
    {
        print_error(&format!("{}: {e}", path.display()));
        return ExitStatus::InputError;
    }
    match crate::judge::judge_snapshot(&snapshot) {
        Ok(result) => deliver(&result, report),
        Err(e) => {
            print_error(&e.to_string());
            ExitStatus::InputError
        }
    }
}

fn cmd_collect(target: ClusterTarget, output: PathBuf, allow_incomplete: bool) -> ExitStatus {
    let snapshot = match collect_snapshot(target) {
        Ok(snapshot) => snapshot,
        Err(status) => return status,
    };
    let text = snapshot.to_json();
    let written = if output.as_os_str() == "-" {
        write_stdout(&text)
    } else {
        match crate::output::write_private_atomic(&output, text.as_bytes()) {
            Ok(()) => ExitStatus::Clean,
            Err(e) => {
                print_error(&format!("{}: {e}", output.display()));
                return ExitStatus::InputError;
            }
        }
    };
    if written != ExitStatus::Clean {
        return written;
    }
    let unknown = snapshot.unknown_reads();
    for (what, unknown) in &unknown {
        let _ = writeln!(
            std::io::stderr(),
            "not read: {what}: unknown({}): {}",
            unknown.reason.as_str(),
            terminal(&unknown.detail)
        );
    }
    if unknown.is_empty() || allow_incomplete {
        ExitStatus::Clean
    } else {
        ExitStatus::Incomplete
    }
}

/// Parses the arguments and runs the command.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitStatus {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::InputError
            } else {
                ExitStatus::Clean
            };
        }
    };
    match cli.command {
        Command::Check {
            files,
            format,
            output,
            fail_on,
            allow_incomplete,
            color,
            resolve,
            region,
            profile,
            baseline,
        } => cmd_check(
            &files,
            ReportArgs {
                format,
                output,
                fail_on,
                allow_incomplete,
                color,
            },
            resolve.then_some(CredentialOptions {
                region,
                profile,
                role_arn: None,
            }),
            baseline.as_deref(),
        ),
        Command::Diff {
            files,
            git,
            format,
            output,
            fail_on,
            fail_on_existing,
            allow_incomplete,
        } => diff::cmd_diff(diff::DiffArgs {
            files,
            git,
            format,
            output,
            fail_on,
            fail_on_existing,
            allow_incomplete,
        }),
        Command::Whois {
            arn,
            file,
            snapshot,
            cluster,
            region,
            session_name,
            sso_role_match,
            format,
        } => match file {
            Some(file) => cmd_whois(&arn, &file, session_name.as_deref(), sso_role_match, format),
            None => cmd_whois_cluster(
                &arn,
                snapshot.as_deref(),
                cluster.map(|name| (name, region)),
                session_name.as_deref(),
                format,
            ),
        },
        Command::Rules { format } => cmd_rules(format),
        Command::Cluster {
            target,
            format,
            output,
            fail_on,
            allow_incomplete,
            color,
            snapshot,
        } => cmd_cluster(
            target,
            ReportArgs {
                format,
                output,
                fail_on,
                allow_incomplete,
                color,
            },
            snapshot,
        ),
        Command::Collect {
            target,
            output,
            allow_incomplete,
        } => cmd_collect(target, output, allow_incomplete),
        Command::Kubeconfig {
            name,
            region,
            alias,
            output,
            exec,
            role_arn,
            profile,
            dry_run,
        } => cmd_kubeconfig(
            KubeconfigArgs {
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
        } => cmd_token(
            &cluster_name,
            CredentialOptions {
                region,
                profile,
                role_arn,
            },
        ),
        Command::Explain { code } => cmd_explain(&code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Coverage, NotEvaluated};
    use crate::finding::{Finding, Location, Status};

    fn result(severities: &[Severity], complete: bool) -> CheckResult {
        CheckResult {
            documents: Vec::new(),
            findings: severities
                .iter()
                .map(|&severity| Finding {
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
