//! aws-auth-audit: who can get into an Amazon EKS cluster, read exactly as EKS reads it.
//!
//! The flow, one folder a stage: `inputs` (what a user hands us: manifests, plans,
//! ClusterConfigs, kubeconfigs) and `source` (the only async I/O: AWS, Kubernetes, files) make
//! `evidence`; `model` is what EKS makes of it (aws-auth as the authenticator parses it, ARNs,
//! IAM, RBAC, the access matrix); `judge` runs the `rules` on it; `diff` compares two
//! judgements; `report` renders them; `cli` is the command line. `infra` holds what all of
//! them use (logging, redaction, private files).
#![forbid(unsafe_code)]

pub mod cli;
pub mod diff;
pub mod evidence;
pub mod infra;
pub mod inputs;
pub mod judge;
pub mod model;
pub mod policy;
pub mod report;
pub mod rules;
pub mod source;
