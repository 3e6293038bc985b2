//! Judging a live audit: the snapshot in, findings out. Pure and deterministic, so
//! `cluster` and `check snap.json` give byte-identical findings. The aws-auth ConfigMap is laid
//! out as `kubectl get configmap aws-auth -n kube-system -o yaml` prints it, so that line
//! numbers in findings point into that output; cluster rules run when what they need was read,
//! and are listed as not evaluated, with the reason, when it was not.

use std::collections::BTreeMap;

use crate::awsauth::document::AwsAuthDocument;
use crate::check::{
    CheckError, CheckResult, Coverage, InputFile, LiveContext, NotEvaluated, check_with,
    list_undecided, sort_findings,
};
use crate::kubeconfig::yaml_string;
use crate::rules::{ClusterFacts, Needs, RULES};
use crate::snapshot::{Fetched, Snapshot, Unknown};

/// A data value as kubectl's YAML shows it: a `|` / `|-` block when it spans lines and reads
/// back unchanged that way, else a single scalar.
fn data_value(value: &str) -> String {
    let body = value.strip_suffix('\n').unwrap_or(value);
    let block_safe = value.contains('\n')
        && !body.is_empty()
        && !body.starts_with([' ', '\t'])
        && !body.ends_with('\n')
        && body
            .lines()
            .all(|l| !l.ends_with([' ', '\t']) && l.chars().all(|c| c == '\t' || !c.is_control()));
    if !block_safe {
        return format!(" {}\n", yaml_string(value));
    }
    let indicator = if value.ends_with('\n') { "|" } else { "|-" };
    let mut out = format!(" {indicator}\n");
    for line in body.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The ConfigMap as `kubectl get -o yaml` lays it out (keys in order, data first).
pub fn configmap_yaml(data: &BTreeMap<String, String>) -> String {
    let mut out = String::from("apiVersion: v1\ndata:\n");
    for (key, value) in data {
        out.push_str(&format!("  {}:{}", yaml_string(key), data_value(value)));
    }
    out.push_str("kind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\n");
    out
}

fn unknown_reason(unknown: &Unknown) -> String {
    format!("unknown({}): {}", unknown.reason.as_str(), unknown.detail)
}

/// Judges everything a live audit read.
pub fn judge(snapshot: &Snapshot) -> Result<CheckResult, CheckError> {
    let cluster_arn = snapshot.cluster.arn.as_str();
    let mut notes = Vec::new();
    if !snapshot.transport.tls_verified {
        notes.push(format!(
            "{cluster_arn}: TLS verification was skipped (--insecure-skip-tls-verify): nothing in this report is proven to come from the cluster"
        ));
    }
    // The aws-auth document: judged by the offline rules; `Ok(None)` when verified absent.
    let mut findings = Vec::new();
    let mut documents: Vec<AwsAuthDocument> = Vec::new();
    let aws_auth: Result<Option<usize>, &Unknown> = match &snapshot.aws_auth {
        Fetched::Found(object) => {
            let path =
                format!("{cluster_arn} (kubectl get configmap aws-auth -n kube-system -o yaml)");
            let iam = match &snapshot.iam {
                Fetched::Found(evidence) => Some(evidence),
                _ => None,
            };
            let result = check_with(
                &[InputFile {
                    path,
                    bytes: configmap_yaml(&object.data).into_bytes(),
                }],
                iam,
            )?;
            findings.extend(result.findings);
            notes.extend(result.notes);
            documents.extend(result.documents);
            if !object.binary_data_keys.is_empty() {
                notes.push(format!(
                    "{cluster_arn}: aws-auth has binaryData keys ({}), which EKS never reads",
                    object.binary_data_keys.join(", ")
                ));
            }
            Ok(documents.len().checked_sub(1))
        }
        Fetched::Absent => {
            notes.push(format!(
                "{cluster_arn}: kube-system/aws-auth does not exist (verified: the API answered 404)"
            ));
            Ok(None)
        }
        Fetched::Unknown(unknown) => {
            notes.push(format!(
                "{cluster_arn}: kube-system/aws-auth could not be read: unknown({})",
                unknown.reason.as_str()
            ));
            Err(unknown)
        }
    };
    let doc = aws_auth.ok().flatten().map(|i| &documents[i]);
    let caller = match &snapshot.caller {
        Fetched::Found(user) => Ok(user),
        Fetched::Absent => Err(
            "not evaluated: this cluster does not serve SelfSubjectReview (Kubernetes before 1.27)"
                .to_string(),
        ),
        Fetched::Unknown(unknown) => Err(unknown_reason(unknown)),
    };
    let rbac = snapshot.rbac.complete().map_err(unknown_reason);
    let iam = match &snapshot.iam {
        Fetched::Found(evidence) => Ok(evidence),
        Fetched::Absent => Err("not evaluated: IAM was not read".to_string()),
        Fetched::Unknown(unknown) => Err(unknown_reason(unknown)),
    };
    let aws_auth_modified = match &snapshot.aws_auth {
        Fetched::Found(object) => object.last_modified.as_deref(),
        _ => None,
    };
    // A verified absent aws-auth has no history to need; a present one without a change time
    // (an object the API returned without metadata) cannot be dated.
    let history = match (&snapshot.aws_auth, aws_auth_modified) {
        (Fetched::Found(_), None) => {
            Err("not evaluated: the API gave no creation or change time for aws-auth".to_string())
        }
        _ => Ok(()),
    };
    let mode = snapshot
        .cluster
        .authentication_mode
        .as_ref()
        .map(|_| ())
        .ok_or_else(|| {
            "not evaluated: the authentication mode is unknown (DescribeCluster gave none, or the cluster was reached through a kubeconfig context)".to_string()
        });
    // An entry that could not be described, or whose policies could not be listed, is
    // undecided on its own for the rules that judge entries one by one; the rules that judge
    // the set (what no entry grants) cannot decide at all.
    let undecided_entry =
        |e: &crate::snapshot::AccessEntry| e.unread.as_ref().or(e.policies.as_unknown()).cloned();
    let read_entries: Vec<crate::snapshot::AccessEntry> = match &snapshot.access_entries {
        Fetched::Found(entries) => entries
            .iter()
            .filter(|e| undecided_entry(e).is_none())
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let unread_entries: Vec<(String, String)> = match &snapshot.access_entries {
        Fetched::Found(entries) => entries
            .iter()
            .filter_map(|e| {
                undecided_entry(e).map(|u| {
                    (
                        e.principal_arn.clone(),
                        format!("access entry {}: {}", e.principal_arn, unknown_reason(&u)),
                    )
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let access_entries: Result<&[crate::snapshot::AccessEntry], String> =
        match &snapshot.access_entries {
            Fetched::Found(entries) => match unread_entries.first() {
                Some((_, reason)) => Err(reason.clone()),
                None => Ok(entries),
            },
            // No access-entry API: the mode is CONFIG_MAP, and there are no entries.
            Fetched::Absent => Ok(&[]),
            Fetched::Unknown(unknown) => Err(unknown_reason(unknown)),
        };
    // What a rule that reads entries beside its own needs (EA206) must say it could not see.
    let entries_undecided: Vec<(String, String)> = match &snapshot.access_entries {
        Fetched::Unknown(unknown) => vec![(String::new(), unknown_reason(unknown))],
        _ => unread_entries.clone(),
    };
    let entries_one_by_one: Result<&[crate::snapshot::AccessEntry], String> =
        match &snapshot.access_entries {
            Fetched::Found(_) => Ok(&read_entries),
            _ => access_entries.clone(),
        };
    let node_roles: Result<&[crate::snapshot::NodeRole], String> = match &snapshot.node_roles {
        Fetched::Found(roles) => Ok(roles),
        Fetched::Absent => Ok(&[]),
        Fetched::Unknown(unknown) => Err(unknown_reason(unknown)),
    };
    let mut evaluated = Vec::new();
    let mut not_evaluated = Vec::new();
    for rule in RULES {
        let missing = match (&aws_auth, rule.meta.needs) {
            (Err(unknown), _) => Some(unknown_reason(unknown)),
            (Ok(_), Needs::AwsAuth) => None,
            (Ok(_), Needs::Rbac) => rbac.as_ref().err().cloned(),
            (Ok(_), Needs::Caller) => caller.as_ref().err().cloned(),
            (Ok(_), Needs::Iam) => iam.as_ref().err().cloned(),
            (Ok(_), Needs::IamHistory) => iam
                .as_ref()
                .err()
                .cloned()
                .or_else(|| history.as_ref().err().cloned()),
            (Ok(_), Needs::IamRbac) => iam
                .as_ref()
                .err()
                .cloned()
                .or_else(|| rbac.as_ref().err().cloned()),
            (Ok(_), Needs::Mode) => mode.as_ref().err().cloned(),
            (Ok(_), Needs::AccessEntries) => mode
                .as_ref()
                .err()
                .cloned()
                .or_else(|| entries_one_by_one.as_ref().err().cloned()),
            (Ok(_), Needs::EntrySet) => mode
                .as_ref()
                .err()
                .cloned()
                .or_else(|| access_entries.as_ref().err().cloned()),
            (Ok(_), Needs::NodeRoles) => mode
                .as_ref()
                .err()
                .cloned()
                .or_else(|| access_entries.as_ref().err().cloned())
                .or_else(|| node_roles.as_ref().err().cloned()),
            (Ok(_), Needs::IamEntries) => mode
                .as_ref()
                .err()
                .cloned()
                .or_else(|| entries_one_by_one.as_ref().err().cloned())
                .or_else(|| iam.as_ref().err().cloned()),
            (Ok(_), Needs::AccessMatrix) => mode
                .as_ref()
                .err()
                .cloned()
                .or_else(|| access_entries.as_ref().err().cloned())
                .or_else(|| rbac.as_ref().err().cloned()),
        };
        if let Some(reason) = missing {
            not_evaluated.push(NotEvaluated {
                code: rule.meta.code,
                reason,
            });
            continue;
        }
        evaluated.push(rule.meta.code);
        let one_by_one = matches!(rule.meta.needs, Needs::AccessEntries | Needs::IamEntries);
        let whole_set = matches!(
            rule.meta.needs,
            Needs::EntrySet | Needs::AccessMatrix | Needs::NodeRoles
        );
        if one_by_one {
            not_evaluated.extend(unread_entries.iter().map(|(_, reason)| NotEvaluated {
                code: rule.meta.code,
                reason: reason.clone(),
            }));
        }
        if !rule.is_offline() {
            let facts = ClusterFacts {
                cluster_arn,
                aws_auth: doc,
                caller: caller.as_ref().ok().copied(),
                rbac: rbac.as_ref().ok().copied(),
                iam: iam.as_ref().ok().copied(),
                aws_auth_modified,
                cluster: Some(&snapshot.cluster),
                access_entries: if whole_set {
                    access_entries.as_ref().ok().copied()
                } else {
                    entries_one_by_one.as_ref().ok().copied()
                },
                entries_undecided: &entries_undecided,
                node_roles: node_roles.as_ref().ok().copied(),
                creator: Some(&snapshot.creator),
                mode_changes: Some(&snapshot.mode_changes),
                offered_policies: match &snapshot.offered_policies {
                    Fetched::Found(offered) => Some(offered),
                    _ => None,
                },
            };
            findings.extend(rule.run_cluster(&facts));
        }
    }
    let principals = match &aws_auth {
        Ok(_) => crate::access::matrix(crate::access::AccessInputs {
            mode: snapshot.cluster.authentication_mode.as_deref(),
            aws_auth: doc,
            // Every entry, an unread one included (its power shows as unknown).
            entries: match &snapshot.access_entries {
                Fetched::Found(entries) => Some(entries),
                Fetched::Absent => Some(&[]),
                Fetched::Unknown(_) => None,
            },
            rbac: rbac.as_ref().ok().copied(),
            caller: caller.as_ref().ok().copied(),
            creator: match &snapshot.creator {
                Fetched::Found(creator) => Some(creator),
                _ => None,
            },
        }),
        Err(_) => Vec::new(),
    };
    for (what, missing) in [
        ("access entries", entries_one_by_one.as_ref().err()),
        ("RBAC tiers", rbac.as_ref().err()),
    ] {
        if let (Some(reason), false) = (missing, principals.is_empty()) {
            notes.push(format!(
                "{cluster_arn}: the access matrix lacks {what}: {reason}"
            ));
        }
    }
    if let Fetched::Found(offered) = &snapshot.offered_policies {
        let unknown: Vec<&str> = offered
            .iter()
            .filter(|o| crate::policies::access_policies().find(&o.arn).is_none())
            .map(|o| o.name.as_str())
            .collect();
        if !unknown.is_empty() {
            notes.push(format!(
                "{cluster_arn}: EKS offers access policies this release's table does not know: {} (an entry associated with one is reported as EA204, its power not judged)",
                unknown.join(", ")
            ));
        }
    }
    for (what, read) in [
        (
            "the cluster's authentication-mode changes",
            snapshot.mode_changes.as_unknown(),
        ),
        (
            "the access policies EKS offers",
            snapshot.offered_policies.as_unknown(),
        ),
    ] {
        if let Some(unknown) = read.filter(|u| u.reason != crate::snapshot::UnknownReason::Skipped)
        {
            notes.push(format!(
                "{cluster_arn}: {what} could not be read: unknown({}): {}",
                unknown.reason.as_str(),
                unknown.detail
            ));
        }
    }
    let iam_summary = iam.as_ref().ok().map(|e| crate::check::IamSummary::of(e));
    let mut principals = principals;
    if let Some(summary) = &iam_summary {
        crate::access::attach_iam(&mut principals, summary);
    }
    // A rule that could not decide for some target evaluated the rest: it stays evaluated,
    // and each undecided target is listed, so coverage is incomplete.
    let mut coverage = Coverage {
        complete: false,
        rules_evaluated: evaluated,
        not_evaluated,
    };
    list_undecided(&findings, &mut coverage);
    sort_findings(&mut findings);
    notes.extend(snapshot.issues.iter().map(|i| {
        format!(
            "{} {}: {}{} ({})",
            i.operation,
            i.resource,
            i.code,
            i.request_id
                .as_ref()
                .map_or(String::new(), |id| format!(", request id {id}")),
            i.detail
        )
    }));
    Ok(CheckResult {
        documents,
        findings,
        notes,
        coverage,
        live: Some(LiveContext {
            cluster: snapshot.cluster.clone(),
            transport: snapshot.transport.clone(),
            caller: caller.ok().cloned(),
            iam: iam_summary,
            principals,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_reads_back_to_the_same_data() {
        let mut data = BTreeMap::new();
        data.insert(
            "mapRoles".to_string(),
            "- rolearn: a\n  groups:\n\n    - b\n".to_string(),
        );
        data.insert("mapUsers".to_string(), "- userarn: x".to_string());
        data.insert("mapAccounts".to_string(), "  - \"1\"  \n".to_string());
        let text = configmap_yaml(&data);
        let manifest = crate::manifest::read_configmaps(&text).unwrap();
        let read: BTreeMap<String, String> = manifest.configmaps[0]
            .data
            .iter()
            .map(|d| match &d.value {
                crate::manifest::DataValue::Text { text, .. } => (d.key.clone(), text.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(read, data, "{text}");
        assert!(text.contains("  mapRoles: |\n    - rolearn: a\n"), "{text}");
    }
}
