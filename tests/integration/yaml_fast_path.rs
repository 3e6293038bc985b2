//! The common-shape shortcut (`model::awsauth::common_shape`) against the full YAML path: on
//! every `mapRoles`/`mapUsers` text the project holds (conformance vectors, rule fixtures,
//! diff cases, scenarios, examples, a generated 128 KiB section) and on thousands of mutants
//! of them, whatever the shortcut accepts must read exactly as the full path reads it — the
//! same JSON tree, positions included, and the same section (rows, observations, errors).

use aws_auth_audit::inputs::manifest::{DataValue, decode_text, read_configmaps};
use aws_auth_audit::inputs::yaml::{Budget, parse_stream};
use aws_auth_audit::model::awsauth::common_shape::read_common_shape;
use aws_auth_audit::model::awsauth::json_value::to_json;
use aws_auth_audit::model::awsauth::{SectionKey, parse_section, parse_section_full_path};
use serde_json::Value;

use crate::support::mutator::{Mutator, held_yaml_files, run_mutants};
use crate::support::sample;

const VECTORS: &str = include_str!("../conformance/authenticator-vectors.jsonl");

/// Every `mapRoles`/`mapUsers` text of a manifest (none when it does not read).
fn sections_of(manifest: &str, into: &mut Vec<(SectionKey, String)>) {
    let Ok(text) = decode_text(manifest.as_bytes()) else {
        return;
    };
    let Ok(read) = read_configmaps(text) else {
        return;
    };
    for configmap in read.configmaps {
        for item in configmap.data {
            let key = match item.key.as_str() {
                "mapRoles" => SectionKey::MapRoles,
                "mapUsers" => SectionKey::MapUsers,
                _ => continue,
            };
            if let DataValue::Text { text, .. } = item.value {
                into.push((key, text));
            }
        }
    }
}

/// The texts the project holds, each with the key it is read under.
fn corpus() -> Vec<(SectionKey, String)> {
    let mut texts = Vec::new();
    for line in VECTORS.lines().filter(|l| !l.trim().is_empty()) {
        let vector: Value = serde_json::from_str(line).unwrap();
        let input = vector["input"].as_str().unwrap_or_default();
        match (vector["section"].as_str(), vector["input_kind"].as_str()) {
            (_, Some("configmap_manifest")) => sections_of(input, &mut texts),
            (Some("mapRoles"), None) => texts.push((SectionKey::MapRoles, input.to_string())),
            (Some("mapUsers"), None) => texts.push((SectionKey::MapUsers, input.to_string())),
            _ => {}
        }
    }
    for file in held_yaml_files() {
        sections_of(
            &std::fs::read_to_string(&file).unwrap_or_default(),
            &mut texts,
        );
    }
    sections_of(&sample::large_configmap(128 * 1024), &mut texts);
    texts
}

/// Asserts the shortcut and the full path agree on `text`; returns whether the shortcut took
/// it.
fn agree(key: SectionKey, text: &str) -> bool {
    let shortcut = read_common_shape(text, Budget::SECTION);
    if let Some(tree) = &shortcut {
        let full = parse_stream(text, Budget::SECTION).unwrap_or_else(|e| {
            panic!("the shortcut read what the full path refuses ({e}):\n{text}")
        });
        let root = full.documents[0].root.as_ref().expect("a root");
        assert_eq!(
            Some(tree),
            to_json(root).ok().as_ref(),
            "the trees differ on:\n{text}"
        );
    }
    assert_eq!(
        parse_section(key, text),
        parse_section_full_path(key, text),
        "the sections differ on:\n{text}"
    );
    shortcut.is_some()
}

/// The benchmark's section (node roles, admins, team roles with `[flow]` groups) takes the
/// shortcut: if it stopped doing so, every verdict would stay right and `check` would silently
/// become several times slower.
#[test]
fn the_benchmark_section_takes_the_shortcut() {
    let mut texts = Vec::new();
    sections_of(&sample::large_configmap(64 * 1024), &mut texts);
    let [(SectionKey::MapRoles, text)] = texts.as_slice() else {
        panic!("one mapRoles expected")
    };
    assert!(read_common_shape(text, Budget::SECTION).is_some());
}

#[test]
fn the_shortcut_reads_every_held_text_as_the_full_path_does() {
    let corpus = corpus();
    let taken = corpus
        .iter()
        .filter(|(key, text)| agree(*key, text))
        .count();
    // Most texts are the common shape; the rest are the hostile and unusual cases the rule
    // fixtures exist for.
    assert!(corpus.len() > 150, "corpus of {}", corpus.len());
    assert!(
        taken * 2 > corpus.len(),
        "{taken} of {} taken",
        corpus.len()
    );
    assert!(
        taken < corpus.len(),
        "the shortcut took even the unusual texts"
    );
}

#[test]
fn mutants_the_shortcut_takes_read_as_the_full_path_reads_them() {
    let seeds: Vec<(SectionKey, String)> = corpus()
        .into_iter()
        .filter(|(_, text)| text.len() < 4096 && read_common_shape(text, Budget::SECTION).is_some())
        .collect();
    // Mutants it read (and matched) and mutants it left to the full path.
    run_mutants(&seeds, 0x9e37_79b9_7f4a_7c15, |key, text| agree(*key, text));
}

/// A large section's mutants, edited in its middle, read as the full path reads them, whether
/// the shortcut takes them or gives up part-way.
#[test]
fn a_large_section_edited_in_its_middle_reads_as_the_full_path_reads_it() {
    let mut texts = Vec::new();
    sections_of(&sample::large_configmap(160 * 1024), &mut texts);
    let [(key, text)] = texts.as_slice() else {
        panic!("one mapRoles expected")
    };
    let middle = text.len() / 2;
    let mut mutator = Mutator(0x5851_f42d_4c95_7f2d);
    for round in 0..24 {
        // A window of the text around the middle, mutated, put back.
        let from = text[..middle - 2048].rfind('\n').unwrap() + 1;
        let to = middle + 2048 + text[middle + 2048..].find('\n').unwrap() + 1;
        let mut window = text[from..to].to_string();
        if round > 0 {
            window = mutator.mutate(&window);
        }
        let mutant = format!("{}{window}{}", &text[..from], &text[to..]);
        assert_eq!(
            parse_section(*key, &mutant),
            parse_section_full_path(*key, &mutant),
            "round {round}: the sections differ"
        );
    }
}
