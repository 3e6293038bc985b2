//! `policy check`: what a policy says, scope by scope, as a person reads it.

use crate::infra::escape::terminal;
use crate::policy::{Admin, Policy};

/// Every setting of the policy (its profiles merged in), with the line that says it.
/// What a policy written from incomplete evidence misses, one line a gap (empty when none).
pub fn incomplete(policy: &Policy) -> String {
    if policy.incomplete.is_empty() {
        return String::new();
    }
    format!(
        "this policy was written from incomplete evidence: administrators the audit could not see are missing from it:\n{}",
        policy
            .incomplete
            .iter()
            .map(|g| format!("  - {}\n", terminal(g)))
            .collect::<String>()
    )
}

pub fn describe(policy: &Policy) -> String {
    let mut out = format!(
        "policy {} ({}) is valid{}\n",
        terminal(&policy.path),
        policy.digest,
        if policy.extends.is_empty() {
            String::new()
        } else {
            format!("; extends {}", policy.extends.join(", "))
        }
    );
    if !policy.rules.is_empty() {
        out.push_str("rules:\n");
        for (code, setting) in &policy.rules {
            let mut said = Vec::new();
            if setting.enabled == Some(false) {
                said.push("switched off".to_string());
            }
            if let Some(severity) = setting.severity {
                said.push(format!("severity {severity}"));
            }
            if !setting.controls.is_empty() {
                said.push(format!(
                    "evidences {}",
                    terminal(&setting.controls.join(", "))
                ));
            }
            let at = setting.at.as_ref().map_or(String::new(), |a| {
                format!(" ({})", terminal(&a.to_string()))
            });
            out.push_str(&format!("  {code}: {}{at}\n", said.join("; ")));
        }
    }
    for scope in &policy.scopes {
        let m = &scope.matcher;
        let mut matched = Vec::new();
        let list = |name: &str, globs: &[crate::policy::Glob]| {
            (!globs.is_empty()).then(|| {
                format!(
                    "{name} {}",
                    globs
                        .iter()
                        .map(|g| terminal(g.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        };
        matched.extend(list("accounts", &m.accounts));
        matched.extend(list("regions", &m.regions));
        matched.extend(list("clusters", &m.clusters));
        if !m.tags.is_empty() {
            matched.push(format!(
                "tags {}",
                m.tags
                    .iter()
                    .map(|(k, v)| format!("{}={}", terminal(k), terminal(v.as_str())))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        matched.extend(list("files", &m.files));
        out.push_str(&format!(
            "scope {}: {}\n",
            terminal(&scope.at.to_string()),
            if matched.is_empty() {
                "every cluster and file".to_string()
            } else {
                matched.join("; ")
            }
        ));
        match &scope.admins {
            None => out.push_str("  administrators: not said (no EA501/EA502 here)\n"),
            Some(admins) if admins.is_empty() => {
                out.push_str("  administrators: nobody may hold cluster-admin or admin power\n")
            }
            Some(admins) => {
                out.push_str("  administrators allowed:\n");
                for admin in admins {
                    let who = match &admin.who {
                        Admin::Arn(arn) => {
                            format!("{} (expected: EA502 when it has no path)", terminal(arn))
                        }
                        Admin::RoleName(g) => format!("any role named {}", terminal(g.as_str())),
                        Admin::UserName(g) => format!("any user named {}", terminal(g.as_str())),
                        Admin::SsoPermissionSet(set) => format!(
                            "IAM Identity Center permission set {} (roles AWSReservedSSO_{}_…)",
                            terminal(set),
                            terminal(set)
                        ),
                    };
                    out.push_str(&format!("    - {who}\n"));
                }
            }
        }
        if let Some(minimum) = scope.min_admins {
            out.push_str(&format!(
                "  at least {minimum} cluster-admin path(s) in effect\n"
            ));
        }
        if !scope.forbid.is_empty() {
            out.push_str(&format!(
                "  forbidden: {}\n",
                scope
                    .forbid
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(accounts) = &scope.allowed_accounts {
            out.push_str(&format!(
                "  principals of other accounts: {}\n",
                if accounts.is_empty() {
                    "none allowed".to_string()
                } else {
                    format!("only from {}", accounts.join(", "))
                }
            ));
        }
    }
    if !policy.waivers.is_empty() {
        out.push_str("waivers:\n");
        for waiver in &policy.waivers {
            let what = [
                waiver.rule.clone(),
                waiver.principal.as_ref().map(|p| terminal(p)),
                waiver
                    .fingerprint
                    .as_ref()
                    .map(|f| format!("fingerprint {f}")),
                (!waiver.clusters.is_empty()).then(|| {
                    format!(
                        "clusters {}",
                        waiver
                            .clusters
                            .iter()
                            .map(|g| terminal(g.as_str()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
                (!waiver.files.is_empty()).then(|| {
                    format!(
                        "files {}",
                        waiver
                            .files
                            .iter()
                            .map(|g| terminal(g.as_str()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            ];
            out.push_str(&format!(
                "  {}: {} until {}{}: {}\n",
                terminal(&waiver.at.to_string()),
                what.into_iter().flatten().collect::<Vec<_>>().join(" "),
                waiver.expires,
                waiver
                    .owner
                    .as_ref()
                    .map_or(String::new(), |o| format!(" (owner {})", terminal(o))),
                terminal(&waiver.reason)
            ));
        }
    }
    out.push_str(&incomplete(policy));
    out
}
