//! Builds a tree of [`Node`]s from parser events with an explicit stack (never recursion),
//! so that input nested 10,000 deep is a budget error and not a stack overflow.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScanError, Span};

/// A position in a text: character index (0-based), line and column (both 1-based, columns
/// counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub index: usize,
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn from_marker(marker: &saphyr_parser::Marker) -> Pos {
        Pos {
            index: marker.index(),
            line: marker.line(),
            column: marker.col() + 1,
        }
    }
}

/// How a scalar was written; go-yaml types only plain scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl ScalarStyle {
    pub fn is_block(self) -> bool {
        matches!(self, ScalarStyle::Literal | ScalarStyle::Folded)
    }
}

/// A scalar as written: its value after YAML's own unescaping and folding, and its style.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub value: String,
    pub style: ScalarStyle,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    Mapping(Vec<(Node, Node)>),
}

/// One YAML node with its span in the parsed text and its explicit tag, if any
/// (`tag:yaml.org,2002:str` for `!!str`, `!custom` for a local tag).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub start: Pos,
    pub end: Pos,
    pub tag: Option<String>,
}

impl Node {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Mapping(pairs) => Some(pairs),
            _ => None,
        }
    }

    /// The value of the last pair whose key is the plain string `key` (last duplicate wins,
    /// as in go-yaml's non-strict decoding).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.value == key))
            .map(|(_, v)| v)
    }

    /// [`Node::get`], to change or take the value.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.kind {
            NodeKind::Mapping(pairs) => pairs
                .iter_mut()
                .rev()
                .find(|(k, _)| k.as_scalar().is_some_and(|s| s.value == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar's value as a string, when the node is a scalar.
    pub fn str_value(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.value.as_str())
    }

    /// A short name of the node's kind for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Scalar(_) => "scalar",
            NodeKind::Sequence(_) => "sequence",
            NodeKind::Mapping(_) => "mapping",
        }
    }
}

/// Limits that make hostile YAML an error instead of a crash.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Maximum nesting of sequences and mappings.
    pub max_depth: usize,
    /// Maximum nodes built, alias expansions included.
    pub max_nodes: usize,
    /// Maximum number of alias references.
    pub max_aliases: usize,
    /// Maximum number of documents read.
    pub max_documents: usize,
    /// Maximum memory the built tree may take (nodes and their strings, alias expansions and
    /// the anchors kept for them included): an alias bomb is refused by what it would cost,
    /// not only by how many nodes it has.
    pub max_bytes: usize,
}

impl Budget {
    /// For a whole manifest file (several documents allowed).
    pub const MANIFEST: Budget = Budget {
        max_depth: 64,
        max_nodes: 1_000_000,
        max_aliases: 10_000,
        max_documents: 1_000,
        max_bytes: MAX_TREE_BYTES,
    };
    /// For the YAML inside one `aws-auth` data value.
    pub const SECTION: Budget = Budget {
        max_depth: 16,
        max_nodes: 1_000_000,
        max_aliases: 10_000,
        max_documents: 1,
        max_bytes: MAX_TREE_BYTES,
    };
}

/// The memory a tree may take: a 1 MiB aws-auth (the API server's limit) of ordinary rows
/// builds a tree of about 10 MiB; 32 MiB keeps the whole process under 64 MiB.
const MAX_TREE_BYTES: usize = 32 << 20;

/// Why a text could not be read as YAML.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum YamlError {
    /// The text is not well-formed YAML.
    #[error("{message}")]
    Syntax { pos: Pos, message: String },
    /// The text breaks the auditor's budget (depth, nodes, aliases or documents).
    #[error("{message}")]
    Budget { pos: Pos, message: String },
}

impl YamlError {
    pub fn pos(&self) -> Pos {
        match self {
            YamlError::Syntax { pos, .. } | YamlError::Budget { pos, .. } => *pos,
        }
    }

    fn from_scan(err: &ScanError) -> YamlError {
        let pos = Pos::from_marker(err.marker());
        if err.info() == "recursion limit exceeded" {
            // The scanner's own flow-nesting limit (255), reached before ours on `[[[…`.
            return YamlError::Budget {
                pos,
                message: "flow collections nested too deep: refusing to read further".to_string(),
            };
        }
        YamlError::Syntax {
            pos,
            message: err.info().to_string(),
        }
    }
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// `None` for an empty document (only comments, or nothing).
    pub root: Option<Node>,
    pub start: Pos,
    /// Whether the document began with an explicit `---`.
    pub explicit_start: bool,
}

/// The documents read, and what followed them when reading stopped early.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub documents: Vec<Document>,
    /// Where a further document begins when reading stopped at `max_documents`.
    pub unread_document_at: Option<Pos>,
}

enum Frame {
    Sequence {
        items: Vec<Node>,
        start: Pos,
        tag: Option<String>,
        anchor: usize,
    },
    Mapping {
        pairs: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        start: Pos,
        tag: Option<String>,
        anchor: usize,
    },
}

/// What one node costs in memory, its own strings included (children are counted apart).
fn own_bytes(node: &Node) -> usize {
    let text = match &node.kind {
        NodeKind::Scalar(s) => s.value.len(),
        _ => 0,
    };
    std::mem::size_of::<Node>() + text + node.tag.as_ref().map_or(0, String::len)
}

/// The nodes of a tree and the memory they take.
fn node_count(node: &Node) -> (usize, usize) {
    // Iterative to stay within the stack whatever the depth.
    let (mut count, mut bytes) = (0, 0);
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        bytes += own_bytes(n);
        match &n.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Sequence(items) => stack.extend(items.iter()),
            NodeKind::Mapping(pairs) => {
                for (k, v) in pairs {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    (count, bytes)
}

fn tag_name(tag: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>) -> Option<String> {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
}

struct Builder {
    budget: Budget,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    bytes: usize,
    aliases: usize,
}

impl Builder {
    fn count(&mut self, added: usize, at: Pos) -> Result<(), YamlError> {
        self.spend(added, added * std::mem::size_of::<Node>(), at)
    }

    /// Counts `nodes` more nodes taking `bytes` more memory, refusing past the budget.
    fn spend(&mut self, nodes: usize, bytes: usize, at: Pos) -> Result<(), YamlError> {
        self.nodes += nodes;
        self.bytes += bytes;
        if self.bytes > self.budget.max_bytes {
            return Err(YamlError::Budget {
                pos: at,
                message: format!(
                    "the YAML tree would take more than {} MiB (alias expansion included): refusing to build it",
                    self.budget.max_bytes >> 20
                ),
            });
        }
        if self.nodes > self.budget.max_nodes {
            return Err(YamlError::Budget {
                pos: at,
                message: format!(
                    "more than {} YAML nodes (alias expansion included): refusing to build it",
                    self.budget.max_nodes
                ),
            });
        }
        Ok(())
    }

    /// Adds a finished node to its parent; returns it when it is the document's root. An
    /// anchored node is kept for its aliases: a copy, paid for in the budget.
    fn attach(&mut self, node: Node, anchor: usize, at: Pos) -> Result<Option<Node>, YamlError> {
        if anchor != 0 {
            let (nodes, bytes) = node_count(&node);
            self.spend(nodes, bytes, at)?;
            self.anchors.insert(anchor, node.clone());
        }
        Ok(self.attach_to_parent(node))
    }

    fn attach_to_parent(&mut self, node: Node) -> Option<Node> {
        match self.stack.last_mut() {
            None => Some(node),
            Some(Frame::Sequence { items, .. }) => {
                items.push(node);
                None
            }
            Some(Frame::Mapping {
                pairs, pending_key, ..
            }) => {
                match pending_key.take() {
                    None => *pending_key = Some(node),
                    Some(key) => pairs.push((key, node)),
                }
                None
            }
        }
    }

    fn push(&mut self, frame: Frame, at: Pos) -> Result<(), YamlError> {
        if self.stack.len() >= self.budget.max_depth {
            return Err(YamlError::Budget {
                pos: at,
                message: format!(
                    "nesting deeper than {} levels: refusing to read further",
                    self.budget.max_depth
                ),
            });
        }
        self.stack.push(frame);
        Ok(())
    }
}

fn span_pos(span: &Span) -> (Pos, Pos) {
    (Pos::from_marker(&span.start), Pos::from_marker(&span.end))
}

/// Reads up to `budget.max_documents` documents of `text`. Reading stops there; what follows
/// is not parsed (go-yaml's `Unmarshal` reads the first document only), but the start of a
/// further document is reported in [`Stream::unread_document_at`].
pub fn parse_stream(text: &str, budget: Budget) -> Result<Stream, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder {
        budget,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        bytes: 0,
        aliases: 0,
    };
    let mut documents = Vec::new();
    let mut current: Option<Document> = None;
    let mut unread_document_at = None;

    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| YamlError::from_scan(&e))?;
        let (start, end) = span_pos(&span);
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(explicit) => {
                if documents.len() >= budget.max_documents {
                    unread_document_at = Some(start);
                    break;
                }
                builder.anchors.clear();
                current = Some(Document {
                    root: None,
                    start,
                    explicit_start: explicit,
                });
            }
            Event::DocumentEnd => {
                if let Some(doc) = current.take() {
                    documents.push(doc);
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                builder.spend(1, std::mem::size_of::<Node>() + value.len(), start)?;
                let style = match style {
                    saphyr_parser::ScalarStyle::Plain => ScalarStyle::Plain,
                    saphyr_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    saphyr_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    saphyr_parser::ScalarStyle::Literal => ScalarStyle::Literal,
                    saphyr_parser::ScalarStyle::Folded => ScalarStyle::Folded,
                };
                let node = Node {
                    kind: NodeKind::Scalar(Scalar {
                        value: value.into_owned(),
                        style,
                    }),
                    start,
                    end,
                    tag: tag_name(tag),
                };
                if let Some(root) = builder.attach(node, anchor, start)?
                    && let Some(doc) = current.as_mut()
                {
                    doc.root = Some(root);
                }
            }
            Event::Alias(anchor) => {
                builder.aliases += 1;
                if builder.aliases > budget.max_aliases {
                    return Err(YamlError::Budget {
                        pos: start,
                        message: format!(
                            "more than {} aliases: refusing to expand them",
                            budget.max_aliases
                        ),
                    });
                }
                // Paid for before the copy is made.
                let Some((nodes, bytes)) = builder.anchors.get(&anchor).map(node_count) else {
                    return Err(YamlError::Syntax {
                        pos: start,
                        message: "alias to an unknown anchor".to_string(),
                    });
                };
                builder.spend(nodes, bytes, start)?;
                let target = builder
                    .anchors
                    .get(&anchor)
                    .cloned()
                    .expect("looked up above");
                if let Some(root) = builder.attach(target, 0, start)?
                    && let Some(doc) = current.as_mut()
                {
                    doc.root = Some(root);
                }
            }
            Event::SequenceStart(anchor, tag) => {
                builder.count(1, start)?;
                builder.push(
                    Frame::Sequence {
                        items: Vec::new(),
                        start,
                        tag: tag_name(tag),
                        anchor,
                    },
                    start,
                )?;
            }
            Event::MappingStart(anchor, tag) => {
                builder.count(1, start)?;
                builder.push(
                    Frame::Mapping {
                        pairs: Vec::new(),
                        pending_key: None,
                        start,
                        tag: tag_name(tag),
                        anchor,
                    },
                    start,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match builder.stack.pop() {
                    Some(Frame::Sequence {
                        items,
                        start,
                        tag,
                        anchor,
                    }) => (
                        Node {
                            kind: NodeKind::Sequence(items),
                            start,
                            end,
                            tag,
                        },
                        anchor,
                    ),
                    Some(Frame::Mapping {
                        pairs,
                        start,
                        tag,
                        anchor,
                        ..
                    }) => (
                        Node {
                            kind: NodeKind::Mapping(pairs),
                            start,
                            end,
                            tag,
                        },
                        anchor,
                    ),
                    None => {
                        return Err(YamlError::Syntax {
                            pos: start,
                            message: "unbalanced collection end".to_string(),
                        });
                    }
                };
                if let Some(root) = builder.attach(node, anchor, start)?
                    && let Some(doc) = current.as_mut()
                {
                    doc.root = Some(root);
                }
            }
        }
    }
    if let Some(doc) = current.take() {
        documents.push(doc);
    }
    Ok(Stream {
        documents,
        unread_document_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_root(text: &str) -> Node {
        parse_stream(text, Budget::SECTION).unwrap().documents[0]
            .root
            .clone()
            .unwrap()
    }

    #[test]
    fn keeps_style_and_positions() {
        let root = first_root("- a: 'x'\n  b: |\n    y\n");
        let NodeKind::Sequence(items) = &root.kind else {
            panic!("not a sequence")
        };
        let a = items[0].get("a").unwrap();
        assert_eq!(a.as_scalar().unwrap().style, ScalarStyle::SingleQuoted);
        assert_eq!((a.start.line, a.start.column), (1, 6));
        let b = items[0].get("b").unwrap();
        assert_eq!(b.as_scalar().unwrap().value, "y\n");
        assert_eq!(b.as_scalar().unwrap().style, ScalarStyle::Literal);
    }

    #[test]
    fn last_duplicate_wins_in_get() {
        let root = first_root("k: 1\nk: 2\n");
        assert_eq!(root.get("k").unwrap().str_value(), Some("2"));
    }

    #[test]
    fn stops_after_max_documents_and_reports_the_next() {
        let stream = parse_stream("a: 1\n---\nb: [\n", Budget::SECTION).unwrap();
        assert_eq!(stream.documents.len(), 1);
        assert_eq!(stream.unread_document_at.unwrap().line, 2);
    }

    #[test]
    fn depth_budget_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000);
        let err = parse_stream(&text, Budget::SECTION).unwrap_err();
        assert!(matches!(err, YamlError::Budget { .. }), "{err:?}");
        let err = parse_stream(&"- ".repeat(10_000), Budget::MANIFEST).unwrap_err();
        assert!(matches!(err, YamlError::Budget { .. }), "{err:?}");
    }

    #[test]
    fn alias_bomb_is_a_budget_error() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse_stream(&text, Budget::MANIFEST).unwrap_err();
        assert!(matches!(err, YamlError::Budget { .. }), "{err:?}");
    }

    #[test]
    fn aliases_expand_to_their_anchor() {
        let root = first_root("x: &g [a, b]\ny: *g\n");
        assert_eq!(root.get("x").unwrap().kind, root.get("y").unwrap().kind);
    }
}
