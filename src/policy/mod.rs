//! The organisation policy: who may be an administrator where, which principal kinds and modes
//! are forbidden, which exceptions are granted and until when, and how the rules are tuned
//! (severity overrides, switches, the controls a finding evidences). A policy file is YAML read
//! with the project's own YAML layer, so every value keeps the file, line and column that a
//! finding names; profiles shipped in `policies/profiles/` compose with `extends`.
//!
//! The policy applies as a finishing step of the judgement ([`PolicyStep`]), the same for a
//! file, a snapshot, a live cluster, declared access and each side of a diff.

mod apply;
mod glob;
mod init;
mod load;
mod read;
mod scopes;
mod sections;
mod target;

pub use apply::PolicyStep;
pub use glob::Glob;
pub use init::{
    AdminGap, GAP_MARK, StartingScope, admin_count, admin_gaps, failing_of, gap_lines,
    starting_policy, starting_policy_of,
};
pub use load::{PROFILES, PolicyError, discover, load};
pub use target::FileFrame;

use std::collections::BTreeMap;

use crate::rules::finding::Severity;

/// Where in a policy file a value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub path: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// A policy, its profiles merged in (the file's own settings win).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The file it was read from.
    pub path: String,
    /// `sha256:` of the file's bytes: which version of the policy applied.
    pub digest: String,
    /// The profiles it extends, in order, as named.
    pub extends: Vec<String>,
    /// Per rule code.
    pub rules: BTreeMap<String, RuleSetting>,
    pub scopes: Vec<Scope>,
    pub waivers: Vec<Waiver>,
    /// What `policy init --allow-incomplete` could not see when it wrote the file (the
    /// `# aws-auth-audit: incomplete: …` lines heading it): administrators missing from it.
    pub incomplete: Vec<String>,
}

/// How one rule is tuned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSetting {
    pub severity: Option<Severity>,
    pub enabled: Option<bool>,
    /// Benchmark controls the rule's findings evidence (`CIS EKS 1.7.0 4.1.1`).
    pub controls: Vec<String>,
    pub at: Option<Span>,
}

/// Part of the fleet the policy speaks about, and what it says there.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub matcher: Match,
    /// Who may hold cluster-admin or admin power here; `None`: the scope does not say.
    pub admins: Option<Vec<AdminSpec>>,
    /// At least this many independent cluster-admin paths in effect (lockout guard).
    pub min_admins: Option<usize>,
    pub forbid: Vec<Forbidden>,
    /// Principals of other accounts are allowed only from these.
    pub allowed_accounts: Option<Vec<String>>,
    /// Who may grant a way in (create an access entry, associate an access policy): an
    /// administrator path granted by anyone else is a finding (EA506).
    pub grantors: Option<Vec<AdminSpec>>,
    pub at: Span,
}

/// Which targets a scope covers; an empty list matches anything. Every given list must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Match {
    pub accounts: Vec<Glob>,
    pub regions: Vec<Glob>,
    pub clusters: Vec<Glob>,
    pub tags: BTreeMap<String, Glob>,
    /// For offline checks: the input's path.
    pub files: Vec<Glob>,
}

/// One administrator the policy allows (and, for an exact ARN, expects).
#[derive(Debug, Clone, PartialEq)]
pub struct AdminSpec {
    pub who: Admin,
    pub at: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Admin {
    /// This principal; an administrator the scope expects to find.
    Arn(String),
    /// Any role whose name matches.
    RoleName(Glob),
    /// Any user whose name matches.
    UserName(Glob),
    /// The roles IAM Identity Center makes for this permission set
    /// (`AWSReservedSSO_<NAME>_<suffix>`).
    SsoPermissionSet(String),
}

pub use crate::rules::policy_facts::Forbidden;

/// An exception: a finding the organisation accepts, with a reason, an owner and an end.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    pub rule: Option<String>,
    pub principal: Option<String>,
    pub clusters: Vec<Glob>,
    pub files: Vec<Glob>,
    pub fingerprint: Option<String>,
    pub reason: String,
    pub owner: Option<String>,
    /// `YYYY-MM-DD`: the last day the waiver holds.
    pub expires: String,
    pub at: Span,
}
