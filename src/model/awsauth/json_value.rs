//! `sigs.k8s.io/yaml.YAMLToJSON` without a target type: go-yaml v2 decodes the YAML into
//! `interface{}` (YAML 1.1 typing, last duplicate key wins, `<<` merges), keys become
//! strings, and `json.Marshal` writes object keys in byte order. Positions are kept so that
//! later stages can point at the line that decided a value.

use crate::inputs::yaml::{
    Node, NodeKind, Pos, Resolved, ScalarStyle, resolve_plain, resolve_tagged,
};

/// A JSON value as `encoding/json` will see it, with the YAML position it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonNode {
    pub value: JsonValue,
    pub start: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JsonValue {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<JsonNode>),
    Object(JsonObject),
}

impl JsonValue {
    /// The type name `encoding/json` uses in its `UnmarshalTypeError`.
    pub fn type_name(&self) -> &'static str {
        match self {
            JsonValue::Null => "null",
            JsonValue::Bool(_) => "bool",
            JsonValue::Number(_) => "number",
            JsonValue::String(_) => "string",
            JsonValue::Array(_) => "array",
            JsonValue::Object(_) => "object",
        }
    }
}

/// An object's members in byte order of their keys (as `json.Marshal` writes a map), plus
/// the YAML keys that a later duplicate overwrote.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JsonObject {
    pub members: Vec<JsonMember>,
    pub overwritten: Vec<JsonMember>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JsonMember {
    pub key: String,
    pub key_pos: Pos,
    pub value: JsonNode,
}

/// Why go-yaml or the YAML→JSON conversion refused the text (the whole section is lost).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConversionError {
    pub pos: Pos,
    pub message: String,
}

fn resolve_scalar(node: &Node) -> Result<Resolved, ConversionError> {
    let scalar = node.as_scalar().expect("caller checked");
    match &node.tag {
        Some(tag) => resolve_tagged(tag, &scalar.value).map_err(|message| ConversionError {
            pos: node.start,
            message,
        }),
        None if scalar.style == ScalarStyle::Plain => Ok(resolve_plain(&scalar.value)),
        None => Ok(Resolved::Str(scalar.value.clone())),
    }
}

/// go's `strconv.FormatFloat(f, 'g', -1, 32)` for the common cases, as YAMLToJSON writes
/// float keys.
fn float_key(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        }
    } else {
        format!("{}", f as f32)
    }
}

fn key_string(node: &Node) -> Result<String, ConversionError> {
    if node.as_scalar().is_none() {
        return Err(ConversionError {
            pos: node.start,
            message: format!("invalid map key: a {} cannot be a key", node.kind_name()),
        });
    }
    Ok(match resolve_scalar(node)? {
        Resolved::Str(s) => s,
        Resolved::Merge => "<<".into(),
        Resolved::Int(i) => i.to_string(),
        Resolved::Float(f) => float_key(f),
        Resolved::Bool(b) => b.to_string(),
        Resolved::Null => {
            return Err(ConversionError {
                pos: node.start,
                message: "unsupported map key: null".into(),
            });
        }
    })
}

fn is_merge_key(node: &Node) -> bool {
    match (node.as_scalar(), &node.tag) {
        (Some(s), None) => s.style == ScalarStyle::Plain && s.value == "<<",
        (Some(_), Some(tag)) => tag == "tag:yaml.org,2002:merge",
        _ => false,
    }
}

/// Converts a YAML node the way YAMLToJSON does.
pub fn to_json(node: &Node) -> Result<JsonNode, ConversionError> {
    let value = match &node.kind {
        NodeKind::Scalar(_) => match resolve_scalar(node)? {
            Resolved::Null => JsonValue::Null,
            Resolved::Bool(b) => JsonValue::Bool(b),
            Resolved::Int(i) => JsonValue::Number(i as f64),
            Resolved::Float(f) => JsonValue::Number(f),
            Resolved::Str(s) => JsonValue::String(s),
            Resolved::Merge => JsonValue::String("<<".into()),
        },
        NodeKind::Sequence(items) => {
            JsonValue::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        NodeKind::Mapping(pairs) => {
            let mut object = JsonObject::default();
            for (key, value) in pairs {
                if is_merge_key(key) {
                    merge_into(&mut object, value)?;
                    continue;
                }
                let member = JsonMember {
                    key: key_string(key)?,
                    key_pos: key.start,
                    value: to_json(value)?,
                };
                insert(&mut object, member);
            }
            object
                .members
                .sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
            JsonValue::Object(object)
        }
    };
    Ok(JsonNode {
        value,
        start: node.start,
    })
}

fn insert(object: &mut JsonObject, member: JsonMember) {
    if let Some(existing) = object.members.iter_mut().find(|m| m.key == member.key) {
        let old = std::mem::replace(existing, member);
        object.overwritten.push(old);
    } else {
        object.members.push(member);
    }
}

/// go-yaml v2 merges by decoding the merged mapping into the same map: its keys overwrite
/// keys set before the `<<` and are overwritten by keys after it. A sequence of mappings is
/// merged last-to-first so that the first one wins.
fn merge_into(object: &mut JsonObject, value: &Node) -> Result<(), ConversionError> {
    let merge_one = |object: &mut JsonObject, node: &Node| -> Result<(), ConversionError> {
        let JsonValue::Object(merged) = to_json(node)?.value else {
            return Err(ConversionError {
                pos: node.start,
                message: "map merge requires map or sequence of maps as the value".into(),
            });
        };
        for member in merged.members {
            insert(object, member);
        }
        Ok(())
    };
    match &value.kind {
        NodeKind::Mapping(_) => merge_one(object, value),
        NodeKind::Sequence(items) => {
            for item in items.iter().rev() {
                merge_one(object, item)?;
            }
            Ok(())
        }
        NodeKind::Scalar(_) => Err(ConversionError {
            pos: value.start,
            message: "map merge requires map or sequence of maps as the value".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::yaml::{Budget, parse_stream};

    fn json(text: &str) -> JsonValue {
        let stream = parse_stream(text, Budget::SECTION).unwrap();
        to_json(stream.documents[0].root.as_ref().unwrap())
            .unwrap()
            .value
    }

    fn keys(v: &JsonValue) -> Vec<String> {
        let JsonValue::Object(o) = v else { panic!() };
        o.members.iter().map(|m| m.key.clone()).collect()
    }

    #[test]
    fn keys_sorted_bytewise_and_typed() {
        let v = json("rolearn: a\nroleARN: b\nyes: 1\n012: 2\n");
        assert_eq!(keys(&v), vec!["10", "roleARN", "rolearn", "true"]);
    }

    #[test]
    fn duplicate_keys_last_wins_and_are_recorded() {
        let JsonValue::Object(o) = json("a: 1\na: 2\n") else {
            panic!()
        };
        assert_eq!(o.members[0].value.value, JsonValue::Number(2.0));
        assert_eq!(o.overwritten.len(), 1);
    }

    #[test]
    fn merge_keys_follow_go_yaml_v2() {
        let JsonValue::Object(o) = json("base: &b {x: 1, y: 1}\nm: {y: 2, <<: *b}\n") else {
            panic!()
        };
        let JsonValue::Object(m) = &o.members[1].value.value else {
            panic!()
        };
        // `<<` after `y` overwrites it in go-yaml v2.
        assert_eq!(m.members[1].value.value, JsonValue::Number(1.0));
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        assert_eq!(json("'yes'"), JsonValue::String("yes".into()));
        assert_eq!(json("yes"), JsonValue::Bool(true));
        assert_eq!(json("!!str 12"), JsonValue::String("12".into()));
    }
}
