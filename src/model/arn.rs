//! IAM and STS ARNs as the EKS authenticator reads them (`pkg/arn/arn.go`): parse,
//! canonicalise the identity STS returns, and classify what a mapping names.

/// Partitions the authenticator accepts (`pkg/endpoints/partitions.go`).
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// The six sections of an ARN, split as the AWS SDK's `arn.Parse` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// Why a text is not an ARN the authenticator can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    /// The text does not start with `arn:` or has fewer than six `:`-separated sections.
    #[error("not an ARN (expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")]
    Malformed,
    /// The partition is not one the authenticator knows.
    #[error("partition `{0}` is not a known AWS partition")]
    UnknownPartition(String),
    /// The service/resource is not an identity STS can return.
    #[error(
        "`{0}` is not an identity STS returns (iam role/user/root, sts assumed-role/federated-user)"
    )]
    NotAnIdentity(String),
    /// An assumed-role ARN without a session part.
    #[error("assumed-role ARN has no role and session")]
    AssumedRoleWithoutRole,
}

/// The kind of principal an ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PrincipalType {
    Role,
    User,
    Root,
    AssumedRole,
    FederatedUser,
}

pub fn parse(text: &str) -> Result<Arn<'_>, ArnError> {
    let rest = text.strip_prefix("arn:").ok_or(ArnError::Malformed)?;
    let mut parts = rest.splitn(5, ':');
    let mut next = || parts.next().ok_or(ArnError::Malformed);
    Ok(Arn {
        partition: next()?,
        service: next()?,
        region: next()?,
        account: next()?,
        resource: next()?,
    })
}

/// The principal type of an ARN, or why it is not an identity.
/// Same verdict as [`canonicalize`], without building the canonical ARN (no allocation on
/// success: the rules call this for every mapping).
pub fn classify(text: &str) -> Result<PrincipalType, ArnError> {
    let arn = parse(text)?;
    if !PARTITIONS.contains(&arn.partition) {
        return Err(ArnError::UnknownPartition(arn.partition.to_string()));
    }
    let mut segments = arn.resource.split('/');
    let head = segments.next().unwrap_or_default();
    match (arn.service, head) {
        ("sts", "federated-user") => Ok(PrincipalType::FederatedUser),
        ("sts", "assumed-role") if segments.count() >= 2 => Ok(PrincipalType::AssumedRole),
        ("sts", "assumed-role") => Err(ArnError::AssumedRoleWithoutRole),
        ("iam", "role") => Ok(PrincipalType::Role),
        ("iam", "user") => Ok(PrincipalType::User),
        ("iam", "root") => Ok(PrincipalType::Root),
        (service, _) => Err(ArnError::NotAnIdentity(format!(
            "{service}:{}",
            arn.resource
        ))),
    }
}

/// `Canonicalize`: the ARN the authenticator looks up for an STS identity. An assumed-role
/// session becomes `arn:P:iam::ACCOUNT:role/NAME` (the role's path is not in the STS ARN,
/// so it is never in the canonical form); everything else is unchanged.
pub fn canonicalize(text: &str) -> Result<(PrincipalType, String), ArnError> {
    let arn = parse(text)?;
    if !PARTITIONS.contains(&arn.partition) {
        return Err(ArnError::UnknownPartition(arn.partition.to_string()));
    }
    let resource: Vec<&str> = arn.resource.split('/').collect();
    match (arn.service, resource[0]) {
        ("sts", "federated-user") => Ok((PrincipalType::FederatedUser, text.to_string())),
        ("sts", "assumed-role") => {
            if resource.len() < 3 {
                return Err(ArnError::AssumedRoleWithoutRole);
            }
            let role = resource[1..resource.len() - 1].join("/");
            Ok((
                PrincipalType::AssumedRole,
                format!("arn:{}:iam::{}:role/{role}", arn.partition, arn.account),
            ))
        }
        ("iam", "role") => Ok((PrincipalType::Role, text.to_string())),
        ("iam", "user") => Ok((PrincipalType::User, text.to_string())),
        ("iam", "root") => Ok((PrincipalType::Root, text.to_string())),
        (service, _) => Err(ArnError::NotAnIdentity(format!(
            "{service}:{}",
            arn.resource
        ))),
    }
}

/// `StripPath`: a role ARN with only its name (first and last resource segment). Other ARNs
/// are returned unchanged.
pub fn strip_path(text: &str) -> Result<String, ArnError> {
    let arn = parse(text)?;
    let resource: Vec<&str> = arn.resource.split('/').collect();
    if arn.service != "iam" || resource[0] != "role" || resource.len() <= 2 {
        return Ok(text.to_string());
    }
    Ok(format!(
        "arn:{}:iam:{}:{}:role/{}",
        arn.partition,
        arn.region,
        arn.account,
        resource[resource.len() - 1]
    ))
}

/// The session name of an assumed-role ARN (its last resource segment).
pub fn session_name(text: &str) -> Option<&str> {
    let arn = parse(text).ok()?;
    if arn.service != "sts" || !arn.resource.starts_with("assumed-role/") {
        return None;
    }
    arn.resource.rsplit('/').next()
}

/// Whether a text is a 12-digit AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        let cases = [
            (
                "arn:aws:sts::1:assumed-role/Admin/s",
                "arn:aws:iam::1:role/Admin",
            ),
            (
                "arn:aws:sts::1:assumed-role/a/b/c/s",
                "arn:aws:iam::1:role/a/b/c",
            ),
            ("arn:aws:iam::1:role/path/x", "arn:aws:iam::1:role/path/x"),
            ("arn:aws-cn:iam::1:user/u", "arn:aws-cn:iam::1:user/u"),
        ];
        for (input, want) in cases {
            assert_eq!(canonicalize(input).unwrap().1, want, "{input}");
        }
        assert_eq!(
            canonicalize("arn:aws:sts::1:assumed-role/x"),
            Err(ArnError::AssumedRoleWithoutRole)
        );
        assert!(matches!(
            canonicalize("arn:foo:iam::1:user/u"),
            Err(ArnError::UnknownPartition(_))
        ));
        assert!(matches!(
            canonicalize("arn:aws:s3:::bucket"),
            Err(ArnError::NotAnIdentity(_))
        ));
        assert_eq!(
            canonicalize("ARN:aws:iam::1:user/u"),
            Err(ArnError::Malformed)
        );
    }

    #[test]
    fn strip_path_keeps_name() {
        assert_eq!(
            strip_path("arn:aws:iam::1:role/a/b/Name").unwrap(),
            "arn:aws:iam::1:role/Name"
        );
        assert_eq!(
            strip_path("arn:aws:iam::1:user/a/u").unwrap(),
            "arn:aws:iam::1:user/a/u"
        );
    }
}
