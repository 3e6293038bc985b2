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
