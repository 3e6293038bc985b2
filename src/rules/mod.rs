//! The rule registry. Each rule lives in its own file: a `META` constant, a `check`
//! function, and a module doc comment that is its documentation (`explain`, `docs/rules/`,
//! SARIF help). Adding a rule means adding its file, its fixtures, and one line below.

mod emit;
mod prelude;

pub use emit::{At, Emitter};

use crate::awsauth::document::AwsAuthDocument;
use crate::finding::{Finding, Severity};

/// What a rule needs to be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Needs {
    /// The aws-auth ConfigMap alone (offline).
    AwsAuth,
}

/// A rule's identity and defaults.
#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    pub code: &'static str,
    pub slug: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub needs: Needs,
}

pub struct Rule {
    pub meta: RuleMeta,
    /// The rule's source file; its `//!` lines are its documentation.
    source: &'static str,
    check: fn(&AwsAuthDocument, &mut Emitter<'_>),
}

impl Rule {
    /// The rule's documentation in Markdown, from its module doc comment.
    pub fn doc(&self) -> String {
        let mut lines: Vec<&str> = self
            .source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| {
                l.strip_prefix("//! ")
                    .unwrap_or(l.strip_prefix("//!").unwrap_or(l))
            })
            .collect();
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        lines.join("\n")
    }

    /// One `## Heading` section of the documentation, without its heading.
    pub fn doc_section(&self, heading: &str) -> Option<String> {
        let doc = self.doc();
        let start = doc.find(&format!("## {heading}\n"))? + heading.len() + 4;
        let rest = &doc[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim().to_string())
    }

    pub fn run(&self, doc: &AwsAuthDocument) -> Vec<Finding> {
        let mut emitter = Emitter::new(doc, &self.meta);
        (self.check)(doc, &mut emitter);
        emitter.into_findings()
    }
}

macro_rules! registry {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every rule, in code order.
        pub static RULES: &[Rule] = &[$(Rule {
            meta: $module::META,
            source: include_str!(concat!(stringify!($module), ".rs")),
            check: $module::check,
        }),*];
    };
}

registry! {
    ea101_section_lost,
    ea102_data_key_ignored,
    ea103_row_dropped,
    ea104_wrong_type,
    ea105_empty_username,
    ea106_unknown_entry_key,
    ea107_role_path,
    ea108_sts_arn,
    ea109_invalid_arn,
    ea110_duplicate_arn,
    ea111_user_case_variants,
    ea112_wrong_section,
    ea113_system_masters,
    ea114_privileged_system_group,
    ea115_node_identity,
    ea116_caller_controlled_username,
    ea117_unknown_template,
    ea118_map_accounts,
    ea119_sso_matcher,
    ea120_ignored_document,
    ea121_whitespace_in_arn,
    ea122_duplicate_keys,
    ea123_empty_group,
    ea124_data_not_string,
}

/// The rule with this code (case-insensitive), if any.
pub fn find(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.meta.code.eq_ignore_ascii_case(code))
}

/// Runs every rule on a document; findings in rule order, then file order.
pub fn run_all(doc: &AwsAuthDocument) -> Vec<Finding> {
    RULES.iter().flat_map(|r| r.run(doc)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_ordered_and_documented() {
        let mut previous = "";
        for rule in RULES {
            assert!(rule.meta.code > previous, "{} out of order", rule.meta.code);
            previous = rule.meta.code;
            for heading in [
                "What it does",
                "Why is this bad?",
                "Example",
                "Remediation",
                "How to verify by hand",
                "References",
            ] {
                assert!(
                    rule.doc_section(heading).is_some_and(|s| !s.is_empty()),
                    "{} lacks `## {heading}`",
                    rule.meta.code
                );
            }
        }
    }
}
