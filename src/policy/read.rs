//! Reading YAML values of a policy file: each error at its file, line and column, saying
//! what was expected.

use super::{Glob, Span};
use crate::inputs::yaml::{Node, NodeKind, Resolved, ScalarStyle, resolve_plain};
use crate::rules::finding::Severity;

/// A policy that cannot be used: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct PolicyError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

pub(super) struct Reader<'a> {
    pub(super) path: &'a str,
}

impl Reader<'_> {
    pub(super) fn span(&self, node: &Node) -> Span {
        Span {
            path: self.path.to_string(),
            line: node.start.line,
            column: node.start.column,
        }
    }

    pub(super) fn error(&self, node: &Node, message: impl Into<String>) -> PolicyError {
        PolicyError {
            path: self.path.to_string(),
            line: node.start.line,
            column: node.start.column,
            message: message.into(),
        }
    }

    /// The pairs of a mapping whose keys are all among `allowed`.
    pub(super) fn mapping<'n>(
        &self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Result<Vec<(&'n str, &'n Node, &'n Node)>, PolicyError> {
        let NodeKind::Mapping(pairs) = &node.kind else {
            return Err(self.error(
                node,
                format!("{what} must be a mapping, not a {}", node.kind_name()),
            ));
        };
        let mut out: Vec<(&str, &Node, &Node)> = Vec::new();
        for (key, value) in pairs {
            let Some(name) = key.str_value() else {
                return Err(self.error(key, format!("a key of {what} must be a string")));
            };
            if !allowed.is_empty() && !allowed.contains(&name) {
                return Err(self.error(
                    key,
                    format!(
                        "unknown key `{name}` in {what} (expected one of: {})",
                        allowed.join(", ")
                    ),
                ));
            }
            if out.iter().any(|(n, _, _)| *n == name) {
                return Err(self.error(key, format!("`{name}` is given twice in {what}")));
            }
            out.push((name, key, value));
        }
        Ok(out)
    }

    /// A scalar as YAML types it (YAML 1.1, as the loader and editors' schema both read it).
    fn typed(&self, node: &Node, what: &str) -> Result<Resolved, PolicyError> {
        match &node.kind {
            NodeKind::Scalar(s) if s.style == ScalarStyle::Plain && node.tag.is_none() => {
                Ok(resolve_plain(&s.value))
            }
            NodeKind::Scalar(s) => Ok(Resolved::Str(s.value.clone())),
            _ => Err(self.error(
                node,
                format!("{what} must be a scalar, not a {}", node.kind_name()),
            )),
        }
    }

    /// A string: a quoted scalar, or a plain one YAML does not read as a number, a boolean or
    /// null (an account id must be quoted: unquoted, YAML reads it as a number).
    pub(super) fn string(&self, node: &Node, what: &str) -> Result<String, PolicyError> {
        match self.typed(node, what)? {
            Resolved::Str(text) => Ok(text),
            other => Err(self.error(
                node,
                format!(
                    "{what} must be a string, and YAML reads this as a {} (quote it)",
                    other.json_type()
                ),
            )),
        }
    }

    /// A whole number at or above zero.
    pub(super) fn count(&self, node: &Node, what: &str) -> Result<usize, PolicyError> {
        match self.typed(node, what)? {
            Resolved::Int(n) if n >= 0 => {
                usize::try_from(n).map_err(|_| self.error(node, format!("{what} is too large")))
            }
            _ => Err(self.error(node, format!("{what} must be a whole number (0 or more)"))),
        }
    }

    pub(super) fn list<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Node], PolicyError> {
        match &node.kind {
            NodeKind::Sequence(items) => Ok(items),
            _ => Err(self.error(
                node,
                format!("{what} must be a list, not a {}", node.kind_name()),
            )),
        }
    }

    pub(super) fn strings(&self, node: &Node, what: &str) -> Result<Vec<String>, PolicyError> {
        self.list(node, what)?
            .iter()
            .map(|item| self.string(item, what))
            .collect()
    }

    pub(super) fn globs(&self, node: &Node, what: &str) -> Result<Vec<Glob>, PolicyError> {
        self.list(node, what)?
            .iter()
            .map(|item| self.glob(item, what))
            .collect()
    }

    pub(super) fn glob(&self, node: &Node, what: &str) -> Result<Glob, PolicyError> {
        let text = self.string(node, what)?;
        Glob::new(&text).map_err(|e| self.error(node, format!("{what}: `{text}`: {e}")))
    }

    pub(super) fn account(&self, node: &Node) -> Result<String, PolicyError> {
        let text = self.string(node, "an account")?;
        if text.len() != 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(
                node,
                format!("`{text}` is not an AWS account id (12 digits, quoted so YAML keeps it a string)"),
            ));
        }
        Ok(text)
    }

    pub(super) fn bool(&self, node: &Node, what: &str) -> Result<bool, PolicyError> {
        match self.typed(node, what)? {
            Resolved::Bool(value) => Ok(value),
            _ => Err(self.error(node, format!("{what} must be true or false (unquoted)"))),
        }
    }
}

/// `YYYY-MM-DD` with a month and day that exist.
pub(super) fn valid_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok())
    };
    let (Some(Some(year)), Some(Some(month)), Some(Some(day))) =
        (number(year, 4), number(month, 2), number(day, 2))
    else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

pub(super) fn severity(text: &str) -> Option<Severity> {
    Some(match text {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        "info" => Severity::Info,
        _ => return None,
    })
}
