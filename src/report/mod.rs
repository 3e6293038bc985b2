//! Reporters: one per `--format`, each a function of the check result.

pub mod asff;
pub mod diff;
pub mod export;
pub mod fleet;
pub mod graph;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod ocsf;
pub mod policy;
pub mod sarif;
pub mod schema;
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
    // The access graph as Graphviz DOT (check and cluster).
    Dot,
    // The access graph as a Mermaid flowchart (check and cluster).
    Mermaid,
    // One self-contained HTML page: coverage, summary, the access graph, the matrix, findings.
    Html,
    // AWS Security Finding Format (Security Hub's BatchImportFindings): a cluster's findings.
    Asff,
    // OCSF Detection Findings (OCSF 1.5.0), for Security Lake and SIEMs.
    Ocsf,
}

/// Output formats of `diff`: a change compared, so no one configuration's graph (`dot`,
/// `mermaid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Sarif,
    Markdown,
    Junit,
    Html,
}

/// The commit the binary was built from (`build.rs`; `unknown` outside a git checkout).
pub const COMMIT: &str = env!("AWS_AUTH_AUDIT_COMMIT");

/// The tool block of every JSON report: name, version, commit and the rule catalogue's size,
/// so a report can be traced to a build.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ToolInfo {
    pub name: std::borrow::Cow<'static, str>,
    pub version: std::borrow::Cow<'static, str>,
    pub commit: std::borrow::Cow<'static, str>,
    pub rules: usize,
}

impl ToolInfo {
    pub fn this_build() -> ToolInfo {
        ToolInfo {
            name: "aws-auth-audit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            commit: COMMIT.into(),
            rules: crate::rules::RULES.len(),
        }
    }

    /// SARIF's driver properties: the commit and the catalogue's size.
    pub fn sarif_properties(&self) -> serde_json::Value {
        serde_json::json!({"commit": self.commit, "rules": self.rules})
    }
}

/// Version of the JSON report's shape; bumped on any incompatible change.
pub const JSON_REPORT_VERSION: u32 = 1;
