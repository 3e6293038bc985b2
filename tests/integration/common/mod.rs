//! Running the real binary, with a watchdog so that a hang fails instead of blocking.

#![allow(dead_code)]

use std::io::Write;

use aws_auth_audit::inputs::yaml::{
    Budget, Node, NodeKind, Resolved, ScalarStyle, parse_stream, resolve_plain,
};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the CLI from the repository root, feeding `stdin`; fails after 20 s.
pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    run_in(&repo(), args, stdin)
}

/// Runs the CLI in `dir`, feeding `stdin`; fails after 20 s.
pub fn run_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    run_in_env(dir, args, stdin, &[])
}

/// Runs the CLI from the repository root with the time reports say they were written fixed
/// (`SOURCE_DATE_EPOCH`: 2026-01-01), so a report is the same bytes on every run.
pub fn run_reproducible(args: &[&str]) -> Run {
    run_in_env(&repo(), args, b"", &[("SOURCE_DATE_EPOCH", "1767225600")])
}

/// Runs the CLI in `dir` with `env` set, feeding `stdin`; fails after 20 s.
pub fn run_in_env(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aws-auth-audit"))
        .args(args)
        .current_dir(dir)
        .env_remove("AWS_AUTH_AUDIT_POLICY")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .env_remove("SOURCE_DATE_EPOCH")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let pid = child.id();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    let output = match receiver.recv_timeout(Duration::from_secs(20)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("aws-auth-audit {args:?} hung");
        }
    };
    let _ = feeder.join();
    Run {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// [`run`] with tables laid out 1,000 columns wide: for a test that looks for a phrase in a
/// table's cell, not at its layout (a pipe's tables wrap at 120 columns).
pub fn run_wide(args: &[&str]) -> Run {
    run_in_env(&repo(), args, b"", &[("COLUMNS", "1000")])
}

pub fn run(args: &[&str]) -> Run {
    run_with_stdin(args, b"")
}

/// A folder for `scan --replay` in `dir`, holding copies of these pinned snapshots
/// (`tests/pinned/snapshots/NAME`).
pub fn evidence_of(dir: &Path, snapshots: &[&str]) -> PathBuf {
    let evidence = dir.join("evidence");
    std::fs::create_dir_all(&evidence).unwrap();
    for name in snapshots {
        std::fs::copy(
            repo().join("tests/pinned/snapshots").join(name),
            evidence.join(name),
        )
        .unwrap();
    }
    evidence
}

/// A scratch directory unique to the test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aws-auth-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// A manifest of `kube-system/aws-auth` with the given `data:` body (already indented).
pub fn configmap(data: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n{data}"
    )
}

/// Validates a SARIF log against the published 2.1.0 schema.
pub fn assert_sarif_valid(sarif: &serde_json::Value) {
    // The published schema's `run.language` pattern has a stray `]` that strict regex engines
    // reject; its intent (a language tag such as `en` or `en-US`) is restored before compiling.
    let schema_text = include_str!("../../schemas/sarif-2.1.0.json").replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
}

/// Runs git in `dir` with a fixed identity; fails the test when git fails.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A YAML document as JSON, scalars typed the way the loader types them (YAML 1.1 plain
/// scalars; quoted ones are strings).
pub fn yaml_to_json(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(s) if s.style == ScalarStyle::Plain && node.tag.is_none() => {
            match resolve_plain(&s.value) {
                Resolved::Null => Value::Null,
                Resolved::Bool(b) => Value::Bool(b),
                Resolved::Int(i) => serde_json::json!(i as i64),
                Resolved::Float(f) => serde_json::json!(f),
                Resolved::Str(text) => Value::String(text),
                Resolved::Merge => Value::String("<<".into()),
            }
        }
        NodeKind::Scalar(s) => Value::String(s.value.clone()),
        NodeKind::Sequence(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        NodeKind::Mapping(pairs) => Value::Object(
            pairs
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_scalar().map_or(String::new(), |s| s.value.clone()),
                        yaml_to_json(v),
                    )
                })
                .collect::<Map<_, _>>(),
        ),
    }
}

/// The first YAML document of `text` as JSON.
pub fn yaml_json(text: &str) -> Value {
    yaml_documents(text).remove(0)
}

/// Every YAML document of `text` as JSON.
pub fn yaml_documents(text: &str) -> Vec<Value> {
    parse_stream(text, Budget::MANIFEST)
        .unwrap()
        .documents
        .iter()
        .filter_map(|d| d.root.as_ref().map(yaml_to_json))
        .collect()
}

/// Today's UTC day, `YYYY-MM-DD`, as `date -u +%F` says it: what `{date}` in an output path is.
pub fn utc_date() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%F"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
