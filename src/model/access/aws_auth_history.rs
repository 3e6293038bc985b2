//! Who added each aws-auth row, from the audit log's writes of `kube-system/aws-auth`: the
//! ConfigMap's `data` after each write (a create or an update carries every key; a patch the
//! keys it sets) is read as EKS reads it, and successive states tell which rows each write
//! added and removed. A row of today's aws-auth is attributed to the write after which it
//! appeared and stayed; a row present before the first recorded write, or after a write whose
//! body was not logged, is said to be so. Pure.

use std::collections::{BTreeMap, BTreeSet};

use super::history::HistoryItem;
use crate::evidence::{AuditLog, AwsAuthWrite};
use crate::model::awsauth::SectionKey;
use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::awsauth::parse_map::{parse_section, store_key};

/// A row as a comparable key: its section, the principal it maps (as EKS stores it), its
/// username and groups.
type RowKey = String;

fn row_key(section: SectionKey, row: &crate::model::awsauth::model::Row) -> RowKey {
    format!(
        "{section:?}|{}|{}|{}",
        store_key(row),
        row.username(),
        row.groups().join(",")
    )
}

/// The rows EKS keeps of one `data` (mapRoles and mapUsers), with a readable name for each.
fn rows_of(data: &BTreeMap<String, String>) -> BTreeMap<RowKey, String> {
    let mut out = BTreeMap::new();
    for (key, section) in [
        ("mapRoles", SectionKey::MapRoles),
        ("mapUsers", SectionKey::MapUsers),
    ] {
        let Some(text) = data.get(key) else {
            continue;
        };
        let Ok(parsed) = parse_section(section, text) else {
            continue;
        };
        for entry in parsed.entries.iter().filter(|e| e.is_kept()) {
            out.insert(
                row_key(section, &entry.row),
                format!(
                    "{} → {} [{}]",
                    store_key(&entry.row),
                    entry.row.username(),
                    entry.row.groups().join(", ")
                ),
            );
        }
    }
    out
}

/// The state of aws-auth's data after each write (`None`: unknown, the body was not logged).
fn states(log: &AuditLog) -> Vec<Option<BTreeMap<String, String>>> {
    let mut current: Option<BTreeMap<String, String>> = None;
    log.writes
        .iter()
        .map(|write| {
            current = match (&write.verb[..], &write.data, &current) {
                ("delete", _, _) => Some(BTreeMap::new()),
                ("create" | "update", Some(data), _) => Some(data.clone()),
                ("patch", Some(patch), Some(before)) => {
                    let mut after = before.clone();
                    after.extend(patch.clone());
                    Some(after)
                }
                _ => None,
            };
            current.clone()
        })
        .collect()
}

/// For each row of today's aws-auth (`(section, index)`), who added it, or why that is
/// unknown.
pub fn row_provenance(
    log: &AuditLog,
    doc: &AwsAuthDocument,
) -> BTreeMap<(SectionKey, usize), String> {
    let states = states(log);
    let row_sets: Vec<Option<BTreeMap<RowKey, String>>> =
        states.iter().map(|s| s.as_ref().map(rows_of)).collect();
    let mut out = BTreeMap::new();
    for section in [SectionKey::MapRoles, SectionKey::MapUsers] {
        for entry in doc.section(section).entries.iter().filter(|e| e.is_kept()) {
            let key = row_key(section, &entry.row);
            // The last write after which the row is there and was not just before.
            let mut added: Option<&AwsAuthWrite> = None;
            let mut known_before = false;
            let mut previous: Option<&BTreeMap<RowKey, String>> = None;
            for (write, rows) in log.writes.iter().zip(&row_sets) {
                match rows {
                    Some(rows) if rows.contains_key(&key) => {
                        if previous.is_some_and(|p| !p.contains_key(&key)) {
                            added = Some(write);
                        } else if previous.is_none() && added.is_none() {
                            known_before = true;
                        }
                    }
                    Some(_) => {
                        added = None;
                        known_before = false;
                    }
                    None => {}
                }
                previous = rows.as_ref();
            }
            let said = match (added, known_before) {
                (Some(write), _) => format!(
                    "added to aws-auth at {} by {} ({}, audit log event {})",
                    write.time,
                    write.describe(),
                    write.verb,
                    write.audit_id
                ),
                (None, true) => format!(
                    "in aws-auth before its first recorded write (the audit log from {}): who added it is unknown",
                    log.window_start
                ),
                (None, false) if log.writes.is_empty() => format!(
                    "aws-auth not written since {} (the audit log's window): added before it, actor unknown",
                    log.window_start
                ),
                (None, false) => {
                    "not in any write the audit log recorded with its body: who added it is unknown"
                        .to_string()
                }
            };
            out.insert((section, entry.index), said);
        }
    }
    out
}

/// Every write of aws-auth as a line of the access history: which rows it added and removed,
/// an admin row (`system:masters`) marked, rows gone from today's aws-auth marked.
pub fn history_items(log: &AuditLog, doc: Option<&AwsAuthDocument>) -> Vec<HistoryItem> {
    let today: BTreeSet<RowKey> = doc.map_or_else(BTreeSet::new, |doc| {
        [SectionKey::MapRoles, SectionKey::MapUsers]
            .into_iter()
            .flat_map(|section| {
                doc.section(section)
                    .entries
                    .iter()
                    .filter(|e| e.is_kept())
                    .map(move |e| row_key(section, &e.row))
            })
            .collect()
    });
    let states = states(log);
    let mut previous: Option<BTreeMap<RowKey, String>> = None;
    let mut out = Vec::new();
    for (write, state) in log.writes.iter().zip(&states) {
        let rows = state.as_ref().map(rows_of);
        let (what, admin, gone) = match (&previous, &rows) {
            (Some(before), Some(after)) => {
                let added: Vec<(&RowKey, &String)> = after
                    .iter()
                    .filter(|(k, _)| !before.contains_key(*k))
                    .collect();
                let removed: Vec<&String> = before
                    .iter()
                    .filter(|(k, _)| !after.contains_key(*k))
                    .map(|(_, v)| v)
                    .collect();
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!(
                        "added {}",
                        added
                            .iter()
                            .map(|(_, v)| v.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                }
                if !removed.is_empty() {
                    parts.push(format!(
                        "removed {}",
                        removed
                            .iter()
                            .map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                }
                if parts.is_empty() {
                    parts.push("changed no row".to_string());
                }
                (
                    format!("{} kube-system/aws-auth: {}", write.verb, parts.join("; ")),
                    added.iter().any(|(k, _)| k.contains("system:masters")),
                    !added.is_empty() && added.iter().all(|(k, _)| !today.contains(*k)),
                )
            }
            _ => (
                format!(
                    "{} kube-system/aws-auth (which rows it changed is not known: {})",
                    write.verb,
                    if write.data.is_none() {
                        "the request body was not logged"
                    } else {
                        "the state before it is not known"
                    }
                ),
                false,
                false,
            ),
        };
        out.push(HistoryItem {
            time: write.time.clone(),
            event: format!("aws-auth {}", write.verb),
            what,
            principal: None,
            actor: write.describe(),
            actor_arn: write.arn.clone(),
            event_id: write.audit_id.clone(),
            source_ip: write.source_ip.clone(),
            user_agent: write.user_agent.clone(),
            gone,
            admin,
        });
        previous = rows;
    }
    out
}
