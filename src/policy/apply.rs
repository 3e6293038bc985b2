//! The policy as a finishing step of the judgement: the scopes that match the target and
//! their findings (`scopes.rs`), the rule settings (switches, severities, controls), then the
//! waivers (EA902 for the expired and the unused). Pure: the judgement's day comes in with the
//! step.

use super::scopes::{facts, policy_target, scope_lines};
use super::target::{FileFrame, Target};
use super::{Policy, Scope, Waiver};
use crate::judge::Finish;
use crate::judge::result::{AppliedPolicy, CheckResult};
use crate::rules::finding::{Finding, Status, WaiverNote};
use crate::rules::policy_facts::WaiverOutcome;

/// The organisation policy, applied on a given day (`YYYY-MM-DD`, for waivers' expiry), with
/// the folders a file's path is matched from.
pub struct PolicyStep<'a> {
    pub policy: &'a Policy,
    pub today: String,
    pub files: FileFrame,
}

impl PolicyStep<'_> {
    /// Whether `waiver` applies to `finding` on this target.
    fn waives(waiver: &Waiver, finding: &Finding, target: &Target) -> bool {
        let by_rule = waiver.rule.as_deref().is_none_or(|r| r == finding.code);
        let by_fingerprint = waiver
            .fingerprint
            .as_deref()
            .is_none_or(|f| f == finding.fingerprint);
        let by_principal = waiver.principal.as_deref().is_none_or(|p| {
            finding
                .principal
                .as_deref()
                .is_some_and(|q| q.eq_ignore_ascii_case(p))
        });
        by_rule && by_fingerprint && by_principal && Self::in_reach(waiver, target)
    }

    /// What a waiver names, for a report: `rule EA113, principal arn:…`.
    fn describe(waiver: &Waiver) -> String {
        let mut parts = Vec::new();
        if let Some(rule) = &waiver.rule {
            parts.push(format!("rule {rule}"));
        }
        if let Some(fingerprint) = &waiver.fingerprint {
            parts.push(format!("fingerprint {fingerprint}"));
        }
        if let Some(principal) = &waiver.principal {
            parts.push(format!("principal {principal}"));
        }
        if let Some(owner) = &waiver.owner {
            parts.push(format!("owner {owner}"));
        }
        parts.join(", ")
    }

    /// Whether the waiver's cluster and file globs cover the target.
    fn in_reach(waiver: &Waiver, target: &Target) -> bool {
        let clusters = waiver.clusters.is_empty()
            || target
                .cluster
                .as_deref()
                .is_some_and(|c| waiver.clusters.iter().any(|g| g.matches(c)));
        let files = waiver.files.is_empty()
            || target
                .files
                .iter()
                .any(|f| waiver.files.iter().any(|g| g.matches(f)));
        clusters && files
    }
}

impl Finish for PolicyStep<'_> {
    fn finish(&self, result: &mut CheckResult) {
        let policy = self.policy;
        let target = Target::of(result, &self.files);
        // A snapshot is judged as of its collection, so a replay gives the same verdicts.
        let today = result
            .live
            .as_ref()
            .and_then(|l| l.collected_at.as_deref())
            .and_then(|t| t.get(..10))
            .unwrap_or(&self.today)
            .to_string();
        let scopes: Vec<&Scope> = policy
            .scopes
            .iter()
            .filter(|s| s.matcher.applies(&target))
            .collect();
        let principals = result.access_matrix();
        let mode = result
            .live
            .as_ref()
            .and_then(|l| l.cluster.authentication_mode.clone());
        let policy_target = policy_target(&target);
        let history = result.live.as_ref().and_then(|l| match &l.history_state {
            crate::judge::result::HistoryState::NotApplicable => None,
            crate::judge::result::HistoryState::Read => Some(Ok(l.history.as_slice())),
            crate::judge::result::HistoryState::Unread(why) => Some(Err(why.as_str())),
        });
        let mut facts = facts(
            &policy.path,
            &scopes,
            &policy_target,
            &principals,
            mode.as_ref(),
            &result.documents,
            history,
        );
        // Each policy rule judges what the policy says here; the rules it gave nothing to
        // judge did not run (and are not missing either).
        let mut evaluated: Vec<&'static str> = Vec::new();
        let mut run = |facts: &crate::rules::PolicyFacts<'_>, after_waivers: bool| {
            let mut found = Vec::new();
            for rule in crate::rules::RULES {
                if let Some(findings) = rule.run_policy(facts, after_waivers) {
                    evaluated.push(rule.meta.code);
                    found.extend(findings);
                }
            }
            found
        };
        let from_scopes = run(&facts, false);
        let mut findings = std::mem::take(&mut result.findings);
        findings.extend(from_scopes);
        // Rules switched off: their findings go before any waiver can match them.
        let off = |code: &str| policy.rules.get(code).and_then(|s| s.enabled) == Some(false);
        findings.retain(|f| !off(f.code));
        // Waivers: the first that applies; an expired one hides nothing and is reported.
        let mut used = vec![false; policy.waivers.len()];
        let mut expired: Vec<(usize, String)> = Vec::new();
        for finding in findings.iter_mut().filter(|f| f.status == Status::Fail) {
            let Some(index) = policy
                .waivers
                .iter()
                .position(|w| Self::waives(w, finding, &target))
            else {
                continue;
            };
            used[index] = true;
            let waiver = &policy.waivers[index];
            if waiver.expires.as_str() < today.as_str() {
                expired.push((index, finding.fingerprint.clone()));
                continue;
            }
            finding.status = Status::Waived;
            finding.waiver = Some(WaiverNote {
                reason: waiver.reason.clone(),
                owner: waiver.owner.clone(),
                expires: waiver.expires.clone(),
                at: waiver.at.to_string(),
            });
        }
        facts.waivers = policy
            .waivers
            .iter()
            .enumerate()
            .map(|(index, waiver)| WaiverOutcome {
                at: waiver.at.to_string(),
                named: Self::describe(waiver),
                expires: waiver.expires.clone(),
                reason: waiver.reason.clone(),
                expired_over: expired
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, fingerprint)| fingerprint.clone()),
                unused: !used[index] && Self::in_reach(waiver, &target),
            })
            .collect();
        let from_waivers = run(&facts, true);
        findings.extend(from_waivers.into_iter().filter(|f| !off(f.code)));
        // Rule settings on every finding, the policy's own included: severities, controls.
        for finding in &mut findings {
            if let Some(setting) = policy.rules.get(finding.code) {
                if let Some(severity) = setting.severity {
                    finding.severity = severity;
                }
                finding.controls = setting.controls.clone();
            }
        }
        crate::judge::result::sort_findings(&mut findings);
        result.findings = findings;
        // Coverage: rules switched off neither ran nor are missing.
        result.coverage.rules_evaluated.retain(|c| !off(c));
        result
            .coverage
            .rules_evaluated
            .extend(evaluated.into_iter().filter(|c| !off(c)));
        result.coverage.not_evaluated.retain(|n| !off(n.code));
        result.coverage.complete = result.coverage.not_evaluated.is_empty();
        // A file no scope covers, under a policy that has scopes: its administrator checks did
        // not run, which is said on stderr too, never only in a note.
        let uncovered = (scopes.is_empty()
            && !policy.scopes.is_empty()
            && target.account.is_none()
            && target.cluster.is_none())
        .then(|| {
            format!(
                "no scope of policy {} matches the file {} (matched as {}), so its administrator checks (EA501-EA505) did not run: add the path to a scope's `files`, relative to the policy's folder or the repository root",
                policy.path,
                target.id,
                target.files.join(", ")
            )
        });
        result.notes.push(if let Some(warning) = &uncovered {
            warning.clone()
        } else if scopes.is_empty() {
            format!(
                "policy {} ({}): no scope matches {}; only its rule settings and waivers apply",
                policy.path, policy.digest, target.id
            )
        } else {
            format!(
                "policy {} ({}): scope(s) at {} match {}",
                policy.path,
                policy.digest,
                scope_lines(&scopes),
                target.id
            )
        });
        result.policy = Some(AppliedPolicy {
            path: policy.path.clone(),
            digest: policy.digest.clone(),
            extends: policy.extends.clone(),
            uncovered,
        });
    }
}
