//! The manifest shortcut (`inputs::yaml::read_block_mappings`) against the full YAML path
//! (`parse_stream`): on every manifest the project holds (conformance vectors, rule fixtures,
//! diff cases, scenarios, examples, the generated benchmark ConfigMap, the hostile inputs) and
//! on thousands of mutants of them, whatever the shortcut accepts must read exactly as the full
//! path reads it — the same stream of nodes, values, styles and positions.

use aws_auth_audit::inputs::manifest::decode_text;
use aws_auth_audit::inputs::yaml::{Budget, parse_stream, read_block_mappings};
use serde_json::Value;

use crate::support::hostile_inputs;
use crate::support::mutator::{held_yaml_files, run_mutants};
use crate::support::sample;

const VECTORS: &str = include_str!("../conformance/authenticator-vectors.jsonl");

/// Where a literal block scalar ends and what its final line breaks become, as saphyr has it:
/// ended by a less-indented key or comment, by the end of the text after blank lines, blank
/// lines of spaces inside, every chomping indicator, a document marker and leading comments.
const EDGES: &[&str] = &[
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n    - rolearn: a\n      groups: [x]\n\n  mapUsers: |-\n    - u\n\n\n  other: |+\n    k\n\n# end\n",
    "# lead\n\n---\nkind: ConfigMap # c\nmetadata:\n  name: \"aws-auth\"\n  namespace: 'kube-system'\ndata:\n  mapRoles: |\n    - a\n   \n      b\n  \n",
    "kind: ConfigMap\ndata:\n  mapRoles: |\n    - a\n  # c\n  x: y\n# tail\n",
    "kind: ConfigMap\ndata:\n  mapRoles: |+\n    - a\n\n\n",
    "kind: ConfigMap\nmetadata:\n  labels:\n    app.kubernetes.io/name: x\n  name: aws-auth\ndata:\n  mapRoles: |\n    - a\n",
    // A quoted scalar ends where its line ends: after trailing spaces and a comment.
    "kind: ConfigMap\nmetadata:\n  name: \"aws-auth\"  \n  namespace: 'kube-system' # ns\ndata:\n  mapUsers: \"\" \n  mapAccounts: \"\"\n",
];

/// Every manifest text the project holds, as `check` would read it (decoded).
fn corpus() -> Vec<String> {
    let mut texts: Vec<String> = EDGES.iter().map(|t| t.to_string()).collect();
    for line in VECTORS.lines().filter(|l| !l.trim().is_empty()) {
        let vector: Value = serde_json::from_str(line).unwrap();
        if vector["input_kind"].as_str() == Some("configmap_manifest") {
            texts.push(vector["input"].as_str().unwrap_or_default().to_string());
        }
    }
    for file in held_yaml_files() {
        texts.push(std::fs::read_to_string(&file).unwrap_or_default());
    }
    texts.push(sample::large_configmap(128 * 1024));
    for hostile in hostile_inputs::all() {
        texts.push(String::from_utf8_lossy(&hostile.bytes).into_owned());
    }
    texts
        .into_iter()
        .filter_map(|t| decode_text(t.as_bytes()).ok().map(str::to_string))
        .collect()
}

/// Asserts the shortcut and the full path agree on `text`; returns whether the shortcut took
/// it.
fn agree(text: &str) -> bool {
    let Some(shortcut) = read_block_mappings(text, Budget::MANIFEST) else {
        return false;
    };
    match parse_stream(text, Budget::MANIFEST) {
        Ok(full) => assert_eq!(shortcut, full, "the streams differ on:\n{text}"),
        Err(e) => panic!("the shortcut read what the full path refuses ({e}):\n{text}"),
    }
    true
}

/// The benchmark's manifest takes the shortcut: if it stopped doing so, every verdict would
/// stay right and `check` would silently become slower.
#[test]
fn the_benchmark_manifest_takes_the_shortcut() {
    assert!(read_block_mappings(&sample::large_configmap(64 * 1024), Budget::MANIFEST).is_some());
}

#[test]
fn the_shortcut_reads_every_held_manifest_as_the_full_path_does() {
    let corpus = corpus();
    let taken = corpus.iter().filter(|text| agree(text)).count();
    for edge in EDGES {
        assert!(
            agree(edge),
            "the shortcut left an edge case it should read:\n{edge}"
        );
    }
    assert!(corpus.len() > 150, "corpus of {}", corpus.len());
    assert!(
        taken * 3 > corpus.len(),
        "{taken} of {} taken",
        corpus.len()
    );
    assert!(
        taken < corpus.len(),
        "the shortcut took even the unusual manifests"
    );
}

#[test]
fn mutants_the_shortcut_takes_read_as_the_full_path_reads_them() {
    let seeds: Vec<((), String)> = corpus()
        .into_iter()
        .filter(|text| text.len() < 4096 && read_block_mappings(text, Budget::MANIFEST).is_some())
        .map(|text| ((), text))
        .collect();
    run_mutants(&seeds, 0x2545_f491_4f6c_dd1d, |(), text| agree(text));
}
