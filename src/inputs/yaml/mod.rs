//! YAML with positions: an event-driven tree builder over `saphyr-parser` that keeps every
//! node's span, scalar style, raw text and tag, enforces a budget (depth, nodes, aliases,
//! documents) without recursion, and the YAML 1.1 scalar resolution of go-yaml v2.
//!
//! Why not a typed deserialiser: EKS reads `aws-auth` through go-yaml v2 (YAML 1.1), so we
//! need the raw text and style of every scalar to resolve it the way go-yaml does, and spans
//! to point findings at lines. See `docs/yaml-parser.md` for the decision.

mod block_mappings;
pub(crate) mod line;
mod resolve;
mod tree;

pub use block_mappings::read_block_mappings;
pub use resolve::{Resolved, resolve_plain, resolve_tagged};
pub use tree::{
    Budget, Document, Node, NodeKind, Pos, Scalar, ScalarStyle, Stream, YamlError, parse_stream,
};
