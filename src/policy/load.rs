//! Reading a policy file: YAML through the project's YAML layer, every key checked, every
//! value validated (rule codes, profiles, globs, ARNs, dates, waivers with a reason and an
//! end), each error at its file, line and column; then the profiles it extends merged under
//! it; and where a policy is found when none is named.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

pub use super::read::PolicyError;
use super::read::{Reader, severity};
use super::sections::{read_scope, read_waiver};
use super::{Policy, RuleSetting, Span};
use crate::inputs::yaml::{Budget, parse_stream};

/// The profiles shipped in `policies/profiles/`, by name.
pub const PROFILES: [(&str, &str); 4] = [
    (
        "default",
        include_str!("../../policies/profiles/default.yaml"),
    ),
    (
        "strict",
        include_str!("../../policies/profiles/strict.yaml"),
    ),
    (
        "cis-eks",
        include_str!("../../policies/profiles/cis-eks.yaml"),
    ),
    (
        "migration",
        include_str!("../../policies/profiles/migration.yaml"),
    ),
];

/// The `apiVersion` a policy file declares.
pub const API_VERSION: &str = "aws-auth-audit/v1";
/// How deep `extends` may chain (a profile extending a profile…).
const MAX_EXTENDS_DEPTH: usize = 8;

/// One file, without its profiles: (the profiles it extends with their nodes, the policy).
fn read_one(path: &str, text: &str) -> Result<(Vec<(String, Span)>, Policy), PolicyError> {
    let reader = Reader { path };
    let at_start = |message: String| PolicyError {
        path: path.to_string(),
        line: 1,
        column: 1,
        message,
    };
    let stream = parse_stream(text, Budget::MANIFEST).map_err(|e| {
        let pos = e.pos();
        PolicyError {
            path: path.to_string(),
            line: pos.line,
            column: pos.column,
            message: e.to_string(),
        }
    })?;
    if stream.documents.len() > 1 {
        let second = &stream.documents[1];
        return Err(PolicyError {
            path: path.to_string(),
            line: second.start.line,
            column: second.start.column,
            message: "a policy file holds one YAML document".into(),
        });
    }
    let root = stream
        .documents
        .into_iter()
        .next()
        .and_then(|d| d.root)
        .ok_or_else(|| at_start("the policy file is empty".into()))?;
    let mut policy = Policy {
        path: path.to_string(),
        digest: format!(
            "sha256:{}",
            Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ),
        extends: Vec::new(),
        rules: BTreeMap::new(),
        scopes: Vec::new(),
        waivers: Vec::new(),
        incomplete: text
            .lines()
            .filter_map(|l| l.strip_prefix(super::GAP_MARK))
            .map(str::to_string)
            .collect(),
    };
    let mut extends = Vec::new();
    let mut seen_version = false;
    let mut seen_kind = false;
    for (key, key_node, value) in reader.mapping(
        &root,
        "the policy",
        &[
            "apiVersion",
            "kind",
            "extends",
            "rules",
            "scopes",
            "waivers",
        ],
    )? {
        match key {
            "apiVersion" => {
                let version = reader.string(value, "apiVersion")?;
                if version != API_VERSION {
                    return Err(reader.error(
                        value,
                        format!("apiVersion `{version}` is not known (expected {API_VERSION})"),
                    ));
                }
                seen_version = true;
            }
            "kind" => {
                let kind = reader.string(value, "kind")?;
                if kind != "Policy" {
                    return Err(reader.error(value, format!("kind `{kind}` (expected Policy)")));
                }
                seen_kind = true;
            }
            "extends" => {
                for item in reader.list(value, "extends")? {
                    let name = reader.string(item, "a profile")?;
                    if !PROFILES.iter().any(|(n, _)| *n == name) {
                        return Err(reader.error(
                            item,
                            format!(
                                "no profile `{name}` (shipped: {})",
                                PROFILES.map(|(n, _)| n).join(", ")
                            ),
                        ));
                    }
                    extends.push((name, reader.span(item)));
                }
            }
            "rules" => {
                for (code, code_node, setting) in reader.mapping(value, "rules", &[])? {
                    let Some(rule) = crate::rules::find(code) else {
                        return Err(reader.error(
                            code_node,
                            format!("no rule `{code}` (`aws-auth-audit rules` lists them)"),
                        ));
                    };
                    let mut tuned = RuleSetting {
                        at: Some(reader.span(code_node)),
                        ..RuleSetting::default()
                    };
                    for (key, _, v) in reader.mapping(
                        setting,
                        &format!("the settings of {code}"),
                        &["severity", "enabled", "controls"],
                    )? {
                        match key {
                            "severity" => {
                                let text = reader.string(v, "severity")?;
                                tuned.severity = Some(severity(&text).ok_or_else(|| {
                                    reader.error(
                                        v,
                                        format!("severity `{text}` (expected critical, high, medium, low or info)"),
                                    )
                                })?);
                            }
                            "enabled" => tuned.enabled = Some(reader.bool(v, "enabled")?),
                            _ => tuned.controls = reader.strings(v, "controls")?,
                        }
                    }
                    policy.rules.insert(rule.meta.code.to_string(), tuned);
                }
                let _ = key_node;
            }
            "scopes" => {
                for item in reader.list(value, "scopes")? {
                    policy.scopes.push(read_scope(&reader, item)?);
                }
            }
            _ => {
                for item in reader.list(value, "waivers")? {
                    policy.waivers.push(read_waiver(&reader, item)?);
                }
            }
        }
    }
    if !seen_version || !seen_kind {
        return Err(reader.error(
            &root,
            format!("a policy file starts with `apiVersion: {API_VERSION}` and `kind: Policy`"),
        ));
    }
    policy.extends = extends.iter().map(|(n, _)| n.clone()).collect();
    Ok((extends, policy))
}

/// Merges `over` onto `base`: rule settings key by key (`over` wins), scopes and waivers
/// appended after the base's.
fn merge(base: Policy, over: Policy) -> Policy {
    let mut rules = base.rules;
    for (code, setting) in over.rules {
        let merged = match rules.remove(&code) {
            Some(old) => RuleSetting {
                severity: setting.severity.or(old.severity),
                enabled: setting.enabled.or(old.enabled),
                controls: if setting.controls.is_empty() {
                    old.controls
                } else {
                    setting.controls
                },
                at: setting.at.or(old.at),
            },
            None => setting,
        };
        rules.insert(code, merged);
    }
    Policy {
        path: over.path,
        digest: over.digest,
        extends: over.extends,
        rules,
        scopes: base.scopes.into_iter().chain(over.scopes).collect(),
        waivers: base.waivers.into_iter().chain(over.waivers).collect(),
        incomplete: over.incomplete,
    }
}

fn resolve(path: &str, text: &str, depth: usize) -> Result<Policy, PolicyError> {
    let (extends, own) = read_one(path, text)?;
    let mut merged: Option<Policy> = None;
    for (name, at) in extends {
        if depth >= MAX_EXTENDS_DEPTH {
            return Err(PolicyError {
                path: at.path,
                line: at.line,
                column: at.column,
                message: format!("`extends` nests deeper than {MAX_EXTENDS_DEPTH} profiles"),
            });
        }
        let (_, profile) = PROFILES
            .iter()
            .find(|(n, _)| *n == name)
            .expect("checked when read");
        let loaded = resolve(
            &format!("policies/profiles/{name}.yaml"),
            profile,
            depth + 1,
        )?;
        merged = Some(match merged {
            Some(base) => merge(base, loaded),
            None => loaded,
        });
    }
    Ok(match merged {
        Some(base) => merge(base, own),
        None => own,
    })
}

/// Reads the policy in `text` (from `path`) with the profiles it extends.
pub fn load(path: &str, text: &str) -> Result<Policy, PolicyError> {
    resolve(path, text, 0)
}

/// Where the policy comes from when `--policy` is not given: `AWS_AUTH_AUDIT_POLICY`, else
/// `.aws-auth-audit.yaml` in `start` or a folder above it, up to the repository root (the
/// folder with `.git`). `exists` answers whether a path is a file (the caller's I/O).
pub fn discover(
    env: Option<std::ffi::OsString>,
    start: &std::path::Path,
    exists: impl Fn(&std::path::Path) -> bool,
) -> Option<std::path::PathBuf> {
    if let Some(path) = env.filter(|v| !v.is_empty()) {
        return Some(path.into());
    }
    let mut dir = Some(start);
    while let Some(here) = dir {
        let candidate = here.join(".aws-auth-audit.yaml");
        if exists(&candidate) {
            return Some(candidate);
        }
        if exists(&here.join(".git")) {
            break;
        }
        dir = here.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::finding::Severity;

    fn error_of(text: &str) -> PolicyError {
        load("p.yaml", text).expect_err(text)
    }

    const HEAD: &str = "apiVersion: aws-auth-audit/v1\nkind: Policy\n";

    #[test]
    fn every_shipped_profile_loads() {
        for (name, text) in PROFILES {
            load(&format!("policies/profiles/{name}.yaml"), text)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn a_bad_policy_says_where_and_what_was_expected() {
        // (policy body after the head, line, column, what the message says)
        let cases = [
            ("colour: red\n", 3, 1, "unknown key `colour`"),
            (
                "rules:\n  EA999: {severity: high}\n",
                4,
                3,
                "no rule `EA999`",
            ),
            (
                "rules:\n  EA113: {severity: urgent}\n",
                4,
                21,
                "severity `urgent`",
            ),
            ("extends: [lenient]\n", 3, 11, "no profile `lenient`"),
            (
                "scopes:\n  - match: {clusters: [\"prod-[0-9]\"]}\n",
                4,
                24,
                "has no meaning",
            ),
            (
                "scopes:\n  - admins: [{arn: \"role/x\"}]\n",
                4,
                20,
                "is not an ARN",
            ),
            (
                "scopes:\n  - allowed_accounts: [\"1234\"]\n",
                4,
                24,
                "not an AWS account id",
            ),
            (
                "waivers:\n  - {rule: EA113, expires: 2027-01-01}\n",
                4,
                5,
                "needs a `reason`",
            ),
            (
                "waivers:\n  - {rule: EA113, reason: r}\n",
                4,
                5,
                "needs `expires`",
            ),
            (
                "waivers:\n  - {rule: EA113, reason: r, expires: 2027-02-30}\n",
                4,
                39,
                "is not a date",
            ),
            (
                "scopes:\n  - forbid: [root_users]\n",
                4,
                14,
                "cannot forbid `root_users`",
            ),
        ];
        for (body, line, column, says) in cases {
            let e = error_of(&format!("{HEAD}{body}"));
            assert_eq!((e.line, e.column), (line, column), "{body}: {e}");
            assert!(e.message.contains(says), "{body}: {e}");
        }
        assert!(error_of("kind: Policy\n").message.contains("apiVersion"));
    }

    #[test]
    fn the_files_own_settings_win_over_its_profiles() {
        let policy = load(
            "p.yaml",
            &format!("{HEAD}extends: [strict]\nrules:\n  EA207: {{severity: low}}\n"),
        )
        .unwrap();
        assert_eq!(policy.rules["EA207"].severity, Some(Severity::Low));
        assert_eq!(policy.extends, ["strict"]);
        // The profile's scope comes first, the file's after.
        assert!(!policy.scopes.is_empty());
        assert!(policy.digest.starts_with("sha256:"));
    }

    #[test]
    fn discovery_walks_up_to_the_repository_root() {
        use std::path::{Path, PathBuf};
        let files = [
            PathBuf::from("/repo/.git"),
            PathBuf::from("/repo/.aws-auth-audit.yaml"),
        ];
        let exists = |p: &Path| files.iter().any(|f| f == p);
        assert_eq!(
            discover(None, Path::new("/repo/clusters/prod"), exists),
            Some(PathBuf::from("/repo/.aws-auth-audit.yaml"))
        );
        let above = [
            PathBuf::from("/repo/.git"),
            PathBuf::from("/.aws-auth-audit.yaml"),
        ];
        let exists = |p: &Path| above.iter().any(|f| f == p);
        assert_eq!(discover(None, Path::new("/repo/a"), exists), None);
        assert_eq!(
            discover(Some("/etc/p.yaml".into()), Path::new("/repo"), |_| false),
            Some(PathBuf::from("/etc/p.yaml"))
        );
    }
}
