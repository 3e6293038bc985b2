//! The one judgement pipeline. Every kind of input — aws-auth files, a live audit's snapshot,
//! access declared by infrastructure code, files with IAM's answers — becomes [`Evidence`]:
//! the aws-auth documents, what else was read, and for each [`Input`] whether it was read, could
//! not be read (and why), or is not something this kind of input has. [`judge`] then decides,
//! rule by rule, from the inputs the rule declares, whether it runs or is listed as not
//! evaluated; runs it; lists every finding a rule could not decide; sorts; and hands the result
//! to the finishing steps (a baseline today, the organisation policy next).
//!
//! Adding an input kind means building its evidence (see `files.rs`, `snapshot.rs`,
//! `declared.rs`) and nothing else. Pure: no I/O, no clock.

pub mod baseline;
mod declared;
mod files;
pub mod result;
mod snapshot;

pub use declared::judge_declared;
pub use files::{check, judge_files};
pub use snapshot::judge_snapshot;

use std::collections::BTreeMap;

use crate::evidence::{AccessEntry, Unknown};
use crate::judge::result::{CheckResult, Coverage, LiveContext, NotEvaluated};
use crate::model::awsauth::document::AwsAuthDocument;
use crate::rules::finding::Finding;
use crate::rules::{ClusterFacts, Input, RULES, Rule};

/// Whether one input was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Read (found, or verified absent).
    Read,
    /// In scope but not read: the reason, as the coverage block says it.
    Missing(String),
}

/// Everything one judgement reads. An [`Input`] with no entry in `inputs` is not something this
/// kind of evidence has (a file has no RBAC): rules that need it are not run, and not listed.
#[derive(Debug, Default)]
pub struct Evidence<'a> {
    /// The aws-auth documents to judge (a file may hold several; a cluster has at most one).
    pub documents: Vec<AwsAuthDocument>,
    pub inputs: BTreeMap<Input, Availability>,
    /// What cluster rules read besides aws-auth. `facts.access_entries` holds every entry, an
    /// unread one included; the pipeline gives each rule the entries it may judge.
    pub facts: ClusterFacts<'a>,
    /// Names the cluster in cluster rules' routes; `None`: each document's path.
    pub cluster_arn: Option<String>,
    pub notes: Vec<String>,
    /// Notes that follow the access matrix's gaps in the report (failed optional reads, every
    /// failed call).
    pub trailing_notes: Vec<String>,
    /// For a live audit or declared access: the cluster, how it was reached, who asked. The
    /// pipeline adds the access matrix.
    pub context: Option<LiveContext>,
    /// When aws-auth was in scope but not read: why (the access matrix marks its side unknown).
    pub aws_auth_unread: Option<String>,
    /// What the input itself leaves open (a value known only after `terraform apply`).
    pub open: Vec<NotEvaluated>,
}

/// A step that runs on every finished result, in order: a baseline, the organisation policy.
pub trait Finish {
    fn finish(&self, result: &mut CheckResult);
}

/// `unknown(REASON): detail`, as the coverage block and notes say it.
pub fn unknown_reason(unknown: &Unknown) -> String {
    format!("unknown({}): {}", unknown.reason.as_str(), unknown.detail)
}

/// Why an access entry is undecided on its own (its describe or its policy list failed).
fn entry_unread(entry: &AccessEntry) -> Option<Unknown> {
    entry
        .unread
        .as_ref()
        .or(entry.policies.as_unknown())
        .cloned()
}

/// Why `input` could not be read, when it is in scope and was not.
fn missing(inputs: &BTreeMap<Input, Availability>, input: Input) -> Option<String> {
    match inputs.get(&input) {
        Some(Availability::Missing(reason)) => Some(reason.clone()),
        _ => None,
    }
}

/// The first input of `rule` that stops it: `Err(None)` when one is out of this evidence's
/// scope, `Err(Some(reason))` when one could not be read.
fn runnable(rule: &Rule, inputs: &BTreeMap<Input, Availability>) -> Result<(), Option<String>> {
    if rule
        .meta
        .needs
        .iter()
        .any(|input| !inputs.contains_key(input))
    {
        return Err(None);
    }
    for input in rule.meta.needs {
        if let Some(Availability::Missing(reason)) = inputs.get(input) {
            return Err(Some(reason.clone()));
        }
    }
    Ok(())
}

/// Judges the evidence: every rule whose inputs were read runs, every rule whose inputs could
/// not be read is listed with the reason, then the finishing steps run.
pub fn judge(evidence: Evidence<'_>, finish: &[&dyn Finish]) -> CheckResult {
    let Evidence {
        documents,
        mut inputs,
        facts,
        cluster_arn,
        mut notes,
        trailing_notes,
        context,
        aws_auth_unread,
        open,
    } = evidence;
    // Access entries: an entry that could not be described, or whose policies could not be
    // listed, is undecided on its own for the rules that judge entries one by one; the rules
    // that judge the set (what no entry grants) cannot decide at all.
    let all_entries = facts.access_entries;
    let unread: Vec<(String, String)> = all_entries
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            entry_unread(e).map(|u| {
                (
                    e.principal_arn.clone(),
                    format!("access entry {}: {}", e.principal_arn, unknown_reason(&u)),
                )
            })
        })
        .collect();
    let read_entries: Vec<AccessEntry> = all_entries
        .unwrap_or_default()
        .iter()
        .filter(|e| entry_unread(e).is_none())
        .cloned()
        .collect();
    if let (Some(Availability::Read), Some((_, reason))) =
        (inputs.get(&Input::EntrySet), unread.first())
    {
        inputs.insert(Input::EntrySet, Availability::Missing(reason.clone()));
    }
    // What a rule that reads entries beside its own needs (EA206) must say it could not see.
    let entries_undecided: Vec<(String, String)> = match inputs.get(&Input::AccessEntries) {
        Some(Availability::Missing(reason)) => vec![(String::new(), reason.clone())],
        _ => unread.clone(),
    };
    let read = |input: Input| inputs.get(&input) == Some(&Availability::Read);
    let rbac_undecided: Option<String> = missing(&inputs, Input::Rbac);

    let mut findings: Vec<Finding> = Vec::new();
    let mut evaluated = Vec::new();
    let mut not_evaluated = Vec::new();
    // Offline rules, document by document.
    let runs: Vec<(&Rule, Result<(), Option<String>>)> =
        RULES.iter().map(|r| (r, runnable(r, &inputs))).collect();
    let iam = facts.iam.filter(|_| read(Input::Iam));
    // A ConfigMap with aws-auth's keys where EKS does not look grants nothing: only the rule
    // about it (EA125) judges it, and it is not an input EKS holds.
    let (misplaced, documents): (Vec<AwsAuthDocument>, Vec<AwsAuthDocument>) =
        documents.into_iter().partition(|d| d.misplaced);
    for doc in &misplaced {
        for (rule, can) in &runs {
            if rule.meta.code == crate::rules::MISPLACED_CONFIGMAP && can.is_ok() {
                findings.extend(rule.run_with(doc, iam));
            }
        }
    }
    let offline: Vec<&Rule> = runs
        .iter()
        .filter(|(rule, can)| rule.is_offline() && can.is_ok())
        .map(|(rule, _)| *rule)
        .collect();
    for doc in &documents {
        for rule in &offline {
            findings.append(&mut rule.run_with(doc, iam));
        }
    }
    for (rule, can) in &runs {
        match can {
            Err(None) => continue,
            Err(Some(reason)) => {
                not_evaluated.push(NotEvaluated {
                    code: rule.meta.code,
                    reason: reason.clone(),
                });
                continue;
            }
            Ok(()) => evaluated.push(rule.meta.code),
        }
        if rule.is_offline() {
            continue;
        }
        let one_by_one = rule.meta.needs.contains(&Input::AccessEntries);
        let whole_set = rule.meta.needs.contains(&Input::EntrySet);
        if one_by_one {
            not_evaluated.extend(unread.iter().map(|(_, reason)| NotEvaluated {
                code: rule.meta.code,
                reason: reason.clone(),
            }));
        }
        let entries: Option<&[AccessEntry]> = if whole_set {
            all_entries.filter(|_| read(Input::EntrySet))
        } else if read(Input::AccessEntries) {
            Some(&read_entries)
        } else {
            None
        };
        let base = ClusterFacts {
            caller: facts.caller.filter(|_| read(Input::Caller)),
            rbac: facts.rbac.filter(|_| read(Input::Rbac)),
            iam,
            access_entries: entries,
            entries_undecided: &entries_undecided,
            rbac_undecided: rbac_undecided.as_deref(),
            node_roles: facts.node_roles.filter(|_| read(Input::NodeRoles)),
            ..facts
        };
        if documents.is_empty() {
            let arn = cluster_arn.as_deref().unwrap_or("cluster");
            findings.extend(rule.run_cluster(&ClusterFacts {
                cluster_arn: arn,
                aws_auth: None,
                ..base
            }));
        }
        for doc in &documents {
            findings.extend(rule.run_cluster(&ClusterFacts {
                cluster_arn: cluster_arn.as_deref().unwrap_or(&doc.path),
                aws_auth: Some(doc),
                ..base
            }));
        }
    }
    not_evaluated.extend(open);
    let mut coverage = Coverage {
        complete: false,
        rules_evaluated: evaluated,
        not_evaluated,
    };
    crate::judge::result::list_undecided(&findings, &mut coverage);
    crate::judge::result::sort_findings(&mut findings);
    let context = context.map(|mut context| {
        context.principals = crate::model::access::matrix(crate::model::access::AccessInputs {
            mode: facts.mode(),
            aws_auth: documents.first(),
            aws_auth_unread: aws_auth_unread.as_deref(),
            // Every entry, an unread one included (its power shows as unknown).
            entries: facts
                .access_entries
                .filter(|_| inputs.contains_key(&Input::AccessEntries)),
            rbac: facts.rbac.filter(|_| read(Input::Rbac)),
            caller: facts.caller.filter(|_| read(Input::Caller)),
            creator: facts.known_creator(),
        });
        if let Some(summary) = &context.iam {
            crate::model::access::attach_iam(&mut context.principals, summary);
        }
        crate::model::access::attach_provenance(
            &mut context.principals,
            facts.aws_auth_writers,
            facts.access_entries.unwrap_or_default(),
            facts.trail,
            documents
                .first()
                .zip(facts.audit_log.and_then(|l| l.found())),
        );
        match facts.trail {
            Some(crate::evidence::Fetched::Found(trail)) => {
                context.history = crate::model::access::history::of_cluster(
                    trail,
                    facts.access_entries.unwrap_or_default(),
                );
                context.history_state = match &trail.incomplete {
                    Some(u) => crate::judge::result::HistoryState::Unread(format!(
                        "CloudTrail's EKS events were read in part: unknown({}): {}",
                        u.reason.as_str(),
                        u.detail
                    )),
                    None => crate::judge::result::HistoryState::Read,
                };
                context.trail = trail.incomplete.is_none().then(|| trail.clone());
            }
            Some(crate::evidence::Fetched::Unknown(u)) => {
                context.history_state = crate::judge::result::HistoryState::Unread(format!(
                    "CloudTrail's EKS events could not be read: unknown({}): {}",
                    u.reason.as_str(),
                    u.detail
                ));
            }
            _ => {}
        }
        if let Some(log) = facts.audit_log.and_then(|l| l.found()) {
            context
                .history
                .extend(crate::model::access::history::aws_auth_writes(
                    log,
                    documents.first(),
                ));
            context.history.sort_by(|a, b| a.time.cmp(&b.time));
        }
        // Who has no way in today but could make one: rows marked latent, never in effect.
        if read(Input::IamPolicies)
            && let Some(crate::evidence::Fetched::Found(authorization)) =
                facts.iam.and_then(|i| i.authorization.as_ref())
        {
            let cluster = crate::model::latent::Cluster {
                arn: facts.cluster_arn,
                mode: facts.mode(),
                matrix: &context.principals,
                rbac: facts.rbac.filter(|_| read(Input::Rbac)),
            };
            let latent = crate::model::latent::of_cluster(
                authorization,
                &cluster,
                &[
                    crate::model::latent::LatentPath::EksApi,
                    crate::model::latent::LatentPath::AssumeRole,
                ],
            );
            context
                .principals
                .extend(crate::model::latent::matrix_rows(latent));
        }
        // What the matrix could not show: said once, beside it.
        if !context.principals.is_empty() {
            let gaps = [
                ("aws-auth rows", aws_auth_unread.clone()),
                ("access entries", missing(&inputs, Input::AccessEntries)),
                ("RBAC tiers", missing(&inputs, Input::Rbac)),
            ];
            for (what, reason) in gaps {
                if let Some(reason) = reason {
                    notes.push(format!(
                        "{}: the access matrix lacks {what}: {reason}",
                        context.cluster.arn
                    ));
                }
            }
        }
        context
    });
    notes.extend(trailing_notes);
    let mut result = CheckResult {
        documents,
        findings,
        notes,
        coverage,
        live: context,
        policy: None,
    };
    for step in finish {
        step.finish(&mut result);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::evidence::{Fetched, Snapshot, UnknownReason};

    fn complete() -> Snapshot {
        Snapshot::from_json(include_str!("../../examples/snapshot.json")).unwrap()
    }

    fn denied<T>() -> Fetched<T> {
        Fetched::unknown(UnknownReason::AccessDenied, "injected")
    }

    /// The rules a judgement listed as not evaluated.
    fn stopped(snapshot: &Snapshot) -> BTreeSet<&'static str> {
        judge_snapshot(snapshot, &[])
            .unwrap()
            .coverage
            .not_evaluated
            .iter()
            .map(|n| n.code)
            .collect()
    }

    /// The rules whose needs include any of `inputs`.
    fn needing(inputs: &[Input]) -> BTreeSet<&'static str> {
        RULES
            .iter()
            .filter(|r| r.meta.needs.iter().any(|n| inputs.contains(n)))
            .map(|r| r.meta.code)
            .collect()
    }

    #[test]
    fn a_complete_snapshot_leaves_nothing_unevaluated() {
        let result = judge_snapshot(&complete(), &[]).unwrap();
        assert!(result.coverage.complete, "{:?}", result.coverage);
        // Every rule but the policy's, which need a policy.
        let judged = RULES.iter().filter(|r| !r.is_policy()).count();
        assert_eq!(result.coverage.rules_evaluated.len(), judged);
    }

    /// Each failed read stops exactly the rules that need what it reads, and no other.
    #[test]
    fn a_failed_read_stops_exactly_the_rules_that_need_it() {
        type Break = fn(&mut Snapshot);
        let cases: [(&str, Break, &[Input]); 8] = [
            (
                "aws-auth",
                |s| s.aws_auth = denied(),
                &[Input::AwsAuth, Input::AwsAuthHistory],
            ),
            (
                "aws-auth's change time",
                |s| {
                    if let Fetched::Found(object) = &mut s.aws_auth {
                        object.last_modified = None;
                    }
                },
                &[Input::AwsAuthHistory],
            ),
            ("the caller", |s| s.caller = denied(), &[Input::Caller]),
            ("RBAC", |s| s.rbac.role_bindings = denied(), &[Input::Rbac]),
            ("IAM", |s| s.iam = denied(), &[Input::Iam]),
            (
                "the mode",
                |s| s.cluster.authentication_mode = None,
                &[Input::Mode],
            ),
            (
                "the access entries",
                |s| s.access_entries = denied(),
                &[Input::AccessEntries, Input::EntrySet],
            ),
            (
                "node roles",
                |s| s.node_roles = denied(),
                &[Input::NodeRoles],
            ),
        ];
        for (what, break_it, inputs) in cases {
            let mut snapshot = complete();
            break_it(&mut snapshot);
            let mut expected = needing(inputs);
            assert!(!expected.is_empty(), "{what}: no rule needs it");
            if inputs.contains(&Input::AccessEntries) {
                // EA206 judges aws-auth's groups and reads the entries' groups beside them:
                // it runs, and lists the entries it could not see as undecided.
                expected.insert("EA206");
            }
            if inputs.contains(&Input::Rbac) {
                // EA403 judges system:masters rows without RBAC and reads RBAC beside them for
                // the other groups: it runs, and lists the broadly assumable roles whose power
                // RBAC would decide as undecided.
                expected.insert("EA403");
            }
            assert_eq!(stopped(&snapshot), expected, "{what}");
        }
    }

    /// With aws-auth unread, the access entries' rules still judge what EKS returned, and the
    /// access matrix shows the entries with the aws-auth side marked unknown.
    #[test]
    fn an_unread_aws_auth_hides_no_access_entry() {
        let mut snapshot = complete();
        snapshot.aws_auth = denied();
        snapshot.cluster.authentication_mode = Some("API_AND_CONFIG_MAP".into());
        let entry: AccessEntry = serde_json::from_value(serde_json::json!({
            "principal_arn": "arn:aws:iam::123456789012:role/admin",
            "type": "STANDARD",
            "kubernetes_groups": [],
            "policies": {"state": "found", "value": [{
                "policy_arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                "scope": {"type": "cluster"}
            }]}
        }))
        .unwrap();
        snapshot.access_entries = Fetched::Found(vec![entry]);
        let result = judge_snapshot(&snapshot, &[]).unwrap();
        assert!(
            result.findings.iter().any(|f| f.code == "EA201"),
            "{:#?}",
            result.findings
        );
        let principals = &result.live.as_ref().unwrap().principals;
        assert!(principals.iter().any(|p| p.arn.ends_with("role/admin")));
        let aws_auth = principals
            .iter()
            .find(|p| p.source == crate::model::access::PrincipalSource::AwsAuthUnread)
            .expect("the aws-auth side is marked");
        assert_eq!(aws_auth.tier, crate::model::access::Tier::Unknown);
        assert!(!result.coverage.complete);
    }

    /// Declared access and files run the same engine: what they cannot have is left out, not
    /// listed; an undecided finding makes any of them incomplete.
    #[test]
    fn files_run_the_offline_rules_only() {
        let result = check(&[crate::inputs::manifest::InputFile {
            path: "aws-auth.yaml".into(),
            bytes: include_bytes!("../../examples/aws-auth.yaml").to_vec(),
        }])
        .unwrap();
        let offline: Vec<&str> = RULES
            .iter()
            .filter(|r| r.is_offline())
            .map(|r| r.meta.code)
            .collect();
        assert_eq!(result.coverage.rules_evaluated, offline);
        assert!(result.coverage.not_evaluated.is_empty());
    }
}
