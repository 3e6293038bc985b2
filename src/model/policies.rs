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
    /// Whether it allows `serviceaccounts impersonate`.
    pub impersonate: bool,
    pub equivalent: String,
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
