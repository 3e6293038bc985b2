//! What IAM says of each principal, as a report shows it beside the access matrix.

use serde::Serialize;

/// IAM resolution as a report shows it: how each account was looked up, and each principal.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct IamSummary {
    pub lookups: Vec<crate::evidence::AccountLookup>,
    pub principals: Vec<PrincipalView>,
}

/// One principal aws-auth names, as IAM knows it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PrincipalView {
    pub kind: crate::evidence::IamKind,
    pub account: String,
    pub name: String,
    /// `found`, `absent` (NoSuchEntity) or `unknown(REASON)`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<crate::evidence::IamPrincipal>,
    /// Roles: every admission of the trust policy, e.g. `account 111122223333 (sts:AssumeRole)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub who_can_assume: Vec<String>,
}

impl IamSummary {
    pub fn of(evidence: &crate::evidence::IamEvidence) -> IamSummary {
        use crate::evidence::Fetched;
        IamSummary {
            lookups: evidence.accounts.clone(),
            principals: evidence
                .principals
                .iter()
                .map(|p| {
                    let (status, iam) = match &p.result {
                        Fetched::Found(found) => ("found".to_string(), Some(found.clone())),
                        Fetched::Absent => ("absent".to_string(), None),
                        Fetched::Unknown(u) => (format!("unknown({})", u.reason.as_str()), None),
                    };
                    let who_can_assume = iam
                        .as_ref()
                        .and_then(|i| i.trust_policy.as_ref())
                        .map(|policy| {
                            crate::model::iam::admissions(policy)
                                .iter()
                                .map(|a| a.describe())
                                .collect()
                        })
                        .unwrap_or_default();
                    PrincipalView {
                        kind: p.kind,
                        account: p.account.clone(),
                        name: p.name.clone(),
                        status,
                        iam: iam.map(|mut i| {
                            // The decoded admissions say it; the raw document stays in the snapshot.
                            i.trust_policy = None;
                            i
                        }),
                        who_can_assume,
                    }
                })
                .collect(),
        }
    }
}
