//! What the ConfigMap backend answers for one IAM identity (`ConfigMapMapper.Map` and
//! `doMapping`): `mapRoles`, then `mapUsers`, then `mapAccounts`; ARNs compared
//! case-insensitively against the identity's canonical ARN; templates rendered.

use serde::Serialize;

use super::model::{Entry, Row, Section, SectionKey};
use super::template::{RenderContext, render};
use crate::model::arn::{self, ArnError, PrincipalType};

/// An IAM identity as the authenticator builds it from STS `GetCallerIdentity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub arn: String,
    pub canonical_arn: String,
    pub principal_type: PrincipalType,
    pub context: RenderContext,
}

impl Identity {
    /// Builds the identity for an ARN. The account comes from the ARN; the session name from
    /// an assumed-role ARN, or from `session_name` (for a role, which is assumed with one).
    ///
    /// An IAM role ARN stands for a session of that role: STS reports sessions without the
    /// role's path, so the canonical ARN is the path-less `role/NAME`.
    pub fn from_arn(text: &str, session_name: Option<&str>) -> Result<Identity, ArnError> {
        let (principal_type, mut canonical_arn) = arn::canonicalize(text)?;
        if principal_type == PrincipalType::Role {
            canonical_arn = arn::strip_path(&canonical_arn)?;
        }
        let account_id = arn::parse(text)?.account.to_string();
        let session = session_name
            .map(str::to_string)
            .or_else(|| arn::session_name(text).map(str::to_string))
            .unwrap_or_default();
        Ok(Identity {
            arn: text.to_string(),
            canonical_arn,
            principal_type,
            context: RenderContext {
                account_id,
                session_name: session,
                access_key_id: None,
                ec2_private_dns_name: None,
            },
        })
    }
}

/// One candidate mapping and what it renders to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Candidate {
    pub index: usize,
    pub username: String,
    pub groups: Vec<String>,
}

/// What EKS's ConfigMap backend decides for an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Mapped {
        via: SectionKey,
        /// The entry's index in its section (`None` for `mapAccounts`).
        index: Option<usize>,
        username: String,
        groups: Vec<String>,
        /// Template variables we cannot know offline, left as written.
        unresolved: Vec<&'static str>,
    },
    NotMapped,
    /// A mapping matched, but rendering its templates failed: the request is denied.
    RenderError {
        via: SectionKey,
        index: usize,
        reason: String,
    },
    /// Several mappings match with different results; Go's map order picks one at random.
    Nondeterministic {
        via: SectionKey,
        candidates: Vec<Candidate>,
    },
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Mapped { .. } => "mapped",
            Outcome::NotMapped => "not_mapped",
            Outcome::RenderError { .. } => "render_error",
            Outcome::Nondeterministic { .. } => "nondeterministic",
        }
    }
}

/// Unicode-aware case-insensitive equality (`strings.EqualFold`).
pub fn eq_fold(a: &str, b: &str) -> bool {
    a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| {
            x == y || x.to_lowercase().eq(y.to_lowercase()) || x.to_uppercase().eq(y.to_uppercase())
        })
}

/// `arn.ArnLike`: six `:`-sections, each a glob where `*` is any run and `?` at most one char.
pub fn arn_like(arn: &str, pattern: &str) -> bool {
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    a.len() == 6 && p.len() == 6 && a.iter().zip(&p).all(|(a, p)| glob(a, p))
}

fn glob(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    // reachable[j] = pattern prefix p[..i] matches text prefix t[..j]
    let mut reachable = vec![false; t.len() + 1];
    reachable[0] = true;
    for &pc in &p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            if !reachable[j] {
                continue;
            }
            match pc {
                '*' => next[j..].iter_mut().for_each(|n| *n = true),
                '?' => {
                    next[j] = true;
                    if j < t.len() {
                        next[j + 1] = true;
                    }
                }
                c => {
                    if j < t.len() && t[j] == c {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reachable = next;
    }
    reachable[t.len()]
}

/// `RoleMapping.Matches` against the lower-cased canonical ARN.
fn role_matches(row: &Row, subject: &str, sso_role_match: bool) -> bool {
    match row {
        Row::Role(r) if !r.rolearn.is_empty() => eq_fold(&r.rolearn, subject),
        Row::Role(r) => {
            sso_role_match
                && r.sso
                    .as_ref()
                    .is_some_and(|s| arn_like(subject, &s.arn_like()))
        }
        Row::User(u) => eq_fold(&u.userarn, subject),
    }
}

fn decide(via: SectionKey, matches: Vec<&Entry>, identity: &Identity) -> Option<Outcome> {
    let first = *matches.first()?;
    let rendered: Vec<Result<Candidate, String>> =
        matches.iter().map(|e| render_entry(e, identity)).collect();
    let distinct: Vec<&Entry> = matches
        .iter()
        .filter(|e| {
            (e.row.username(), e.row.groups()) != (first.row.username(), first.row.groups())
        })
        .copied()
        .collect();
    if !distinct.is_empty() {
        return Some(Outcome::Nondeterministic {
            via,
            candidates: rendered
                .into_iter()
                .zip(&matches)
                .map(|(r, e)| {
                    r.unwrap_or_else(|_| Candidate {
                        index: e.index,
                        username: e.row.username().to_string(),
                        groups: e.row.groups().to_vec(),
                    })
                })
                .collect(),
        });
    }
    let unresolved = unresolved_of(first, identity);
    Some(match rendered.into_iter().next()? {
        Ok(c) => Outcome::Mapped {
            via,
            index: Some(c.index),
            username: c.username,
            groups: c.groups,
            unresolved,
        },
        Err(reason) => Outcome::RenderError {
            via,
            index: first.index,
            reason,
        },
    })
}

fn render_entry(entry: &Entry, identity: &Identity) -> Result<Candidate, String> {
    let username = render(entry.row.username(), &identity.context).map_err(|e| e.to_string())?;
    let groups = entry
        .row
        .groups()
        .iter()
        .map(|g| render(g, &identity.context).map(|r| r.text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(Candidate {
        index: entry.index,
        username: username.text,
        groups,
    })
}

fn unresolved_of(entry: &Entry, identity: &Identity) -> Vec<&'static str> {
    let mut all: Vec<&'static str> = std::iter::once(entry.row.username())
        .chain(entry.row.groups().iter().map(String::as_str))
        .filter_map(|t| render(t, &identity.context).ok())
        .flat_map(|r| r.unresolved)
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// The three sections EKS reads, for lookups.
#[derive(Debug, Clone, Copy)]
pub struct Sections<'a> {
    pub roles: &'a Section,
    pub users: &'a Section,
    pub accounts: &'a Section,
}

/// What the ConfigMap backend answers for `identity`. `sso_role_match` is the
/// `SSORoleMatch` feature gate (off by default in the authenticator, unknown on EKS).
pub fn lookup(sections: Sections<'_>, identity: &Identity, sso_role_match: bool) -> Outcome {
    let subject = identity.canonical_arn.to_lowercase();
    let roles: Vec<&Entry> = sections
        .roles
        .kept()
        .filter(|e| role_matches(&e.row, &subject, sso_role_match))
        .collect();
    if let Some(outcome) = decide(SectionKey::MapRoles, roles, identity) {
        return outcome;
    }
    let users: Vec<&Entry> = sections
        .users
        .kept()
        .filter(|e| role_matches(&e.row, &subject, sso_role_match))
        .collect();
    if let Some(outcome) = decide(SectionKey::MapUsers, users, identity) {
        return outcome;
    }
    if sections
        .accounts
        .kept_accounts()
        .any(|a| a.account == identity.context.account_id)
    {
        return Outcome::Mapped {
            via: SectionKey::MapAccounts,
            index: None,
            username: identity.canonical_arn.clone(),
            groups: Vec::new(),
            unresolved: Vec::new(),
        };
    }
    Outcome::NotMapped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_like_globs() {
        let pattern = "arn:aws:iam::012345678912:role/awsreservedsso_admin_*";
        assert!(arn_like(
            "arn:aws:iam::012345678912:role/awsreservedsso_admin_abc",
            pattern
        ));
        assert!(arn_like(
            "arn:aws:iam::012345678912:role/awsreservedsso_admin_readonly_x",
            pattern
        ));
        assert!(!arn_like(
            "arn:aws:iam::012345678912:role/awsreservedsso_billing_x",
            pattern
        ));
        // the explicit-partition bug: an empty partition section never matches `aws`
        assert!(!arn_like(
            "arn:aws:iam::012345678912:role/awsreservedsso_admin_x",
            "arn::iam::012345678912:role/awsreservedsso_admin_*"
        ));
    }
}
