//! IAM policy conditions, decided where the request's context is known and left undecided
//! where it is not. The audit knows the context of the EKS calls that make a way in (the access
//! policy ARN, its scope, the principal of the entry, its Kubernetes groups, the region), and
//! nothing of a caller's session (tags, source IP, MFA): a condition on those stays undecided,
//! and the verdict that rests on it is conditional — never read as "no".
//!
//! Semantics (IAM User Guide, "IAM JSON policy elements: Condition operators" and "Single-valued
//! vs. multivalued context keys"): the conditions of a statement all must hold; a key's values in
//! the policy are alternatives (any matches). A key absent from the request fails a positive
//! operator, satisfies a negated one (`StringNotEquals`, `ArnNotLike`, …) and any `…IfExists`;
//! `ForAllValues:` holds over an absent or empty key, `ForAnyValue:` does not. `Null` tests
//! presence. Operators this evaluator does not know leave the condition undecided. Pure.

use serde_json::Value;

/// One condition of a statement: `"StringEquals": {"eks:policyArn": [...]}` is one operator,
/// one key, its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

/// What a condition comes to for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Holds,
    Fails,
    /// The request's value of the key is not known to the audit, or the operator is not one
    /// this evaluator decides.
    Undecided,
}

/// The context of one request, as far as the audit knows it: each key it knows, with the
/// values the request carries (an empty list: the request does not carry the key). Keys are
/// compared case-insensitively, as IAM compares them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    known: Vec<(String, Vec<String>)>,
}

impl RequestContext {
    /// `key` carries `values` in this request (none: known to be absent).
    pub fn with(mut self, key: &str, values: &[&str]) -> RequestContext {
        self.known.push((
            key.to_ascii_lowercase(),
            values.iter().map(|v| v.to_string()).collect(),
        ));
        self
    }

    fn get(&self, key: &str) -> Option<&[String]> {
        let key = key.to_ascii_lowercase();
        self.known
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_slice())
    }
}

/// Every condition of a statement's `Condition` block (an operator's value a single string or
/// a list; numbers and booleans as IAM reads them, as text).
pub fn parse(block: &Value) -> Vec<Condition> {
    let Value::Object(operators) = block else {
        return Vec::new();
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    operators
        .iter()
        .flat_map(|(operator, keys)| {
            keys.as_object().into_iter().flatten().map(|(key, values)| {
                let values = match values {
                    Value::Array(list) => list.iter().map(text).collect(),
                    one => vec![text(one)],
                };
                Condition {
                    operator: operator.clone(),
                    key: key.clone(),
                    values,
                }
            })
        })
        .collect()
}

/// How an operator compares one request value with one policy value.
#[derive(Clone, Copy)]
enum Comparison {
    Equals,
    EqualsIgnoreCase,
    Like,
}

fn compare(how: Comparison, policy: &str, request: &str) -> bool {
    match how {
        Comparison::Equals => policy == request,
        Comparison::EqualsIgnoreCase => policy.eq_ignore_ascii_case(request),
        Comparison::Like => super::iam_eval::glob(policy, request, false),
    }
}

impl Condition {
    /// `StringEquals eks:policyArn [arn…]`, for a finding.
    pub fn describe(&self) -> String {
        format!(
            "{} {} [{}]",
            self.operator,
            self.key,
            self.values.join(", ")
        )
    }

    /// Whether it holds for a request with `context`.
    pub fn decide(&self, context: &RequestContext) -> Outcome {
        let Some(request) = context.get(&self.key) else {
            return Outcome::Undecided;
        };
        let (set, rest) = match self.operator.split_once(':') {
            Some((set, rest)) => (Some(set), rest),
            None => (None, self.operator.as_str()),
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        if base == "Null" {
            let wants_absent = self.values.iter().any(|v| v == "true");
            return holds(request.is_empty() == wants_absent);
        }
        let (how, negated) = match base {
            "StringEquals" | "ArnEquals" => (Comparison::Equals, false),
            "StringNotEquals" | "ArnNotEquals" => (Comparison::Equals, true),
            "StringEqualsIgnoreCase" => (Comparison::EqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (Comparison::EqualsIgnoreCase, true),
            "StringLike" | "ArnLike" => (Comparison::Like, false),
            "StringNotLike" | "ArnNotLike" => (Comparison::Like, true),
            _ => return Outcome::Undecided,
        };
        // One request value against the policy's values: any may match.
        let satisfies = |value: &String| {
            let matched = self.values.iter().any(|p| compare(how, p, value));
            matched != negated
        };
        match set {
            Some("ForAllValues") => holds(request.iter().all(satisfies)),
            Some("ForAnyValue") => holds(request.iter().any(satisfies)),
            Some(_) => Outcome::Undecided,
            None if request.is_empty() => holds(negated || if_exists),
            None if request.len() == 1 => holds(satisfies(&request[0])),
            // A single-valued operator over a key with several values: IAM's answer is not
            // one this evaluator claims to know.
            None => Outcome::Undecided,
        }
    }
}

fn holds(yes: bool) -> Outcome {
    if yes { Outcome::Holds } else { Outcome::Fails }
}

/// Every condition of a statement together: all must hold. `Fails` if one fails, `Holds` if all
/// hold, else the undecided ones.
pub fn decide_all<'c>(
    conditions: &'c [Condition],
    context: &RequestContext,
) -> Result<(), Option<Vec<&'c Condition>>> {
    let mut undecided = Vec::new();
    for condition in conditions {
        match condition.decide(context) {
            Outcome::Holds => {}
            Outcome::Fails => return Err(None),
            Outcome::Undecided => undecided.push(condition),
        }
    }
    if undecided.is_empty() {
        Ok(())
    } else {
        Err(Some(undecided))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ADMIN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
    const VIEW: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";

    fn one(block: Value) -> Condition {
        parse(&block).remove(0)
    }

    fn associate_admin() -> RequestContext {
        RequestContext::default()
            .with("eks:policyArn", &[ADMIN])
            .with("eks:accessScope", &["cluster"])
            .with("eks:namespaces", &[])
    }

    #[test]
    fn the_policy_arn_decides_an_association() {
        let ctx = associate_admin();
        let only_view = one(json!({"StringEquals": {"eks:policyArn": VIEW}}));
        assert_eq!(only_view.decide(&ctx), Outcome::Fails);
        let any_policy =
            one(json!({"ArnLike": {"eks:policyArn": "arn:aws:eks::aws:cluster-access-policy/*"}}));
        assert_eq!(any_policy.decide(&ctx), Outcome::Holds);
        let not_admin = one(json!({"ArnNotEquals": {"EKS:PolicyArn": [ADMIN, VIEW]}}));
        assert_eq!(not_admin.decide(&ctx), Outcome::Fails);
        let namespace_only = one(json!({"StringEquals": {"eks:accessScope": "namespace"}}));
        assert_eq!(namespace_only.decide(&ctx), Outcome::Fails);
    }

    #[test]
    fn an_absent_key_fails_positive_operators_and_satisfies_negated_ones() {
        let ctx = associate_admin();
        let cases = [
            (
                json!({"StringEquals": {"eks:namespaces": "team-a"}}),
                Outcome::Fails,
            ),
            (
                json!({"StringEqualsIfExists": {"eks:namespaces": "team-a"}}),
                Outcome::Holds,
            ),
            (
                json!({"StringNotEquals": {"eks:namespaces": "kube-system"}}),
                Outcome::Holds,
            ),
            (
                json!({"ForAllValues:StringEquals": {"eks:namespaces": "team-a"}}),
                Outcome::Holds,
            ),
            (
                json!({"ForAnyValue:StringEquals": {"eks:namespaces": "team-a"}}),
                Outcome::Fails,
            ),
            (json!({"Null": {"eks:namespaces": "true"}}), Outcome::Holds),
            (json!({"Null": {"eks:policyArn": "true"}}), Outcome::Fails),
        ];
        for (block, expected) in cases {
            assert_eq!(one(block.clone()).decide(&ctx), expected, "{block}");
        }
    }

    #[test]
    fn set_operators_over_several_values() {
        let ctx = RequestContext::default().with("eks:kubernetesGroups", &["ops", "admins"]);
        let all_in =
            one(json!({"ForAllValues:StringEquals": {"eks:kubernetesGroups": ["ops", "dev"]}}));
        assert_eq!(all_in.decide(&ctx), Outcome::Fails);
        let any_in = one(json!({"ForAnyValue:StringLike": {"eks:kubernetesGroups": "adm*"}}));
        assert_eq!(any_in.decide(&ctx), Outcome::Holds);
        let plain = one(json!({"StringEquals": {"eks:kubernetesGroups": "ops"}}));
        assert_eq!(plain.decide(&ctx), Outcome::Undecided);
    }

    #[test]
    fn what_the_audit_does_not_know_stays_undecided() {
        let ctx = associate_admin();
        for block in [
            json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
            json!({"StringEquals": {"aws:PrincipalTag/team": "platform"}}),
            json!({"DateLessThan": {"eks:policyArn": "2027-01-01"}}),
        ] {
            assert_eq!(
                one(block.clone()).decide(&ctx),
                Outcome::Undecided,
                "{block}"
            );
        }
        // All must hold: one failing closes the statement whatever the others are.
        let mixed = parse(&json!({
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "StringEquals": {"eks:policyArn": VIEW}
        }));
        assert_eq!(decide_all(&mixed, &ctx), Err(None));
        let open = parse(&json!({
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "StringEquals": {"eks:policyArn": ADMIN}
        }));
        assert_eq!(decide_all(&open, &ctx).unwrap_err().unwrap().len(), 1);
    }
}
