//! `policy init`: a starting policy from what exists today — every administrator in effect
//! listed as expected, with a comment saying where it was seen — so adopting the tool starts
//! quiet on administrators and every later change is a signal. The generic rules' failing
//! findings are listed as commented-out waivers to review. Evidence that could not show every
//! administrator (aws-auth, RBAC or access entries unread, a cluster not audited) is a gap: the
//! caller refuses, or writes the gaps as a header that `policy check` reports.

use super::target::Target;
use crate::infra::escape::terminal;
use crate::inputs::kubeconfig::yaml_string;
use crate::judge::result::CheckResult;

/// A comment's text: one line, nothing an input could use to start another.
fn comment(text: &str) -> String {
    terminal(text).replace(['\n', '\r'], " ")
}

/// The head of a starting policy, up to `scopes:`.
const HEAD: &str = "# yaml-language-server: $schema=https://raw.githubusercontent.com/aws-auth-audit/aws-auth-audit/main/policies/policy.schema.json\n\
# Written by `aws-auth-audit policy init` from what exists today: review it, then\n\
# keep it beside the clusters (.aws-auth-audit.yaml) so every change is judged.\n\
apiVersion: aws-auth-audit/v1\nkind: Policy\nscopes:\n";

/// The comment that starts each line of a policy's gaps: `policy check` finds them by it.
pub const GAP_MARK: &str = "# aws-auth-audit: incomplete: ";

/// One target's scope: what it matches, and every administrator in effect (ARN, where seen).
#[derive(Debug, Default)]
pub struct StartingScope {
    pub account: Option<String>,
    pub region: Option<String>,
    pub cluster: Option<String>,
    pub file: Option<String>,
    /// What the scope is about (a cluster ARN, a path), for a comment.
    pub about: String,
    pub admins: Vec<(String, String)>,
    /// What could not be read that would show administrators.
    pub gaps: Vec<AdminGap>,
    /// The generic rules' failing findings today: (rule, principal or fingerprint key, value).
    pub failing: Vec<(String, &'static str, String)>,
}

/// The inputs that show who is an administrator, as a report names them.
const ADMIN_INPUTS: [(crate::rules::Input, &str); 5] = [
    (crate::rules::Input::AwsAuth, "aws-auth"),
    (crate::rules::Input::Rbac, "RBAC"),
    (crate::rules::Input::AccessEntries, "access entries"),
    (crate::rules::Input::EntrySet, "the list of access entries"),
    (crate::rules::Input::Mode, "the authentication mode"),
];

/// What hid administrators from an audit: an input that shows them, not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminGap {
    /// `aws-auth`, `RBAC`, `access entries`…
    pub what: &'static str,
    pub reason: String,
}

impl std::fmt::Display for AdminGap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} not read: {}", self.what, self.reason)
    }
}

/// The inputs that show administrators and were not read (or left a finding undecided), from
/// the `(rule code, reason)` pairs of a coverage: a rule that reads only that input tells,
/// each input and reason once.
pub fn admin_gaps<'a>(
    not_evaluated: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<AdminGap> {
    let mut gaps: Vec<AdminGap> = Vec::new();
    for (code, reason) in not_evaluated {
        let Some(&[only]) = crate::rules::find(code).map(|rule| rule.meta.needs) else {
            continue;
        };
        let Some((_, what)) = ADMIN_INPUTS.iter().find(|(input, _)| *input == only) else {
            continue;
        };
        let gap = AdminGap {
            what,
            reason: reason.to_string(),
        };
        if !gaps.contains(&gap) {
            gaps.push(gap);
        }
    }
    gaps
}

/// `at least 2 (aws-auth, RBAC not read)` when something that shows administrators was not
/// read, else the count: a count from partial reads is a lower bound, never a fact.
pub fn admin_count(count: usize, gaps: &[AdminGap]) -> String {
    if gaps.is_empty() {
        return count.to_string();
    }
    let mut unread: Vec<&str> = Vec::new();
    for gap in gaps {
        if !unread.contains(&gap.what) {
            unread.push(gap.what);
        }
    }
    format!("at least {count} ({} not read)", unread.join(", "))
}

/// The gaps of a starting policy's scopes, one line each, about what they concern.
pub fn gap_lines(scopes: &[StartingScope]) -> Vec<String> {
    scopes
        .iter()
        .flat_map(|s| s.gaps.iter().map(move |g| format!("{}: {g}", s.about)))
        .collect()
}

fn scope_text(scope: &StartingScope) -> String {
    let mut matched = Vec::new();
    if let Some(account) = &scope.account {
        matched.push(format!("accounts: [{}]", yaml_string(account)));
    }
    if let Some(region) = &scope.region {
        matched.push(format!("regions: [{}]", yaml_string(region)));
    }
    if let Some(cluster) = &scope.cluster {
        matched.push(format!("clusters: [{}]", yaml_string(cluster)));
    }
    if let Some(file) = scope.file.as_ref().filter(|_| scope.cluster.is_none()) {
        matched.push(format!("files: [{}]", yaml_string(file)));
    }
    let mut out = format!(
        "  - match: {{{}}}   # {}\n",
        matched.join(", "),
        comment(&scope.about)
    );
    // One entry per principal, with every place it was seen.
    let mut admins: Vec<(String, Vec<String>)> = Vec::new();
    for (arn, seen) in &scope.admins {
        match admins.iter_mut().find(|(a, _)| a.eq_ignore_ascii_case(arn)) {
            Some((_, places)) => places.push(seen.clone()),
            None => admins.push((arn.clone(), vec![seen.clone()])),
        }
    }
    if !scope.gaps.is_empty() {
        out.push_str(
            "    # INCOMPLETE: administrators the audit could not see are missing from this list\n",
        );
    }
    if admins.is_empty() {
        out.push_str("    admins: []   # no principal holds cluster-admin or admin power today\n");
    } else {
        out.push_str("    admins:\n");
        for (arn, places) in &admins {
            out.push_str(&format!(
                "      - arn: {}   # seen: {}\n",
                yaml_string(arn),
                comment(&places.join("; "))
            ));
        }
    }
    out
}

/// A starting policy of these scopes (one per cluster of a fleet scan, say); `gaps` (what
/// could not be seen) head it, each on a line `policy check` reports.
pub fn starting_policy_of(scopes: &[StartingScope], gaps: &[String]) -> String {
    let mut out = String::new();
    for gap in gaps {
        out.push_str(&format!("{GAP_MARK}{}\n", comment(gap)));
    }
    out.push_str(HEAD);
    for scope in scopes {
        out.push_str(&scope_text(scope));
    }
    let failing: Vec<&(String, &str, String)> = scopes.iter().flat_map(|s| &s.failing).collect();
    if !failing.is_empty() {
        out.push_str(
            "# The policy above governs administrators (EA501-EA505). The generic rules still\n\
# report what is wrong in the configuration; these fail today. Fix them, or accept one for\n\
# now: uncomment it, say why, who owns it and until when. (Or run with --baseline to fail\n\
# only on what is new.)\n# waivers:\n",
        );
        for (rule, key, value) in failing {
            out.push_str(&format!(
                "#   - {{rule: {rule}, {key}: {}, reason: \"\", owner: \"\", expires: YYYY-MM-DD}}\n",
                comment(&yaml_string(value))
            ));
        }
    }
    out
}

/// The policy text for the audited target, and its gaps; a file is named as `files` sees it
/// from where the policy will live.
pub fn starting_policy(result: &CheckResult, files: &super::FileFrame) -> (String, Vec<String>) {
    let target = Target::of(result, files);
    let admins = result
        .access_matrix()
        .into_iter()
        .filter(|p| p.is_admin_or_latent())
        .map(|p| (p.arn.clone(), format!("{} ({})", p.source, p.tier_reason)))
        .collect();
    let scope = StartingScope {
        account: target.account.clone(),
        region: target.region.clone(),
        cluster: target.cluster.clone(),
        file: target.files.first().cloned(),
        about: target.id.clone(),
        admins,
        gaps: admin_gaps(
            result
                .coverage
                .not_evaluated
                .iter()
                .map(|n| (n.code, n.reason.as_str())),
        ),
        failing: failing_of(result.findings.iter().map(|f| {
            (
                f.code,
                f.status == crate::rules::finding::Status::Fail,
                f.principal.as_deref(),
                f.fingerprint.as_str(),
            )
        })),
    };
    let gaps = gap_lines(std::slice::from_ref(&scope));
    (starting_policy_of(&[scope], &gaps), gaps)
}

/// The generic rules' failing findings as waiver keys: by principal where a finding names one,
/// else by fingerprint; each once.
pub fn failing_of<'a>(
    findings: impl IntoIterator<Item = (&'a str, bool, Option<&'a str>, &'a str)>,
) -> Vec<(String, &'static str, String)> {
    let mut out: Vec<(String, &'static str, String)> = Vec::new();
    for (code, failing, principal, fingerprint) in findings {
        let is_policy = crate::rules::find(code).is_some_and(|r| r.is_policy());
        if !failing || is_policy {
            continue;
        }
        let item = match principal {
            Some(p) => (code.to_string(), "principal", p.to_string()),
            None => (code.to_string(), "fingerprint", fingerprint.to_string()),
        };
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}
