//! What the policy rules (EA501–EA505, EA902) read: what the organisation's policy says for one
//! target — its matching scopes' admins, minimum, prohibitions and allowed accounts, and the
//! waivers' outcomes — beside the target's access matrix; and how their findings are made (at
//! the principal's aws-auth row when there is one, else at the target, fingerprinted by rule,
//! target and subject). The policy (`crate::policy`) gathers the facts and runs the rules; each
//! rule's logic lives in its own file.

use crate::evidence::AuthenticationMode;
use crate::model::access::{Principal, PrincipalSource};
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::location::Location;
use crate::rules::finding::{Finding, Status, fingerprint};

/// What a scope forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// IAM users with access (roles only).
    IamUsers,
    /// `mapAccounts` grants in aws-auth.
    MapAccounts,
    /// The `CONFIG_MAP` authentication mode (the hidden, unrevocable creator).
    ConfigMapMode,
    /// `system:masters` rows in aws-auth.
    SystemMasters,
}

impl Forbidden {
    pub const NAMES: [(&'static str, Forbidden); 4] = [
        ("iam_users", Forbidden::IamUsers),
        ("map_accounts", Forbidden::MapAccounts),
        ("config_map_mode", Forbidden::ConfigMapMode),
        ("system_masters", Forbidden::SystemMasters),
    ];

    pub fn name(self) -> &'static str {
        Forbidden::NAMES
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("", |(n, _)| n)
    }
}

/// The target the policy judges: a cluster, or a file.
#[derive(Debug, Clone, Default)]
pub struct PolicyTarget {
    /// The cluster ARN, or for a file its path: what fingerprints and routes name.
    pub id: String,
    /// The cluster's account, when the target is a cluster.
    pub account: Option<String>,
    /// Whether the target is a cluster (else a file).
    pub is_cluster: bool,
}

/// One administrator a matching scope allows.
pub struct ExpectedAdmin<'a> {
    /// The exact principal, when the scope names one: an administrator it expects to find.
    pub arn: Option<&'a str>,
    /// Where the policy says it (`policy.yaml:L:C`).
    pub at: String,
    /// Whether this entry names a principal (by ARN, role or user name, permission set).
    pub names: Box<dyn Fn(&str) -> bool + 'a>,
}

/// What happened to one waiver of the policy on this target.
pub struct WaiverOutcome {
    /// `policy.yaml:L:C`.
    pub at: String,
    /// What it names: `rule EA113, principal arn:…, owner x`.
    pub named: String,
    pub expires: String,
    pub reason: String,
    /// It matched a finding but has expired: that finding's fingerprint (reported again).
    pub expired_over: Option<String>,
    /// It reaches this target and matched no finding.
    pub unused: bool,
}

/// What the policy rules read.
pub struct PolicyFacts<'a> {
    /// The policy file.
    pub policy_path: &'a str,
    /// The matching scopes' positions, for messages (`policy.yaml:3:5, policy.yaml:9:5`).
    pub scope_lines: String,
    pub target: &'a PolicyTarget,
    pub principals: &'a [Principal],
    pub mode: Option<&'a AuthenticationMode>,
    pub documents: &'a [AwsAuthDocument],
    /// The matching scopes' `admins`; `None` when none of them lists any.
    pub admins: Option<Vec<ExpectedAdmin<'a>>>,
    /// The largest `min_admins` of the matching scopes, and where it is said.
    pub min_admins: Option<(usize, String)>,
    /// What the matching scopes forbid, each with where.
    pub forbid: Vec<(Forbidden, String)>,
    /// The matching scopes' `allowed_accounts`; `None` when none of them lists any.
    pub allowed_accounts: Option<Vec<&'a str>>,
    /// The target's own account; for a file, the accounts a matching scope names.
    pub own_accounts: Vec<String>,
    /// The matching scopes' `grantors`; `None` when none of them lists any.
    pub grantors: Option<Vec<ExpectedAdmin<'a>>>,
    /// Who granted what, from CloudTrail: `None` where nothing was granted yet (a plan, a
    /// ClusterConfig, a file); `Err` with why it is unknown.
    pub history: Option<Result<&'a [crate::model::access::history::HistoryItem], &'a str>>,
    /// The waivers' outcomes (for EA902; empty before the waivers are applied).
    pub waivers: Vec<WaiverOutcome>,
}

/// What a policy finding is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// A principal, by ARN: the finding's `principal`.
    Principal(&'a str),
    /// Something else the target has (its admin paths, its mode, a waiver, an account).
    Other(&'a str),
}

/// Makes a policy rule's findings.
pub struct PolicyEmitter<'a> {
    meta: &'a super::RuleMeta,
    target: &'a PolicyTarget,
    documents: &'a [AwsAuthDocument],
    findings: Vec<Finding>,
}

impl<'a> PolicyEmitter<'a> {
    pub fn new(meta: &'a super::RuleMeta, facts: &PolicyFacts<'a>) -> PolicyEmitter<'a> {
        PolicyEmitter {
            meta,
            target: facts.target,
            documents: facts.documents,
            findings: Vec::new(),
        }
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// Where a principal's row is: its aws-auth entry when there is one, else the target.
    fn location(&self, principal: Option<&Principal>, part: &str) -> Location {
        if let Some(Principal {
            source: PrincipalSource::AwsAuth { section, index },
            ..
        }) = principal
            && let Some(doc) = self.documents.first()
            && let Some(location) = doc.locate_row(*section, *index)
        {
            return location;
        }
        let what = if self.target.is_cluster {
            "cluster"
        } else {
            "file"
        };
        Location {
            route: format!("{what} {} › {part}", self.target.id),
            ..Location::default()
        }
    }

    /// A finding about `subject`, at `principal`'s row when there is one, else at the
    /// target's `subject`.
    pub fn emit(
        &mut self,
        principal: Option<&Principal>,
        subject: Subject<'_>,
        message: String,
        remediation: String,
    ) {
        let (part, named, key) = match subject {
            Subject::Principal(arn) => (
                principal.map_or(arn.to_string(), |p| format!("{} {}", p.source, p.arn)),
                Some(arn),
                arn,
            ),
            Subject::Other(what) => (what.to_string(), None, what),
        };
        let location = self.location(principal, &part);
        self.emit_at(location, named, key, message, remediation);
    }

    /// A finding the policy rule could not decide (`unknown(reason)`): what it needed was not
    /// read.
    pub fn emit_undecided(
        &mut self,
        principal: Option<&Principal>,
        subject: Subject<'_>,
        reason: &str,
        message: String,
        remediation: String,
    ) {
        self.emit(principal, subject, message, remediation);
        if let Some(last) = self.findings.last_mut() {
            last.status = Status::Unknown(reason.to_string());
        }
    }

    /// A finding at an explicit place (a `mapAccounts` item).
    pub fn emit_at(
        &mut self,
        location: Location,
        principal: Option<&str>,
        key: &str,
        message: String,
        remediation: String,
    ) {
        let meta = self.meta;
        self.findings.push(Finding {
            code: meta.code,
            slug: meta.slug,
            severity: meta.severity,
            status: Status::Fail,
            message,
            principal: principal.map(str::to_string),
            location,
            remediation,
            fingerprint: fingerprint(&[meta.code, &self.target.id, &key.to_lowercase()]),
            controls: Vec::new(),
            waiver: None,
        });
    }
}
