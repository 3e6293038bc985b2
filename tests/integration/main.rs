//! Every integration test, in one crate: one link of the AWS SDKs, kube and aws-lc instead of
//! one per file, and one moto pool shared by the tests (`support/moto.rs`). Each module is one
//! area, named as its file; `cargo test --test integration AREA` runs one.

mod common;
mod support;

mod access_creator;
mod access_entries;
mod access_faults;
mod action;
mod cli;
mod cli_whois;
mod cluster;
mod conformance;
mod container;
mod deploy;
mod diff;
mod escaping;
mod exports;
mod fleet;
mod fleet_jobs;
mod fleet_reports;
mod generated_docs;
mod graph;
mod green_runs;
mod hostile;
mod html_report;
mod iam;
mod inputs;
mod kubeconfig;
mod least_privilege;
mod live_access;
mod live_kubeconfig;
mod loose_ends;
mod mutations;
mod not_evaluated;
mod output_faults;
mod pinned_reports;
mod policy;
mod policy_schema;
mod report_document;
mod rule_fixtures;
mod s3_output;
mod schemas;
mod security_hub;
mod session;
mod supply_chain;
mod token;
mod trail;
mod workflows;
mod yaml_fast_path;
mod yaml_manifest_fast_path;
