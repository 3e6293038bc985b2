//! The reports users and scripts read are pinned byte for byte: every bundled example, every
//! Terraform plan and diff scenario, and snapshots collected from the live test scenarios
//! (`tests/pinned/snapshots/`, judged exactly as `cluster` judges what it reads), in every
//! format. A refactoring must leave them unchanged; a deliberate change of a report is
//! re-pinned with `UPDATE_PINNED=1 cargo test --test integration pinned_reports` and reviewed as a diff.

use crate::common;
use crate::support::testbed::{Scenario, Testbed};

use std::path::{Path, PathBuf};

const FORMATS: [&str; 8] = [
    "json", "sarif", "markdown", "table", "junit", "html", "dot", "mermaid",
];

/// Every input whose reports are pinned, relative to the repository.
fn inputs() -> Vec<PathBuf> {
    let repo = common::repo();
    let mut inputs: Vec<PathBuf> = [
        "aws-auth.yaml",
        "broken.yaml",
        "clean.yaml",
        "snapshot.json",
    ]
    .iter()
    .map(|f| PathBuf::from("examples").join(f))
    .collect();
    for dir in ["tests/pinned/snapshots", "tests/plans"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .map(|p| p.strip_prefix(&repo).unwrap().to_path_buf())
            .collect();
        files.sort();
        inputs.extend(files);
    }
    inputs
}

/// A report with the build's commit replaced by `COMMIT`: it changes with every commit, the
/// rest must not. JSON says `"commit": "…"`, an HTML page `(commit …)` and `(commit …,`.
fn without_commit(text: &str) -> String {
    let mut text = text.to_string();
    for (opening, ends) in [
        ("\"commit\": \"", &['"'][..]),
        ("(commit ", &[')', ','][..]),
    ] {
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(opening) {
            let start = at + opening.len();
            out.push_str(&rest[..start]);
            out.push_str("COMMIT");
            rest = &rest[start..];
            rest = &rest[rest.find(ends).unwrap_or(rest.len())..];
        }
        out.push_str(rest);
        text = out;
    }
    text
}

fn pinned_name(input: &Path, format: &str) -> String {
    format!(
        "{}.{format}.txt",
        input.to_string_lossy().replace('/', "__")
    )
}

#[test]
fn reports_are_byte_identical_to_the_pinned_ones() {
    let update = std::env::var_os("UPDATE_PINNED").is_some();
    let pinned = common::repo().join("tests/pinned/reports");
    let mut differ = Vec::new();
    let mut count = 0;
    for input in inputs() {
        let path = input.to_str().unwrap();
        for format in FORMATS {
            let run =
                common::run_reproducible(&["check", path, "--format", format, "--color", "never"]);
            assert!(
                run.code != 2 && run.code != 4,
                "{path} {format}: exit {}: {}",
                run.code,
                run.stderr
            );
            let text = without_commit(&format!("exit {}\n{}", run.code, run.stdout));
            let file = pinned.join(pinned_name(&input, format));
            count += 1;
            if update {
                std::fs::write(&file, &text).unwrap();
            } else if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
                differ.push(file.display().to_string());
            }
        }
    }
    assert!(count >= 40, "only {count} reports pinned");
    assert!(
        differ.is_empty(),
        "{} report(s) differ from the pinned ones (UPDATE_PINNED=1 re-pins; review the diff): {differ:#?}",
        differ.len()
    );
}

#[test]
fn diff_reports_are_byte_identical_to_the_pinned_ones() {
    let update = std::env::var_os("UPDATE_PINNED").is_some();
    let pinned = common::repo().join("tests/pinned/reports");
    let mut differ = Vec::new();
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(common::repo().join("tests/diff"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    scenarios.sort();
    let mut pairs: Vec<(String, Vec<String>)> = Vec::new();
    for dir in &scenarios {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_stem().is_some_and(|s| s == "base" || s == "head"))
            .map(|p| {
                p.strip_prefix(common::repo())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        files.sort();
        if files.len() == 2 {
            pairs.push((format!("diff-{name}"), files));
        }
    }
    for plan in [
        "tests/plans/replace-drops-node-role.json",
        "tests/plans/unknown-principal.json",
    ] {
        pairs.push((
            format!("diff-{}", plan.replace('/', "__")),
            vec![plan.to_string()],
        ));
    }
    assert!(pairs.len() >= 8, "{pairs:?}");
    for (name, files) in pairs {
        // A diff draws no one configuration's graph.
        for format in FORMATS.iter().filter(|f| !matches!(**f, "dot" | "mermaid")) {
            let mut args = vec!["diff"];
            args.extend(files.iter().map(String::as_str));
            args.extend(["--format", format]);
            let run = common::run_reproducible(&args);
            assert!(
                run.code != 2 && run.code != 4,
                "{name} {format}: {}",
                run.stderr
            );
            let text = without_commit(&format!("exit {}\n{}", run.code, run.stdout));
            let file = pinned.join(format!("{name}.{format}.txt"));
            if update {
                std::fs::write(&file, &text).unwrap();
            } else if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
                differ.push(file.display().to_string());
            }
        }
    }
    assert!(
        differ.is_empty(),
        "differ from the pinned ones: {differ:#?}"
    );
}

/// Collects every cluster of `scenario` into `tests/pinned/snapshots/PREFIX-CLUSTER.json`
/// (the capture tests of the live modules call it by hand when a scenario changes).
pub fn capture(prefix: &str, scenario: Scenario) {
    let names: Vec<String> = scenario.clusters.iter().map(|c| c.name.clone()).collect();
    let bed = Testbed::start(scenario);
    let home = common::scratch(&format!("pin-capture-{prefix}"));
    let out = common::repo().join("tests/pinned/snapshots");
    for name in names {
        let path = out.join(format!("{prefix}-{name}.json"));
        let run = bed.run(
            &home,
            "admin",
            &[
                "collect",
                "--name",
                &name,
                "--timeout",
                "2",
                "--deadline",
                "20",
                "--no-iam",
                "--allow-incomplete",
                "--output",
                path.to_str().unwrap(),
            ],
        );
        assert!(run.code == 0 || run.code == 2, "{name}: {}", run.stderr);
    }
}
