//! Evidence from a live audit's snapshot (`cluster`, or `check snap.json`): aws-auth laid out as
//! `kubectl get configmap aws-auth -n kube-system -o yaml` prints it, so that line numbers in
//! findings point into that output, and everything else the audit read, each input read or
//! unknown with its reason. Judging a snapshot is what `cluster` does after collecting it, so a
//! live report and its replay are byte-identical.

use std::collections::BTreeMap;

use super::{Availability, Evidence, unknown_reason};
use crate::evidence::{Fetched, Snapshot, UnknownReason};
use crate::judge::result::{CheckError, CheckResult, InputFile, LiveContext};
use crate::rules::{ClusterFacts, Input};

/// The evidence of a snapshot.
pub fn snapshot_evidence(snapshot: &Snapshot) -> Result<Evidence<'_>, CheckError> {
    let cluster_arn = snapshot.cluster.arn.as_str();
    let mut notes = Vec::new();
    if !snapshot.transport.tls_verified {
        notes.push(format!(
            "{cluster_arn}: TLS verification was skipped (--insecure-skip-tls-verify): nothing in this report is proven to come from the cluster"
        ));
    }
    let mut inputs = BTreeMap::new();
    let mut documents = Vec::new();
    let mut aws_auth_unread = None;
    let read_or = |fetched: Option<&crate::evidence::Unknown>| match fetched {
        None => Availability::Read,
        Some(unknown) => Availability::Missing(unknown_reason(unknown)),
    };
    match &snapshot.aws_auth {
        Fetched::Found(object) => {
            let path =
                format!("{cluster_arn} (kubectl get configmap aws-auth -n kube-system -o yaml)");
            let (docs, read_notes) =
                crate::model::awsauth::documents::read_documents(&[InputFile {
                    path,
                    bytes: crate::inputs::manifest::configmap_yaml(&object.data).into_bytes(),
                }])?;
            documents = docs;
            notes.extend(read_notes);
            if !object.binary_data_keys.is_empty() {
                notes.push(format!(
                    "{cluster_arn}: aws-auth has binaryData keys ({}), which EKS never reads",
                    object.binary_data_keys.join(", ")
                ));
            }
            inputs.insert(Input::AwsAuth, Availability::Read);
            // A present aws-auth without a change time (an object the API returned without
            // metadata) cannot be dated.
            inputs.insert(
                Input::AwsAuthHistory,
                match object.last_modified {
                    Some(_) => Availability::Read,
                    None => Availability::Missing(
                        "not evaluated: the API gave no creation or change time for aws-auth"
                            .into(),
                    ),
                },
            );
        }
        Fetched::Absent => {
            notes.push(format!(
                "{cluster_arn}: kube-system/aws-auth does not exist (verified: the API answered 404)"
            ));
            inputs.insert(Input::AwsAuth, Availability::Read);
            // A verified absent aws-auth has no history to need.
            inputs.insert(Input::AwsAuthHistory, Availability::Read);
        }
        Fetched::Unknown(unknown) => {
            notes.push(format!(
                "{cluster_arn}: kube-system/aws-auth could not be read: unknown({})",
                unknown.reason.as_str()
            ));
            let reason = unknown_reason(unknown);
            inputs.insert(Input::AwsAuth, Availability::Missing(reason.clone()));
            inputs.insert(Input::AwsAuthHistory, Availability::Missing(reason.clone()));
            aws_auth_unread = Some(reason);
        }
    }
    inputs.insert(
        Input::Caller,
        match &snapshot.caller {
            Fetched::Found(_) => Availability::Read,
            Fetched::Absent => Availability::Missing(
                "not evaluated: this cluster does not serve SelfSubjectReview (Kubernetes before 1.27)"
                    .into(),
            ),
            Fetched::Unknown(unknown) => Availability::Missing(unknown_reason(unknown)),
        },
    );
    let rbac = snapshot.rbac.complete();
    inputs.insert(Input::Rbac, read_or(rbac.as_ref().err().copied()));
    inputs.insert(
        Input::Iam,
        match &snapshot.iam {
            Fetched::Found(_) => Availability::Read,
            Fetched::Absent => Availability::Missing("not evaluated: IAM was not read".into()),
            Fetched::Unknown(unknown) => Availability::Missing(unknown_reason(unknown)),
        },
    );
    inputs.insert(
        Input::IamPolicies,
        match &snapshot.iam {
            Fetched::Found(iam) => match &iam.authorization {
                Some(Fetched::Found(_)) => Availability::Read,
                Some(Fetched::Unknown(unknown)) => Availability::Missing(unknown_reason(unknown)),
                Some(Fetched::Absent) | None => Availability::Missing(
                    "not evaluated: this snapshot holds no IAM policies (collected before the audit read them): collect it again".into(),
                ),
            },
            Fetched::Absent => Availability::Missing("not evaluated: IAM was not read".into()),
            Fetched::Unknown(unknown) => Availability::Missing(unknown_reason(unknown)),
        },
    );
    inputs.insert(
        Input::Mode,
        match snapshot.cluster.authentication_mode {
            Some(_) => Availability::Read,
            None => Availability::Missing(
                "not evaluated: the authentication mode is unknown (DescribeCluster gave none, or the cluster was reached through a kubeconfig context)".into(),
            ),
        },
    );
    // No access-entry API (`Absent`): the mode is CONFIG_MAP, and there are no entries.
    let entries = read_or(snapshot.access_entries.as_unknown());
    inputs.insert(Input::AccessEntries, entries.clone());
    inputs.insert(Input::EntrySet, entries);
    inputs.insert(Input::NodeRoles, read_or(snapshot.node_roles.as_unknown()));

    let mut trailing_notes = Vec::new();
    if let Fetched::Found(offered) = &snapshot.offered_policies {
        let unknown: Vec<&str> = offered
            .iter()
            .filter(|o| {
                crate::model::policies::access_policies()
                    .find(&o.arn)
                    .is_none()
            })
            .map(|o| o.name.as_str())
            .collect();
        if !unknown.is_empty() {
            trailing_notes.push(format!(
                "{cluster_arn}: EKS offers access policies this release's table does not know: {} (an entry associated with one is reported as EA204, its power not judged)",
                unknown.join(", ")
            ));
        }
    }
    for (what, read) in [
        (
            "CloudTrail's CreateCluster event (who created the cluster)",
            snapshot.creator.as_unknown(),
        ),
        (
            "the cluster's authentication-mode changes",
            snapshot.mode_changes.as_unknown(),
        ),
        (
            "CloudTrail's EKS events (who granted each access entry and policy; the history)",
            snapshot.trail.as_unknown(),
        ),
        (
            "the audit log's writes of aws-auth (who added each row)",
            snapshot.audit_log.as_unknown(),
        ),
        (
            "the access policies EKS offers",
            snapshot.offered_policies.as_unknown(),
        ),
    ] {
        if let Some(unknown) = read.filter(|u| u.reason != UnknownReason::Skipped) {
            trailing_notes.push(format!(
                "{cluster_arn}: {what} could not be read: unknown({}): {}",
                unknown.reason.as_str(),
                unknown.detail
            ));
        }
    }
    if let Fetched::Found(trail) = &snapshot.trail
        && let Some(unknown) = &trail.incomplete
    {
        trailing_notes.push(format!(
            "{cluster_arn}: CloudTrail's EKS events were read in part ({} page(s) from {} to {}): unknown({}): {} — an entry granted before what was read shows its actor as unknown",
            trail.pages,
            trail.window_start,
            trail.window_end,
            unknown.reason.as_str(),
            unknown.detail
        ));
    }
    if let Fetched::Found(trail) = &snapshot.trail
        && let Some(since) = &trail.carried_until
    {
        trailing_notes.push(format!(
            "{cluster_arn}: CloudTrail's EKS events before {since} were carried from the baseline's complete read; CloudTrail was read since then ({} page(s))",
            trail.pages
        ));
    }
    if let Fetched::Found(log) = &snapshot.audit_log
        && let Some(unknown) = &log.incomplete
    {
        trailing_notes.push(format!(
            "{cluster_arn}: the audit log's writes of aws-auth were read in part (from {} to {}): unknown({}): {}",
            log.window_start,
            log.window_end,
            unknown.reason.as_str(),
            unknown.detail
        ));
    }
    // A call that failed the same way on every try is one note, with every request id.
    let mut failed: Vec<(&crate::evidence::CollectionIssue, Vec<&str>)> = Vec::new();
    for issue in &snapshot.issues {
        let same = |(seen, _): &&mut (&crate::evidence::CollectionIssue, Vec<&str>)| {
            (&seen.operation, &seen.resource, &seen.code, &seen.detail)
                == (
                    &issue.operation,
                    &issue.resource,
                    &issue.code,
                    &issue.detail,
                )
        };
        match failed.iter_mut().find(same) {
            Some((_, ids)) => ids.extend(issue.request_id.as_deref()),
            None => failed.push((issue, issue.request_id.as_deref().into_iter().collect())),
        }
    }
    trailing_notes.extend(failed.into_iter().map(|(i, ids)| {
        format!(
            "{} {}: {}{} ({})",
            i.operation,
            i.resource,
            i.code,
            match ids.as_slice() {
                [] => String::new(),
                [id] => format!(", request id {id}"),
                many => format!(", {} tries, request ids {}", many.len(), many.join(", ")),
            },
            i.detail
        )
    }));
    if snapshot
        .issues
        .iter()
        .any(|i| i.code == UnknownReason::AuthRejected.as_str())
    {
        let who = snapshot.transport.signed_as.as_deref().map_or_else(
            || "the audit's AWS identity".to_string(),
            |arn| format!("`{arn}`"),
        );
        trailing_notes.push(format!(
            "{cluster_arn}: the cluster rejected the audit's token (HTTP 401), signed as {who}: EKS maps that principal to nothing. Give it read access: an access entry (or, in CONFIG_MAP mode, an aws-auth row) putting it in the group aws-auth-audit:readers, which deploy/kubernetes/cluster-reader.yaml binds to the reads the audit makes (docs/fleet.md)"
        ));
    }

    let iam = snapshot.iam.found();
    let facts = ClusterFacts {
        cluster_arn,
        aws_auth: None,
        caller: snapshot.caller.found(),
        rbac: rbac.ok(),
        iam,
        aws_auth_modified: match &snapshot.aws_auth {
            Fetched::Found(object) => object.last_modified.as_deref(),
            _ => None,
        },
        aws_auth_writers: match &snapshot.aws_auth {
            Fetched::Found(object) => &object.writers,
            _ => &[],
        },
        cluster: Some(&snapshot.cluster),
        access_entries: match &snapshot.access_entries {
            Fetched::Found(entries) => Some(entries),
            Fetched::Absent => Some(&[]),
            Fetched::Unknown(_) => None,
        },
        node_roles: match &snapshot.node_roles {
            Fetched::Found(roles) => Some(roles),
            Fetched::Absent => Some(&[]),
            Fetched::Unknown(_) => None,
        },
        creator: Some(&snapshot.creator),
        mode_changes: Some(&snapshot.mode_changes),
        trail: Some(&snapshot.trail),
        audit_log: Some(&snapshot.audit_log),
        offered_policies: snapshot.offered_policies.found().map(Vec::as_slice),
        entries_undecided: &[],
        rbac_undecided: None,
    };
    Ok(Evidence {
        documents,
        inputs,
        facts,
        cluster_arn: Some(cluster_arn.to_string()),
        notes,
        trailing_notes,
        context: Some(LiveContext {
            cluster: snapshot.cluster.clone(),
            transport: snapshot.transport.clone(),
            caller: snapshot.caller.found().cloned(),
            iam: iam.map(crate::model::access::IamSummary::of),
            principals: Vec::new(),
            collected_at: Some(snapshot.collected_at.clone()),
            history: Vec::new(),
            history_state: crate::judge::result::HistoryState::Unread(
                "CloudTrail's EKS events were not read: the cluster is not known to EKS by name"
                    .into(),
            ),
            trail: None,
        }),
        aws_auth_unread,
        open: Vec::new(),
    })
}

/// Judges everything a live audit read.
pub fn judge_snapshot(
    snapshot: &Snapshot,
    finish: &[&dyn super::Finish],
) -> Result<CheckResult, CheckError> {
    Ok(super::judge(snapshot_evidence(snapshot)?, finish))
}
