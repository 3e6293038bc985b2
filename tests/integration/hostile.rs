//! Hostile input: every case ends in exit 2 with `file:line:column`, never a panic, a crash
//! or a hang (the runner kills a run after 20 s). Speed is measured in `benches/`, not here.

use crate::common;

use aws_auth_audit::inputs::manifest::InputFile;
use aws_auth_audit::judge::check;
use common::{configmap, run, scratch, write};

fn expect_input_error(name: &str, bytes: &[u8], want: &str) {
    let dir = scratch(name);
    let path = write(&dir, "input.yaml", bytes);
    let r = run(&["check", &path]);
    assert_eq!(r.code, 2, "{name}: exit {} stderr {}", r.code, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    let location = r.stderr.split(&format!("{path}:")).nth(1).unwrap_or("");
    let mut parts = location.splitn(3, ':');
    let line = parts.next().and_then(|l| l.parse::<usize>().ok());
    let column = parts.next().and_then(|c| c.parse::<usize>().ok());
    assert!(
        line.is_some() && column.is_some(),
        "{name}: no file:line:column in {}",
        r.stderr
    );
    assert!(
        r.stderr.contains(want),
        "{name}: expected {want:?} in {}",
        r.stderr
    );
}

fn billion_laughs(indent: &str) -> String {
    let mut text = format!("{indent}a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("{indent}a{i}: &a{i} [{refs}]\n"));
    }
    text
}

#[test]
fn billion_laughs_outside_and_inside_aws_auth() {
    let outer = format!("{}{}", configmap("  mapRoles: \"\"\n"), billion_laughs(""));
    expect_input_error("laughs-outer", outer.as_bytes(), "budget");
    let inner = configmap(&format!("  mapRoles: |\n{}", billion_laughs("    ")));
    expect_input_error("laughs-inner", inner.as_bytes(), "budget");
}

#[test]
fn nesting_ten_thousand_deep() {
    // Block mappings nest by indentation, so 10,000 levels would be 100 MB of spaces: 200
    // levels already break both budgets (64 for the manifest, 16 inside aws-auth).
    let maps = |indent: usize| {
        (0..200)
            .map(|i| format!("{}k{i}:\n", " ".repeat(indent + 2 * i)))
            .collect::<String>()
    };
    for (name, outer_body, inner_body) in [
        (
            "flow",
            format!("x: {}\n", "[".repeat(10_000)),
            format!("    {}\n", "[".repeat(10_000)),
        ),
        (
            "block",
            format!("x:\n{}\n", "- ".repeat(10_000)),
            format!("    {}\n", "- ".repeat(10_000)),
        ),
        ("maps", maps(0), maps(4)),
    ] {
        let outer = format!("{}{outer_body}", configmap("  mapRoles: \"\"\n"));
        expect_input_error(&format!("deep-outer-{name}"), outer.as_bytes(), "budget");
        let inner = configmap(&format!("  mapRoles: |\n{inner_body}"));
        expect_input_error(&format!("deep-inner-{name}"), inner.as_bytes(), "budget");
    }
}

#[test]
fn nesting_on_a_small_stack_thread() {
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            for body in ["[".repeat(10_000), "- ".repeat(10_000)] {
                let manifest = configmap(&format!("  mapRoles: |\n    {body}\n"));
                let result = check(&[InputFile {
                    path: "deep.yaml".into(),
                    bytes: manifest.into_bytes(),
                }]);
                assert!(result.is_err(), "deep nesting accepted");
            }
        })
        .unwrap();
    handle.join().expect("no stack overflow on a 2 MiB stack");
}

#[test]
fn a_five_mib_file_is_refused_before_parsing() {
    let mut text = configmap("  mapRoles: \"\"\n");
    text.push_str(&"# padding\n".repeat(5 * 1024 * 1024 / 10));
    expect_input_error("five-mib", text.as_bytes(), "larger than 4 MiB");
}

#[test]
fn encodings_and_forbidden_bytes() {
    let mut invalid = configmap("  mapRoles: |\n    - rolearn: arn:aws:iam::1:role/").into_bytes();
    invalid.extend_from_slice(b"\xc3\x28\n");
    expect_input_error("invalid-utf8", &invalid, "invalid UTF-8");
    let nul = configmap("  mapRoles: |\n    - rolearn: a\0b\n");
    expect_input_error("nul", nul.as_bytes(), "NUL");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in configmap("  mapRoles: \"\"\n").encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    expect_input_error("utf16", &utf16, "UTF-16");
}

#[test]
fn tabs_in_the_manifest_indentation() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: aws-auth\n";
    expect_input_error("tabs", text.as_bytes(), "YAML syntax error");
}

#[test]
fn unknown_tags_are_refused() {
    let custom = format!(
        "{}  extra: !custom value\n",
        configmap("  mapRoles: \"\"\n")
    );
    expect_input_error("custom-tag", custom.as_bytes(), "unknown YAML tag");
    let python = configmap("  mapRoles: !!python/object:os.system echo\n");
    expect_input_error("python-tag", python.as_bytes(), "unknown YAML tag");
}

/// A role name of 900,000 characters: IAM allows 64, so the mapping never matches — reported
/// by EA109 with the rule it breaks, in messages that stay short whatever the input's size.
#[test]
fn a_huge_role_name_is_a_dead_mapping_in_short_words() {
    let dir = scratch("huge-role-name");
    let name = "r".repeat(900_000);
    let path = write(
        &dir,
        "aws-auth.yaml",
        configmap(&format!(
            "  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/{name}\n      username: admin\n      groups: [system:masters]\n"
        ))
        .as_bytes(),
    );
    let r = run(&["check", &path, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let ea109 = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EA109")
        .expect("EA109 reports the name IAM never allows");
    let message = ea109["message"].as_str().unwrap();
    assert!(
        message.contains("names a role of 900000 characters") && message.contains("at most 64"),
        "{}",
        &message[..message.len().min(400)]
    );
    assert!(message.len() < 400, "{} bytes", message.len());
    let table = run(&["check", &path]);
    assert!(
        table.stdout.len() < 20_000,
        "the table stays readable: {} bytes",
        table.stdout.len()
    );
}

/// Every hostile input of the catalogue (`support/hostile_inputs.rs`, which the benchmark of
/// their time and memory reads too) ends with its exit code, never a panic.
#[test]
fn every_hostile_input_ends_cleanly() {
    let dir = scratch("hostile-catalogue");
    let inputs = crate::support::hostile_inputs::all();
    assert!(inputs.len() >= 15);
    for input in inputs {
        let path = write(&dir, &format!("{}.yaml", input.name), &input.bytes);
        let r = run(&["check", &path]);
        assert_eq!(r.code, input.exit, "{}: {}", input.name, r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", input.name);
    }
}
