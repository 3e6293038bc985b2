//! `whois` as a person or a program reads it: what aws-auth answers for one caller (text or
//! JSON), and, for a cluster or a snapshot, the decision across access entries and aws-auth
//! under the mode. Every value taken from the input is escaped for the terminal on its own, so
//! no input byte can start a line of its own.

use serde_json::{Value, json};

use crate::evidence::Fetched;
use crate::infra::escape::terminal;
use crate::model::access::whois::Decision;
use crate::model::awsauth::SectionKey;
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::awsauth::lookup::{Identity, Outcome};

/// What aws-auth answers for `identity`, as JSON.
pub fn aws_auth_json(
    identity: &Identity,
    outcome: &Outcome,
    doc: &AwsAuthDocument,
    sso: bool,
) -> Value {
    let location = |via: SectionKey, index: Option<usize>| {
        index
            .and_then(|i| doc.section(via).entries.iter().find(|e| e.index == i))
            .map(|e| {
                let (line, column) = doc.file_pos(via, e.pos);
                json!({"route": format!("configmap {} › data.{via} › [{}]", doc.configmap, e.index), "path": doc.path, "line": line, "column": column})
            })
    };
    let mut value = json!({
        "arn": identity.arn,
        "canonical_arn": identity.canonical_arn,
        "outcome": outcome.name(),
        "sso_role_match": sso,
    });
    match outcome {
        Outcome::Mapped {
            via,
            index,
            username,
            groups,
            unresolved,
        } => {
            value["via"] = json!(via);
            value["username"] = json!(username);
            value["groups"] = json!(groups);
            value["location"] = json!(location(*via, *index));
            value["unresolved_templates"] = json!(unresolved);
        }
        Outcome::NotMapped => {}
        Outcome::RenderError { via, index, reason } => {
            value["via"] = json!(via);
            value["reason"] = json!(reason);
            value["location"] = json!(location(*via, Some(*index)));
        }
        Outcome::Nondeterministic { via, candidates } => {
            value["via"] = json!(via);
            value["candidates"] = json!(candidates);
        }
    }
    value
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
}

impl ClusterWhois<'_> {
    pub fn json(&self) -> Value {
        let aws_auth = match self.aws_auth {
            Some((doc, outcome)) => aws_auth_json(self.identity, outcome, doc, false),
            None => {
                json!({"arn": self.identity.arn, "canonical_arn": self.identity.canonical_arn, "outcome": "no_aws_auth"})
            }
        };
        json!({
            "arn": self.identity.arn,
            "canonical_arn": self.identity.canonical_arn,
            "cluster": self.cluster_arn,
            "mode": self.mode,
            "decided_by": self.decision.decided_by,
            "reason": self.decision.reason,
            "access_entry": self.decision.access_entry,
            "aws_auth": aws_auth,
            "incomplete": self.incomplete,
        })
    }

    pub fn text(&self) -> String {
        let decision = self.decision;
        let mut text = format!(
            "{} on {} (mode {}): decided by {}\n{}\n",
            terminal(&self.identity.arn),
            terminal(self.cluster_arn),
            terminal(self.mode.map_or("unknown", |m| m.as_str())),
            serde_json::to_value(&decision.decided_by)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            terminal(&decision.reason)
        );
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
            text.push_str("aws-auth: ");
            text.push_str(&aws_auth_text(self.identity, outcome, doc));
        }
        for line in self.incomplete {
            text.push_str(&format!("not read: {}\n", terminal(line)));
        }
        text
    }
}
