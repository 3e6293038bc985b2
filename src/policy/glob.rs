//! Globs of a policy file: `*` matches any run of characters but `/`, `**` any run including
//! `/`, `?` one character; everything else matches itself. Names (clusters, regions, roles)
//! have no `/`, so there `*` and `**` mean the same.

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(char),
    One,
    Segment,
    Any,
}

impl Glob {
    /// Compiles `text`; character classes and escapes are not part of the syntax.
    pub fn new(text: &str) -> Result<Glob, String> {
        if text.is_empty() {
            return Err("an empty glob matches nothing".into());
        }
        if let Some(c) = text
            .chars()
            .find(|c| matches!(c, '[' | ']' | '{' | '}' | '\\'))
        {
            return Err(format!(
                "`{c}` has no meaning in a policy glob (only `*`, `**` and `?` do)"
            ));
        }
        let mut parts = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            parts.push(match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    Part::Any
                }
                '*' => Part::Segment,
                '?' => Part::One,
                other => Part::Literal(other),
            });
        }
        Ok(Glob {
            text: text.to_string(),
            parts,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `candidate` matches the whole glob.
    pub fn matches(&self, candidate: &str) -> bool {
        let text: Vec<char> = candidate.chars().collect();
        // positions[i]: the glob's prefix so far can end at text index i.
        let mut positions = vec![false; text.len() + 1];
        positions[0] = true;
        for part in &self.parts {
            let mut next = vec![false; text.len() + 1];
            for i in 0..=text.len() {
                if !positions[i] {
                    continue;
                }
                match part {
                    Part::Literal(c) => {
                        if text.get(i) == Some(c) {
                            next[i + 1] = true;
                        }
                    }
                    Part::One => {
                        if i < text.len() {
                            next[i + 1] = true;
                        }
                    }
                    Part::Segment => {
                        next[i] = true;
                        let mut j = i;
                        while j < text.len() && text[j] != '/' {
                            j += 1;
                            next[j] = true;
                        }
                    }
                    Part::Any => {
                        for slot in next.iter_mut().skip(i) {
                            *slot = true;
                        }
                    }
                }
            }
            positions = next;
        }
        positions[text.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_documented() {
        let cases = [
            ("prod-*", "prod-eu", true),
            ("prod-*", "dev-eu", false),
            ("eu-*", "eu-west-1", true),
            ("*", "", true),
            ("breakglass-?", "breakglass-1", true),
            ("breakglass-?", "breakglass-12", false),
            ("clusters/dev/**", "clusters/dev/a/aws-auth.yaml", true),
            ("clusters/dev/*", "clusters/dev/a/aws-auth.yaml", false),
            (
                "clusters/*/aws-auth.yaml",
                "clusters/dev/aws-auth.yaml",
                true,
            ),
            ("exact", "exact", true),
            ("exact", "exactly", false),
        ];
        for (glob, text, expected) in cases {
            assert_eq!(
                Glob::new(glob).unwrap().matches(text),
                expected,
                "{glob} ~ {text}"
            );
        }
        assert!(Glob::new("a[bc]").is_err());
        assert!(Glob::new("").is_err());
    }
}
