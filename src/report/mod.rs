//! Reporters: one per `--format`, each a function of the check result.

pub mod escape;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod table;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
}

/// Version of the JSON report's shape; bumped on any incompatible change.
pub const JSON_REPORT_VERSION: u32 = 1;
