//! Deterministic mutants of YAML texts, for the tests that hold a shortcut reader to the full
//! YAML path (`yaml_fast_path`, `yaml_manifest_fast_path`).

/// A small deterministic generator (xorshift), so a failure names a reproducible mutant.
pub struct Mutator(pub u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One edit of the kind that changes how YAML reads a text: a byte that means something
    /// to YAML inserted, replaced or removed, a line's indentation changed, a line repeated.
    pub fn mutate(&mut self, text: &str) -> String {
        const SIGNIFICANT: &[&str] = &[
            " ", "  ", "-", "- ", ":", ": ", "\n", "[", "]", ",", "{", "}", "'", "\"", "#", "&a ",
            "*a", "!", "|", ">", "?", "~", "\\", "y", "yes", "null", "0", "1e3", ".", "\t", "\r",
            "é", "<<", "`", "@", "%", "+", "|-", "|+", "---", "...",
        ];
        let mut bytes = text.as_bytes().to_vec();
        let at = self.below(bytes.len() + 1);
        match self.below(5) {
            0 | 1 => {
                let insert = SIGNIFICANT[self.below(SIGNIFICANT.len())].as_bytes();
                bytes.splice(at..at, insert.iter().copied());
            }
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            3 => {
                let lines: Vec<&str> = text.split('\n').collect();
                let n = self.below(lines.len());
                let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                out[n] = match self.below(3) {
                    0 => format!(" {}", out[n]),
                    1 => out[n].strip_prefix(' ').unwrap_or(&out[n]).to_string(),
                    _ => format!("{}\n{}", out[n], out[n]),
                };
                return out.join("\n");
            }
            _ => {
                let insert = SIGNIFICANT[self.below(SIGNIFICANT.len())].as_bytes();
                let end = (at + insert.len()).min(bytes.len());
                bytes.splice(at..end, insert.iter().copied());
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
