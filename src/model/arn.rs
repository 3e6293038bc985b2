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

/// The partition of a region's ARNs (`cn-…` → `aws-cn`, `us-gov-…` → `aws-us-gov`, else `aws`).
pub fn partition_of_region(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
    }
}

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
    // The first four `:` cut the five fields (the resource keeps any further ones). A byte
    // scan: an ARN is short, and the rules parse every mapping's.
    let mut cuts = [0usize; 4];
    let mut found = 0;
    for (at, _) in rest.bytes().enumerate().filter(|&(_, b)| b == b':') {
        cuts[found] = at;
        found += 1;
        if found == cuts.len() {
            break;
        }
    }
    if found < cuts.len() {
        return Err(ArnError::Malformed);
    }
    let [a, b, c, d] = cuts;
    Ok(Arn {
        partition: &rest[..a],
        service: &rest[a + 1..b],
        region: &rest[b + 1..c],
        account: &rest[c + 1..d],
        resource: &rest[d + 1..],
    })
}

/// The principal type of an ARN, or why it is not an identity.
/// Same verdict as [`canonicalize`], without building the canonical ARN (no allocation on
/// success: the rules call this for every mapping).
pub fn classify(text: &str) -> Result<PrincipalType, ArnError> {
    classify_parsed(&parse(text)?)
}

/// [`classify`] of an ARN already parsed.
pub fn classify_parsed(arn: &Arn<'_>) -> Result<PrincipalType, ArnError> {
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

/// IAM's limits on the names in a role or user ARN (IAM User Guide, "IAM and AWS STS quotas";
/// the CreateRole and CreateUser API references): names of 1 to 64 characters from
/// `A–Z a–z 0–9 + = , . @ _ -`, paths of at most 512 characters that start and end with `/`
/// and hold printable ASCII.
pub const IAM_NAME_MAX: usize = 64;
pub const IAM_PATH_MAX: usize = 512;
/// How much of a value a message shows.
const SHOWN: usize = 120;

/// Why an IAM role or user ARN names something IAM would never create (`None` when IAM
/// could): a region (IAM is global), a name too long or with a character IAM does not allow,
/// a path too long or malformed. Other ARNs are not judged here.
pub fn iam_rule_broken(text: &str) -> Option<String> {
    iam_rule_broken_in(&parse(text).ok()?)
}

/// [`iam_rule_broken`] of an ARN already parsed.
pub fn iam_rule_broken_in(arn: &Arn<'_>) -> Option<String> {
    if arn.service != "iam" {
        return None;
    }
    let kind = match arn.resource.split('/').next() {
        Some("role") => "role",
        Some("user") => "user",
        _ => return None,
    };
    if !arn.region.is_empty() {
        return Some(format!(
            "has region `{}`: IAM ARNs have none (IAM is global), so STS never returns this one",
            shorten(arn.region)
        ));
    }
    let rest = &arn.resource[kind.len()..];
    let (path, name) = match rest.rfind('/') {
        Some(at) => (&rest[..=at], &rest[at + 1..]),
        None => ("/", rest),
    };
    let name_chars =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '=' | ',' | '.' | '@' | '_' | '-');
    if name.is_empty() {
        return Some(format!("has an empty {kind} name"));
    }
    // (Each check is decided on the bytes first: names and paths are ASCII but in hostile
    // input, and the rules judge every mapping's.)
    if name.len() > IAM_NAME_MAX && name.chars().count() > IAM_NAME_MAX {
        return Some(format!(
            "names a {kind} of {} characters (`{}`): IAM {kind} names are at most {IAM_NAME_MAX}",
            name.chars().count(),
            shorten(name)
        ));
    }
    let name_allowed = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if let Some(bad) = (!name_allowed)
        .then(|| name.chars().find(|&c| !name_chars(c)))
        .flatten()
    {
        return Some(format!(
            "names {kind} `{}`, with `{}`: IAM {kind} names hold only letters, digits and + = , . @ _ -",
            shorten(name),
            bad.escape_default()
        ));
    }
    if path.len() > IAM_PATH_MAX {
        return Some(format!(
            "has a path of {} characters: IAM paths are at most {IAM_PATH_MAX}",
            path.len()
        ));
    }
    let path_printable = path.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if let Some(bad) = (!path_printable)
        .then(|| path.chars().find(|c| !('\u{21}'..='\u{7e}').contains(c)))
        .flatten()
    {
        return Some(format!(
            "has path `{}`, with `{}`: IAM paths hold only printable ASCII",
            shorten(path),
            bad.escape_default()
        ));
    }
    if path.len() >= 2 && path.contains("//") {
        return Some(format!(
            "has path `{}`, with an empty segment: IAM paths never do",
            shorten(path)
        ));
    }
    None
}

/// At most [`SHOWN`] characters of `text`, the rest said as `…`: an input's value in a
/// message stays readable however long it is.
pub fn shorten(text: &str) -> String {
    match text.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
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
mod iam_rules {
    use super::*;

    /// The five fields are what `splitn(5, ':')` cuts after `arn:`, whatever the text.
    #[test]
    fn parse_cuts_at_the_first_four_colons() {
        for text in [
            "arn:aws:iam::111122223333:role/a",
            "arn:aws:sts::1:assumed-role/r/s:with:colons",
            "arn:::::",
            "arn:aws:iam::1",
            "arn:aws:iam:1",
            "arn:",
            "nope:aws:iam::1:role/a",
            "arn:é:iam::ü:role/ß",
        ] {
            let want = text.strip_prefix("arn:").and_then(|rest| {
                let parts: Vec<&str> = rest.splitn(5, ':').collect();
                (parts.len() == 5).then_some(parts)
            });
            let got = parse(text)
                .ok()
                .map(|a| vec![a.partition, a.service, a.region, a.account, a.resource]);
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn what_iam_would_never_create() {
        let ok = [
            "arn:aws:iam::111122223333:role/Admin",
            "arn:aws:iam::111122223333:role/team/a/deploy",
            "arn:aws:iam::111122223333:user/alice+ops@corp.example",
            "arn:aws:iam::111122223333:root",
            "arn:aws:sts::111122223333:assumed-role/R/s",
        ];
        for arn in ok {
            assert_eq!(iam_rule_broken(arn), None, "{arn}");
        }
        let long = format!("arn:aws:iam::111122223333:role/{}", "r".repeat(900_000));
        let cases = [
            (
                "arn:aws:iam:eu-west-1:111122223333:role/Admin",
                "has region `eu-west-1`",
            ),
            (long.as_str(), "names a role of 900000 characters"),
            (
                &format!("arn:aws:iam::111122223333:user/{}", "u".repeat(65)),
                "at most 64",
            ),
            ("arn:aws:iam::111122223333:role/Admin#1", "with `#`"),
            ("arn:aws:iam::111122223333:role/", "empty role name"),
            ("arn:aws:iam::111122223333:role/a//b", "empty segment"),
            (
                "arn:aws:iam::111122223333:role/tëam/b",
                "only printable ASCII",
            ),
        ];
        for (arn, want) in cases {
            let got = iam_rule_broken(arn).unwrap_or_default();
            assert!(got.contains(want), "{arn}: {got}");
            assert!(got.len() < 300, "the message stays short: {got}");
        }
        let path = format!("arn:aws:iam::111122223333:role/{}/x", "p".repeat(520));
        assert!(iam_rule_broken(&path).unwrap().contains("at most 512"));
    }
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
