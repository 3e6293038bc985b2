//! The aws-auth ConfigMap as the Kubernetes API returns it, made into what the audit keeps:
//! its data, its version, when it last changed, and who wrote it (`managedFields`).

use serde::Deserialize;

use crate::evidence::{AwsAuthObject, FieldWriter};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManagedField {
    manager: Option<String>,
    operation: Option<String>,
    time: Option<String>,
    fields_v1: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    resource_version: Option<String>,
    creation_timestamp: Option<String>,
    managed_fields: Option<Vec<ManagedField>>,
}

/// `GET /api/v1/namespaces/kube-system/configmaps/aws-auth`, as far as the audit reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ConfigMap {
    metadata: Option<Meta>,
    data: Option<std::collections::BTreeMap<String, String>>,
    binary_data: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

impl ConfigMap {
    pub(super) fn into_object(self) -> AwsAuthObject {
        let fields = self
            .metadata
            .as_ref()
            .and_then(|m| m.managed_fields.as_deref())
            .unwrap_or_default();
        AwsAuthObject {
            data: self.data.unwrap_or_default(),
            // RFC 3339 in UTC (`…Z`, what the API server writes) sorts as text.
            last_modified: fields
                .iter()
                .filter_map(|f| f.time.clone())
                .chain(
                    self.metadata
                        .as_ref()
                        .and_then(|m| m.creation_timestamp.clone()),
                )
                .max(),
            writers: fields
                .iter()
                .map(|f| FieldWriter {
                    manager: f.manager.clone().unwrap_or_default(),
                    operation: f.operation.clone().unwrap_or_default(),
                    time: f.time.clone(),
                    writes_data: f
                        .fields_v1
                        .as_ref()
                        .is_some_and(|v| v.get("f:data").is_some()),
                })
                .collect(),
            resource_version: self.metadata.and_then(|m| m.resource_version),
            binary_data_keys: self.binary_data.unwrap_or_default().into_keys().collect(),
        }
    }
}
