//! Test servers: the local EKS + Kubernetes API test bed, and moto for IAM, STS and
//! Organizations; headless Chromium for the HTML report.

pub mod browser;
pub mod hostile_inputs;
pub mod large_cluster;
pub mod page_checks;
pub mod testbed;
