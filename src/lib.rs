//! aws-auth-audit: who can get into an Amazon EKS cluster, read exactly as EKS reads it.
#![forbid(unsafe_code)]

pub mod access;
pub mod arn;
pub mod awsauth;
pub mod certificate;
pub mod check;
pub mod cli;
pub mod declared;
pub mod diff;
pub mod eksctl;
pub mod exit;
pub mod finding;
pub mod iam;
pub mod judge;
pub mod kubeconfig;
pub mod logging;
pub mod manifest;
pub mod output;
pub mod percent;
pub mod policies;
pub mod rbac;
pub mod redact;
pub mod report;
pub mod rules;
pub mod sample;
pub mod snapshot;
pub mod source;
pub mod terraform;
pub mod yaml;
