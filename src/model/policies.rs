//! Built-in data the rules read, embedded from `policies/` (each file names its sources).

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct GroupFact {
    pub name: String,
    pub effect: String,
}

#[derive(Debug, Deserialize)]
pub struct PrivilegedGroups {
    pub superuser_group: GroupFact,
    pub node_groups: Vec<GroupFact>,
    pub node_usernames: Vec<String>,
    pub privileged_system_groups: Vec<GroupFact>,
    pub harmless_system_groups: Vec<GroupFact>,
}

impl PrivilegedGroups {
    pub fn is_node_group(&self, group: &str) -> bool {
        self.node_groups.iter().any(|g| g.name == group)
    }
}

#[derive(Debug, Deserialize)]
pub struct TemplateVariable {
    pub name: String,
    pub caller_controlled: bool,
    pub meaning: String,
}

#[derive(Debug, Deserialize)]
pub struct Templates {
    pub variables: Vec<TemplateVariable>,
}

pub fn privileged_groups() -> &'static PrivilegedGroups {
    static DATA: OnceLock<PrivilegedGroups> = OnceLock::new();
    DATA.get_or_init(|| {
        serde_json::from_str(include_str!("../../policies/privileged-groups.json"))
            .expect("policies/privileged-groups.json is checked by tests")
    })
}

pub fn templates() -> &'static Templates {
    static DATA: OnceLock<Templates> = OnceLock::new();
    DATA.get_or_init(|| {
        serde_json::from_str(include_str!("../../policies/templates.json"))
            .expect("policies/templates.json is checked by tests")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::awsauth::template::KNOWN;

    #[test]
    fn template_data_matches_the_renderer() {
        let names: Vec<&str> = templates()
            .variables
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(names, KNOWN);
    }

    /// Every policy of the table is rated with a tier the matrix knows, and one whose rules
    /// are not published says where its rating comes from. (That the table knows every policy
    /// a 2026 cluster offers is `access_entries::every_entry_is_read_and_judged_under_the_mode`:
    /// the test bed offers them all.)
    #[test]
    fn every_access_policy_is_rated_and_sourced() {
        let table = access_policies();
        assert!(table.policies.len() >= 36);
        for known in &table.policies {
            let name = &known.name;
            assert_ne!(
                crate::model::access::Tier::from_policy(&known.tier, true),
                crate::model::access::Tier::Unknown,
                "{name}"
            );
            assert!(
                known.published || known.source.is_some(),
                "{name}: no source"
            );
        }
        let secret_admin = table
            .find(&format!("{}AmazonEKSSecretAdminPolicy", table.arn_prefix))
            .unwrap();
        assert!(secret_admin.secrets && secret_admin.tier == "admin");
        let names: std::collections::BTreeSet<&str> =
            table.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), table.policies.len(), "a policy listed twice");
    }

    #[test]
    fn group_data_loads() {
        let groups = privileged_groups();
        assert_eq!(groups.superuser_group.name, "system:masters");
        assert!(groups.is_node_group("system:nodes"));
    }
}

/// One AWS-managed EKS access policy and what it amounts to.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AccessPolicyInfo {
    pub name: String,
    /// `cluster-admin`, `admin`, `edit`, `view`, `node`, `service`, `custom`.
    pub tier: String,
    /// Whether it can read secrets.
    pub secrets: bool,
    /// Whether it allows `serviceaccounts impersonate` (or an equivalent: minting a service
    /// account's token).
    pub impersonate: bool,
    pub equivalent: String,
    /// Whether AWS publishes its rules; when not, `tier` is what AWS documents of it, and
    /// every verdict that rests on it says so.
    #[serde(default = "published_by_default")]
    pub published: bool,
    /// Where what this table says of it comes from, when not the access policy reference.
    #[serde(default)]
    pub source: Option<String>,
    /// The EKS Capability (ACK, Argo CD, kro) whose automatically created access entry
    /// carries it.
    #[serde(default)]
    pub capability: Option<String>,
    /// The published Kubernetes rules that decide its power (abridged): judged by the same
    /// capability engine as RBAC roles.
    #[serde(default)]
    pub rules: Vec<crate::evidence::PolicyRule>,
}

fn published_by_default() -> bool {
    true
}

impl AccessPolicyInfo {
    /// What a verdict resting on this policy must add: that its rules are not published.
    pub fn caveat(&self) -> &'static str {
        if self.published {
            ""
        } else {
            " (its rules are not published: rated by what AWS documents of it)"
        }
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct AccessPolicies {
    pub arn_prefix: String,
    pub policies: Vec<AccessPolicyInfo>,
}

impl AccessPolicies {
    /// The policy an ARN names, if this table knows it.
    pub fn find(&self, arn: &str) -> Option<&AccessPolicyInfo> {
        let name = arn.strip_prefix(&self.arn_prefix)?;
        self.policies.iter().find(|p| p.name == name)
    }
}

/// `policies/access-policies.json`, embedded.
pub fn access_policies() -> &'static AccessPolicies {
    static TABLE: std::sync::OnceLock<AccessPolicies> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("../../policies/access-policies.json"))
            .expect("policies/access-policies.json is valid")
    })
}
