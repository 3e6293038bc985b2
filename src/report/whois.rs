//! `whois` as a person or a program reads it: what aws-auth answers for one caller (text or
//! JSON), and, for a cluster or a snapshot, the decision across access entries and aws-auth
//! under the mode. Every value taken from the input is escaped for the terminal on its own, so
//! no input byte can start a line of its own.

use crate::evidence::Fetched;
use crate::infra::escape::terminal;
use crate::model::access::whois::Decision;
use crate::model::awsauth::SectionKey;
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::awsauth::lookup::{Identity, Outcome};

/// What aws-auth answers for one identity: `whois --format json` (with `notes`, `tool` and the
/// policy's view), and the `aws_auth` part of the answer for a cluster.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct AwsAuthAnswer {
    pub arn: String,
    pub canonical_arn: String,
    /// `mapped`, `not_mapped`, `render_error`, `nondeterministic`, or `no_aws_auth` (aws-auth
    /// was not read).
    pub outcome: &'static str,
    /// Whether the IAM Identity Center role matcher was assumed on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_role_match: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<SectionKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// The deciding row (null for `mapAccounts`, which has no row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Option<crate::model::location::Location>>,
    /// Template variables that cannot be known offline, left as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unresolved_templates: Option<Vec<&'static str>>,
    /// Why rendering the row's templates failed (the request is denied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The rows that match with different results (Go's map order picks one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<crate::model::awsauth::lookup::Candidate>>,
}

impl AwsAuthAnswer {
    /// The answer when aws-auth was not read.
    fn not_read(identity: &Identity) -> AwsAuthAnswer {
        AwsAuthAnswer {
            arn: identity.arn.clone(),
            canonical_arn: identity.canonical_arn.clone(),
            outcome: "no_aws_auth",
            sso_role_match: None,
            via: None,
            username: None,
            groups: None,
            location: None,
            unresolved_templates: None,
            reason: None,
            candidates: None,
        }
    }
}

/// `whois --format json` for a file.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct WhoisReport {
    #[serde(flatten)]
    pub answer: AwsAuthAnswer,
    pub notes: Vec<String>,
    pub tool: super::ToolInfo,
    /// What the organisation policy says of the principal, when one applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<WhoisPolicy>,
}

/// What the organisation policy says of the principal asked about.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct WhoisPolicy {
    pub path: String,
    pub digest: String,
    /// The policy rules' findings about this principal.
    pub findings: Vec<crate::rules::finding::Finding>,
}

/// `whois --cluster … --format json` (or of a snapshot): the decision across access entries and
/// aws-auth under the mode.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ClusterWhoisReport<'a> {
    pub arn: String,
    pub canonical_arn: String,
    pub cluster: &'a str,
    pub mode: Option<&'a crate::evidence::AuthenticationMode>,
    pub decided_by: &'a crate::model::access::whois::DecidedBy,
    pub reason: &'a str,
    /// The Kubernetes username, groups and power the decision gives this caller.
    #[serde(flatten)]
    pub effective: &'a Effective,
    pub access_entry: Option<&'a crate::evidence::AccessEntry>,
    pub aws_auth: AwsAuthAnswer,
    pub incomplete: &'a [String],
    pub tool: super::ToolInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<WhoisPolicy>,
}

/// What aws-auth answers for `identity`, as JSON.
pub fn aws_auth_json(
    identity: &Identity,
    outcome: &Outcome,
    doc: &AwsAuthDocument,
    sso: bool,
) -> AwsAuthAnswer {
    let location =
        |via: SectionKey, index: Option<usize>| index.and_then(|i| doc.locate_row(via, i));
    let mut answer = AwsAuthAnswer {
        outcome: outcome.name(),
        sso_role_match: Some(sso),
        ..AwsAuthAnswer::not_read(identity)
    };
    match outcome {
        Outcome::Mapped {
            via,
            index,
            username,
            groups,
            unresolved,
        } => {
            answer.via = Some(*via);
            answer.username = Some(username.clone());
            answer.groups = Some(groups.clone());
            answer.location = Some(location(*via, *index));
            answer.unresolved_templates = Some(unresolved.clone());
        }
        Outcome::NotMapped => {}
        Outcome::RenderError { via, index, reason } => {
            answer.via = Some(*via);
            answer.reason = Some(reason.clone());
            answer.location = Some(location(*via, Some(*index)));
        }
        Outcome::Nondeterministic { via, candidates } => {
            answer.via = Some(*via);
            answer.candidates = Some(candidates.clone());
        }
    }
    answer
}

/// What aws-auth answers for `identity`, as text for a terminal.
pub fn aws_auth_text(identity: &Identity, outcome: &Outcome, doc: &AwsAuthDocument) -> String {
    let mut out = format!(
        "arn:           {}\ncanonical arn: {}\noutcome:       {}\n",
        terminal(&identity.arn),
        terminal(&identity.canonical_arn),
        outcome.name()
    );
    let place = |via: SectionKey, index: usize| {
        let pos = doc
            .section(via)
            .entries
            .iter()
            .find(|e| e.index == index)
            .map(|e| doc.file_pos(via, e.pos));
        match pos {
            Some((line, column)) => {
                format!("{via}[{index}] ({}:{line}:{column})", terminal(&doc.path))
            }
            None => format!("{via}[{index}]"),
        }
    };
    fn list<S: AsRef<str>>(items: &[S]) -> String {
        items
            .iter()
            .map(|i| terminal(i.as_ref()))
            .collect::<Vec<_>>()
            .join(", ")
    }
    match outcome {
        Outcome::Mapped {
            via,
            index,
            username,
            groups,
            unresolved,
        } => {
            let at = index.map_or_else(
                || {
                    format!(
                        "{via} (account {})",
                        terminal(&identity.context.account_id)
                    )
                },
                |i| place(*via, i),
            );
            out.push_str(&format!(
                "via:           {at}\nusername:      {}\ngroups:        {}\n",
                terminal(username),
                list(groups)
            ));
            if !unresolved.is_empty() {
                out.push_str(&format!(
                    "note: {} cannot be known offline and is shown as written\n",
                    list(unresolved)
                ));
            }
        }
        Outcome::NotMapped => out.push_str(
            "no mapping in aws-auth matches: EKS refuses this caller (unless an access entry or the hidden cluster creator applies)\n",
        ),
        Outcome::RenderError { via, index, reason } => {
            out.push_str(&format!(
                "via:           {}\nEKS denies the request: {}\n",
                place(*via, *index),
                terminal(reason)
            ));
            // A node's session name is its instance id: say how to ask as one.
            if reason.contains("instance id") {
                out.push_str(
                    "hint: a node signs in with its EC2 instance id as the session name: ask with --session-name i-0123456789abcdef0\n",
                );
            }
        }
        Outcome::Nondeterministic { via, candidates } => {
            out.push_str(&format!(
                "via:           {via}: several mappings match and EKS picks one at random:\n"
            ));
            for c in candidates {
                out.push_str(&format!(
                    "  {}: username {}, groups [{}]\n",
                    place(*via, c.index),
                    terminal(&c.username),
                    list(&c.groups)
                ));
            }
        }
    }
    out
}

/// Who the caller is inside the cluster, as the deciding source makes it: its Kubernetes
/// username and groups (templates rendered for this caller), and the power they carry.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Effective {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub groups: Vec<String>,
    /// The access matrix's tier for the deciding way in (`cluster-admin`, `view`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<String>,
    /// Why that tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_reason: Option<String>,
    /// Who granted the deciding way in and when, as far as the audit read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted: Option<String>,
    /// The dangerous capabilities the deciding way in carries (reading Secrets, running as a
    /// namespace's service accounts, editing aws-auth, …), each with what it comes through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// How the principal could make itself an administrator it is not today (the access
    /// matrix's latent rows for it: an access entry of its own, a role it may assume), each with
    /// the chain and the conditions it rests on; empty when IAM's policies were not read or
    /// give it no way.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub could_become: Vec<String>,
}

/// What `whois` found on a cluster or in a snapshot.
pub struct ClusterWhois<'a> {
    pub identity: &'a Identity,
    pub cluster_arn: &'a str,
    pub mode: Option<&'a crate::evidence::AuthenticationMode>,
    pub decision: &'a Decision<'a>,
    /// aws-auth's own answer, when aws-auth was read.
    pub aws_auth: Option<(&'a AwsAuthDocument, &'a Outcome)>,
    /// What could not be read (`aws-auth: unknown(…)`).
    pub incomplete: &'a [String],
    /// The identity and power the decision gives.
    pub effective: Effective,
}

impl ClusterWhois<'_> {
    /// The JSON answer; `policy` is what the organisation policy says, when one applied.
    pub fn json(&self, policy: Option<WhoisPolicy>) -> ClusterWhoisReport<'_> {
        let aws_auth = match self.aws_auth {
            Some((doc, outcome)) => aws_auth_json(self.identity, outcome, doc, false),
            None => AwsAuthAnswer::not_read(self.identity),
        };
        ClusterWhoisReport {
            arn: self.identity.arn.clone(),
            canonical_arn: self.identity.canonical_arn.clone(),
            cluster: self.cluster_arn,
            mode: self.mode,
            decided_by: &self.decision.decided_by,
            reason: &self.decision.reason,
            effective: &self.effective,
            access_entry: self.decision.access_entry,
            aws_auth,
            incomplete: self.incomplete,
            tool: super::ToolInfo::this_build(),
            policy,
        }
    }

    pub fn text(&self) -> String {
        let decision = self.decision;
        let mut text = format!(
            "{} on {} (mode {}): decided by {}\n{}\n",
            terminal(&self.identity.arn),
            terminal(self.cluster_arn),
            terminal(self.mode.map_or("unknown", |m| m.as_str())),
            decision.decided_by.describe(),
            terminal(&decision.reason)
        );
        let effective = &self.effective;
        if let Some(username) = &effective.username {
            text.push_str(&format!(
                "as:            username {}, groups [{}]\n",
                terminal(username),
                terminal(&effective.groups.join(", "))
            ));
        }
        if let Some(power) = &effective.power {
            text.push_str(&format!(
                "power:         {}{}\n",
                terminal(power),
                effective
                    .power_reason
                    .as_deref()
                    .map_or(String::new(), |r| format!(" ({})", terminal(r)))
            ));
        }
        if let Some(granted) = &effective.granted {
            text.push_str(&format!("granted:       {}\n", terminal(granted)));
        }
        for capability in &effective.capabilities {
            text.push_str(&format!("  · {}\n", terminal(capability)));
        }
        for way in &effective.could_become {
            text.push_str(&format!("could become:  {}\n", terminal(way)));
        }
        if let Some(entry) = decision.access_entry {
            let policies = match &entry.policies {
                Fetched::Found(p) => p
                    .iter()
                    .map(|p| {
                        format!(
                            "{} ({})",
                            p.policy_arn.rsplit('/').next().unwrap_or(&p.policy_arn),
                            if p.scope.kind == crate::evidence::ScopeKind::Namespace {
                                format!("namespaces {}", p.scope.namespaces.join(", "))
                            } else {
                                "cluster".to_string()
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => "unknown".to_string(),
            };
            text.push_str(&format!(
                "access entry {} ({}): username {}, groups [{}], policies: {}\n",
                terminal(&entry.principal_arn),
                terminal(entry.kind.as_str()),
                terminal(entry.username.as_deref().unwrap_or("(generated)")),
                terminal(&entry.kubernetes_groups.join(", ")),
                terminal(if policies.is_empty() {
                    "none"
                } else {
                    &policies
                })
            ));
        }
        if let Some((doc, outcome)) = self.aws_auth {
            // aws-auth's own answer, indented under the decision it informs.
            text.push_str("aws-auth says:\n");
            for line in aws_auth_text(self.identity, outcome, doc).lines() {
                text.push_str(&format!("  {line}\n"));
            }
        }
        for line in self.incomplete {
            text.push_str(&format!("not read: {}\n", terminal(line)));
        }
        text
    }
}
