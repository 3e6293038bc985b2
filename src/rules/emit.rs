//! Where rules put their findings: symbolic routes resolved to file positions, stable
//! fingerprints.

use std::borrow::Cow;
use std::collections::HashMap;

use super::RuleMeta;
use crate::inputs::yaml::Pos;
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::awsauth::{AccountEntry, Entry, Field, KeyObservation, Place, SectionKey};
use crate::rules::finding::{Finding, Location, Severity, Status, fingerprint};

/// What a finding points at.
#[derive(Debug, Clone, Copy)]
pub enum At<'a> {
    /// A key of `data`.
    DataKey(&'a str),
    /// A position inside a section's text.
    Section(SectionKey, Pos),
    /// An entry, or a field of it.
    Entry(SectionKey, &'a Entry, Field),
    /// A field of an entry at an explicit position (a value that was not decoded).
    EntryPos(SectionKey, &'a Entry, Field, Pos),
    /// A key of an entry, as spelled.
    EntryKey(SectionKey, &'a Entry, &'a KeyObservation),
    /// An item of `mapAccounts`.
    Account(&'a AccountEntry),
    /// Something of the cluster with no place in aws-auth: `caller`, `rbac › clusterrolebinding X`.
    Cluster(&'a str),
}

pub struct Emitter<'a> {
    doc: Option<&'a AwsAuthDocument>,
    /// IAM's answers, when the audit read IAM: rules may sharpen their advice with them.
    iam: Option<&'a crate::evidence::IamEvidence>,
    /// For cluster rules: the cluster ARN, part of routes and fingerprints.
    cluster: Option<&'a str>,
    meta: &'a RuleMeta,
    findings: Vec<Finding>,
    /// How often each fingerprint was given (its 64 bits, as written in hex).
    seen: HashMap<u64, usize>,
}

/// The parts that identify a finding's target, each after a NUL.
fn identity_parts(parts: &[&str]) -> String {
    let mut joined = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for part in parts {
        joined.push('\u{0}');
        joined.push_str(part);
    }
    joined
}

impl<'a> Emitter<'a> {
    pub fn new(doc: &'a AwsAuthDocument, meta: &'a RuleMeta) -> Emitter<'a> {
        Emitter {
            doc: Some(doc),
            iam: None,
            cluster: None,
            meta,
            findings: Vec::new(),
            seen: HashMap::new(),
        }
    }

    /// An emitter for a cluster rule: routes into aws-auth when there is one, else into the
    /// cluster.
    pub fn for_cluster(
        cluster_arn: &'a str,
        doc: Option<&'a AwsAuthDocument>,
        meta: &'a RuleMeta,
    ) -> Emitter<'a> {
        Emitter {
            doc,
            iam: None,
            cluster: Some(cluster_arn),
            meta,
            findings: Vec::new(),
            seen: HashMap::new(),
        }
    }

    /// The same emitter, with IAM's answers at hand.
    pub fn with_iam(mut self, iam: Option<&'a crate::evidence::IamEvidence>) -> Emitter<'a> {
        self.iam = iam;
        self
    }

    /// The rule's own severity.
    pub fn default_severity(&self) -> crate::rules::finding::Severity {
        self.meta.severity
    }

    /// What IAM said, if the audit read IAM (a live audit, a snapshot, `check --resolve`).
    pub fn iam(&self) -> Option<&'a crate::evidence::IamEvidence> {
        self.iam
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// Where the finding is (located by the document's one resolver, or in the cluster) and
    /// the parts that identify its target for the fingerprint (each after a NUL, as the
    /// fingerprint hashes them).
    fn resolve(&self, at: At<'_>, principal: Option<&str>) -> (Location, String) {
        if let At::Cluster(part) = at {
            let cluster = self.cluster.unwrap_or("cluster");
            return (Location::in_cluster(cluster, part), identity_parts(&[part]));
        }
        let doc = self
            .doc
            .expect("a route into aws-auth comes from an aws-auth document");
        let who = |index: usize| {
            principal.map_or_else(|| Cow::Owned(format!("[{index}]")), Cow::Borrowed)
        };
        let (place, identity) = match at {
            At::DataKey(key) => (Place::DataKey(key), identity_parts(&[key])),
            At::Section(section, pos) => (
                Place::Section(section, pos),
                identity_parts(&[section.as_str()]),
            ),
            At::Entry(section, entry, field) => (
                Place::Field(section, entry, field),
                identity_parts(&[section.as_str(), &who(entry.index), &field.name()]),
            ),
            At::EntryPos(section, entry, field, pos) => (
                Place::FieldAt(section, entry, field, pos),
                identity_parts(&[section.as_str(), &who(entry.index), &field.name()]),
            ),
            At::EntryKey(section, entry, key) => (
                Place::Key(section, entry, key),
                identity_parts(&[section.as_str(), &who(entry.index), &key.spelling]),
            ),
            At::Account(account) => (
                Place::Account(account),
                identity_parts(&["mapAccounts", &account.account]),
            ),
            At::Cluster(_) => unreachable!("answered above"),
        };
        (doc.locate(place), identity)
    }

    /// Reports a finding at the rule's default severity.
    pub fn emit(
        &mut self,
        at: At<'_>,
        principal: Option<&str>,
        message: String,
        remediation: String,
    ) {
        self.emit_with(at, principal, self.meta.severity, message, remediation);
    }

    /// Reports that the rule could not decide for this target: `unknown(REASON)`, never a pass.
    pub fn emit_unknown(
        &mut self,
        at: At<'_>,
        principal: Option<&str>,
        reason: &str,
        message: String,
    ) {
        self.emit_undecided(
            at,
            principal,
            reason,
            message,
            "give the audit the permission or access it lacked, and run it again".to_string(),
        );
    }

    /// Reports that the rule could not decide for this target, with the remediation that fits
    /// (a verdict that rests on a condition the audit cannot evaluate, say).
    pub fn emit_undecided(
        &mut self,
        at: At<'_>,
        principal: Option<&str>,
        reason: &str,
        message: String,
        remediation: String,
    ) {
        self.emit_with(at, principal, self.meta.severity, message, remediation);
        if let Some(last) = self.findings.last_mut() {
            last.status = Status::Unknown(reason.to_string());
        }
    }

    /// Reports a finding at a severity other than the rule's default.
    pub fn emit_with(
        &mut self,
        at: At<'_>,
        principal: Option<&str>,
        severity: Severity,
        message: String,
        remediation: String,
    ) {
        let (location, parts) = self.resolve(at, principal);
        let scope = match (self.cluster, self.doc) {
            (Some(cluster), _) => cluster,
            (None, Some(doc)) => doc.configmap.as_str(),
            (None, None) => "",
        };
        let mut identity =
            String::with_capacity(self.meta.code.len() + scope.len() + parts.len() + 1);
        identity.push_str(self.meta.code);
        identity.push('\u{0}');
        identity.push_str(scope);
        identity.push_str(&parts);
        let mut fingerprint = fingerprint(&[&identity]);
        let bits = u64::from_str_radix(&fingerprint, 16).expect("a fingerprint is 16 hex digits");
        let occurrence = self.seen.entry(bits).or_insert(0);
        *occurrence += 1;
        if *occurrence > 1 {
            // The same target reported twice by one rule: tell the two apart, stably.
            fingerprint = crate::rules::finding::fingerprint(&[&identity, &occurrence.to_string()]);
        }
        self.findings.push(Finding {
            controls: Vec::new(),
            waiver: None,
            code: self.meta.code,
            slug: self.meta.slug,
            severity,
            status: Status::Fail,
            message,
            principal: principal.map(str::to_string),
            location,
            remediation,
            fingerprint,
        });
    }
}
