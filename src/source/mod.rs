//! Sources: the only place that reads from the outside world. Later capabilities (the
//! Kubernetes API, EKS, IAM, CloudTrail) add their modules here; everything they fetch
//! becomes plain data for the pure core.

pub mod audit;
pub mod audit_log;
pub mod aws;
mod aws_auth_object;
pub mod aws_error;
pub mod cloudtrail;
pub mod collect;
pub mod context;
pub mod eks;
pub mod eks_access;
pub mod file;
pub mod fleet;
pub mod git;
pub mod iam;
mod iam_policies;
pub mod iam_shared;
pub mod kube;
pub mod regions;
pub mod s3;
pub mod securityhub;
pub mod token;
