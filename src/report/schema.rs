//! JSON Schemas of every machine-readable output, derived from the types that write them (so
//! they cannot drift), published under `docs/schema/` with an `$id` that carries the shape's
//! version. A test checks the published files against these and validates every report of
//! the examples and the test scenarios against them.

use schemars::JsonSchema;

/// Where the published schemas live; each `$id` is this plus the file's name.
pub const SCHEMA_BASE: &str =
    "https://github.com/aws-auth-audit/aws-auth-audit/blob/main/docs/schema/";

/// One published schema: its file name under `docs/schema/` and its text.
pub struct Published {
    pub file: String,
    pub text: String,
}

/// The schema of `T`, as published: draft 2020-12, with `$id`, title and description.
fn publish<T: JsonSchema>(name: &str, version: u32, title: &str, description: &str) -> Published {
    let file = format!("{name}.v{version}.schema.json");
    // The shape as the tool writes it (a field it may leave out is not required), not as it
    // would read it.
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.contract = schemars::generate::Contract::Serialize;
    let mut schema = settings.into_generator().into_root_schema_for::<T>();
    schema.insert("$id".into(), format!("{SCHEMA_BASE}{file}").into());
    schema.insert("title".into(), title.into());
    schema.insert("description".into(), description.into());
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema is JSON");
    text.push('\n');
    Published { file, text }
}

/// Every machine-readable output's schema.
pub fn all() -> Vec<Published> {
    use crate::report::fleet::{FLEET_REPORT_VERSION, FleetLine, FleetReport};
    vec![
        publish::<super::json::Report<'static>>(
            "report",
            super::JSON_REPORT_VERSION,
            "aws-auth-audit report",
            "`check` and `cluster` with `--format json`: the inputs as EKS holds them, the access matrix of a live audit, the findings, the coverage (what could not be evaluated and why) and a summary.",
        ),
        publish::<crate::evidence::Snapshot>(
            "snapshot",
            crate::evidence::SNAPSHOT_VERSION,
            "aws-auth-audit evidence snapshot",
            "What `collect` (and `cluster --snapshot`, `scan --evidence`) read from a cluster, EKS, IAM and CloudTrail, every read found, verified absent or unknown with the reason; `check SNAPSHOT` judges it offline.",
        ),
        publish::<super::diff::DiffReport<'static>>(
            "diff",
            super::JSON_REPORT_VERSION,
            "aws-auth-audit diff report",
            "`diff --format json`: what a change does to who can get in (verdicts) and the findings it introduces, fixes or keeps.",
        ),
        publish::<super::whois::WhoisReport>(
            "whois",
            super::JSON_REPORT_VERSION,
            "aws-auth-audit whois answer",
            "`whois ARN --file FILE --format json`: what aws-auth answers for one IAM principal — the outcome, the Kubernetes username and groups, the deciding row.",
        ),
        publish::<super::whois::ClusterWhoisReport<'static>>(
            "whois-cluster",
            super::JSON_REPORT_VERSION,
            "aws-auth-audit whois answer for a cluster",
            "`whois ARN --cluster NAME` (or `--snapshot FILE`) `--format json`: the decision across access entries and aws-auth under the cluster's authentication mode.",
        ),
        publish::<FleetLine>(
            "fleet-line",
            FLEET_REPORT_VERSION,
            "aws-auth-audit fleet scan line",
            "One line of `scan --format jsonl` (and `merge`): a cluster with its full report, a target not audited with the reason, a region skipped, or the closing summary.",
        ),
        publish::<FleetReport<'static>>(
            "fleet",
            FLEET_REPORT_VERSION,
            "aws-auth-audit fleet report",
            "`scan --format json` (and `merge`): every cluster with its full report, the targets not audited, the regions skipped, and the summary with the fleet access view.",
        ),
    ]
}
