//! Test servers: the local EKS + Kubernetes API test bed, and moto for IAM, STS and
//! Organizations.

pub mod hostile_inputs;
pub mod testbed;
