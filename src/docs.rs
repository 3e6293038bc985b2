//! Generated documentation: one page per rule from its doc comment, the rule index, and the
//! CLI reference from clap. A test fails when the committed pages differ.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::rules::{RULES, Rule};

/// A rule's page: what `explain` prints and `docs/rules/CODE.md` holds.
pub fn rule_page(rule: &Rule) -> String {
    format!(
        "# {} {}\n\nDefault severity: **{}**. Needs: {}.\n\n{}\n",
        rule.meta.code,
        rule.meta.slug,
        rule.meta.severity,
        crate::rules::describe_needs(rule.meta.needs),
        rule.doc()
    )
}

/// `docs/rules/README.md`.
pub fn rules_index() -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated from the rule registry (`src/rules/`); do not edit by hand.\n\n| code | name | severity | summary |\n|---|---|---|---|\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| [{code}]({code}.md) | {} | {} | {} |\n",
            rule.meta.slug,
            rule.meta.severity,
            rule.meta.summary.replace('|', "\\|"),
            code = rule.meta.code
        ));
    }
    out
}

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
