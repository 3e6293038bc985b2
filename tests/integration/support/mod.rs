//! Test servers: the local EKS + Kubernetes API test bed, and moto for IAM, STS and
//! Organizations.

pub mod testbed;
