//! What IAM says of the principals the configuration names.

use serde::{Deserialize, Serialize};

use super::Fetched;

/// An IAM role or user as IAM describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IamPrincipal {
    /// The real ARN, with its path.
    pub arn: String,
    pub name: String,
    pub path: String,
    /// `AROA…` / `AIDA…`: what access entries key on.
    pub id: String,
    /// RFC 3339.
    pub create_date: String,
    /// RFC 3339; only GetRole returns it (a ListRoles sweep does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Roles: the trust policy, URL-decoded and parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<serde_json::Value>,
}

/// `role` or `user`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum IamKind {
    Role,
    User,
}

/// One principal a mapping names, looked up by name in its account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResolvedPrincipal {
    pub kind: IamKind,
    pub account: String,
    pub name: String,
    /// Found, verified absent (`NoSuchEntity`), or unknown (denied, another account, …).
    pub result: Fetched<IamPrincipal>,
}

/// How one account's principals were looked up, and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountLookup {
    pub account: String,
    /// `get` (one GetRole/GetUser per name), `list` (ListRoles/ListUsers sweeps) or `none`
    /// (no credentials for this account).
    pub strategy: String,
    /// Why this strategy: the call counts each would need.
    pub reason: String,
    /// Calls made, by operation.
    pub calls: std::collections::BTreeMap<String, usize>,
}

/// What IAM said about every principal the configuration names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IamEvidence {
    /// The account of the credentials used (STS GetCallerIdentity).
    pub caller_account: Fetched<String>,
    pub accounts: Vec<AccountLookup>,
    pub principals: Vec<ResolvedPrincipal>,
    /// Roles under `/aws-reserved/sso.amazonaws.com/` (IAM Identity Center), read when a
    /// mapping names one: where a stale permission-set suffix went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_roles: Option<Fetched<Vec<IamPrincipal>>>,
    /// Every principal of the caller's account with the policies that decide what it may do
    /// (GetAccountAuthorizationDetails): who could grant themselves a way in. `None` in a
    /// snapshot collected before this build read them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Fetched<IamAuthorization>>,
}

/// The IAM principals of one account and their identity policies, as
/// GetAccountAuthorizationDetails gives them (managed policies at their default version, a
/// user's groups' policies included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IamAuthorization {
    pub account: String,
    pub principals: Vec<AuthorizedPrincipal>,
}

/// One role or user, with every identity policy that applies to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuthorizedPrincipal {
    pub kind: IamKind,
    /// With its path.
    pub arn: String,
    /// Inline (`inline NAME`, `group G inline NAME`) and attached managed policies (their ARN).
    pub policies: Vec<NamedDocument>,
    /// The permissions boundary, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<NamedDocument>,
    /// Roles: the trust policy (who may assume it), URL-decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<serde_json::Value>,
}

/// A policy document with the name a verdict gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NamedDocument {
    pub name: String,
    /// The JSON document (URL-decoded); `null` when IAM's text could not be read.
    pub document: serde_json::Value,
}

impl IamEvidence {
    /// What IAM said about the principal `kind` `name` in `account`.
    pub fn lookup(
        &self,
        kind: IamKind,
        account: &str,
        name: &str,
    ) -> Option<&Fetched<IamPrincipal>> {
        self.principals
            .iter()
            .find(|p| p.kind == kind && p.account == account && p.name == name)
            .map(|p| &p.result)
    }
}
