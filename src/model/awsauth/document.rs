//! One judged `kube-system/aws-auth`: its data keys as the API server stores them, each
//! section as EKS reads it, and the way back from a position in a section to the file.

use std::collections::BTreeMap;

use super::lookup::Sections;
use super::model::{Section, SectionKey};
use super::parse_map::{SectionBudgetError, parse_section};
use crate::inputs::manifest::{ConfigMapDoc, DataValue, SourceMap};
use crate::inputs::yaml::Pos;

/// A key of the ConfigMap's `data`, and what its value is.
#[derive(Debug, Clone, PartialEq)]
pub struct DataKey {
    pub key: String,
    pub key_pos: Pos,
    pub value_pos: Pos,
    /// `None` for a string; otherwise what was found (the API server rejects the object).
    pub not_a_string: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwsAuthDocument {
    /// The file it came from (`-` for stdin).
    pub path: String,
    /// `namespace/name`.
    pub configmap: String,
    /// The manifest has no namespace; `kube-system` was assumed.
    pub namespace_assumed: bool,
    /// A ConfigMap that holds aws-auth's keys but is not `kube-system/aws-auth` (another
    /// namespace, another name): EKS never reads it. Only EA125 judges it.
    pub misplaced: bool,
    pub data_keys: Vec<DataKey>,
    pub duplicate_data_keys: Vec<(String, Pos)>,
    pub sections: BTreeMap<SectionKey, Section>,
    maps: BTreeMap<SectionKey, SourceMap>,
}

/// A section breaks the auditor's YAML budget.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("data.{section}: YAML budget exceeded: {message}")]
pub struct DocumentError {
    pub section: SectionKey,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

static EMPTY: Section = Section {
    present: false,
    skipped_as_empty: false,
    failure: None,
    entries: Vec::new(),
    accounts: Vec::new(),
    ignored_document_at: None,
};

impl AwsAuthDocument {
    /// Reads a ConfigMap that holds aws-auth's keys where EKS does not look: its sections are
    /// read (so findings can point into them), and only EA125 judges it.
    pub fn misplaced(path: &str, cm: &ConfigMapDoc) -> Result<AwsAuthDocument, DocumentError> {
        let mut doc = AwsAuthDocument::from_configmap(path, cm)?;
        doc.configmap = cm.display_name();
        doc.misplaced = true;
        Ok(doc)
    }

    /// Reads every section of an `aws-auth` ConfigMap as EKS would.
    pub fn from_configmap(path: &str, cm: &ConfigMapDoc) -> Result<AwsAuthDocument, DocumentError> {
        let mut doc = AwsAuthDocument {
            path: path.to_string(),
            configmap: format!("kube-system/{}", cm.name.as_deref().unwrap_or("aws-auth")),
            namespace_assumed: cm.namespace.is_none(),
            misplaced: false,
            data_keys: Vec::new(),
            duplicate_data_keys: cm.duplicate_data_keys.clone(),
            sections: BTreeMap::new(),
            maps: BTreeMap::new(),
        };
        for item in &cm.data {
            let (value_pos, not_a_string) = match &item.value {
                DataValue::Text { pos, .. } => (*pos, None),
                DataValue::NotAString { found, pos } => (*pos, Some(*found)),
            };
            doc.data_keys.push(DataKey {
                key: item.key.clone(),
                key_pos: item.key_pos,
                value_pos,
                not_a_string,
            });
            let (Some(section), DataValue::Text { text, map, .. }) =
                (SectionKey::from_key(&item.key), &item.value)
            else {
                continue;
            };
            let parsed = parse_section(section, text).map_err(|e: SectionBudgetError| {
                let (line, column) = map.to_file(e.pos);
                DocumentError {
                    section,
                    line,
                    column,
                    message: e.message,
                }
            })?;
            doc.sections.insert(section, parsed);
            doc.maps.insert(section, map.clone());
        }
        Ok(doc)
    }

    /// The section as EKS reads it (absent sections are empty).
    pub fn section(&self, key: SectionKey) -> &Section {
        self.sections.get(&key).unwrap_or(&EMPTY)
    }

    pub fn lookup_sections(&self) -> Sections<'_> {
        Sections {
            roles: self.section(SectionKey::MapRoles),
            users: self.section(SectionKey::MapUsers),
            accounts: self.section(SectionKey::MapAccounts),
        }
    }

    /// File line and column of a position inside a section's text.
    pub fn file_pos(&self, section: SectionKey, inner: Pos) -> (usize, usize) {
        self.maps
            .get(&section)
            .map_or((inner.line, inner.column), |m| m.to_file(inner))
    }

    pub fn data_key(&self, key: &str) -> Option<&DataKey> {
        self.data_keys.iter().find(|d| d.key == key)
    }
}
