//! What the binary is built from, checked without network from the lock file: every
//! dependency's licence is on the allow-list below (each with why it is there), there is one
//! TLS stack and one crypto provider (rustls on aws-lc-rs: no OpenSSL, native-tls, ring or
//! BoringSSL), and every crate comes from crates.io (no git or path dependency but our own).

use std::collections::BTreeSet;

/// The licences a dependency may be under, and why each is acceptable for a tool that is
/// distributed as a binary under Apache-2.0.
const ALLOWED: &[(&str, &str)] = &[
    ("MIT", "permissive; notice kept"),
    (
        "Apache-2.0",
        "permissive, patent grant; the project's own licence",
    ),
    ("BSD-2-Clause", "permissive; notice kept"),
    ("BSD-3-Clause", "permissive; notice kept, no endorsement"),
    ("ISC", "permissive (MIT-equivalent); aws-lc, rustls parts"),
    ("MIT-0", "permissive without attribution"),
    ("Zlib", "permissive"),
    (
        "Unicode-3.0",
        "Unicode data tables (ICU4X, unicode-ident); permissive",
    ),
    ("Unlicense", "public-domain dedication"),
    ("CC0-1.0", "public-domain dedication"),
    ("BSL-1.0", "Boost: permissive, no notice needed in binaries"),
    (
        "CDLA-Permissive-2.0",
        "webpki-root-certs: Mozilla's CA list as data; permissive",
    ),
    (
        "LLVM-exception",
        "an exception to Apache-2.0 that only relaxes it (wasi crates)",
    ),
];

/// Crates that would be a second TLS stack or crypto provider beside rustls + aws-lc-rs.
const FORBIDDEN: &[&str] = &[
    "openssl",
    "openssl-sys",
    "native-tls",
    "hyper-tls",
    "tokio-native-tls",
    "ring",
    "boring",
    "boring-sys",
    "schannel",
    "security-framework",
];

/// Whether an SPDX expression (with the old `/` for OR) can be met with the allowed licences.
fn allowed(expression: &str) -> bool {
    let allow: BTreeSet<&str> = ALLOWED.iter().map(|(l, _)| *l).collect();
    let tokens: Vec<String> = expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    fn or(tokens: &[String], at: &mut usize, allow: &BTreeSet<&str>) -> bool {
        let mut ok = and(tokens, at, allow);
        while tokens.get(*at).is_some_and(|t| t == "OR") {
            *at += 1;
            ok |= and(tokens, at, allow);
        }
        ok
    }
    fn and(tokens: &[String], at: &mut usize, allow: &BTreeSet<&str>) -> bool {
        let mut ok = term(tokens, at, allow);
        while tokens.get(*at).is_some_and(|t| t == "AND") {
            *at += 1;
            ok &= term(tokens, at, allow);
        }
        ok
    }
    fn term(tokens: &[String], at: &mut usize, allow: &BTreeSet<&str>) -> bool {
        let token = tokens.get(*at).cloned().unwrap_or_default();
        *at += 1;
        let ok = if token == "(" {
            let inner = or(tokens, at, allow);
            *at += 1; // ")"
            inner
        } else {
            allow.contains(token.as_str())
        };
        if tokens.get(*at).is_some_and(|t| t == "WITH") {
            *at += 1;
            let exception = tokens.get(*at).cloned().unwrap_or_default();
            *at += 1;
            return ok && allow.contains(exception.as_str());
        }
        ok
    }
    let mut at = 0;
    or(&tokens, &mut at, &allow) && at == tokens.len()
}

#[test]
fn licence_expressions_are_read_as_spdx() {
    assert!(allowed("MIT OR Apache-2.0"));
    assert!(allowed("MIT/Apache-2.0"));
    assert!(allowed("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(allowed(
        "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT"
    ));
    assert!(allowed("MIT OR Apache-2.0 OR LGPL-2.1-or-later"));
    assert!(!allowed("GPL-3.0-only"));
    assert!(!allowed("MIT AND GPL-2.0-only"));
    assert!(!allowed(""));
}

#[test]
fn dependencies_are_licensed_sourced_and_single_stack() {
    // What the binary is built from (normal and build dependencies, the features actually
    // enabled), read from the lock file without network.
    let output = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .args([
            "tree",
            "--locked",
            "--offline",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}|{l}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let packages: BTreeSet<&str> = text.lines().map(|l| l.trim_end_matches(" (*)")).collect();
    assert!(packages.len() > 200, "{} packages", packages.len());
    let mut refused = Vec::new();
    for line in &packages {
        let (package, licence) = line.split_once('|').unwrap_or((line, ""));
        let name = package.split(' ').next().unwrap_or_default();
        if name == "aws-auth-audit" {
            continue;
        }
        if FORBIDDEN.contains(&name) {
            refused.push(format!("{package}: a second TLS stack or crypto provider"));
        }
        // `name vX.Y.Z` for crates.io (`(proc-macro)` may follow); a path or a git URL is
        // shown in parentheses.
        if package.contains(" (/") || package.contains(" (http") || package.contains(" (git") {
            refused.push(format!("{package}: not from crates.io"));
        }
        if !allowed(licence) {
            refused.push(format!(
                "{package}: licence `{licence}` is not on the allow-list"
            ));
        }
    }
    assert!(refused.is_empty(), "{refused:#?}");
    for needed in ["rustls", "aws-lc-rs"] {
        assert!(
            packages
                .iter()
                .any(|p| p.starts_with(&format!("{needed} v"))),
            "{needed} is the one stack"
        );
    }
}

#[test]
fn the_release_binary_ships_stripped() {
    let manifest: toml_like::Manifest = toml_like::read(include_str!("../../Cargo.toml"));
    assert_eq!(manifest.release_strip.as_deref(), Some("true"));
}

/// Just enough of Cargo.toml to read `[profile.release] strip`.
mod toml_like {
    pub struct Manifest {
        pub release_strip: Option<String>,
    }

    pub fn read(text: &str) -> Manifest {
        let mut section = "";
        let mut release_strip = None;
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line;
            } else if section == "[profile.release]"
                && let Some(value) = line.strip_prefix("strip")
            {
                release_strip = Some(value.trim_start_matches([' ', '=']).trim().to_string());
            }
        }
        Manifest { release_strip }
    }
}

/// The crate is publishable and holds what it builds from — the sources, the embedded tables
/// and profiles, the licence, the README — and none of the test fixtures, pinned reports or
/// benchmarks (`cargo package --list`, offline).
#[test]
fn the_package_holds_what_the_crate_needs_and_no_fixtures() {
    let output = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--locked",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo package runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = String::from_utf8_lossy(&output.stdout);
    let files: Vec<&str> = listed.lines().collect();
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "LICENSE",
        "README.md",
        "build.rs",
        "src/main.rs",
        "src/report/html/report.js",
        "policies/access-policies.json",
        "policies/profiles/strict.yaml",
    ] {
        assert!(files.contains(&needed), "{needed} missing from the package");
    }
    assert!(
        files.iter().all(|f| !f.starts_with("tests/")
            && !f.starts_with("benches/")
            && !f.starts_with("target/")),
        "{listed}"
    );
    assert!(files.len() < 400, "{} files", files.len());
}
