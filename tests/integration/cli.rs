//! The command line as a user meets it: exit codes, formats, files, stdin, whois, rules.

use crate::common;

use common::{assert_sarif_valid, configmap, run, run_with_stdin, scratch, write};
use serde_json::Value;

#[test]
fn bundled_example_reports_its_two_mappings_and_its_dead_superuser_grant() {
    let r = common::run_wide(&["check", "examples/aws-auth.yaml"]);
    // The superuser grant is on a row EKS always rejects: dead today, medium, so nothing
    // reaches the default --fail-on high.
    assert_eq!(r.code, 0, "{}", r.stderr);
    for expected in [
        "EA113",
        "EA115",
        "EA112",
        "examples/aws-auth.yaml:14:11",
        "system:masters",
        "EKS rejects every request this mapping matches",
    ] {
        assert!(
            r.stdout.contains(expected),
            "missing {expected}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn clean_example_exits_0_and_says_so() {
    let r = run(&["check", "examples/clean.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("No findings: all 26 rule(s) in scope were evaluated.")
    );
}

#[test]
fn broken_example_reports_the_lost_section_at_the_tab() {
    let r = run(&["check", "examples/broken.yaml", "--format", "json"]);
    assert_eq!(r.code, 1);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let lost = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EA101")
        .unwrap();
    assert_eq!(lost["severity"], "critical");
    assert_eq!(
        (
            lost["location"]["line"].as_u64(),
            lost["location"]["column"].as_u64()
        ),
        (Some(13), Some(7))
    );
    assert_eq!(
        report["inputs"][0]["aws_auth"]["map_roles"],
        serde_json::json!([])
    );
}

#[test]
fn fail_on_sets_the_threshold() {
    assert_eq!(
        run(&["check", "examples/aws-auth.yaml", "--fail-on", "none"]).code,
        0
    );
    assert_eq!(
        run(&["check", "examples/aws-auth.yaml", "--fail-on", "critical"]).code,
        0
    );
    assert_eq!(
        run(&["check", "examples/aws-auth.yaml", "--fail-on", "high"]).code,
        0
    );
    assert_eq!(
        run(&["check", "examples/aws-auth.yaml", "--fail-on", "medium"]).code,
        1
    );
    assert_eq!(
        run(&["check", "examples/broken.yaml", "--fail-on", "critical"]).code,
        1
    );
}

#[test]
fn usage_and_input_errors_exit_2_naming_the_place() {
    let r = run(&["check", "--bogus", "x"]);
    assert_eq!(r.code, 2);
    let r = run(&["check", "does-not-exist.yaml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does-not-exist.yaml"), "{}", r.stderr);
    let dir = scratch("bad-yaml");
    let path = write(
        &dir,
        "bad.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: [\n",
    );
    let r = run(&["check", &path]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(&format!("{path}:4:1")), "{}", r.stderr);
    let r = run(&["explain", "EA999"]);
    assert_eq!(r.code, 2);
    let r = run(&["check", "-", "-"]);
    assert_eq!(r.code, 2);
}

#[test]
fn a_manifest_without_aws_auth_is_an_input_error() {
    let dir = scratch("no-aws-auth");
    let path = write(&dir, "cm.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: default}\ndata: {}\n");
    let r = run(&["check", &path]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no kube-system/aws-auth"), "{}", r.stderr);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let manifest = std::fs::read("examples/aws-auth.yaml").unwrap();
    let r = run_with_stdin(&["check", "-", "--format", "json"], &manifest);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["inputs"][0]["source"], "-");
}

#[test]
fn json_report_has_the_documented_shape_and_is_deterministic() {
    let first = run(&["check", "examples/aws-auth.yaml", "--format", "json"]);
    let second = run(&["check", "examples/aws-auth.yaml", "--format", "json"]);
    assert_eq!(first.stdout, second.stdout, "reports differ between runs");
    let report: Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(report["version"], 1);
    let roles = &report["inputs"][0]["aws_auth"]["map_roles"];
    assert_eq!(roles[1]["rolearn"], "arn:aws:iam::123456789012:user/xxxx");
    assert_eq!(roles[1]["groups"], serde_json::json!(["system:masters"]));
    let finding = &report["findings"][0];
    for key in [
        "code",
        "slug",
        "severity",
        "status",
        "message",
        "principal",
        "location",
        "remediation",
        "fingerprint",
    ] {
        assert!(!finding[key].is_null(), "finding lacks {key}: {finding}");
    }
    for key in ["route", "path", "line", "column"] {
        assert!(!finding["location"][key].is_null(), "location lacks {key}");
    }
    assert_eq!(finding["status"], "fail");
    assert_eq!(report["coverage"]["complete"], true);
    assert_eq!(report["summary"]["findings"], 3);
}

#[test]
fn fingerprints_survive_reindentation_and_reordering() {
    let dir = scratch("fingerprints");
    let a = configmap(
        "  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/A\n      username: a\n      groups: [system:masters]\n    - rolearn: arn:aws:iam::111122223333:role/B\n      username: b\n      groups: [system:masters]\n",
    );
    let b = configmap(
        "  mapRoles: |\n      - rolearn: arn:aws:iam::111122223333:role/B\n        username: b\n        groups:\n          - system:masters\n      - rolearn: arn:aws:iam::111122223333:role/A\n        username: a\n        groups: [system:masters]\n",
    );
    let fingerprints = |text: &str, name: &str| {
        let path = write(&dir, name, text.as_bytes());
        let report: Value =
            serde_json::from_str(&run(&["check", &path, "--format", "json"]).stdout).unwrap();
        let mut prints: Vec<(String, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["principal"].as_str().unwrap().to_string(),
                    f["fingerprint"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        prints.sort();
        prints
    };
    let (pa, pb) = (fingerprints(&a, "a.yaml"), fingerprints(&b, "b.yaml"));
    assert_eq!(pa.len(), 2);
    assert_eq!(pa, pb);
    assert_ne!(pa[0].1, pa[1].1);
}

#[test]
fn a_snapshot_report_has_cluster_findings_without_a_file_position() {
    let r = run(&["check", "examples/snapshot.json", "--format", "sarif"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let sarif: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_sarif_valid(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let hidden = results.iter().find(|r| r["ruleId"] == "EA306").unwrap();
    assert!(hidden["locations"][0].get("physicalLocation").is_none());
    assert_eq!(
        hidden["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "cluster arn:aws:eks:us-east-1:123456789012:cluster/legacy › caller"
    );
    // partner's `- platform` item, line 24 of the kubectl layout
    let grant = results.iter().find(|r| r["ruleId"] == "EA205").unwrap();
    assert_eq!(
        grant["locations"][0]["physicalLocation"]["region"]["startLine"],
        24
    );
    for code in ["EA401", "EA402", "EA403", "EA404"] {
        assert!(results.iter().any(|r| r["ruleId"] == code), "{code}");
    }
    // What SARIF has no place for rides in the run's property bag: the access matrix (the
    // hidden creator among its rows), the cluster, and what could not be checked.
    let properties = &sarif["runs"][0]["properties"];
    let matrix = properties["accessMatrix"].as_array().unwrap();
    assert!(
        matrix.iter().any(
            |p| p["source"].as_str().unwrap().starts_with("creator (hidden")
                && p["tier"] == "cluster-admin"
        ),
        "{matrix:?}"
    );
    assert_eq!(properties["cluster"]["authentication_mode"], "CONFIG_MAP");
    assert_eq!(properties["coverage"]["complete"], true);
    let table = run(&["check", "examples/snapshot.json", "--color", "never"]);
    assert!(
        table.stdout.starts_with(
            "cluster arn:aws:eks:us-east-1:123456789012:cluster/legacy: authentication mode CONFIG_MAP;"
        ),
        "{}",
        table.stdout
    );
}

#[test]
fn sarif_validates_against_the_2_1_0_schema_with_right_lines() {
    let r = run(&["check", "examples/broken.yaml", "--format", "sarif"]);
    assert_eq!(r.code, 1);
    let sarif: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_sarif_valid(&sarif);
    let run0 = &sarif["runs"][0];
    assert_eq!(
        run0["tool"]["driver"]["rules"].as_array().unwrap().len(),
        // Every rule but the policy's (no policy applied).
        aws_auth_audit::rules::RULES
            .iter()
            .filter(|r| !r.is_policy())
            .count()
    );
    let results = run0["results"].as_array().unwrap();
    let lost = results.iter().find(|r| r["ruleId"] == "EA101").unwrap();
    let region = &lost["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(13), Some(7))
    );
    assert_eq!(lost["level"], "error");
    assert!(
        lost["partialFingerprints"]["awsAuthAudit/v1"]
            .as_str()
            .unwrap()
            .len()
            == 16
    );
}

#[test]
fn markdown_and_table_formats_render() {
    let md = run(&["check", "examples/aws-auth.yaml", "--format", "markdown"]);
    assert_eq!(md.code, 0);
    assert!(
        md.stdout
            .contains("| severity | rule | location | finding |"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("system:masters"));
    let table = run(&[
        "check",
        "examples/aws-auth.yaml",
        "--format",
        "table",
        "--color",
        "never",
    ]);
    assert!(table.stdout.contains("EA113 system-masters-grant"));
    assert!(
        !table.stdout.contains('\u{1b}'),
        "colour without a terminal"
    );
    let colored = run(&["check", "examples/aws-auth.yaml", "--color", "always"]);
    assert!(colored.stdout.contains('\u{1b}'));
}

#[test]
fn output_file_is_private_and_complete() {
    let dir = scratch("output");
    let target = dir.join("report.json");
    let r = run(&[
        "check",
        "examples/aws-auth.yaml",
        "--format",
        "json",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.is_empty());
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "report.json")
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn input_text_never_reaches_the_terminal_raw() {
    let dir = scratch("escape");
    let body = configmap(
        "  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/Ops\n      username: \"\\e[31mops\\u202e\"\n      groups: [system:masters]\n",
    );
    let path = write(&dir, "evil.yaml", body.as_bytes());
    for format in ["table", "markdown"] {
        let r = run(&["check", &path, "--format", format, "--color", "never"]);
        assert_eq!(r.code, 1);
        assert!(
            !r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{202e}'),
            "{format}: raw control characters"
        );
        assert!(
            r.stdout.contains("u{001b}") || r.stdout.contains("u\\{001b\\}"),
            "{format}: {}",
            r.stdout
        );
    }
}

#[test]
fn rules_and_explain_come_from_the_registry() {
    let r = run(&["rules", "--format", "json"]);
    let rules: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        rules.as_array().unwrap().len(),
        aws_auth_audit::rules::RULES.len()
    );
    assert!(rules.as_array().unwrap().len() >= 55);
    let ea205 = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "EA205")
        .unwrap();
    assert_eq!(ea205["needs"], serde_json::json!(["aws-auth", "rbac"]));
    assert_eq!(rules[12]["code"], "EA113");
    let explain = run(&["explain", "ea113"]);
    assert_eq!(explain.code, 0);
    assert_eq!(
        explain.stdout,
        std::fs::read_to_string("docs/rules/EA113.md").unwrap()
    );
    // The slug `rules` prints beside the code explains the same rule.
    let by_slug = run(&["explain", "system-masters-grant"]);
    assert_eq!(by_slug.stdout, explain.stdout, "{}", by_slug.stderr);
    // The text listing's columns line up: every slug starts at the same column, whatever the
    // severity's length before it.
    let text = run(&["rules"]);
    let columns: std::collections::BTreeSet<usize> = text
        .stdout
        .lines()
        .map(|l| {
            let severity_at = l.find("  ").unwrap() + 2;
            let severity_len = l[severity_at..].find(' ').unwrap();
            let gap = l[severity_at + severity_len..].find(|c| c != ' ').unwrap();
            severity_at + severity_len + gap
        })
        .collect();
    assert_eq!(columns.len(), 1, "{}", text.stdout);
}

#[test]
fn help_is_pinned_by_the_cli_reference() {
    let help = run(&["--help"]);
    assert_eq!(help.code, 0);
    let reference = std::fs::read_to_string("docs/cli.md").unwrap();
    assert!(
        reference.contains(help.stdout.trim_end()),
        "--help differs from docs/cli.md:\n{}",
        help.stdout
    );
    let check_help = run(&["check", "--help"]);
    assert!(
        reference.contains(check_help.stdout.trim_end()),
        "check --help differs from docs/cli.md"
    );
}

/// Every subcommand and every long option, as `--help` lists them (the grammar's own words).
fn grammar() -> Vec<(String, Vec<String>)> {
    let help = run(&["--help"]);
    let commands: Vec<String> = help
        .stdout
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        // A command's line; its description's continuation lines are indented deeper.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    assert!(commands.len() >= 12, "{commands:?}");
    commands
        .into_iter()
        .map(|command| {
            let sub = run(&[&command, "--help"]);
            let options = sub
                .stdout
                .split_whitespace()
                .filter(|w| w.starts_with("--") && w.len() > 2)
                .map(|w| {
                    w.trim_end_matches([',', '.', ')', ']', ';'])
                        .split(['=', '['])
                        .next()
                        .unwrap()
                        .to_string()
                })
                .filter(|w| {
                    w != "--help"
                        && w.chars()
                            .skip(2)
                            .all(|c| c.is_ascii_lowercase() || c == '-')
                })
                .collect();
            (command, options)
        })
        .collect()
}

/// The man page and the completion scripts come from the same grammar: every subcommand and
/// every option is in each, and `--version` names the build.
#[test]
fn man_page_and_completions_cover_every_command_and_option() {
    let grammar = grammar();
    let options: usize = grammar.iter().map(|(_, o)| o.len()).sum();
    assert!(options >= 60, "{grammar:?}");
    let man = run(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.starts_with(".ie") || man.stdout.contains(".TH aws-auth-audit 1"));
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH \"COMMAND OPTIONS\"",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
    ] {
        assert!(man.stdout.contains(section), "{section}");
    }
    // roff writes a hyphen as `\-`.
    let roff = |text: &str| text.replace('-', "\\-");
    for (command, options) in &grammar {
        assert!(
            man.stdout
                .contains(&format!(".SS \"aws-auth-audit {command}\"")),
            "man: {command}"
        );
        for option in options {
            assert!(
                man.stdout.contains(&roff(option)),
                "man: {command} {option}"
            );
        }
    }
    for variable in [
        "AWS_REGION",
        "AWS_PROFILE",
        "KUBECONFIG",
        "RUST_LOG",
        "JOB_COMPLETION_INDEX",
    ] {
        assert!(man.stdout.contains(&roff(variable)), "man: {variable}");
    }
    for code in ["0", "1", "2", "3", "4"] {
        assert!(
            man.stdout.contains(&format!(".TP\n\\fB{code}\\fR")),
            "man: exit {code}"
        );
    }
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = run(&["completions", shell]);
        assert_eq!(script.code, 0, "{shell}");
        for (command, options) in &grammar {
            assert!(
                script.stdout.contains(command.as_str()),
                "{shell}: {command}"
            );
            for option in options {
                // fish names long options without their dashes (`-l regions`).
                let bare = option.trim_start_matches("--");
                assert!(
                    script.stdout.contains(option.as_str())
                        || (shell == "fish" && script.stdout.contains(&format!("-l {bare}"))),
                    "{shell}: {command} {option}"
                );
            }
        }
    }
    let unknown = run(&["completions", "tcsh"]);
    assert_eq!(unknown.code, 2);

    let version = run(&["--version"]);
    assert_eq!(version.code, 0);
    let line = version.stdout.trim();
    assert!(
        line.starts_with(&format!(
            "aws-auth-audit {} (commit ",
            env!("CARGO_PKG_VERSION")
        )),
        "{line}"
    );
    let rules = run(&["rules", "--format", "json"]);
    let count = serde_json::from_str::<Value>(&rules.stdout)
        .map(|v| v.as_array().map_or(0, Vec::len))
        .unwrap_or(0);
    // Every JSON report carries the same: the version, the commit and the catalogue's size.
    let report = run(&["check", "examples/aws-auth.yaml", "--format", "json"]);
    let tool = &serde_json::from_str::<Value>(&report.stdout).unwrap()["tool"];
    let commit = tool["commit"].as_str().unwrap();
    assert!(
        line.contains(&format!("(commit {commit}, ")),
        "{line} vs {tool}"
    );
    assert_eq!(tool["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(tool["rules"], count);
    let sarif = run(&["check", "examples/aws-auth.yaml", "--format", "sarif"]);
    let driver =
        &serde_json::from_str::<Value>(&sarif.stdout).unwrap()["runs"][0]["tool"]["driver"];
    assert_eq!(driver["properties"]["commit"], commit);
    assert!(
        line.ends_with(&format!(", {count} rules)")),
        "{line} vs {count} rules"
    );
}
