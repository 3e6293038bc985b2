//! The command line's grammar: every command and option, as clap parses them. `--help`, the
//! generated CLI reference, the completions and the man page come from here.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::cli::exit::EXIT_CODES;
use crate::report::{DiffFormat, Format};
use crate::rules::finding::Severity;

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
    /// For `-o s3://BUCKET/KEY`: encrypt the report with this KMS key (SSE-KMS; an ARN, id or
    /// alias); without it, S3-managed keys (SSE-S3)
    #[arg(long, global = true, value_name = "KEY")]
    pub s3_kms_key: Option<String>,
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
    pub fn threshold(self) -> Option<Severity> {
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
pub enum FleetFormat {
    Table,
    Json,
    Jsonl,
    Markdown,
    Sarif,
    Junit,
    // One self-contained HTML page: every cluster, the fleet access view.
    Html,
    // Every cluster's findings (and each cluster not audited) in the AWS Security Finding Format.
    Asff,
    // Every cluster's findings (and each cluster not audited) as OCSF Detection Findings.
    Ocsf,
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
        #[command(flatten)]
        report: ReportArgs,
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
        #[command(flatten)]
        policy: PolicyArgs,
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
        #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
        format: DiffFormat,
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
        #[command(flatten)]
        policy: PolicyArgs,
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
        /// The access key id the caller signs with, for a mapping whose username uses
        /// `{{AccessKeyID}}` (the authenticator takes it from the token's signature)
        #[arg(long, value_name = "ID")]
        access_key_id: Option<String>,
        /// Assume the authenticator's SSORoleMatch feature gate is on (unknown on EKS; off by default)
        #[arg(long)]
        sso_role_match: bool,
        /// Output format
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        #[command(flatten)]
        policy: PolicyArgs,
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
        #[command(flatten)]
        report: ReportArgs,
        /// Also write the evidence snapshot this report judged (mode 0600, atomically, or to
        /// `s3://BUCKET/KEY`);
        /// `check FILE` reproduces the report from it
        #[arg(long, value_name = "FILE")]
        snapshot: Option<PathBuf>,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Also import the findings into AWS Security Hub in the cluster's account and region
        /// (BatchImportFindings, with the credentials that read the cluster), and archive the
        /// ones an earlier run imported that no longer occur (not when coverage is incomplete)
        #[arg(long)]
        security_hub: bool,
    },
    /// Read a live cluster and write the evidence snapshot (judge it later with `check FILE`)
    #[command(after_help = EXIT_CODES)]
    Collect {
        #[command(flatten)]
        target: ClusterTarget,
        /// The snapshot file (mode 0600, written atomically), `s3://BUCKET/KEY`, or `-` for
        /// stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
        /// Exit 0 instead of 3 when some read failed (the snapshot still records it)
        #[arg(long)]
        allow_incomplete: bool,
    },
    /// Audit every cluster of a fleet (accounts × regions), each as `cluster --name` audits it
    #[command(after_help = EXIT_CODES)]
    Scan {
        /// Every ACTIVE account of the caller's organisation (Organizations ListAccounts)
        #[arg(long, conflicts_with_all = ["accounts", "accounts_file"])]
        org: bool,
        /// Account ids, comma-separated (default: the caller's own account)
        #[arg(long, value_delimiter = ',', value_name = "ID,...")]
        accounts: Vec<String>,
        /// A file of account ids, one a line (`#` starts a comment)
        #[arg(long, value_name = "FILE")]
        accounts_file: Option<PathBuf>,
        /// The role to assume in each account (arn:aws:iam::ACCOUNT:role/NAME); the caller's
        /// own account is read directly unless it is given
        #[arg(long, value_name = "NAME")]
        role_name: Option<String>,
        /// External id for assuming --role-name
        #[arg(long, value_name = "ID", requires = "role_name")]
        external_id: Option<String>,
        /// Regions, comma-separated, or `all`: every region enabled for each account (Account
        /// ListRegions; one not enabled is skipped and said). Default: AWS_REGION or the
        /// profile's region
        #[arg(long, value_delimiter = ',', value_name = "R,...|all")]
        regions: Vec<String>,
        /// Only clusters whose name matches one of these globs
        #[arg(long, value_name = "GLOB")]
        include: Vec<String>,
        /// Not the clusters whose name matches one of these globs
        #[arg(long, value_name = "GLOB")]
        exclude: Vec<String>,
        /// Only clusters with this tag (KEY=VALUE, the value a glob); repeat for all of several
        #[arg(long, value_name = "KEY=VALUE")]
        tag: Vec<String>,
        /// Clusters audited at once
        #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
        concurrency: u16,
        /// Clusters audited at once in one account and region (AWS throttles per account and
        /// region; a throttled one slows down alone)
        #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
        region_concurrency: u16,
        /// Seconds the whole scan may take; what has not finished then is reported as not
        /// audited (timeout), and the scan exits 3
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
        scan_deadline: Option<u64>,
        /// Only this shard of the account × region pairs: I/N (0 <= I < N)
        #[arg(long, value_name = "I/N", conflicts_with = "shards")]
        shard: Option<String>,
        /// N shards, this one's index from JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        shards: Option<u32>,
        /// Go on from a partial `--format jsonl` output: its clusters are kept, not read again
        #[arg(long, value_name = "PARTIAL.jsonl")]
        resume: Option<PathBuf>,
        /// Keep every cluster's snapshot in this folder (mode 0600), or under
        /// `s3://BUCKET/PREFIX/`, for `--replay`
        #[arg(long, value_name = "DIR")]
        evidence: Option<PathBuf>,
        /// Judge the snapshots a scan kept with --evidence (a folder or `s3://BUCKET/PREFIX/`),
        /// offline, into the fleet report
        #[arg(long, value_name = "DIR", conflicts_with_all = ["resume", "evidence"])]
        replay: Option<PathBuf>,
        /// An earlier scan (its JSON Lines or JSON report): say what changed since, and fail
        /// only on what is new
        #[arg(long, value_name = "PREVIOUS")]
        baseline: Option<PathBuf>,
        /// Findings the baseline already had count toward --fail-on too
        #[arg(long, requires = "baseline")]
        fail_on_existing: bool,
        /// No progress on stderr (by default: a line every few seconds, rewritten on a terminal)
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Report format; jsonl writes one line per cluster as it finishes, then a summary line
        #[arg(long, value_enum, default_value_t = FleetFormat::Table)]
        format: FleetFormat,
        /// Write the report to this file (mode 0600) instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit 1 when a cluster has a finding of this severity or higher
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
        /// Exit 0 instead of 3 when some cluster or target could not be checked completely
        #[arg(long)]
        allow_incomplete: bool,
        /// Exit 0 instead of 3 when the scan's targets hold no cluster to audit (by default an
        /// empty fleet is a scan that checked nothing: a typo in --include, a wrong region)
        #[arg(long)]
        allow_empty_fleet: bool,
        /// AWS profile for the base credentials
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// Seconds to wait for each Kubernetes request
        #[arg(long, value_name = "SECONDS", default_value_t = 10)]
        timeout: u64,
        /// Seconds each cluster's collection may take
        #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
        deadline: u64,
        /// Do not resolve principals in IAM
        #[arg(long)]
        no_iam: bool,
        /// Items per page when listing RBAC objects
        #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5000))]
        page_size: u32,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Also import each audited cluster's findings into AWS Security Hub in the cluster's
        /// account and region (through the role assumed there), and archive the ones an earlier
        /// run imported that no longer occur (not for a cluster whose coverage is incomplete)
        #[arg(long)]
        security_hub: bool,
    },
    /// Join the JSON Lines of a sharded scan into the one fleet report and exit code
    #[command(after_help = EXIT_CODES)]
    Merge {
        /// The shards' `scan --format jsonl` outputs: files, or `s3://BUCKET/PREFIX/` for every
        /// `.jsonl`/`.json` part under the prefix
        #[arg(required = true, value_name = "SHARD.jsonl")]
        shards: Vec<PathBuf>,
        /// Report format
        #[arg(long, value_enum, default_value_t = FleetFormat::Table)]
        format: FleetFormat,
        /// Write the report to this file (mode 0600) instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit 0 instead of 3 when some target could not be checked
        #[arg(long)]
        allow_incomplete: bool,
        /// Exit 0 instead of 3 when the shards together audited no cluster
        #[arg(long)]
        allow_empty_fleet: bool,
        /// The severity from which a finding fails its JUnit case (the exit code is the
        /// shards': each cluster's was decided by its scan's --fail-on)
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
        /// Also import each cluster's findings into AWS Security Hub in its account and region,
        /// and archive what no longer occurs (as `scan --security-hub`)
        #[arg(long)]
        security_hub: bool,
        /// With --security-hub: the role to assume in each account (as `scan --role-name`);
        /// without it, only the caller's own account's clusters are imported
        #[arg(long, value_name = "NAME", requires = "security_hub")]
        role_name: Option<String>,
        /// The external ID the role's trust policy requires
        #[arg(long, value_name = "ID", requires = "role_name")]
        external_id: Option<String>,
        /// AWS profile for the base credentials (with --security-hub)
        #[arg(long, value_name = "NAME", requires = "security_hub")]
        profile: Option<String>,
    },
    /// Validate an organisation policy, or write a starting one from what exists today
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Print one rule's documentation
    Explain {
        /// A rule code, e.g. EA113
        code: String,
    },
    /// Print a shell completion script (generated from this command line, so it never drifts)
    Completions {
        /// The shell: bash, zsh, fish, powershell or elvish
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): every command, option, exit code and environment variable
    Man,
}

/// What `policy` does.
#[derive(Debug, Subcommand)]
pub enum PolicyAction {
    /// Validate a policy file and print, scope by scope, what it allows (exit 2 when invalid)
    Check {
        /// The policy file
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Write a starting policy: every administrator in effect today listed as expected, with
    /// where it was seen
    Init {
        /// An aws-auth manifest, a Terraform plan, an eksctl ClusterConfig or a snapshot
        #[arg(value_name = "FILE", required_unless_present = "cluster")]
        input: Option<String>,
        /// Instead of FILE: a live cluster, by name
        #[arg(long, value_name = "NAME", conflicts_with = "input")]
        cluster: Option<String>,
        /// AWS region of --cluster
        #[arg(long, value_name = "REGION", requires = "cluster")]
        region: Option<String>,
        /// Write the policy here (mode 0600, atomically) instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write the policy even when the evidence could not show every administrator (aws-auth,
        /// RBAC or access entries unread, a cluster not audited): the gaps head the file, and
        /// `policy check` reports them. Without it such evidence is exit 3 and nothing is written
        #[arg(long)]
        allow_incomplete: bool,
    },
}

/// How a judgement's report is rendered, where it goes, and what fails the run: the flags of
/// every command that reports one judgement (`check`, `cluster`).
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Report format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to this file (mode 0600, written atomically) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding has this severity or higher
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Exit 0 instead of 3 when some check could not be evaluated (the report still says so)
    #[arg(long)]
    pub allow_incomplete: bool,
    /// Colour in the table report (NO_COLOR is honoured)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Which organisation policy a command judges against.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyArgs {
    /// The organisation policy (default: AWS_AUTH_AUDIT_POLICY, else .aws-auth-audit.yaml in
    /// this folder or one above it, up to the repository root)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Judge without an organisation policy, even where one would be found
    #[arg(long, conflicts_with = "policy")]
    pub no_policy: bool,
}

/// Which cluster a live command reads, and how.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["name", "context"])))]
pub struct ClusterTarget {
    /// The EKS cluster's name: endpoint and CA from DescribeCluster, token signed in-process
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Instead of --name: a context of an existing kubeconfig (KUBECONFIG, else ~/.kube/config)
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// The kubeconfig file for --context
    #[arg(long, value_name = "FILE", requires = "context")]
    pub kubeconfig: Option<PathBuf>,
    /// Let the kubeconfig's exec credential plugin run (a kubeconfig is data, not a program)
    #[arg(long, requires = "context")]
    pub allow_exec: bool,
    /// Accept a kubeconfig cluster marked insecure-skip-tls-verify; every result then says the
    /// transport was unverified
    #[arg(long, requires = "context")]
    pub insecure_skip_tls_verify: bool,
    /// AWS region of the cluster (default: AWS_REGION or the profile's region)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// AWS profile for the credentials (default: AWS_PROFILE, then `default`)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Assume this IAM role first, and sign the cluster token as it
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// Seconds to wait for each Kubernetes request
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,
    /// Seconds the whole collection may take: what has not been read by then is reported as
    /// unknown(timeout), and the rest is judged
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub deadline: u64,
    /// The IAM principal that created the cluster, when you know it (CloudTrail is then not
    /// asked; it keeps 90 days of events)
    #[arg(long, value_name = "ARN")]
    pub creator: Option<String>,
    /// Do not resolve principals in IAM (EA401–EA404 are then reported as not evaluated)
    #[arg(long)]
    pub no_iam: bool,
    /// Items per page when listing RBAC objects
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub page_size: u32,
}

impl ClusterTarget {
    /// `--name NAME [--region R]` with every other option at the default this grammar gives
    /// it (`whois --cluster` reads a cluster the way `cluster --name` does).
    pub fn named(name: &str, region: Option<&str>) -> ClusterTarget {
        use clap::{Args, FromArgMatches};
        let mut argv = vec!["target".to_string(), format!("--name={name}")];
        if let Some(region) = region {
            argv.push(format!("--region={region}"));
        }
        let matches = ClusterTarget::augment_args(clap::Command::new("target"))
            .try_get_matches_from(argv)
            .expect("a name and a region parse");
        ClusterTarget::from_arg_matches(&matches).expect("the matches are the target's")
    }
}
