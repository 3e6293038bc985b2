//! Username and group templates (`pkg/server/server.go` `renderTemplate`): five variables,
//! plain case-sensitive replacement, unknown placeholders left as written.

/// The variables the authenticator substitutes, in the order it substitutes them.
pub const KNOWN: [&str; 5] = [
    "EC2PrivateDNSName",
    "AccountID",
    "SessionName",
    "SessionNameRaw",
    "AccessKeyID",
];

/// A `{{…}}` found in a username or group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The whole placeholder as written, braces included.
    pub text: String,
    pub known: bool,
}

/// The name inside every `{{…}}` of a template, in order.
fn placeholder_names(template: &str) -> impl Iterator<Item = &str> {
    let mut rest = template;
    std::iter::from_fn(move || {
        let open = find_doubled(rest, b'{')?;
        let after = &rest[open + 2..];
        let close = find_doubled(after, b'}')?;
        rest = &after[close + 2..];
        Some(&after[..close])
    })
}

/// Where `{{` (or `}}`) first occurs: `str::find` for a two-byte needle, without its
/// searcher's setup (every username and group of a large aws-auth is scanned).
fn find_doubled(text: &str, brace: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr(brace, &bytes[from..]) {
        let at = from + found;
        if bytes.get(at + 1) == Some(&brace) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Every `{{…}}` in a template, known or not.
pub fn placeholders(template: &str) -> Vec<Placeholder> {
    placeholder_names(template)
        .map(|name| Placeholder {
            text: format!("{{{{{name}}}}}"),
            known: KNOWN.contains(&name),
        })
        .collect()
}

/// Whether a template holds a placeholder EKS does not know ([`placeholders`] without
/// building them: most templates are the well-known ones).
pub fn has_unknown_placeholder(template: &str) -> bool {
    placeholder_names(template).any(|name| !KNOWN.contains(&name))
}

/// What the authenticator knows about a caller when it renders a template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderContext {
    pub account_id: String,
    pub session_name: String,
    /// Unknown offline; the placeholder is then left in place and reported.
    pub access_key_id: Option<String>,
    /// The instance's private DNS name (`ec2:DescribeInstances`); unknown offline.
    pub ec2_private_dns_name: Option<String>,
}

/// A rendered template, with the variables we could not fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub unresolved: Vec<&'static str>,
}

/// Rendering failed: the authenticator denies the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// `{{EC2PrivateDNSName}}` needs a session name that is an EC2 instance id.
    #[error("SessionName did not contain an instance id (got `{0}`)")]
    NotAnInstanceId(String),
}

/// Why a mapping's templates can never render for the principal it names, so that EKS rejects
/// every request the mapping matches (`None` when they can): `{{EC2PrivateDNSName}}`, in the
/// username or a group, needs a session name that is an EC2 instance id, and an IAM user, the
/// root user or a federated user has no session name.
pub fn never_renders(arn: &str, username: &str, groups: &[String]) -> Option<String> {
    use crate::model::arn::{PrincipalType, classify};
    let needs_instance = std::iter::once(username)
        .chain(groups.iter().map(String::as_str))
        .any(|t| t.contains("{{EC2PrivateDNSName}}"));
    let kind = classify(arn.trim()).ok()?;
    let who = match kind {
        PrincipalType::User => "an IAM user",
        PrincipalType::Root => "the root user",
        PrincipalType::FederatedUser => "a federated user",
        _ => return None,
    };
    needs_instance.then(|| {
        format!(
            "{{{{EC2PrivateDNSName}}}} needs an EC2 instance's session name, and {who} has none, so rendering fails and the request is denied"
        )
    })
}

/// `^i-(\w{8}|\w{17})$`
fn is_instance_id(session: &str) -> bool {
    session.strip_prefix("i-").is_some_and(|id| {
        (id.len() == 8 || id.len() == 17)
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

pub fn render(template: &str, context: &RenderContext) -> Result<Rendered, RenderError> {
    let mut text = template.to_string();
    let mut unresolved = Vec::new();
    if text.contains("{{EC2PrivateDNSName}}") {
        if !is_instance_id(&context.session_name) {
            return Err(RenderError::NotAnInstanceId(context.session_name.clone()));
        }
        match &context.ec2_private_dns_name {
            Some(dns) => text = text.replace("{{EC2PrivateDNSName}}", dns),
            None => unresolved.push("EC2PrivateDNSName"),
        }
    }
    text = text.replace("{{AccountID}}", &context.account_id);
    text = text.replace("{{SessionName}}", &context.session_name.replace('@', "-"));
    text = text.replace("{{SessionNameRaw}}", &context.session_name);
    if text.contains("{{AccessKeyID}}") {
        match &context.access_key_id {
            Some(key) => text = text.replace("{{AccessKeyID}}", key),
            None => unresolved.push("AccessKeyID"),
        }
    }
    Ok(Rendered { text, unresolved })
}

#[cfg(test)]
mod tests {
    #[test]
    fn instance_names_never_render_for_principals_without_a_session() {
        let dns = "system:node:{{EC2PrivateDNSName}}";
        let user = "arn:aws:iam::111122223333:user/xxxx";
        let role = "arn:aws:iam::111122223333:role/NodeRole";
        assert!(super::never_renders(user, dns, &[]).is_some());
        assert!(super::never_renders("arn:aws:iam::111122223333:root", dns, &[]).is_some());
        assert!(super::never_renders(user, "x", &["{{EC2PrivateDNSName}}".into()]).is_some());
        // A role's session may be an instance; a user without the variable renders.
        assert!(super::never_renders(role, dns, &[]).is_none());
        assert!(super::never_renders(user, "admin", &["system:masters".into()]).is_none());
    }

    use super::*;

    #[test]
    fn a_doubled_brace_is_found_where_str_find_finds_it() {
        for text in [
            "", "{", "}}", "a{b{{c", "{{{", "x}{}}}", "{ {{", "é{{", "{é{{",
        ] {
            for (brace, needle) in [(b'{', "{{"), (b'}', "}}")] {
                assert_eq!(find_doubled(text, brace), text.find(needle), "{text:?}");
            }
        }
    }

    #[test]
    fn finds_known_and_unknown_placeholders() {
        let found = placeholders("a-{{SessionName}}-{{ SessionName }}-{{Session}}");
        assert_eq!(
            found
                .iter()
                .map(|p| (p.text.as_str(), p.known))
                .collect::<Vec<_>>(),
            vec![
                ("{{SessionName}}", true),
                ("{{ SessionName }}", false),
                ("{{Session}}", false)
            ]
        );
    }

    #[test]
    fn instance_id_rule() {
        assert!(is_instance_id("i-0c6f21bf1f24f9708"));
        assert!(is_instance_id("i-abcdefgh"));
        assert!(!is_instance_id("i-aaaaa"));
        assert!(!is_instance_id("jdoe"));
    }
}
