//! Deterministic mutants of YAML texts, for the tests that hold a shortcut reader to the full
//! YAML path (`yaml_fast_path`, `yaml_manifest_fast_path`), and the held texts they start from.

use std::path::{Path, PathBuf};

fn yaml_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            found.push(path);
        }
    }
}

/// Every YAML file the project holds under `tests/` and `examples/`, in a stable order.
pub fn held_yaml_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    yaml_files(&root.join("tests"), &mut files);
    yaml_files(&root.join("examples"), &mut files);
    files.sort();
    files
}

/// 12,000 mutants of the seeds (one to three edits each, from generator state `state`), each
/// given to `agree` — which asserts the shortcut and the full path agree, and says whether the
/// shortcut took it. Both sides of the shortcut's line must have been exercised: more than
/// 2,000 mutants taken and more than 2,000 left to the full path.
pub fn run_mutants<T>(seeds: &[(T, String)], state: u64, mut agree: impl FnMut(&T, &str) -> bool) {
    assert!(seeds.len() > 50, "{} seeds", seeds.len());
    let mut mutator = Mutator(state);
    let (mut taken, mut refused) = (0, 0);
    for round in 0..12_000 {
        let (key, seed) = &seeds[round % seeds.len()];
        let mut text = seed.clone();
        for _ in 0..1 + mutator.below(3) {
            text = mutator.mutate(&text);
        }
        if agree(key, &text) {
            taken += 1;
        } else {
            refused += 1;
        }
    }
    assert!(
        taken > 2_000 && refused > 2_000,
        "taken {taken}, refused {refused}"
    );
}

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
