//! `RoleMapping.Validate` and `UserMapping.Validate` (`pkg/config/mapper.go`): a row that
//! fails is dropped on its own; the others stay.

use super::model::{Row, SsoMatcher};
use crate::model::arn::{PARTITIONS, is_account_id};

fn is_permission_set_name(name: &str) -> bool {
    // ^[\w+=,.@-]{1,32}$ with Go's ASCII \w
    (1..=32).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

fn validate_sso(sso: &SsoMatcher) -> Result<(), String> {
    if !is_account_id(&sso.account_id) {
        return Err(format!(
            "AccountID '{}' is not a valid AWS Account ID",
            sso.account_id
        ));
    }
    if !is_permission_set_name(&sso.permission_set_name) {
        return Err(format!(
            "PermissionSetName '{}' is not a valid AWS SSO PermissionSet Name",
            sso.permission_set_name
        ));
    }
    if !sso.partition.is_empty() && !PARTITIONS.contains(&sso.partition.as_str()) {
        return Err(format!(
            "Partition '{}' is not a valid AWS partition",
            sso.partition
        ));
    }
    Ok(())
}

/// The error the authenticator's `Validate()` returns for a row, if any.
pub fn validate(row: &Row) -> Result<(), String> {
    match row {
        Row::Role(role) => match (role.rolearn.is_empty(), &role.sso) {
            (true, None) => Err("one of rolearn or SSO must be supplied".into()),
            (false, Some(_)) => Err("only one of rolearn or SSO can be supplied".into()),
            (true, Some(sso)) => validate_sso(sso),
            (false, None) => Ok(()),
        },
        Row::User(user) if user.userarn.is_empty() => Err("userarn cannot be empty".into()),
        Row::User(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::awsauth::model::RoleMapping;

    #[test]
    fn sso_rules() {
        let sso = |account: &str, name: &str, partition: &str| {
            Row::Role(RoleMapping {
                sso: Some(Box::new(SsoMatcher {
                    permission_set_name: name.into(),
                    account_id: account.into(),
                    partition: partition.into(),
                })),
                ..Default::default()
            })
        };
        assert!(validate(&sso("012345678912", "Admin", "")).is_ok());
        assert!(validate(&sso("012345678912", "Admin", "aws-cn")).is_ok());
        assert!(validate(&sso("12345678912", "Admin", "")).is_err());
        assert!(validate(&sso("012345678912", "Admin*", "")).is_err());
        assert!(validate(&sso("012345678912", &"a".repeat(33), "")).is_err());
        assert!(validate(&sso("012345678912", "Admin", "aws-us-govt")).is_err());
    }
}
