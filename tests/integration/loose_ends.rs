//! Loose ends a new user trips on (issue #28's list), each held by a test: graphs draw only the
//! tiers some way in reaches, and a fleet's HTML labels a cluster's place as a place and a
//! policy's digest once.

use crate::common::{run, run_reproducible, scratch, write};

#[test]
fn graphs_declare_only_the_tiers_some_way_in_reaches() {
    for format in ["dot", "mermaid"] {
        let r = run(&["check", "examples/broken.yaml", "--format", format]);
        assert!(r.stdout.contains("tier_unknown"), "{format}: {}", r.stdout);
        // No way in of broken.yaml reaches cluster-admin: no such node, nothing classed so.
        assert!(
            !r.stdout.contains("tier_cluster_admin") && !r.stdout.contains("tier_none"),
            "{format}: {}",
            r.stdout
        );
    }
    let admin = run(&["check", "examples/snapshot.json", "--format", "mermaid"]);
    assert!(
        admin.stdout.contains("class tier_cluster_admin admin")
            || admin
                .stdout
                .contains("class tier_cluster_admin,tier_admin admin"),
        "{}",
        admin.stdout
    );
}

#[test]
fn html_labels_say_what_their_values_are() {
    let dir = scratch("loose-ends-html");
    let evidence = crate::common::evidence_of(&dir, &["faults-healthy.json"]);
    let policy = write(
        &dir,
        "policy.yaml",
        b"apiVersion: aws-auth-audit/v1\nkind: Policy\nscopes:\n  - match: {}\n    min_admins: 1\n",
    );
    let page = run_reproducible(&[
        "scan",
        "--replay",
        evidence.to_str().unwrap(),
        "--quiet",
        "--format",
        "html",
        "--policy",
        &policy,
    ])
    .stdout;
    assert!(
        page.contains("<dt>Where</dt><dd>account 123456789012, region us-east-1</dd>"),
        "the cluster's place is labelled Where"
    );
    assert!(
        !page.contains("When</dt><dd>account"),
        "a place labelled When"
    );
    assert!(page.contains("(sha256:"), "the digest is shown");
    assert!(
        !page.contains("sha256 sha256:"),
        "the digest's scheme said twice"
    );
    assert!(
        !page.contains("high high ("),
        "a heading says its severity twice"
    );
}

#[test]
fn the_man_page_lists_each_exit_code_once_and_cites_no_missing_page() {
    let page = run(&["man"]).stdout;
    let exit =
        &page[page.find(".SH \"EXIT STATUS\"").unwrap()..page.find(".SH ENVIRONMENT").unwrap()];
    assert_eq!(exit.matches(".TP").count(), 5, "{exit}");
    assert!(exit.contains("allow\\-incomplete makes it 0)"), "{exit}");
    // No aws-auth-audit-check(1) and the like: there is one page.
    assert!(!page.contains("(1)"), "a page cited that does not exist");
    for variable in ["AWS_AUTH_AUDIT_POLICY", "NO_COLOR", "SOURCE_DATE_EPOCH"] {
        assert!(page.contains(variable), "ENVIRONMENT lacks {variable}");
    }
    let see_also = &page[page.find(".SH \"SEE ALSO\"").unwrap()..];
    assert!(!see_also.contains("docs/rules/ and"), "{see_also}");
}

#[test]
fn sarif_names_a_file_by_its_path_in_the_repository_even_when_typed_absolute() {
    let repo = scratch("loose-ends-sarif");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("clusters/prod")).unwrap();
    let example = std::fs::read("examples/aws-auth.yaml").unwrap();
    let file = write(&repo.join("clusters/prod"), "aws-auth.yaml", &example);
    assert!(std::path::Path::new(&file).is_absolute());
    let sarif: serde_json::Value =
        serde_json::from_str(&run(&["check", &file, "--format", "sarif", "--no-policy"]).stdout)
            .unwrap();
    crate::common::assert_sarif_valid(&sarif);
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(!uris.is_empty());
    assert!(
        uris.iter().all(|u| *u == "clusters/prod/aws-auth.yaml"),
        "{uris:?}"
    );
}

#[test]
fn an_unreachable_endpoint_is_one_sentence_and_the_same_exit_for_cluster_and_scan() {
    let dir = scratch("loose-ends-unreachable");
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_MAX_ATTEMPTS", "1"),
        ("HOME", dir.to_str().unwrap()),
    ];
    let cluster = crate::common::run_in_env(&dir, &["cluster", "--name", "prod"], b"", &env);
    assert_eq!(cluster.code, 3, "{}", cluster.stderr);
    assert_eq!(
        cluster.stderr.trim_end().lines().count(),
        1,
        "{}",
        cluster.stderr
    );
    assert!(
        cluster.stderr.contains(
            "the EKS endpoint http://127.0.0.1:9 (from AWS_ENDPOINT_URL) could not be reached"
        ),
        "{}",
        cluster.stderr
    );
    assert!(
        !cluster.stderr.contains("EXAMPLEKEY"),
        "a secret in an error"
    );
    let scan = crate::common::run_in_env(&dir, &["scan", "--quiet", "--format", "json"], b"", &env);
    assert_eq!(scan.code, cluster.code, "{}{}", scan.stdout, scan.stderr);
    assert!(
        scan.stdout.contains("unknown(unreachable)"),
        "{}",
        scan.stdout
    );
}

#[test]
fn a_scan_written_to_a_file_ends_its_stderr_with_what_it_found() {
    let dir = scratch("loose-ends-scan-output");
    let evidence = crate::common::evidence_of(&dir, &["faults-healthy.json"]);
    let out = dir.join("fleet.json");
    let r = run(&[
        "scan",
        "--replay",
        evidence.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let last = r.stderr.trim_end().lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!(
            "scan: 1 cluster(s) audited, 0 target(s) not audited, exit {}; report written to {}",
            r.code,
            out.display()
        )
    );
}

/// Bash completes below a subcommand (clap_complete's hyphenated-binary bug worked around):
/// the generated script, sourced in a real bash, offers a subcommand's own flags.
#[test]
fn bash_completes_a_flag_below_a_subcommand() {
    let dir = scratch("loose-ends-bash");
    let script = write(
        &dir,
        "aws-auth-audit.bash",
        run(&["completions", "bash"]).stdout.as_bytes(),
    );
    let complete = |words: &[&str]| -> Vec<String> {
        let line = words.join(" ");
        let program = format!(
            "source '{script}'\nCOMP_WORDS=({line})\nCOMP_CWORD={}\n_aws__auth__audit aws-auth-audit '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &program])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        complete(&["aws-auth-audit", "check", "--fail"]),
        ["--fail-on"]
    );
    assert_eq!(
        complete(&["aws-auth-audit", "policy", "init", "--allow-in"]),
        ["--allow-incomplete"]
    );
    assert!(
        complete(&["aws-auth-audit", "scan", "--format", ""]).contains(&"jsonl".to_string()),
        "the values of a subcommand's option"
    );
}

/// The widest line of a report's tables (their borders), in terminal columns.
fn table_width(text: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with('┌') || l.starts_with('└'))
        .map(|l| l.trim_end_matches('\r').chars().count())
        .max()
        .unwrap_or(0)
}

/// Tables fit the terminal (its width through a real pseudo-terminal, `script`), `COLUMNS`
/// when set, and a fixed 120 columns in a pipe; a scan draws the same style as a check.
#[test]
fn tables_fit_the_terminal_and_a_pipe_gets_a_fixed_width() {
    let piped = run(&["check", "examples/broken.yaml"]);
    assert_eq!(table_width(&piped.stdout), 120, "{}", piped.stdout);
    let narrow = crate::common::run_in_env(
        &crate::common::repo(),
        &["check", "examples/broken.yaml"],
        b"",
        &[("COLUMNS", "80")],
    );
    assert_eq!(table_width(&narrow.stdout), 80, "{}", narrow.stdout);
    let command = format!(
        "stty rows 40 cols 96; {} check examples/broken.yaml --color never",
        env!("CARGO_BIN_EXE_aws-auth-audit")
    );
    let terminal = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .current_dir(crate::common::repo())
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&terminal.stdout);
    assert_eq!(table_width(&text), 96, "{text}");
}
