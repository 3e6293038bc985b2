//! The sections of a policy file, each value checked where it is written: scopes (what they
//! match, who may administer, what is forbidden, which accounts are allowed) and waivers.

use super::read::{PolicyError, Reader, valid_date};
use super::{Admin, AdminSpec, Forbidden, Match, Scope, Waiver};
use crate::inputs::yaml::Node;

pub(super) fn read_scope(reader: &Reader<'_>, node: &Node) -> Result<Scope, PolicyError> {
    let mut scope = Scope {
        matcher: Match::default(),
        admins: None,
        min_admins: None,
        forbid: Vec::new(),
        allowed_accounts: None,
        grantors: None,
        at: reader.span(node),
    };
    for (key, _, value) in reader.mapping(
        node,
        "a scope",
        &[
            "match",
            "admins",
            "min_admins",
            "forbid",
            "allowed_accounts",
            "grantors",
        ],
    )? {
        match key {
            "match" => {
                for (key, _, v) in reader.mapping(
                    value,
                    "a scope's match",
                    &["accounts", "regions", "clusters", "tags", "files"],
                )? {
                    let m = &mut scope.matcher;
                    match key {
                        "accounts" => m.accounts = reader.globs(v, "accounts")?,
                        "regions" => m.regions = reader.globs(v, "regions")?,
                        "clusters" => m.clusters = reader.globs(v, "clusters")?,
                        "files" => m.files = reader.globs(v, "files")?,
                        _ => {
                            for (tag, _, glob) in reader.mapping(v, "tags", &[])? {
                                m.tags.insert(tag.to_string(), reader.glob(glob, "a tag")?);
                            }
                        }
                    }
                }
            }
            "admins" => scope
                .admins
                .get_or_insert_with(Vec::new)
                .extend(read_principals(
                    reader,
                    value,
                    "admins",
                    "an administrator",
                )?),
            "grantors" => scope
                .grantors
                .get_or_insert_with(Vec::new)
                .extend(read_principals(reader, value, "grantors", "a grantor")?),
            "min_admins" => scope.min_admins = Some(reader.count(value, "min_admins")?),
            "forbid" => {
                for item in reader.list(value, "forbid")? {
                    let name = reader.string(item, "forbid")?;
                    let found = Forbidden::NAMES.iter().find(|(n, _)| *n == name);
                    let Some((_, forbidden)) = found else {
                        return Err(reader.error(
                            item,
                            format!(
                                "cannot forbid `{name}` (expected one of: {})",
                                Forbidden::NAMES.map(|(n, _)| n).join(", ")
                            ),
                        ));
                    };
                    scope.forbid.push(*forbidden);
                }
            }
            _ => {
                scope.allowed_accounts = Some(
                    reader
                        .list(value, "allowed_accounts")?
                        .iter()
                        .map(|a| reader.account(a))
                        .collect::<Result<_, _>>()?,
                );
            }
        }
    }
    Ok(scope)
}

/// A list of principals (`admins`, `grantors`): each one of `arn`, `role_name`, `user_name`
/// or `sso_permission_set`.
fn read_principals(
    reader: &Reader<'_>,
    value: &Node,
    what: &str,
    one: &str,
) -> Result<Vec<AdminSpec>, PolicyError> {
    let mut out = Vec::new();
    for item in reader.list(value, what)? {
        let pairs = reader.mapping(
            item,
            one,
            &["arn", "role_name", "user_name", "sso_permission_set"],
        )?;
        let [(kind, _, v)] = pairs.as_slice() else {
            return Err(reader.error(
                item,
                format!("{one} is one of arn, role_name, user_name or sso_permission_set"),
            ));
        };
        let who = match *kind {
            "arn" => {
                let arn = reader.string(v, "arn")?;
                crate::model::arn::parse(&arn)
                    .map_err(|e| reader.error(v, format!("`{arn}` is not an ARN: {e}")))?;
                Admin::Arn(arn)
            }
            "role_name" => Admin::RoleName(reader.glob(v, "role_name")?),
            "user_name" => Admin::UserName(reader.glob(v, "user_name")?),
            _ => Admin::SsoPermissionSet(reader.string(v, "sso_permission_set")?),
        };
        out.push(AdminSpec {
            who,
            at: reader.span(item),
        });
    }
    Ok(out)
}

pub(super) fn read_waiver(reader: &Reader<'_>, node: &Node) -> Result<Waiver, PolicyError> {
    let mut rule = None;
    let mut principal = None;
    let mut clusters = Vec::new();
    let mut files = Vec::new();
    let mut fingerprint = None;
    let mut reason = None;
    let mut owner = None;
    let mut expires = None;
    for (key, _, value) in reader.mapping(
        node,
        "a waiver",
        &[
            "rule",
            "principal",
            "clusters",
            "files",
            "fingerprint",
            "reason",
            "owner",
            "expires",
        ],
    )? {
        match key {
            "rule" => {
                let code = reader.string(value, "rule")?;
                let known = crate::rules::find(&code).ok_or_else(|| {
                    reader.error(
                        value,
                        format!("no rule `{code}` (`aws-auth-audit rules` lists them)"),
                    )
                })?;
                rule = Some(known.meta.code.to_string());
            }
            "principal" => principal = Some(reader.string(value, "principal")?),
            "clusters" => clusters = reader.globs(value, "clusters")?,
            "files" => files = reader.globs(value, "files")?,
            "fingerprint" => fingerprint = Some(reader.string(value, "fingerprint")?),
            "reason" => reason = Some(reader.string(value, "reason")?),
            "owner" => owner = Some(reader.string(value, "owner")?),
            _ => {
                let date = reader.string(value, "expires")?;
                if !valid_date(&date) {
                    return Err(reader.error(
                        value,
                        format!("expires `{date}` is not a date (YYYY-MM-DD)"),
                    ));
                }
                expires = Some(date);
            }
        }
    }
    if rule.is_none() && fingerprint.is_none() {
        return Err(reader.error(node, "a waiver names a `rule` or a `fingerprint`"));
    }
    let reason = reason
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| reader.error(node, "a waiver needs a `reason`"))?;
    let expires = expires.ok_or_else(|| {
        reader.error(
            node,
            "a waiver needs `expires` (YYYY-MM-DD): exceptions end",
        )
    })?;
    Ok(Waiver {
        rule,
        principal,
        clusters,
        files,
        fingerprint,
        reason,
        owner,
        expires,
        at: reader.span(node),
    })
}
