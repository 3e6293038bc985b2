//! Finds the ConfigMaps in a manifest and reads their `data` the way the API server would
//! store it: values must be strings (YAML 1.1 typing, as `kubectl` converts YAML to JSON).

use super::source_map::SourceMap;
use crate::inputs::yaml::{
    Budget, Node, NodeKind, Pos, Resolved, ScalarStyle, YamlError, parse_stream,
    read_block_mappings, resolve_plain, resolve_tagged,
};

/// The manifest is not YAML we can read, or breaks a limit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ManifestError {
    pub pos: Pos,
    pub message: String,
}

impl From<YamlError> for ManifestError {
    fn from(e: YamlError) -> Self {
        let message = match &e {
            YamlError::Syntax { message, .. } => format!("YAML syntax error: {message}"),
            YamlError::Budget { message, .. } => format!("YAML budget exceeded: {message}"),
        };
        ManifestError {
            pos: e.pos(),
            message,
        }
    }
}

/// One `data` value.
#[derive(Debug, Clone, PartialEq)]
pub enum DataValue {
    /// A string, with the map from positions inside it to the file.
    Text {
        text: String,
        pos: Pos,
        map: SourceMap,
    },
    /// Not a string: the API server rejects the whole object.
    NotAString { found: &'static str, pos: Pos },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataItem {
    pub key: String,
    pub key_pos: Pos,
    pub value: DataValue,
}

/// A ConfigMap found in a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigMapDoc {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub pos: Pos,
    pub data: Vec<DataItem>,
    /// Keys that appear more than once in `data` (the last one is used), with positions.
    pub duplicate_data_keys: Vec<(String, Pos)>,
    /// Bytes of `data` and `binaryData` values, counted as Kubernetes counts them.
    pub data_bytes: usize,
}

impl ConfigMapDoc {
    pub fn is_aws_auth(&self) -> bool {
        self.name.as_deref() == Some("aws-auth")
            && matches!(self.namespace.as_deref(), None | Some("kube-system"))
    }

    pub fn display_name(&self) -> String {
        format!(
            "{}/{}",
            self.namespace.as_deref().unwrap_or("(no namespace)"),
            self.name.as_deref().unwrap_or("(no name)")
        )
    }
}

/// The YAML core tags a manifest may use; anything else (`!custom`, `!!python/object`) is
/// refused rather than guessed at.
const KNOWN_TAGS: &[&str] = &[
    "str",
    "int",
    "bool",
    "float",
    "null",
    "map",
    "seq",
    "binary",
    "timestamp",
    "merge",
];

fn check_tags(node: &Node) -> Result<(), ManifestError> {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if let Some(tag) = &n.tag
            && !KNOWN_TAGS
                .iter()
                .any(|known| tag.strip_prefix("tag:yaml.org,2002:") == Some(known))
        {
            return Err(ManifestError {
                pos: n.start,
                message: format!(
                    "unknown YAML tag `{tag}`: Kubernetes manifests do not use custom tags"
                ),
            });
        }
        match &n.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Sequence(items) => stack.extend(items),
            NodeKind::Mapping(pairs) => {
                for (k, v) in pairs {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    Ok(())
}

fn scalar_text(node: &Node) -> Result<Option<String>, ManifestError> {
    let Some(scalar) = node.as_scalar() else {
        return Ok(None);
    };
    resolved_text(node, &scalar.value, scalar.style).map(|s| s.map(std::borrow::Cow::into_owned))
}

/// The string a scalar is stored as, when it is one: `None` for a number, a boolean, …
fn resolved_text<'v>(
    node: &Node,
    value: &'v str,
    style: ScalarStyle,
) -> Result<Option<std::borrow::Cow<'v, str>>, ManifestError> {
    let resolved = match &node.tag {
        Some(tag) => resolve_tagged(tag, value).map_err(|message| ManifestError {
            pos: node.start,
            message,
        })?,
        None if style == ScalarStyle::Plain => resolve_plain(value),
        // Quoted and block scalars are strings as written: no copy.
        None => return Ok(Some(value.into())),
    };
    Ok(match resolved {
        Resolved::Str(s) => Some(s.into()),
        // JSON null into a Go string is a no-op: the value is stored as "".
        Resolved::Null => Some("".into()),
        _ => None,
    })
}

/// The text between two character indices (the parser counts characters, not bytes).
fn char_slice(text: &str, start: usize, end: usize) -> &str {
    if text.is_ascii() {
        // One byte per character: the indices are byte offsets (no walk from the start).
        let from = start.min(text.len());
        return &text[from..end.clamp(from, text.len())];
    }
    let mut offsets = text.char_indices().map(|(b, _)| b).skip(start);
    let from = offsets.next().unwrap_or(text.len());
    let to = offsets
        .nth(end.saturating_sub(start + 1))
        .unwrap_or(text.len());
    &text[from..to.max(from)]
}

fn data_value(text: &str, node: &mut Node) -> Result<DataValue, ManifestError> {
    if let Some(scalar) = node.as_scalar()
        && let Some(value) = resolved_text(node, &scalar.value, scalar.style)?
    {
        let style = scalar.style;
        let value = match value {
            std::borrow::Cow::Owned(value) => value,
            // The scalar's own text, moved out of the tree (a 1 MiB section is not copied).
            std::borrow::Cow::Borrowed(_) => match &mut node.kind {
                NodeKind::Scalar(scalar) => std::mem::take(&mut scalar.value),
                _ => unreachable!("a scalar above"),
            },
        };
        let source = char_slice(text, node.start.index, node.end.index);
        let map = if value.is_empty() {
            SourceMap::Start(node.start)
        } else {
            SourceMap::build(source, node.start, style, &value)
        };
        return Ok(DataValue::Text {
            text: value,
            pos: node.start,
            map,
        });
    }
    let found = match (
        &node.kind,
        node.as_scalar().map(|s| resolve_plain(&s.value)),
    ) {
        (NodeKind::Sequence(_), _) => "a list",
        (NodeKind::Mapping(_), _) => "a mapping",
        (_, Some(Resolved::Bool(_))) => "a boolean",
        (_, Some(Resolved::Int(_) | Resolved::Float(_))) => "a number",
        _ => "not a string",
    };
    Ok(DataValue::NotAString {
        found,
        pos: node.start,
    })
}

/// Decoded length of a base64 `binaryData` value.
fn base64_len(value: &str) -> usize {
    let significant = value
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .count();
    significant * 3 / 4
}

/// Reads a ConfigMap; its `data` values are moved out of the tree.
fn read_configmap(text: &str, root: &mut Node) -> Result<ConfigMapDoc, ManifestError> {
    let metadata = root.get("metadata");
    let field = |name: &str| {
        metadata
            .and_then(|m| m.get(name))
            .and_then(|n| n.str_value())
            .map(str::to_string)
    };
    let mut doc = ConfigMapDoc {
        name: field("name"),
        namespace: field("namespace"),
        pos: root.start,
        data: Vec::new(),
        duplicate_data_keys: Vec::new(),
        data_bytes: 0,
    };
    if let Some(data) = root.get_mut("data") {
        match &mut data.kind {
            NodeKind::Mapping(pairs) => {
                for (key, value) in pairs {
                    let Some(key_text) = scalar_text(key)? else {
                        return Err(ManifestError {
                            pos: key.start,
                            message: "a data key must be a string".into(),
                        });
                    };
                    let value = data_value(text, value)?;
                    if let Some(previous) = doc.data.iter().position(|d| d.key == key_text) {
                        let old = doc.data.remove(previous);
                        doc.duplicate_data_keys.push((old.key, old.key_pos));
                    }
                    doc.data.push(DataItem {
                        key: key_text,
                        key_pos: key.start,
                        value,
                    });
                }
            }
            NodeKind::Scalar(s)
                if s.style == ScalarStyle::Plain && resolve_plain(&s.value) == Resolved::Null => {}
            _ => {
                return Err(ManifestError {
                    pos: data.start,
                    message: format!(
                        "`data` must be a mapping of strings, found a {}",
                        data.kind_name()
                    ),
                });
            }
        }
    }
    doc.data_bytes = doc
        .data
        .iter()
        .map(|d| match &d.value {
            DataValue::Text { text, .. } => text.len(),
            DataValue::NotAString { .. } => 0,
        })
        .sum();
    if let Some(NodeKind::Mapping(pairs)) = root.get("binaryData").map(|b| &b.kind) {
        doc.data_bytes += pairs
            .iter()
            .filter_map(|(_, v)| v.str_value())
            .map(base64_len)
            .sum::<usize>();
    }
    Ok(doc)
}

/// What a manifest holds: its ConfigMaps, and a count of other objects.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Manifest {
    pub configmaps: Vec<ConfigMapDoc>,
    pub other_objects: Vec<(String, Pos)>,
}

fn collect(text: &str, node: &mut Node, out: &mut Manifest) -> Result<(), ManifestError> {
    let kind = node
        .get("kind")
        .and_then(|k| k.str_value())
        .unwrap_or("")
        .to_string();
    let is_list = kind.ends_with("List")
        && matches!(
            node.get("items").map(|i| &i.kind),
            Some(NodeKind::Sequence(_))
        );
    match kind.as_str() {
        "ConfigMap" => out.configmaps.push(read_configmap(text, node)?),
        _ if is_list => {
            if let Some(NodeKind::Sequence(items)) = node.get_mut("items").map(|i| &mut i.kind) {
                for item in items {
                    collect(text, item, out)?;
                }
            }
        }
        _ => out.other_objects.push((
            if kind.is_empty() {
                "(no kind)".to_string()
            } else {
                kind
            },
            node.start,
        )),
    }
    Ok(())
}

/// Reads every ConfigMap in a manifest text.
pub fn read_configmaps(text: &str) -> Result<Manifest, ManifestError> {
    // The common shape is read directly; anything else by the full YAML path.
    let mut stream = match read_block_mappings(text, Budget::MANIFEST) {
        Some(stream) => stream,
        None => parse_stream(text, Budget::MANIFEST)?,
    };
    let mut manifest = Manifest::default();
    for document in &mut stream.documents {
        let Some(root) = &mut document.root else {
            continue;
        };
        check_tags(root)?;
        if root.as_mapping().is_none() {
            return Err(ManifestError {
                pos: root.start,
                message: format!(
                    "expected a Kubernetes object (a mapping), found a {}",
                    root.kind_name()
                ),
            });
        }
        collect(text, root, &mut manifest)?;
    }
    Ok(manifest)
}
