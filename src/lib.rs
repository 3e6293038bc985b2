//! aws-auth-audit: who can get into an Amazon EKS cluster, read exactly as EKS reads it.
#![forbid(unsafe_code)]

pub mod yaml;
pub mod arn;
pub mod awsauth;
pub mod manifest;
pub mod finding;
pub mod policies;
pub mod rules;
pub mod check;
pub mod exit;
pub mod source;
pub mod report;
pub mod cli;
pub mod docs;
pub mod output;
