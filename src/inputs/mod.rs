//! What a user hands the tool, parsed: Kubernetes manifests (ConfigMaps with their source
//! positions), the YAML layer under them, Terraform plans and eksctl ClusterConfigs (the access
//! they declare), kubeconfigs and certificates. Pure.

pub mod certificate;
pub mod declared;
pub mod eksctl;
pub mod kind;
pub mod kubeconfig;
pub mod manifest;
pub mod terraform;
pub mod yaml;
