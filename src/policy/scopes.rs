//! The findings of a policy's scopes on the access matrix: an administrator the scopes do not
//! list (EA501), an expected one without a path (EA502), too few admin paths (EA503), what
//! they forbid (EA504), a principal of an account they do not allow (EA505).

use super::target::{Target, account_of, names};
use super::{Admin, Forbidden, Scope, Span};
use crate::evidence::AuthenticationMode;
use crate::model::access::{Principal, PrincipalSource, Tier};
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::awsauth::{Place, SectionKey};
use crate::model::iam::Wanted;
use crate::rules::finding::{Finding, Location, Status, fingerprint};

fn is_admin(p: &Principal) -> bool {
    p.in_effect && matches!(p.tier, Tier::ClusterAdmin | Tier::Admin)
}

/// Findings of the policy's rules, made the way the emitter makes rule findings.
pub(super) struct Out<'a> {
    pub(super) target: &'a Target,
    pub(super) documents: &'a [AwsAuthDocument],
    pub(super) findings: Vec<Finding>,
}

impl Out<'_> {
    /// Where a principal's row is: its aws-auth entry when there is one, else the cluster.
    fn location(&self, principal: Option<&Principal>, part: &str) -> Location {
        if let Some(Principal {
            source: PrincipalSource::AwsAuth { section, index },
            ..
        }) = principal
            && let Some(doc) = self.documents.first()
            && let Some(location) = doc.locate_row(*section, *index)
        {
            return location;
        }
        let what = if self.target.account.is_some() || self.target.cluster.is_some() {
            "cluster"
        } else {
            "file"
        };
        Location {
            route: format!("{what} {} › {part}", self.target.id),
            ..Location::default()
        }
    }

    /// A finding about `subject` (a principal, an account, a waiver), at the principal's row
    /// when there is one, else at the target's `subject`.
    pub(super) fn emit(
        &mut self,
        code: &str,
        principal: Option<&Principal>,
        subject: Subject<'_>,
        message: String,
        remediation: String,
    ) {
        let rule = crate::rules::find(code).expect("a registered policy rule");
        let (part, named, key) = match subject {
            Subject::Principal(arn) => (
                principal.map_or(arn.to_string(), |p| format!("{} {}", p.source, p.arn)),
                Some(arn),
                arn,
            ),
            Subject::Other(what) => (what.to_string(), None, what),
        };
        let location = self.location(principal, &part);
        self.findings.push(Finding {
            code: rule.meta.code,
            slug: rule.meta.slug,
            severity: rule.meta.severity,
            status: Status::Fail,
            message,
            principal: named.map(str::to_string),
            location,
            remediation,
            fingerprint: fingerprint(&[rule.meta.code, &self.target.id, &key.to_lowercase()]),
            controls: Vec::new(),
            waiver: None,
        });
    }
}

/// What a policy finding is about.
pub(super) enum Subject<'a> {
    /// A principal, by ARN: the finding's `principal`.
    Principal(&'a str),
    /// Something else the target has (its admin paths, its mode, a waiver, an account).
    Other(&'a str),
}

/// The spans of the matching scopes, for messages.
pub(super) fn scope_lines(scopes: &[&Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.at.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// EA501–EA505 for the principals of the matching scopes.
pub(super) fn judge_scopes(
    policy_path: &str,
    scopes: &[&Scope],
    principals: &[Principal],
    mode: Option<&AuthenticationMode>,
    out: &mut Out<'_>,
    evaluated: &mut Vec<&'static str>,
) {
    let admin_specs: Option<Vec<&super::AdminSpec>> = scopes
        .iter()
        .filter_map(|s| s.admins.as_ref())
        .fold(None, |all: Option<Vec<_>>, specs| {
            let mut all = all.unwrap_or_default();
            all.extend(specs);
            Some(all)
        });
    let admins: Vec<&Principal> = principals.iter().filter(|p| is_admin(p)).collect();
    if let Some(specs) = &admin_specs {
        evaluated.extend(["EA501", "EA502"]);
        for p in &admins {
            if specs.iter().any(|s| names(&s.who, &p.arn)) {
                continue;
            }
            out.emit(
                "EA501",
                Some(p),
                Subject::Principal(&p.arn),
                format!(
                    "{} holds {} power through {} ({}), and the policy does not list it as an administrator here (scope {})",
                    p.arn,
                    p.tier.as_str(),
                    p.source,
                    p.tier_reason,
                    scope_lines(scopes)
                ),
                format!(
                    "remove the grant, or, if it is intended, add the principal to the scope's admins in {}",
                    policy_path
                ),
            );
        }
        for spec in specs {
            let Admin::Arn(arn) = &spec.who else {
                continue;
            };
            if admins.iter().any(|p| names(&spec.who, &p.arn)) {
                continue;
            }
            out.emit(
                "EA502",
                None,
                Subject::Principal(arn),
                format!(
                    "{arn} is an expected administrator (policy {}) and has no cluster-admin or admin path in effect",
                    spec.at
                ),
                "give it its access back (an access entry with AmazonEKSClusterAdminPolicy), or remove it from the policy if it is no longer expected".to_string(),
            );
        }
    }
    if let Some((minimum, at)) = scopes
        .iter()
        .filter_map(|s| s.min_admins.map(|m| (m, &s.at)))
        .max_by_key(|(m, _)| *m)
    {
        evaluated.push("EA503");
        let mut keys: Vec<String> = principals
            .iter()
            .filter(|p| p.in_effect && p.tier == Tier::ClusterAdmin)
            .map(|p| {
                Wanted::from_arn(&p.arn).map_or(p.arn.to_lowercase(), |w| {
                    format!("{}:{}", w.account, w.name.to_lowercase())
                })
            })
            .collect();
        keys.sort();
        keys.dedup();
        let hidden_seen = principals
            .iter()
            .any(|p| p.source.is_hidden() && p.in_effect);
        let hidden = usize::from(mode == Some(&AuthenticationMode::ConfigMap) && !hidden_seen);
        let count = keys.len() + hidden;
        if count < minimum {
            out.emit(
                "EA503",
                None,
                Subject::Other("admin paths"),
                format!(
                    "{count} cluster-admin path(s) in effect, fewer than the {minimum} the policy requires (min_admins at {at})"
                ),
                "add independent administrators (different roles with different trust) as access entries".to_string(),
            );
        }
    }
    let forbid: Vec<(Forbidden, &Span)> = scopes
        .iter()
        .flat_map(|s| s.forbid.iter().map(move |f| (*f, &s.at)))
        .collect();
    if !forbid.is_empty() {
        evaluated.push("EA504");
    }
    for (forbidden, at) in &forbid {
        let said = format!("forbidden by the policy ({} at {at})", forbidden.name());
        match forbidden {
            Forbidden::IamUsers => {
                for p in principals.iter().filter(|p| {
                    p.in_effect
                        && crate::model::arn::parse(&p.arn)
                            .is_ok_and(|a| a.resource.starts_with("user/"))
                }) {
                    out.emit(
                        "EA504",
                        Some(p),
                        Subject::Principal(&p.arn),
                        format!("{} is an IAM user with access through {}: {said}", p.arn, p.source),
                        "give the person a role (IAM Identity Center) and remove the user's mapping or entry".to_string(),
                    );
                }
            }
            Forbidden::SystemMasters => {
                let masters = &crate::model::policies::privileged_groups()
                    .superuser_group
                    .name;
                for p in principals.iter().filter(|p| {
                    p.in_effect
                        && p.source.is_aws_auth_row()
                        && p.groups.iter().any(|g| g == masters)
                }) {
                    out.emit(
                        "EA504",
                        Some(p),
                        Subject::Principal(&p.arn),
                        format!("{} is mapped into {masters} by {}: {said}", p.arn, p.source),
                        "grant administration through an access entry with AmazonEKSClusterAdminPolicy instead".to_string(),
                    );
                }
            }
            Forbidden::MapAccounts => {
                let documents = out.documents;
                for doc in documents {
                    for account in doc.section(SectionKey::MapAccounts).kept_accounts() {
                        let subject = account.account.clone();
                        out.emit(
                            "EA504",
                            None,
                            Subject::Other(&subject),
                            format!("mapAccounts grants every principal of account {subject}: {said}"),
                            "map the account's roles one by one (or as access entries) and remove mapAccounts".to_string(),
                        );
                        if let Some(last) = out.findings.last_mut() {
                            last.location = doc.locate(Place::Account(account));
                        }
                    }
                }
            }
            Forbidden::ConfigMapMode => {
                if mode == Some(&AuthenticationMode::ConfigMap) {
                    out.emit(
                        "EA504",
                        None,
                        Subject::Other("authentication mode"),
                        format!("the authentication mode is CONFIG_MAP (the creator's admin is hidden and unrevocable): {said}"),
                        "move the cluster to API_AND_CONFIG_MAP, then API".to_string(),
                    );
                }
            }
        }
    }
    let allowed: Option<Vec<&String>> = scopes
        .iter()
        .filter_map(|s| s.allowed_accounts.as_ref())
        .fold(None, |all: Option<Vec<_>>, accounts| {
            let mut all = all.unwrap_or_default();
            all.extend(accounts);
            Some(all)
        });
    // The cluster's own account; for a file, the account a matching scope names.
    let own: Vec<String> = match &out.target.account {
        Some(account) => vec![account.clone()],
        None => scopes
            .iter()
            .flat_map(|s| s.matcher.accounts.iter())
            .map(|g| g.as_str().to_string())
            .filter(|a| a.bytes().all(|b| b.is_ascii_digit()))
            .collect(),
    };
    if let Some(allowed) = allowed
        && !own.is_empty()
    {
        evaluated.push("EA505");
        for p in principals.iter().filter(|p| p.in_effect) {
            let Some(account) = p
                .mapped_account()
                .map(str::to_string)
                .or_else(|| account_of(&p.arn))
            else {
                continue;
            };
            if own.contains(&account) || allowed.contains(&&account) {
                continue;
            }
            out.emit(
                "EA505",
                Some(p),
                Subject::Principal(&p.arn),
                format!(
                    "{} belongs to account {account}, which is neither the cluster's ({}) nor allowed by the policy (scope {})",
                    p.arn,
                    own.join(", "),
                    scope_lines(scopes)
                ),
                format!("remove the grant, or add {account} to allowed_accounts after review"),
            );
        }
    }
}
