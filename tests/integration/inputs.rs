//! What `check` accepts: multi-document YAML, `kind: List`, `kubectl get -o json` output,
//! several files; which ConfigMap it judges; the limits it enforces before parsing.

use crate::common;

use common::{configmap, run, scratch, write};
use serde_json::Value;

fn json_report(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let r = run(&all);
    let value = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r.code, value, r.stderr)
}

const MASTERS: &str = "  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/Ops\n      username: ops\n      groups: [system:masters]\n";

#[test]
fn multi_document_files_judge_only_kube_system_aws_auth() {
    let dir = scratch("multidoc");
    let other = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: default}\ndata:\n  mapRoles: |\n    - rolearn: arn:aws:iam::1:role/X\n      groups: [system:masters]\n";
    let text = format!(
        "{other}---\napiVersion: v1\nkind: Service\nmetadata: {{name: s}}\n---\n{}",
        configmap(MASTERS)
    );
    let path = write(&dir, "all.yaml", text.as_bytes());
    let (code, report, _) = json_report(&[&path]);
    assert_eq!(code, 1);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["findings"][0]["location"]["line"], 22);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("default/aws-auth holds aws-auth's keys but is not kube-system/aws-auth: EKS never reads it"),
        "{notes}"
    );
    assert!(notes.contains("Service"), "{notes}");
}

#[test]
fn kind_list_and_kubectl_json_output() {
    let dir = scratch("list");
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: aws-auth, namespace: kube-system}\n  data:\n    mapRoles: |\n      - rolearn: arn:aws:iam::111122223333:role/teams/Ops\n        username: ops\n";
    let path = write(&dir, "list.yaml", list.as_bytes());
    let (code, report, _) = json_report(&[&path]);
    assert_eq!(code, 1);
    let finding = &report["findings"][0];
    assert_eq!(finding["code"], "EA107");
    assert_eq!(
        (
            finding["location"]["line"].as_u64(),
            finding["location"]["column"].as_u64()
        ),
        (Some(9), Some(18))
    );

    // `kubectl get cm aws-auth -n kube-system -o json`: the data is a JSON string with \n escapes.
    let kubectl = r#"{
    "apiVersion": "v1",
    "data": {
        "mapRoles": "- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: arn:aws:iam::111122223333:role/NodeRole\n  username: system:node:{{EC2PrivateDNSName}}\n- groups:\n  - system:masters\n  rolearn: arn:aws:iam::111122223333:role/Admin\n  username: admin\n"
    },
    "kind": "ConfigMap",
    "metadata": {
        "name": "aws-auth",
        "namespace": "kube-system",
        "resourceVersion": "1234"
    }
}
"#;
    let path = write(&dir, "kubectl.json", kubectl.as_bytes());
    let (code, report, stderr) = json_report(&[&path]);
    assert_eq!(code, 1, "{stderr}");
    let finding = &report["findings"][0];
    assert_eq!(finding["code"], "EA113");
    assert_eq!(finding["location"]["line"], 4);
    let column = finding["location"]["column"].as_u64().unwrap() as usize;
    let line = kubectl.lines().nth(3).unwrap();
    assert!(
        line.chars()
            .skip(column - 1)
            .collect::<String>()
            .starts_with("system:masters"),
        "column {column} in {line}"
    );
    assert_eq!(
        report["inputs"][0]["aws_auth"]["map_roles"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn several_files_are_judged_each() {
    let (code, report, _) = json_report(&["examples/aws-auth.yaml", "examples/clean.yaml"]);
    // The example's superuser grant is dead (medium): nothing reaches --fail-on high.
    assert_eq!(code, 0);
    let sources: Vec<&str> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["examples/aws-auth.yaml", "examples/clean.yaml"]);
}

#[test]
fn two_aws_auth_in_kube_system_is_ambiguous() {
    let dir = scratch("two");
    let text = format!("{}---\n{}", configmap(MASTERS), configmap(MASTERS));
    let path = write(&dir, "two.yaml", text.as_bytes());
    let r = run(&["check", &path]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!("{path}:12:1")) && r.stderr.contains("ambiguous"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_namespace_is_judged_as_kube_system_with_a_note() {
    let dir = scratch("nons");
    let text =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\ndata:\n{MASTERS}");
    let path = write(&dir, "nons.yaml", text.as_bytes());
    let (code, report, _) = json_report(&[&path]);
    assert_eq!(code, 1);
    assert!(report["notes"].to_string().contains("no namespace"));
}

#[test]
fn configmap_data_limit_is_counted_as_kubernetes_counts_it() {
    let dir = scratch("limit");
    // mapAccounts holds a single quoted account plus padding comment bytes.
    let prefix = "- \"111122223333\"\n";
    let limit = 1024 * 1024;
    let make = |size: usize| {
        let padding = size - prefix.len() - 1;
        let value = format!("{prefix}#{}", "x".repeat(padding));
        let escaped = serde_json::to_string(&value).unwrap();
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: aws-auth, namespace: kube-system}}\ndata:\n  mapAccounts: {escaped}\n"
        )
    };
    let at = write(&dir, "at.yaml", make(limit).as_bytes());
    let r = run(&["check", &at, "--fail-on", "none"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let over = write(&dir, "over.yaml", make(limit + 1).as_bytes());
    let r = run(&["check", &over]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("over the 1 MiB"), "{}", r.stderr);
}

/// One sniffer decides what a file is for every command: a fleet scan's output handed to
/// `check` or `diff` is refused with the commands that read it, and `policy init` reads it in
/// either shape.
#[test]
fn a_fleet_scans_output_is_told_apart_by_every_command() {
    let dir = common::scratch("inputs-fleet");
    let evidence = common::evidence_of(&dir, &["faults-healthy.json"]);
    let replay = evidence.to_str().unwrap();
    let report = dir.join("fleet.json");
    let lines = dir.join("fleet.jsonl");
    for (format, out) in [("json", &report), ("jsonl", &lines)] {
        let scanned = common::run(&[
            "scan",
            "--replay",
            replay,
            "--quiet",
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_ne!(scanned.code, 2, "{}", scanned.stderr);
    }
    for out in [&report, &lines] {
        let path = out.to_str().unwrap();
        let checked = common::run(&["check", path]);
        assert_eq!(checked.code, 2, "{}", checked.stdout);
        assert!(
            checked.stderr.contains("a fleet scan's")
                && checked.stderr.contains("`merge` reports it"),
            "{}",
            checked.stderr
        );
        let diffed = common::run(&["diff", "examples/clean.yaml", path]);
        assert_eq!(diffed.code, 2, "{}", diffed.stdout);
        let init = common::run(&["policy", "init", path, "--allow-incomplete"]);
        assert_eq!(init.code, 0, "{path}: {}", init.stderr);
        assert!(
            init.stdout.contains("clusters: [healthy]"),
            "{}",
            init.stdout
        );
    }
}

/// A fleet line whose cluster report has another shape version is refused by name, at its
/// line, never half-read as this build's shape.
#[test]
fn a_fleet_line_of_another_shape_version_is_refused_by_name() {
    let dir = common::scratch("inputs-fleet-version");
    let evidence = common::evidence_of(&dir, &["faults-healthy.json"]);
    let lines = common::run(&[
        "scan",
        "--replay",
        evidence.to_str().unwrap(),
        "--quiet",
        "--format",
        "jsonl",
    ])
    .stdout;
    let older = lines.replacen(
        "\"report\":{\"version\":1,",
        "\"report\":{\"version\":0,",
        1,
    );
    assert_ne!(older, lines, "the line carries its report's version");
    let file = common::write(&dir, "older.jsonl", older.as_bytes());
    for args in [
        vec!["merge", file.as_str()],
        vec!["policy", "init", file.as_str()],
    ] {
        let r = common::run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert!(
            r.stderr.contains("older.jsonl:1:1")
                && r.stderr
                    .contains("has shape version 0, and this build reads version 1"),
            "{args:?}: {}",
            r.stderr
        );
    }
}
