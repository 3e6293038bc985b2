//! Manifests: bytes to text under limits, then the ConfigMaps a file holds (single or
//! multi-document YAML, JSON, `kind: List`, `kubectl get -o yaml|json` output).

mod configmap;
mod input;
mod source_map;

pub use configmap::{ConfigMapDoc, DataItem, DataValue, Manifest, ManifestError, read_configmaps};
pub use input::{InputError, MAX_INPUT_BYTES, decode_text};
pub use source_map::SourceMap;
