//! The GitHub Action (`action.yml`) and its entry script (`scripts/action-entrypoint`), run
//! against a repository made for the test with two commits, as a pull request would have
//! them; and the pre-commit hook's definition.

use crate::common;

use std::path::Path;
use std::process::Command;

use aws_auth_audit::inputs::yaml::{Budget, parse_stream};
use common::{assert_sarif_valid, git, repo, scratch};
use serde_json::Value;

fn copy(from: &str, dir: &Path, to: &str) {
    let target = dir.join(to);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(repo().join(from), target).unwrap();
}

/// Runs the entry script in `dir` as the Action's step does.
fn entrypoint(dir: &Path, paths: &str, summary: &Path, sarif: &Path) -> (i32, String) {
    let out = Command::new("bash")
        .arg(repo().join("scripts/action-entrypoint"))
        .current_dir(dir)
        .env("AWS_AUTH_AUDIT", env!("CARGO_BIN_EXE_aws-auth-audit"))
        .env("BASE_REF", "HEAD~1")
        .env("PATHS", paths)
        .env("FAIL_ON", "high")
        .env("SARIF_DIR", sarif)
        .env("GITHUB_STEP_SUMMARY", summary)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_entry_script_compares_a_pull_request_with_its_base() {
    let dir = scratch("action-repo");
    git(&dir, &["init", "-q", "-b", "main"]);
    copy("examples/clean.yaml", &dir, "clusters/prod/aws-auth.yaml");
    copy("examples/clean.yaml", &dir, "clusters/dev/aws-auth.yaml");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    // The pull request: prod drops its node role; dev is only re-indented.
    copy(
        "tests/diff/node-role-removed/head.yaml",
        &dir,
        "clusters/prod/aws-auth.yaml",
    );
    copy(
        "tests/diff/reindented-same-access/head.yaml",
        &dir,
        "clusters/dev/aws-auth.yaml",
    );
    git(&dir, &["commit", "-q", "-am", "head"]);

    let out = scratch("action-out");
    let summary = out.join("summary.md");
    let sarif = out.join("sarif");
    let (code, log) = entrypoint(
        &dir,
        "clusters/prod/aws-auth.yaml\nclusters/dev/aws-auth.yaml",
        &summary,
        &sarif,
    );
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("2 file(s) compared with HEAD~1; exit 1"),
        "{log}"
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        text.matches("## aws-auth-audit: access changes").count(),
        2,
        "{text}"
    );
    assert!(text.contains("| critical | node_role_dropped |"), "{text}");
    assert!(
        text.contains("No change to who can get in, or as whom."),
        "{text}"
    );
    // One SARIF log per file, valid, the drop annotated as critical.
    for n in ["1", "2"] {
        let log: Value = serde_json::from_str(
            &std::fs::read_to_string(sarif.join(format!("{n}.sarif"))).unwrap(),
        )
        .unwrap();
        assert_sarif_valid(&log);
    }
    let prod: Value =
        serde_json::from_str(&std::fs::read_to_string(sarif.join("1.sarif")).unwrap()).unwrap();
    assert_eq!(
        prod["runs"][0]["results"][0]["ruleId"],
        "diff/node_role_dropped"
    );
    assert_eq!(prod["runs"][0]["results"][0]["level"], "error");

    // Only the harmless change: exit 0.
    let (code, log) = entrypoint(
        &dir,
        "clusters/dev/aws-auth.yaml",
        &out.join("dev.md"),
        &sarif,
    );
    assert_eq!(code, 0, "{log}");

    // A path that is not there: said in the summary, and it fails.
    let (code, _) = entrypoint(
        &dir,
        "clusters/gone/aws-auth.yaml",
        &out.join("gone.md"),
        &sarif,
    );
    assert_eq!(code, 1);
    assert!(
        std::fs::read_to_string(out.join("gone.md"))
            .unwrap()
            .contains("Deleted in this change")
    );

    // A base that is not a revision: an input error, which outranks findings.
    let out2 = Command::new("bash")
        .arg(repo().join("scripts/action-entrypoint"))
        .current_dir(&dir)
        .env("AWS_AUTH_AUDIT", env!("CARGO_BIN_EXE_aws-auth-audit"))
        .env("BASE_REF", "no-such-base")
        .env("PATHS", "clusters/prod/aws-auth.yaml")
        .env("SARIF_DIR", &sarif)
        .env("GITHUB_STEP_SUMMARY", out.join("bad.md"))
        .output()
        .unwrap();
    assert_eq!(out2.status.code(), Some(2));
}

fn yaml_root(path: &str) -> aws_auth_audit::inputs::yaml::Node {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    parse_stream(&text, Budget::MANIFEST)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .documents
        .remove(0)
        .root
        .unwrap()
}

#[test]
fn the_action_and_the_hook_are_wired_to_what_exists() {
    let action = yaml_root("action.yml");
    let runs = action.get("runs").unwrap();
    assert_eq!(runs.get("using").unwrap().str_value(), Some("composite"));
    let steps = runs.get("steps").unwrap();
    let aws_auth_audit::inputs::yaml::NodeKind::Sequence(steps) = &steps.kind else {
        panic!("steps is a list");
    };
    let scripts: Vec<&str> = steps
        .iter()
        .filter_map(|s| s.get("run").and_then(|r| r.str_value()))
        .collect();
    assert!(
        scripts
            .iter()
            .any(|s| s.contains("$GITHUB_ACTION_PATH/scripts/action-entrypoint")),
        "{scripts:?}"
    );
    assert!(repo().join("scripts/action-entrypoint").exists());
    for input in ["paths", "base-ref", "fail-on"] {
        assert!(
            action.get("inputs").unwrap().get(input).is_some(),
            "input {input}"
        );
    }

    let hooks = yaml_root(".pre-commit-hooks.yaml");
    let aws_auth_audit::inputs::yaml::NodeKind::Sequence(hooks) = &hooks.kind else {
        panic!("a list of hooks");
    };
    let entry = hooks[0].get("entry").unwrap().str_value().unwrap();
    assert_eq!(entry, "aws-auth-audit check");
    // The hook's command runs: `check` on a file passed as pre-commit passes them.
    let r = common::run(&["check", "examples/clean.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
