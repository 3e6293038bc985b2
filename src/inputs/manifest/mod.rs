//! Manifests: bytes to text under limits, then the ConfigMaps a file holds (single or
//! multi-document YAML, JSON, `kind: List`, `kubectl get -o yaml|json` output).

mod aws_auth;
mod configmap;
mod input;
mod kubectl_layout;
mod source_map;

pub use aws_auth::{CheckError, InputFile, MAX_CONFIGMAP_DATA_BYTES};
pub use configmap::{ConfigMapDoc, DataItem, DataValue, Manifest, ManifestError, read_configmaps};
pub use input::{InputError, MAX_INPUT_BYTES, decode_text};
pub use kubectl_layout::configmap_yaml;
pub use source_map::SourceMap;
