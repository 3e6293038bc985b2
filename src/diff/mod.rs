//! `diff BASE HEAD`: what a change to aws-auth does to access, not which lines it touches.
//! Pure: both versions are judged by `check` first; this compares what each grants (the rows
//! EKS keeps, keyed as EKS keys them) and their findings (by fingerprint, which survives
//! re-indentation and reordering), and gives verdicts a reviewer can act on.

mod entries;
mod findings;
mod grants;

use std::collections::BTreeMap;

use serde::Serialize;

pub use findings::FindingChanges;
pub use grants::{Grant, grants};

use crate::judge::result::CheckResult;
use crate::model::awsauth::SectionKey;
use crate::rules::finding::{Finding, Location, Severity, Status};

/// What kind of change a verdict reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// A section that parsed no longer does: every row in it is dropped.
    SectionLost,
    /// A node role's mapping is gone: nodes using it can no longer join.
    NodeRoleDropped,
    /// A principal gains `system:masters`.
    AdminGranted,
    /// The last visible admin path is gone (only the hidden creator is left).
    LastAdminRemoved,
    /// An account is added to `mapAccounts`.
    AccountAdded,
    /// A new row that EKS will never match (a role ARN with a path).
    NeverMatchesAdded,
    /// The authentication mode changes (which source EKS reads).
    ModeChanged,
    /// A section that did not parse parses again.
    SectionRestored,
    Added,
    Removed,
    Changed,
    /// The organisation policy: the change gives administrator power to a principal its
    /// scope does not list (a new EA501).
    PolicyAdminGranted,
    /// The organisation policy: an expected administrator loses its path (a new EA502).
    PolicyAdminLost,
}

impl VerdictKind {
    /// Whether the verdict comes from the organisation policy.
    pub fn is_policy(self) -> bool {
        matches!(
            self,
            VerdictKind::PolicyAdminGranted | VerdictKind::PolicyAdminLost
        )
    }
}

/// One access change, with what it means.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Verdict {
    pub kind: VerdictKind,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    pub message: String,
    /// Where it is: in HEAD, or in BASE for what HEAD no longer has.
    pub location: Location,
    /// Which version `location` points into.
    pub side: Side,
}

/// One of the two versions a diff compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The version before the change.
    Base,
    /// The version after it.
    Head,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Base => "base",
            Side::Head => "head",
        })
    }
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DiffResult {
    pub base: String,
    pub head: String,
    pub verdicts: Vec<Verdict>,
    pub findings: FindingChanges,
    /// Things worth saying that are not verdicts (what the comparison could not see).
    pub notes: Vec<String>,
    /// Whether both sides were judged against an organisation policy.
    pub policy_applied: bool,
    /// What either side could not evaluate (`head: declared: not known until apply: …`): the
    /// comparison may miss changes there, so the headline counts them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_evaluated: Vec<String>,
}

impl DiffResult {
    /// Whether the change introduces anything at or above `threshold`; with `existing`,
    /// findings both versions have count too.
    pub fn fails_at(&self, threshold: Option<Severity>, existing: bool) -> bool {
        let Some(threshold) = threshold else {
            return false;
        };
        let failing = |f: &&Finding| f.status == Status::Fail && f.severity >= threshold;
        self.verdicts.iter().any(|v| v.severity >= threshold)
            || self.findings.new.iter().any(|f| failing(&f))
            || (existing && self.findings.unchanged.iter().any(|f| failing(&f)))
    }

    /// Whether anything about access changed.
    pub fn changes_access(&self) -> bool {
        !self.verdicts.is_empty()
    }
}

fn groups_text(groups: &[String]) -> String {
    if groups.is_empty() {
        "no groups".to_string()
    } else {
        groups.join(", ")
    }
}

fn describe(grant: &Grant) -> String {
    if grant.section == SectionKey::MapAccounts {
        return format!("{} (mapAccounts)", grant.principal);
    }
    format!(
        "{} as `{}` with {}",
        grant.principal,
        grant.username,
        groups_text(&grant.groups)
    )
}

/// Where a section's key sits in HEAD, when HEAD has the ConfigMap: the place to annotate
/// for what HEAD no longer has.
fn section_location(head: &CheckResult, section: SectionKey) -> Option<Location> {
    let doc = head.documents.first()?;
    doc.data_key(section.as_str())?;
    Some(doc.locate(crate::model::awsauth::Place::SectionKey(section)))
}

/// Compares two judged versions of aws-auth.
pub fn diff(
    base: &CheckResult,
    head: &CheckResult,
    base_name: &str,
    head_name: &str,
) -> DiffResult {
    let base_grants = base.documents.first().map(grants).unwrap_or_default();
    let head_grants = head.documents.first().map(grants).unwrap_or_default();
    let mut verdicts = Vec::new();
    let failed = |result: &CheckResult, section: SectionKey| {
        result
            .documents
            .first()
            .is_some_and(|d| d.section(section).failure.is_some())
    };
    // Sections whose rows are lost wholesale: one verdict, not one per row.
    let mut lost_sections = Vec::new();
    for section in [
        SectionKey::MapRoles,
        SectionKey::MapUsers,
        SectionKey::MapAccounts,
    ] {
        let before: Vec<&Grant> = base_grants
            .values()
            .filter(|g| g.section == section)
            .collect();
        if failed(head, section) && !failed(base, section) {
            lost_sections.push(section);
            let nodes = before.iter().filter(|g| g.is_node()).count();
            let finding = head.findings.iter().find(|f| {
                f.code == "EA101" && f.location.route.ends_with(&format!("data.{section}"))
            });
            verdicts.push(Verdict {
                kind: VerdictKind::SectionLost,
                severity: Severity::Critical,
                principal: None,
                message: format!(
                    "`{section}` no longer parses: every {} mapping ({} of them{}) would be dropped{}",
                    match section {
                        SectionKey::MapRoles => "role",
                        SectionKey::MapUsers => "user",
                        SectionKey::MapAccounts => "account",
                    },
                    before.len(),
                    if nodes > 0 { format!(", {nodes} of them node roles: nodes stop joining") } else { String::new() },
                    finding.map_or(String::new(), |f| format!(" — {}", f.message)),
                ),
                location: finding
                    .map(|f| f.location.clone())
                    .or_else(|| section_location(head, section))
                    .unwrap_or_default(),
                side: Side::Head,
            });
        } else if failed(base, section) && !failed(head, section) {
            let after = head_grants
                .values()
                .filter(|g| g.section == section)
                .count();
            verdicts.push(Verdict {
                kind: VerdictKind::SectionRestored,
                severity: Severity::Info,
                principal: None,
                message: format!(
                    "`{section}` parses again: its {after} mapping(s) come back into force"
                ),
                location: section_location(head, section).unwrap_or_default(),
                side: Side::Head,
            });
        }
    }
    for (key, old) in &base_grants {
        if lost_sections.contains(&old.section) {
            continue;
        }
        let new = head_grants.get(key);
        if old.is_node() && !new.is_some_and(Grant::is_node) {
            verdicts.push(Verdict {
                kind: VerdictKind::NodeRoleDropped,
                severity: Severity::Critical,
                principal: Some(old.principal.clone()),
                message: format!(
                    "drops the node role {}: nodes using it can no longer join{}",
                    old.principal,
                    match new {
                        Some(n) if n.never_matches =>
                            " (its new row has a path, which never matches)".to_string(),
                        Some(n) => format!(" (its groups become {})", groups_text(&n.groups)),
                        None => String::new(),
                    }
                ),
                location: match new {
                    Some(n) => n.location.clone(),
                    None => old.location.clone(),
                },
                side: if new.is_some() {
                    Side::Head
                } else {
                    Side::Base
                },
            });
            continue;
        }
        match new {
            None => verdicts.push(Verdict {
                kind: VerdictKind::Removed,
                severity: Severity::Info,
                principal: Some(old.principal.clone()),
                message: format!("removes {}", describe(old)),
                location: section_location(head, old.section)
                    .unwrap_or_else(|| old.location.clone()),
                side: if section_location(head, old.section).is_some() {
                    Side::Head
                } else {
                    Side::Base
                },
            }),
            Some(new)
                if new.username != old.username
                    || new.groups != old.groups
                    || new.never_matches != old.never_matches =>
            {
                let mut parts = Vec::new();
                if new.username != old.username {
                    parts.push(format!("username `{}` → `{}`", old.username, new.username));
                }
                if new.groups != old.groups {
                    parts.push(format!(
                        "groups {} → {}",
                        groups_text(&old.groups),
                        groups_text(&new.groups)
                    ));
                }
                if new.never_matches && !old.never_matches {
                    parts.push("its ARN now has a path, so it never matches".to_string());
                }
                verdicts.push(Verdict {
                    kind: VerdictKind::Changed,
                    severity: Severity::Info,
                    principal: Some(new.principal.clone()),
                    message: format!("changes {}: {}", new.principal, parts.join("; ")),
                    location: new.location.clone(),
                    side: Side::Head,
                });
            }
            Some(_) => {}
        }
    }
    for (key, new) in &head_grants {
        let old = base_grants.get(key);
        if old.is_none() {
            let (kind, severity) = if new.section == SectionKey::MapAccounts {
                (VerdictKind::AccountAdded, Severity::High)
            } else if new.never_matches {
                (VerdictKind::NeverMatchesAdded, Severity::Medium)
            } else {
                (VerdictKind::Added, Severity::Info)
            };
            let message = match kind {
                VerdictKind::AccountAdded => format!(
                    "adds {} to mapAccounts: every IAM principal of that account can authenticate",
                    new.principal
                ),
                VerdictKind::NeverMatchesAdded => format!(
                    "adds a mapping that will never match (role path): {} — EKS compares the path-less ARN",
                    new.principal
                ),
                _ => format!("adds {}", describe(new)),
            };
            verdicts.push(Verdict {
                kind,
                severity,
                principal: Some(new.principal.clone()),
                message,
                location: new.location.clone(),
                side: Side::Head,
            });
        }
    }
    let (before, after) = (
        admin_paths(base, &base_grants),
        admin_paths(head, &head_grants),
    );
    for (key, path) in &after {
        if before.contains_key(key) {
            continue;
        }
        let known = base_grants.contains_key(key)
            || base
                .live
                .as_ref()
                .is_some_and(|l| l.principals.iter().any(|p| p.arn.to_lowercase() == *key));
        verdicts.push(Verdict {
            kind: VerdictKind::AdminGranted,
            severity: Severity::High,
            principal: Some(path.principal.clone()),
            message: format!(
                "grants {} to {} ({}){}",
                path.power,
                path.principal,
                path.how,
                if known {
                    "; it had access before, without admin"
                } else {
                    "; a new admin path"
                }
            ),
            location: path.location.clone(),
            side: Side::Head,
        });
    }
    if !before.is_empty() && after.is_empty() {
        verdicts.push(Verdict {
            kind: VerdictKind::LastAdminRemoved,
            severity: Severity::High,
            principal: None,
            message: format!(
                "removes the last admin path other than the hidden creator: BASE gives {} admin, HEAD nobody",
                before.values().map(|p| p.principal.as_str()).collect::<Vec<_>>().join(", ")
            ),
            location: section_location(head, SectionKey::MapRoles).unwrap_or_default(),
            side: Side::Head,
        });
    }
    entries::entry_verdicts(base, head, &mut verdicts);
    let findings = findings::compare(base, head);
    entries::policy_verdicts(&findings.new, &mut verdicts);
    verdicts.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then(a.principal.cmp(&b.principal))
    });
    let via = |r: &CheckResult| r.live.as_ref().map(|l| l.transport.via.clone());
    let declared = |via: &str| via == "terraform plan" || via == "eksctl ClusterConfig";
    let mut notes = Vec::new();
    match (via(base), via(head)) {
        (None, None) => notes.push(
            "admin paths through RBAC (a group bound to cluster-admin) and access entries are not visible in a file: compare snapshots for them".to_string(),
        ),
        (Some(a), Some(b)) if declared(&a) && declared(&b) => notes.push(
            "what RBAC binds the mapped groups to is not in infrastructure code: an admin path through a group bound to cluster-admin is not visible here".to_string(),
        ),
        _ => {}
    }
    notes.extend(head.notes.iter().cloned());
    DiffResult {
        base: base_name.to_string(),
        head: head_name.to_string(),
        verdicts,
        findings,
        notes,
        policy_applied: base.policy.is_some() || head.policy.is_some(),
        not_evaluated: [("base", base), ("head", head)]
            .into_iter()
            .flat_map(|(side, result)| {
                result
                    .coverage
                    .not_evaluated
                    .iter()
                    .map(move |n| match n.code {
                        code if code.starts_with("EA") => format!("{side}: {code} {}", n.reason),
                        _ => format!("{side}: {}", n.reason),
                    })
            })
            .collect(),
    }
}

/// One way to administer the cluster that a version grants.
struct AdminPath {
    principal: String,
    /// `system:masters`, or `cluster-admin`.
    power: &'static str,
    /// How: the group, the binding, the access policy.
    how: String,
    location: Location,
}

/// Every admin path a version grants other than the hidden creator, by lower-cased principal
/// key: from a file, the rows mapped into `system:masters`; from a snapshot, every row of the
/// access matrix in effect with cluster-admin power (groups bound to `cluster-admin`, access
/// entries with `AmazonEKSClusterAdminPolicy` included).
fn admin_paths(
    result: &CheckResult,
    grants: &BTreeMap<String, Grant>,
) -> BTreeMap<String, AdminPath> {
    let mut out = BTreeMap::new();
    if let Some(live) = &result.live {
        for p in &live.principals {
            if !p.in_effect
                || p.tier != crate::model::access::Tier::ClusterAdmin
                || p.source.is_creator()
            {
                continue;
            }
            let key = p.arn.to_lowercase();
            let location = grants
                .get(&key)
                .or_else(|| grants.get(&p.arn))
                .filter(|_| p.source.is_aws_auth_row())
                .map(|g| g.location.clone())
                .unwrap_or_else(|| Location {
                    route: format!("{} {}", p.source, p.arn),
                    ..Location::default()
                });
            out.insert(
                key,
                AdminPath {
                    principal: p.arn.clone(),
                    power: "cluster-admin",
                    how: format!("{}: {}", p.source, p.tier_reason),
                    location,
                },
            );
        }
        return out;
    }
    for grant in grants.values().filter(|g| g.is_admin()) {
        out.insert(
            grant.key.to_lowercase(),
            AdminPath {
                principal: grant.principal.clone(),
                power: "system:masters",
                how: format!("{} groups {}", grant.section, grant.groups.join(", ")),
                location: grant.location.clone(),
            },
        );
    }
    out
}
