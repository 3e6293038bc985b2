//! What a policy matches a judgement by: the target (a cluster's account, region, name and
//! tags, or a file's path), whether a scope covers it, and whether an administrator entry names
//! a principal.

use std::collections::BTreeMap;

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

impl Target {
    pub(super) fn of(result: &CheckResult) -> Target {
        let files: Vec<String> = result
            .documents
            .iter()
            .map(|d| d.path.split(" › ").next().unwrap_or(&d.path).to_string())
            .collect();
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
                vec![live.cluster.name.clone()]
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

/// A principal's account, from its ARN.
pub(super) fn account_of(arn: &str) -> Option<String> {
    crate::model::arn::parse(arn)
        .ok()
        .map(|a| a.account.to_string())
        .filter(|a| !a.is_empty())
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
