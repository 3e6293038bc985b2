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
/// their time and memory reads too): alias bombs inside and outside aws-auth, nesting 10,000
/// deep, a 5 MiB file, bad encodings, tabs, unknown tags — each refused at its
/// `file:line:column` with the reason — and the input that is read and judged.
#[test]
fn every_hostile_input_ends_cleanly() {
    let dir = scratch("hostile-catalogue");
    let inputs = crate::support::hostile_inputs::all();
    assert!(inputs.len() >= 15);
    for input in inputs {
        if input.exit == 2 {
            expect_input_error(&input.name, &input.bytes, input.want);
            continue;
        }
        let path = write(&dir, &format!("{}.yaml", input.name), &input.bytes);
        let r = run(&["check", &path]);
        assert_eq!(r.code, input.exit, "{}: {}", input.name, r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", input.name);
    }
}
