//! What a policy matches a judgement by: the target (a cluster's account, region, name and
//! tags, or a file's path), whether a scope covers it, and whether an administrator entry names
//! a principal.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::Admin;
use crate::judge::result::CheckResult;
use crate::model::iam::Wanted;

/// What a policy can match a judgement by.
#[derive(Debug, Default)]
pub(super) struct Target {
    /// The cluster ARN, or for a file its path: what fingerprints and routes name.
    pub(super) id: String,
    pub(super) account: Option<String>,
    pub(super) region: Option<String>,
    pub(super) cluster: Option<String>,
    pub(super) tags: BTreeMap<String, String>,
    pub(super) files: Vec<String>,
}

/// How a file's path meets the `files` globs of scopes and waivers: relative to the folder of
/// the policy file and to the repository that holds it, whatever form the path was typed in
/// (`./clusters/prod/aws-auth.yaml`, an absolute path, a path typed from a subfolder). Pure:
/// the caller supplies the folders.
#[derive(Debug, Clone, Default)]
pub struct FileFrame {
    /// The absolute folder the command runs in: what a relative path is relative to.
    pub cwd: PathBuf,
    /// Absolute folders the globs are relative to: the policy's own folder, then the root of the
    /// repository that holds it.
    pub roots: Vec<PathBuf>,
    /// Every file is judged as this path: both sides of a diff under the scopes of the file
    /// being changed (its base side is read from git or from another file).
    pub judged_as: Option<String>,
}

impl FileFrame {
    /// The names a typed path matches globs by: relative to each root that holds it (the first
    /// is the name findings use), else the path as typed, tidied (`./` and `..` resolved).
    /// Standard input (`-`) keeps its name.
    pub fn names_of(&self, typed: &str) -> Vec<String> {
        let typed = self.judged_as.as_deref().unwrap_or(typed);
        if typed == "-" || typed.starts_with('<') {
            return vec![typed.to_string()];
        }
        let absolute = lexical(&self.cwd.join(typed));
        let mut names: Vec<String> = Vec::new();
        for root in &self.roots {
            if let Ok(relative) = absolute.strip_prefix(lexical(root)) {
                let name = slashed(relative);
                if !name.is_empty() && !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        if names.is_empty() {
            names.push(slashed(&lexical(Path::new(typed))));
        }
        names
    }
}

/// `path` with `.` dropped and `..` taken back, without asking the file system (symbolic links
/// are not followed).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A relative path written with `/`, as globs are.
fn slashed(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        match component {
            Component::RootDir => out.push('/'),
            other => out.push_str(&other.as_os_str().to_string_lossy()),
        }
    }
    out
}

impl Target {
    pub(super) fn of(result: &CheckResult, frame: &FileFrame) -> Target {
        let mut files: Vec<String> = Vec::new();
        for document in &result.documents {
            let typed = document.path.split(" › ").next().unwrap_or(&document.path);
            for name in frame.names_of(typed) {
                if !files.contains(&name) {
                    files.push(name);
                }
            }
        }
        let Some(live) = &result.live else {
            return Target {
                id: files.first().cloned().unwrap_or_default(),
                files,
                ..Target::default()
            };
        };
        let arn = crate::model::arn::parse(&live.cluster.arn).ok();
        let is_eks = arn.as_ref().is_some_and(|a| a.service == "eks");
        Target {
            id: live.cluster.arn.clone(),
            account: arn
                .as_ref()
                .filter(|_| is_eks)
                .map(|a| a.account.to_string()),
            region: live.cluster.region.clone().or_else(|| {
                arn.as_ref()
                    .filter(|_| is_eks)
                    .map(|a| a.region.to_string())
            }),
            cluster: is_eks.then(|| live.cluster.name.clone()),
            tags: live.cluster.tags.clone(),
            // Declared access names the file it was read from.
            files: if is_eks {
                Vec::new()
            } else {
                frame.names_of(&live.cluster.name)
            },
        }
    }
}

impl super::Match {
    /// Whether the scope covers the target. An empty match covers everything. A cluster is
    /// covered by the account, region, cluster and tag lists (every list given must hold it);
    /// a file (a pre-merge check) only by `files`, the other lists then describing the cluster
    /// it deploys to.
    pub(super) fn applies(&self, target: &Target) -> bool {
        let cluster_side = !(self.accounts.is_empty()
            && self.regions.is_empty()
            && self.clusters.is_empty()
            && self.tags.is_empty());
        if !cluster_side && self.files.is_empty() {
            return true;
        }
        if target.account.is_none() && target.cluster.is_none() {
            return target
                .files
                .iter()
                .any(|f| self.files.iter().any(|g| g.matches(f)));
        }
        let one = |globs: &[super::Glob], value: &Option<String>| {
            globs.is_empty()
                || value
                    .as_deref()
                    .is_some_and(|v| globs.iter().any(|g| g.matches(v)))
        };
        cluster_side
            && one(&self.accounts, &target.account)
            && one(&self.regions, &target.region)
            && one(&self.clusters, &target.cluster)
            && self
                .tags
                .iter()
                .all(|(key, glob)| target.tags.get(key).is_some_and(|v| glob.matches(v)))
    }
}

/// Whether `spec` names the principal `arn`.
pub(super) fn names(spec: &Admin, arn: &str) -> bool {
    let parsed = crate::model::arn::parse(arn).ok();
    let (kind, name) = parsed
        .as_ref()
        .and_then(|a| {
            let (kind, rest) = a.resource.split_once('/')?;
            Some((kind, rest.rsplit('/').next().unwrap_or(rest)))
        })
        .unwrap_or(("", ""));
    match spec {
        Admin::Arn(expected) => match (Wanted::from_arn(expected), Wanted::from_arn(arn)) {
            (Some(a), Some(b)) => {
                a.kind == b.kind && a.account == b.account && a.name.eq_ignore_ascii_case(&b.name)
            }
            _ => expected.eq_ignore_ascii_case(arn),
        },
        Admin::RoleName(glob) => kind == "role" && glob.matches(name),
        Admin::UserName(glob) => kind == "user" && glob.matches(name),
        Admin::SsoPermissionSet(set) => {
            kind == "role"
                && name
                    .strip_prefix("AWSReservedSSO_")
                    .and_then(|rest| rest.rsplit_once('_'))
                    .is_some_and(|(permission_set, _)| permission_set == set)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Glob, Match};

    fn cluster() -> Target {
        Target {
            id: "arn:aws:eks:eu-west-1:111122223333:cluster/prod-eu".into(),
            account: Some("111122223333".into()),
            region: Some("eu-west-1".into()),
            cluster: Some("prod-eu".into()),
            tags: BTreeMap::from([("env".to_string(), "prod".to_string())]),
            files: Vec::new(),
        }
    }

    fn file(path: &str) -> Target {
        Target {
            id: path.into(),
            files: vec![path.into()],
            ..Target::default()
        }
    }

    fn globs(list: &[&str]) -> Vec<Glob> {
        list.iter().map(|g| Glob::new(g).unwrap()).collect()
    }

    #[test]
    fn scopes_match_clusters_by_account_region_name_and_tags_and_files_by_path() {
        let tags = |k: &str, v: &str| BTreeMap::from([(k.to_string(), Glob::new(v).unwrap())]);
        // (match, target, covered)
        let cases: Vec<(Match, Target, bool)> = vec![
            (Match::default(), cluster(), true),
            (Match::default(), file("a.yaml"), true),
            (
                Match {
                    accounts: globs(&["111122223333"]),
                    ..Match::default()
                },
                cluster(),
                true,
            ),
            (
                Match {
                    accounts: globs(&["444455556666"]),
                    ..Match::default()
                },
                cluster(),
                false,
            ),
            (
                Match {
                    regions: globs(&["eu-*"]),
                    ..Match::default()
                },
                cluster(),
                true,
            ),
            (
                Match {
                    regions: globs(&["us-*"]),
                    ..Match::default()
                },
                cluster(),
                false,
            ),
            (
                Match {
                    clusters: globs(&["prod-*"]),
                    ..Match::default()
                },
                cluster(),
                true,
            ),
            (
                Match {
                    clusters: globs(&["dev-*"]),
                    ..Match::default()
                },
                cluster(),
                false,
            ),
            (
                Match {
                    tags: tags("env", "prod"),
                    ..Match::default()
                },
                cluster(),
                true,
            ),
            (
                Match {
                    tags: tags("env", "dev"),
                    ..Match::default()
                },
                cluster(),
                false,
            ),
            (
                Match {
                    tags: tags("team", "*"),
                    ..Match::default()
                },
                cluster(),
                false,
            ),
            // Every list given must hold.
            (
                Match {
                    regions: globs(&["eu-*"]),
                    clusters: globs(&["dev-*"]),
                    ..Match::default()
                },
                cluster(),
                false,
            ),
            // Files: only by path; a files-only scope covers no cluster.
            (
                Match {
                    files: globs(&["clusters/dev/**"]),
                    ..Match::default()
                },
                file("clusters/dev/a/aws-auth.yaml"),
                true,
            ),
            (
                Match {
                    files: globs(&["clusters/dev/**"]),
                    ..Match::default()
                },
                file("clusters/prod/aws-auth.yaml"),
                false,
            ),
            (
                Match {
                    files: globs(&["**"]),
                    ..Match::default()
                },
                cluster(),
                false,
            ),
            (
                Match {
                    accounts: globs(&["111122223333"]),
                    ..Match::default()
                },
                file("a.yaml"),
                false,
            ),
        ];
        for (i, (matcher, target, covered)) in cases.iter().enumerate() {
            assert_eq!(matcher.applies(target), *covered, "case {i}: {matcher:?}");
        }
    }

    #[test]
    fn a_file_is_named_relative_to_the_policy_folder_and_the_repository_root() {
        let frame = |cwd: &str| FileFrame {
            cwd: PathBuf::from(cwd),
            roots: vec![PathBuf::from("/repo/policies"), PathBuf::from("/repo")],
            judged_as: None,
        };
        // (cwd, typed, names)
        let cases: [(&str, &str, &[&str]); 7] = [
            ("/repo", "clusters/prod/a.yaml", &["clusters/prod/a.yaml"]),
            (
                "/repo",
                "./clusters//prod/a.yaml",
                &["clusters/prod/a.yaml"],
            ),
            (
                "/elsewhere",
                "/repo/clusters/prod/a.yaml",
                &["clusters/prod/a.yaml"],
            ),
            (
                "/repo/clusters",
                "../clusters/prod/a.yaml",
                &["clusters/prod/a.yaml"],
            ),
            ("/repo", "policies/x.yaml", &["x.yaml", "policies/x.yaml"]),
            // Outside both roots: the path as typed, tidied.
            ("/tmp", "./x/../a.yaml", &["a.yaml"]),
            ("/tmp", "-", &["-"]),
        ];
        for (cwd, typed, names) in cases {
            assert_eq!(frame(cwd).names_of(typed), names, "{typed} from {cwd}");
        }
        let diffed = FileFrame {
            judged_as: Some("clusters/prod/a.yaml".into()),
            ..frame("/repo")
        };
        assert_eq!(
            diffed.names_of("HEAD:clusters/prod/a.yaml"),
            ["clusters/prod/a.yaml"]
        );
    }

    #[test]
    fn administrators_are_named_by_arn_role_user_or_permission_set() {
        let role = "arn:aws:iam::111122223333:role/platform-admins";
        let sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef";
        let cases = [
            (Admin::Arn(role.into()), role, true),
            (
                Admin::Arn("arn:aws:iam::111122223333:role/PLATFORM-admins".into()),
                role,
                true,
            ),
            (
                Admin::Arn(role.into()),
                "arn:aws:iam::444455556666:role/platform-admins",
                false,
            ),
            (
                Admin::RoleName(Glob::new("platform-*").unwrap()),
                role,
                true,
            ),
            (
                Admin::UserName(Glob::new("platform-*").unwrap()),
                role,
                false,
            ),
            (
                Admin::SsoPermissionSet("AdministratorAccess".into()),
                sso,
                true,
            ),
            (Admin::SsoPermissionSet("ReadOnly".into()), sso, false),
        ];
        for (spec, arn, expected) in cases {
            assert_eq!(names(&spec, arn), expected, "{spec:?} ~ {arn}");
        }
    }
}
