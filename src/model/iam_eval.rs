//! Whether IAM allows a principal an action on a resource, evaluated as AWS evaluates identity
//! policies (IAM User Guide, "Policy evaluation logic"): an explicit `Deny` anywhere wins; else
//! an `Allow` in an identity policy is needed, and a permissions boundary, when set, must allow
//! too. `Action`/`NotAction` match case-insensitively with `*` and `?`; `Resource`/`NotResource`
//! match ARNs with the same wildcards, case-sensitively. A statement with a `Condition` this
//! evaluator does not decide makes the verdict **conditional** — said, never read as "no" or
//! "yes". Service control policies and resource control policies of an organisation are not
//! readable from a member account: every verdict here is before them. Pure: reads policy
//! documents as IAM returns them (JSON, already decoded).

use super::iam_condition::{Condition, RequestContext, decide_all};
use serde_json::Value;

/// One statement, as far as the evaluation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    allow: bool,
    sid: Option<String>,
    /// `Action` patterns, or with `not_action` the `NotAction` ones.
    actions: Vec<String>,
    not_action: bool,
    resources: Vec<String>,
    not_resource: bool,
    /// Its conditions (empty: none).
    conditions: Vec<Condition>,
}

/// A policy document with the name a finding gives it (`inline deploy`, a managed policy's ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPolicy {
    pub name: String,
    statements: Vec<Statement>,
}

/// Why a document could not be read as a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy {name}: {why}")]
pub struct PolicyShapeError {
    pub name: String,
    pub why: String,
}

fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

impl NamedPolicy {
    /// Whether some `Allow` statement of it names `action` (whatever its resources and
    /// conditions): a cheap test before a full evaluation.
    pub fn mentions_allowed(&self, action: &str) -> bool {
        self.statements
            .iter()
            .any(|s| s.allow && s.actions.iter().any(|a| glob(a, action, true)) != s.not_action)
    }

    /// Reads a policy document (`Statement` an object or a list of them).
    pub fn parse(name: &str, document: &Value) -> Result<NamedPolicy, PolicyShapeError> {
        let shape = |why: &str| PolicyShapeError {
            name: name.to_string(),
            why: why.to_string(),
        };
        let statements = match &document["Statement"] {
            Value::Array(list) => list.iter().collect::<Vec<_>>(),
            object @ Value::Object(_) => vec![object],
            _ => return Err(shape("no Statement")),
        };
        let statements = statements
            .into_iter()
            .map(|s| {
                let allow = match s["Effect"].as_str() {
                    Some("Allow") => true,
                    Some("Deny") => false,
                    _ => return Err(shape("a statement whose Effect is neither Allow nor Deny")),
                };
                let (actions, not_action) = match (&s["Action"], &s["NotAction"]) {
                    (a, Value::Null) if !a.is_null() => (strings(a), false),
                    (Value::Null, n) if !n.is_null() => (strings(n), true),
                    _ => (None, false),
                };
                let (resources, not_resource) = match (&s["Resource"], &s["NotResource"]) {
                    (r, Value::Null) if !r.is_null() => (strings(r), false),
                    (Value::Null, n) if !n.is_null() => (strings(n), true),
                    _ => (None, false),
                };
                let conditions = super::iam_condition::parse(&s["Condition"]);
                Ok(Statement {
                    allow,
                    sid: s["Sid"].as_str().map(str::to_string),
                    actions: actions
                        .ok_or_else(|| shape("a statement without Action or NotAction"))?,
                    not_action,
                    resources: resources.unwrap_or_else(|| vec!["*".to_string()]),
                    not_resource,
                    conditions,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NamedPolicy {
            name: name.to_string(),
            statements,
        })
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` one character.
pub(super) fn glob(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        if case_insensitive {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, t) = (fold(pattern), fold(text));
    // Iterative matching with one backtrack point (the last `*`).
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// One request: an action on a resource, with what the audit knows of its context.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub context: &'a RequestContext,
}

impl Statement {
    fn applies(&self, action: &str, resource: &str) -> bool {
        let action_listed = self.actions.iter().any(|a| glob(a, action, true));
        let resource_listed = self.resources.iter().any(|r| glob(r, resource, false));
        action_listed != self.not_action && resource_listed != self.not_resource
    }

    fn describe(&self, policy: &str) -> String {
        match &self.sid {
            Some(sid) => format!("{policy}, statement {sid}"),
            None => format!("{policy}, a statement without Sid"),
        }
    }
}

/// What IAM decides for one request, before organisation SCPs and RCPs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// An identity policy allows it (and the boundary, when set), and no Deny applies.
    Allowed { by: String },
    /// It would be allowed, but a statement it rests on (or a Deny that may apply) has a
    /// condition this evaluation does not decide.
    Conditional { by: String, conditions: Vec<String> },
    /// An explicit Deny applies, without condition.
    Denied { by: String },
    /// No identity policy allows it, or the boundary does not.
    NotAllowed { why: String },
}

impl Verdict {
    /// Allowed, or allowed under a condition: a way that may be open.
    pub fn may_allow(&self) -> bool {
        matches!(self, Verdict::Allowed { .. } | Verdict::Conditional { .. })
    }
}

/// The first statement of `policies` with this effect that applies to `request`, unconditional
/// ones (and those whose conditions the context decides to hold) first; else the first whose
/// conditions are undecided, with them.
fn find(
    policies: &[NamedPolicy],
    allow: bool,
    request: &Request<'_>,
) -> (Option<String>, Option<(String, Vec<String>)>) {
    let mut conditional = None;
    for policy in policies {
        for s in policy
            .statements
            .iter()
            .filter(|s| s.allow == allow && s.applies(request.action, request.resource))
        {
            match decide_all(&s.conditions, request.context) {
                Ok(()) => return (Some(s.describe(&policy.name)), None),
                Err(None) => {}
                Err(Some(undecided)) => {
                    conditional.get_or_insert_with(|| {
                        (
                            s.describe(&policy.name),
                            undecided.iter().map(|c| c.describe()).collect(),
                        )
                    });
                }
            }
        }
    }
    (None, conditional)
}

/// Whether the identity policies (the principal's own, its groups', attached managed ones) and
/// the permissions boundary allow `action` on `resource`, knowing nothing of the request's
/// context (every condition undecided).
pub fn evaluate(
    identity: &[NamedPolicy],
    boundary: Option<&NamedPolicy>,
    action: &str,
    resource: &str,
) -> Verdict {
    let context = RequestContext::default();
    evaluate_request(
        identity,
        boundary,
        &Request {
            action,
            resource,
            context: &context,
        },
    )
}

/// Whether the identity policies and the permissions boundary allow `request`: conditions on
/// the keys its context knows are decided, the others leave the verdict conditional.
pub fn evaluate_request(
    identity: &[NamedPolicy],
    boundary: Option<&NamedPolicy>,
    request: &Request<'_>,
) -> Verdict {
    let (action, resource) = (request.action, request.resource);
    let everything: Vec<&NamedPolicy> = identity.iter().chain(boundary).collect();
    let (deny, maybe_deny) = find_in(&everything, false, request);
    if let Some(by) = deny {
        return Verdict::Denied { by };
    }
    let (allow, maybe_allow) = find(identity, true, request);
    let mut conditions = Vec::new();
    let by = match (allow, maybe_allow) {
        (Some(by), _) => by,
        (None, Some((by, c))) => {
            conditions.extend(c);
            by
        }
        (None, None) => {
            return Verdict::NotAllowed {
                why: format!("no identity policy allows {action} on {resource}"),
            };
        }
    };
    if let Some(boundary) = boundary {
        match find(std::slice::from_ref(boundary), true, request) {
            (Some(_), _) => {}
            (None, Some((_, c))) => conditions.extend(c),
            (None, None) => {
                return Verdict::NotAllowed {
                    why: format!(
                        "the permissions boundary {} does not allow {action}",
                        boundary.name
                    ),
                };
            }
        }
    }
    if let Some((deny_by, c)) = maybe_deny {
        conditions.extend(c.into_iter().map(|c| format!("{c} (a Deny in {deny_by})")));
    }
    if conditions.is_empty() {
        Verdict::Allowed { by }
    } else {
        Verdict::Conditional { by, conditions }
    }
}

/// [`find`] over borrowed policies.
fn find_in(
    policies: &[&NamedPolicy],
    allow: bool,
    request: &Request<'_>,
) -> (Option<String>, Option<(String, Vec<String>)>) {
    let mut conditional = None;
    for policy in policies {
        match find(std::slice::from_ref(*policy), allow, request) {
            (Some(by), _) => return (Some(by), None),
            (None, c) => {
                if conditional.is_none() {
                    conditional = c;
                }
            }
        }
    }
    (None, conditional)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CLUSTER: &str = "arn:aws:eks:eu-west-1:111122223333:cluster/prod";
    const ENTRY: &str =
        "arn:aws:eks:eu-west-1:111122223333:access-entry/prod/role/111122223333/ci/abcd";

    fn policy(name: &str, statements: Value) -> NamedPolicy {
        NamedPolicy::parse(
            name,
            &json!({"Version": "2012-10-17", "Statement": statements}),
        )
        .unwrap()
    }

    #[test]
    fn wildcards_match_as_iam_matches() {
        assert!(glob("eks:*", "eks:CreateAccessEntry", true));
        assert!(glob("EKS:create*", "eks:CreateAccessEntry", true));
        assert!(glob("eks:?reateAccessEntry", "eks:CreateAccessEntry", true));
        assert!(!glob("eks:Describe*", "eks:CreateAccessEntry", true));
        assert!(glob("arn:aws:eks:*:111122223333:cluster/*", CLUSTER, false));
        assert!(!glob(
            "arn:aws:eks:*:111122223333:cluster/PROD",
            CLUSTER,
            false
        ));
        assert!(glob("*", "", false));
    }

    #[test]
    fn allow_deny_and_not_action() {
        let allow = policy(
            "inline eks",
            json!({"Effect": "Allow", "Action": "eks:*", "Resource": "*"}),
        );
        assert!(matches!(
            evaluate(
                std::slice::from_ref(&allow),
                None,
                "eks:CreateAccessEntry",
                CLUSTER
            ),
            Verdict::Allowed { .. }
        ));
        // NotAction: iam:* allows eks:*.
        let not_iam = policy(
            "PowerUser",
            json!([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]),
        );
        assert!(
            evaluate(
                std::slice::from_ref(&not_iam),
                None,
                "eks:AssociateAccessPolicy",
                ENTRY
            )
            .may_allow()
        );
        assert!(!evaluate(&[not_iam], None, "iam:CreateRole", "*").may_allow());
        // An explicit Deny wins, wherever it is.
        let deny = policy(
            "deny associate",
            json!({"Sid": "NoAssociate", "Effect": "Deny", "Action": "eks:AssociateAccessPolicy", "Resource": "*"}),
        );
        assert_eq!(
            evaluate(
                &[allow.clone(), deny],
                None,
                "eks:AssociateAccessPolicy",
                ENTRY
            ),
            Verdict::Denied {
                by: "deny associate, statement NoAssociate".into()
            }
        );
        // A resource naming another cluster does not count.
        let other = policy(
            "other cluster",
            json!({"Effect": "Allow", "Action": "eks:CreateAccessEntry", "Resource": "arn:aws:eks:*:*:cluster/staging"}),
        );
        assert!(!evaluate(&[other], None, "eks:CreateAccessEntry", CLUSTER).may_allow());
        // NotResource excludes.
        let not_prod = policy(
            "not prod",
            json!({"Effect": "Allow", "Action": "eks:*", "NotResource": CLUSTER}),
        );
        assert!(!evaluate(&[not_prod], None, "eks:CreateAccessEntry", CLUSTER).may_allow());
    }

    #[test]
    fn a_boundary_must_allow_too() {
        let admin = policy(
            "AdministratorAccess",
            json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        );
        let boundary = policy(
            "boundary",
            json!({"Effect": "Allow", "Action": ["s3:*", "ec2:*"], "Resource": "*"}),
        );
        let verdict = evaluate(
            std::slice::from_ref(&admin),
            Some(&boundary),
            "eks:CreateAccessEntry",
            CLUSTER,
        );
        assert!(
            matches!(verdict, Verdict::NotAllowed { ref why } if why.contains("boundary")),
            "{verdict:?}"
        );
        let eks_boundary = policy(
            "eks boundary",
            json!({"Effect": "Allow", "Action": "eks:*", "Resource": "*"}),
        );
        assert!(matches!(
            evaluate(
                &[admin],
                Some(&eks_boundary),
                "eks:CreateAccessEntry",
                CLUSTER
            ),
            Verdict::Allowed { .. }
        ));
    }

    #[test]
    fn a_condition_makes_it_conditional_never_no() {
        let tagged = policy(
            "tagged",
            json!({"Sid": "OnlyTagged", "Effect": "Allow", "Action": "eks:AssociateAccessPolicy", "Resource": "*",
            "Condition": {"StringEquals": {"eks:policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"}}}),
        );
        match evaluate(&[tagged], None, "eks:AssociateAccessPolicy", ENTRY) {
            Verdict::Conditional { conditions, .. } => {
                assert_eq!(
                    conditions,
                    [
                        "StringEquals eks:policyArn [arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy]"
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        // A Deny with a condition may apply: the allow is conditional, not denied.
        let allow = policy(
            "allow",
            json!({"Effect": "Allow", "Action": "eks:*", "Resource": "*"}),
        );
        let deny = policy(
            "deny",
            json!({"Effect": "Deny", "Action": "eks:*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}),
        );
        assert!(matches!(
            evaluate(&[allow, deny], None, "eks:CreateAccessEntry", CLUSTER),
            Verdict::Conditional { .. }
        ));
    }

    #[test]
    fn shapes_iam_returns_are_read_and_others_refused() {
        // A single statement as an object, Action as a string.
        let one = NamedPolicy::parse(
            "one",
            &json!({"Statement": {"Effect": "Allow", "Action": "eks:*", "Resource": "*"}}),
        )
        .unwrap();
        assert_eq!(one.statements.len(), 1);
        assert!(NamedPolicy::parse("none", &json!({"Version": "2012-10-17"})).is_err());
        assert!(
            NamedPolicy::parse(
                "effect",
                &json!({"Statement": [{"Effect": "Maybe", "Action": "*"}]})
            )
            .is_err()
        );
    }
}
