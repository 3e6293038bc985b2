//! `docs/cli.md`, generated from the argument parser (a test fails when the committed page
//! differs).

use clap::CommandFactory;

use super::args::Cli;

/// `docs/cli.md`: the help of every command.
pub fn cli_reference() -> String {
    let mut command = Cli::command();
    command.build();
    let mut out = String::from(
        "# Command-line reference\n\nGenerated from the argument parser; do not edit by hand.\n\n",
    );
    out.push_str(&format!(
        "## aws-auth-audit\n\n```text\n{}\n```\n",
        command.render_help()
    ));
    for sub in command.get_subcommands_mut() {
        let name = sub.get_name().to_string();
        let help = sub.render_help();
        out.push_str(&format!(
            "\n## aws-auth-audit {name}\n\n```text\n{help}\n```\n"
        ));
    }
    out
}

/// The environment variables the tool reads, for the man page.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "AWS_REGION, AWS_DEFAULT_REGION",
        "The region of --name and of scan's default region (else the profile's).",
    ),
    (
        "AWS_PROFILE",
        "The profile of the AWS configuration and credentials files (--profile wins).",
    ),
    (
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN",
        "Credentials, first in the SDK's standard chain (then the profile, SSO, web identity, the container and instance roles).",
    ),
    (
        "AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>",
        "Another endpoint for every AWS service or for one (EKS, IAM, STS, CLOUDTRAIL, ORGANIZATIONS, ACCOUNT).",
    ),
    (
        "KUBECONFIG",
        "The kubeconfig files of --context (else ~/.kube/config).",
    ),
    (
        "RUST_LOG",
        "Diagnostics on stderr (e.g. debug, aws_auth_audit=trace), always through the redactor of every credential and token.",
    ),
    (
        "JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX",
        "The shard's index for scan --shards N (a Kubernetes Indexed Job, an AWS Batch array job).",
    ),
    (
        "AWS_AUTH_AUDIT_POLICY",
        "The organisation policy file, when --policy is not given (else .aws-auth-audit.yaml from this folder up to the repository root).",
    ),
    (
        "NO_COLOR",
        "Set and not empty: the table is never coloured (--color auto).",
    ),
    (
        "SOURCE_DATE_EPOCH",
        "Seconds since 1970: the time HTML reports say they were written, so a report rendered again from the same evidence is the same bytes.",
    ),
];

/// The man page (roff): the command, every subcommand with every option, the exit codes and
/// the environment.
pub fn man_page() -> String {
    use clap_mangen::roff::{Roff, bold, roman};
    let mut command = Cli::command();
    command.build();
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)
        .and_then(|()| man.render_name_section(&mut out))
        .and_then(|()| man.render_synopsis_section(&mut out))
        .and_then(|()| man.render_description_section(&mut out))
        .expect("writing to memory");
    // The commands are described below with their options (clap_mangen's own section cites
    // one page per command, which this page is instead).
    let mut page = Roff::new();
    page.control("SH", ["COMMAND OPTIONS"]);
    for sub in command.get_subcommands() {
        let name = format!("aws-auth-audit {}", sub.get_name());
        page.control("SS", [name.as_str()]);
        if let Some(about) = sub.get_about() {
            page.text([roman(about.to_string())]);
        }
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let mut flag = match (arg.get_short(), arg.get_long()) {
                (Some(short), Some(long)) => format!("-{short}, --{long}"),
                (None, Some(long)) => format!("--{long}"),
                (Some(short), None) => format!("-{short}"),
                (None, None) => String::new(),
            };
            if arg.get_action().takes_values() {
                let value = arg
                    .get_value_names()
                    .and_then(|names| names.first())
                    .map_or_else(|| arg.get_id().to_string(), |n| n.to_string());
                flag = match flag.is_empty() {
                    true => format!("<{value}>"),
                    false => format!("{flag} <{value}>"),
                };
            }
            page.control("TP", []);
            page.text([bold(flag)]);
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_string())
                .collect();
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            let mut text = help;
            if !values.is_empty() && arg.get_action().takes_values() {
                text.push_str(&format!(" [possible values: {}]", values.join(", ")));
            }
            if !defaults.is_empty() {
                text.push_str(&format!(" [default: {}]", defaults.join(",")));
            }
            page.text([roman(text)]);
        }
    }
    page.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in super::exit::EXIT_MEANINGS {
        page.control("TP", []);
        page.text([bold(code.to_string())]);
        page.text([roman(meaning)]);
    }
    page.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in ENVIRONMENT {
        page.control("TP", []);
        page.text([bold(*name)]);
        page.text([roman(*meaning)]);
    }
    page.control("SH", ["SEE ALSO"]);
    page.text([roman(
        "aws-auth-audit COMMAND --help for one command; aws-auth-audit rules and aws-auth-audit explain CODE for the rule catalogue; the project's documentation: https://github.com/aws-auth-audit/aws-auth-audit (docs/cli.md, docs/policy.md, docs/fleet.md, docs/ci.md).",
    )]);
    let mut text = String::from_utf8(out).expect("roff is text");
    text.push_str(&page.to_roff());
    text
}

/// A completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "aws-auth-audit", &mut out);
    let script = String::from_utf8(out).expect("completion scripts are text");
    match shell {
        // clap_complete's bash script names a subcommand's state two ways for a binary with
        // hyphens (clap-rs/clap#6421): it sets `aws__auth__audit__subcmd__check` but matches
        // `aws__subcmd__auth__subcmd__audit__subcmd__check`, so completion stops after the
        // subcommand. One spelling for both.
        clap_complete::Shell::Bash => {
            script.replace("aws__subcmd__auth__subcmd__audit", "aws__auth__audit")
        }
        _ => script,
    }
}
