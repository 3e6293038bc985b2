//! Test servers: the local EKS + Kubernetes API test bed, and moto for IAM, STS and
//! Organizations; headless Chromium for the HTML report.

pub mod browser;
pub mod fault_proxy;
pub mod hostile_inputs;
pub mod large_cluster;
pub mod mutator;
pub mod page_checks;
/// The generated aws-auth of the benchmarks.
#[path = "../../../benches/support/sample.rs"]
pub mod sample;
pub mod testbed;
