//! Reporters: one per `--format`, each a function of the check result.

pub mod diff;
pub mod fleet;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod policy;
pub mod sarif;
pub mod table;
pub mod whois;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
    // JUnit XML: one test case per rule (a failure per finding at or above --fail-on).
    Junit,
}

/// Version of the JSON report's shape; bumped on any incompatible change.
pub const JSON_REPORT_VERSION: u32 = 1;
