//! The evidence of a live audit: what was read, and every call that failed. Everything the
//! judgement needs is here, so a live audit can be replayed offline (`collect`, then
//! `check snap.json`). Kubernetes and SDK types are converted to these at the source
//! boundary; everything after this is pure.

mod audit_log;
mod cluster;
mod fetched;
mod iam;
mod kubernetes;
mod snapshot;
mod trail;
mod vocabulary;

pub use audit_log::*;
pub use cluster::*;
pub use fetched::*;
pub use iam::*;
pub use kubernetes::*;
pub use snapshot::*;
pub use trail::*;
pub use vocabulary::*;
