//! IAM facts the rules need, pure: which principals a configuration names (to look up by
//! name in their account), who a role's trust policy lets assume it, and IAM Identity Center
//! role names.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::evidence::IamKind;
use crate::model::arn::{self, PrincipalType};
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::awsauth::{Row, SectionKey};

/// A principal to look up: IAM role and user names are unique per account whatever their
/// path, so the name alone finds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wanted {
    pub kind: IamKind,
    pub account: String,
    pub name: String,
}

impl Wanted {
    /// The principal an IAM role or user ARN names; `None` for anything else (assumed-role
    /// sessions, roots, federated users, invalid ARNs): there is nothing to look up.
    pub fn from_arn(text: &str) -> Option<Wanted> {
        let kind = match arn::classify(text).ok()? {
            PrincipalType::Role => IamKind::Role,
            PrincipalType::User => IamKind::User,
            _ => return None,
        };
        let parsed = arn::parse(text).ok()?;
        let name = parsed.resource.rsplit('/').next()?.to_string();
        (!name.is_empty() && !name.contains(['*', '?'])).then(|| Wanted {
            kind,
            account: parsed.account.to_string(),
            name,
        })
    }
}

/// Every IAM role and user the aws-auth rows EKS keeps name (`sso:` matchers excluded: they
/// name a permission set, not a role).
pub fn wanted_by(doc: &AwsAuthDocument) -> BTreeSet<Wanted> {
    [SectionKey::MapRoles, SectionKey::MapUsers]
        .into_iter()
        .flat_map(|s| doc.section(s).kept())
        .filter_map(|entry| match &entry.row {
            Row::Role(r) if r.sso.is_some() => None,
            row => Wanted::from_arn(row.arn().trim()),
        })
        .collect()
}

/// `AWSReservedSSO_<PermissionSet>_<suffix>` → (permission set, suffix), the suffix being the
/// 16 hexadecimal digits IAM Identity Center appends.
pub fn sso_role_parts(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("AWSReservedSSO_")?;
    let (set, suffix) = rest.rsplit_once('_')?;
    (!set.is_empty() && suffix.len() == 16 && suffix.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some((set, suffix))
}

/// Who a trust policy statement admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assumer {
    /// `"*"` or `{"AWS": "*"}`: any AWS principal anywhere.
    Anyone,
    /// `ACCOUNT` or `arn:…:iam::ACCOUNT:root`: every principal of that account whose own
    /// policies allow `sts:AssumeRole` on the role.
    Account(String),
    /// One IAM principal (role, user, session).
    Principal { arn: String, account: String },
    /// A SAML or OIDC provider.
    Federated(String),
    /// An AWS service (`ec2.amazonaws.com`).
    Service(String),
}

/// One `Allow` statement's admission: who, with which action, narrowed by a condition or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    pub assumer: Assumer,
    pub action: String,
    /// The statement has a `Condition` block (its keys, for the report).
    pub conditions: Vec<String>,
}

impl Admission {
    /// Whether this admission is broad for a role of `own_account`: anyone, a whole account,
    /// another account, or a federated provider whose conditions do not name a subject.
    pub fn broad(&self, own_account: &str) -> Option<String> {
        let narrowed = !self.conditions.is_empty();
        match &self.assumer {
            Assumer::Anyone if narrowed => Some(format!(
                "any AWS principal, limited only by conditions on {}",
                self.conditions.join(", ")
            )),
            Assumer::Anyone => Some("any AWS principal in any account (`*`)".into()),
            Assumer::Account(account) if narrowed && account == own_account => None,
            Assumer::Account(account) if account == own_account => Some(format!(
                "every principal of its own account {account} whose policies allow sts:AssumeRole on it"
            )),
            Assumer::Account(account) => {
                Some(format!("every principal of another account ({account})"))
            }
            Assumer::Principal { arn, account } if account != own_account => {
                Some(format!("{arn}, in another account"))
            }
            Assumer::Federated(provider) => {
                let names_subject = self.conditions.iter().any(|c| {
                    let key = c.to_ascii_lowercase();
                    key.ends_with(":sub")
                        || key.contains("saml:sub")
                        || key.ends_with(":amr")
                        || key.contains("principaltag")
                        || key.contains("saml:namequalifier")
                });
                (!names_subject).then(|| {
                    format!("everyone the identity provider {provider} signs in (no condition names a subject)")
                })
            }
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        let who = match &self.assumer {
            Assumer::Anyone => "*".to_string(),
            Assumer::Account(a) => format!("account {a}"),
            Assumer::Principal { arn, .. } => arn.clone(),
            Assumer::Federated(p) => format!("federated {p}"),
            Assumer::Service(s) => format!("service {s}"),
        };
        if self.conditions.is_empty() {
            format!("{who} ({})", self.action)
        } else {
            format!("{who} ({}, if {})", self.action, self.conditions.join(", "))
        }
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn aws_assumer(text: &str) -> Assumer {
    if text == "*" {
        return Assumer::Anyone;
    }
    if arn::is_account_id(text) {
        return Assumer::Account(text.to_string());
    }
    match arn::parse(text) {
        Ok(parsed) if parsed.resource == "root" => Assumer::Account(parsed.account.to_string()),
        Ok(parsed) => Assumer::Principal {
            arn: text.to_string(),
            account: parsed.account.to_string(),
        },
        // A unique id (AROA…) left behind by a deleted principal: names no one now.
        Err(_) => Assumer::Principal {
            arn: text.to_string(),
            account: String::new(),
        },
    }
}

/// Every `Allow` admission of `sts:AssumeRole*` (or `sts:*`, `*`) in a trust policy.
pub fn admissions(policy: &Value) -> Vec<Admission> {
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        single @ Value::Object(_) => vec![single.clone()],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for statement in statements {
        if statement["Effect"] != "Allow" || statement.get("NotPrincipal").is_some() {
            continue;
        }
        let actions: Vec<String> = strings(&statement["Action"])
            .into_iter()
            .filter(|a| {
                let a = a.to_ascii_lowercase();
                a == "*" || a == "sts:*" || a.starts_with("sts:assumerole")
            })
            .collect();
        if actions.is_empty() {
            continue;
        }
        let conditions: Vec<String> = statement["Condition"]
            .as_object()
            .into_iter()
            .flat_map(|operators| operators.iter())
            .flat_map(|(operator, keys)| {
                keys.as_object()
                    .into_iter()
                    .flat_map(|k| k.keys())
                    .map(move |key| format!("{operator} {key}"))
            })
            .collect();
        let principal = &statement["Principal"];
        let mut assumers = Vec::new();
        match principal {
            Value::String(s) if s == "*" => assumers.push(Assumer::Anyone),
            Value::Object(map) => {
                for (kind, value) in map {
                    for item in strings(value) {
                        assumers.push(match kind.as_str() {
                            "AWS" => aws_assumer(&item),
                            "Federated" => Assumer::Federated(item),
                            "Service" => Assumer::Service(item),
                            _ => Assumer::Principal {
                                arn: item,
                                account: String::new(),
                            },
                        });
                    }
                }
            }
            _ => {}
        }
        for assumer in assumers {
            out.push(Admission {
                assumer,
                action: actions.join(", "),
                conditions: conditions.clone(),
            });
        }
    }
    out
}

/// A trust policy as IAM returns it: URL-encoded JSON (the SDK does not decode it), or plain
/// JSON (some test doubles).
pub fn parse_policy_document(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).ok();
    }
    let decoded = crate::infra::percent::decode(trimmed)?;
    serde_json::from_slice(&decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn principals_by_name_in_their_account() {
        let role = Wanted::from_arn("arn:aws:iam::111122223333:role/team/a/Deploy").unwrap();
        assert_eq!(
            (role.kind, role.account.as_str(), role.name.as_str()),
            (IamKind::Role, "111122223333", "Deploy")
        );
        let user = Wanted::from_arn("arn:aws:iam::111122223333:user/ops/alice").unwrap();
        assert_eq!((user.kind, user.name.as_str()), (IamKind::User, "alice"));
        assert_eq!(
            Wanted::from_arn("arn:aws:sts::111122223333:assumed-role/R/s"),
            None
        );
        assert_eq!(Wanted::from_arn("arn:aws:iam::111122223333:root"), None);
        assert_eq!(Wanted::from_arn("arn:aws:iam::111122223333:role/*"), None);
        assert_eq!(Wanted::from_arn("nonsense"), None);
    }

    #[test]
    fn sso_names() {
        assert_eq!(
            sso_role_parts("AWSReservedSSO_Admin_Access_0123456789abcdef"),
            Some(("Admin_Access", "0123456789abcdef"))
        );
        assert_eq!(sso_role_parts("AWSReservedSSO_Admin_short"), None);
        assert_eq!(sso_role_parts("Admin_0123456789abcdef"), None);
    }

    #[test]
    fn trust_policies_broad_and_narrow() {
        let own = "111122223333";
        let cases = [
            (
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}),
                true,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci-*"}}}),
                false,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}),
                true,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/ci"}, "Action": "sts:AssumeRole"}),
                true,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"}, "Action": "sts:AssumeRole"}),
                false,
            ),
            (
                json!({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}),
                true,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["sts:AssumeRole", "sts:TagSession"]}),
                true,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"}, "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}),
                true,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}}}),
                false,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
                false,
            ),
            (
                json!({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}),
                false,
            ),
            (
                json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}),
                false,
            ),
        ];
        for (statement, broad) in cases {
            let policy = json!({"Version": "2012-10-17", "Statement": [statement.clone()]});
            let found: Vec<String> = admissions(&policy)
                .iter()
                .filter_map(|a| a.broad(own))
                .collect();
            assert_eq!(!found.is_empty(), broad, "{statement}: {found:?}");
        }
    }

    #[test]
    fn policy_documents_are_url_decoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            parse_policy_document(encoded).unwrap()["Version"],
            "2012-10-17"
        );
        assert_eq!(parse_policy_document("{\"a\": 1}").unwrap()["a"], 1);
        assert_eq!(parse_policy_document("%ZZ"), None);
    }
}
