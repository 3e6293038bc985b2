//! `scan`/`merge --format asff` and `--format ocsf`: every audited cluster's findings (and each
//! rule it could not evaluate, undecided) as one list, exactly as `cluster` exports them — and
//! each **cluster the scan could not audit** as one undecided item of its own (code
//! `not-audited`, ASFF `Compliance.Status: NOT_AVAILABLE`, OCSF status `Unknown`, with why), so
//! a cluster whose reads were refused is never an empty, clean-looking absence in Security Hub
//! or a SIEM; a region of an account the scan could not list is one such item too, on the
//! account (`AwsAccount`). Their ids are stable: the next run that audits the cluster closes
//! it. Gaps that name no account and region — a missing shard, an interrupted scan — have
//! nothing to attach a finding to; they stay in the fleet report and its exit code (3).

use serde_json::Value;

use super::{FleetView, NotAudited};
use crate::model::location::Location;
use crate::report::export::{ExportTarget, Judged, NOT_AUDITED};
use crate::rules::finding::{Finding, Severity, Status, fingerprint};

/// A target the scan could not audit, as the exporters name it and what they say of it: a
/// cluster, or a region of an account it could not list (every cluster there unknown); `None`
/// for a gap that names no account and region.
fn not_audited(item: &NotAudited) -> Option<(ExportTarget, Finding)> {
    let region = item.region.as_ref()?;
    let account_is_real =
        item.account.len() == 12 && item.account.bytes().all(|b| b.is_ascii_digit());
    if !account_is_real {
        return None;
    }
    let partition = crate::model::arn::partition_of_region(Some(region));
    let name = item.cluster.clone().unwrap_or_default();
    let arn = format!(
        "arn:{partition}:eks:{region}:{}:cluster/{}",
        item.account,
        if name.is_empty() { "*" } else { &name }
    );
    let what = match name.is_empty() {
        true => format!(
            "no cluster of account {} in {region} could be audited",
            item.account
        ),
        false => "the cluster could not be audited".to_string(),
    };
    let finding = Finding {
        code: NOT_AUDITED,
        slug: NOT_AUDITED,
        severity: Severity::Medium,
        status: Status::Unknown(item.reason.clone()),
        message: format!("{what}: {}", item.detail),
        principal: None,
        location: Location::in_cluster(&arn, "not audited"),
        remediation: "make the target readable to the audit (see why), then scan again; until then nothing is known of who can get in".into(),
        fingerprint: fingerprint(&[NOT_AUDITED, &arn]),
        controls: Vec::new(),
        waiver: None,
    };
    let target = ExportTarget {
        cluster_arn: arn,
        cluster_name: name,
        account: item.account.clone(),
        region: region.clone(),
        partition: partition.to_string(),
    };
    Some((target, finding))
}

impl FleetView<'_> {
    /// Every cluster's ASFF findings, then one per cluster not audited: `BatchImportFindings`'
    /// `Findings` list.
    pub fn asff(&self, now: &str) -> String {
        let mut out: Vec<Value> = Vec::new();
        for line in self.clusters {
            // A fleet line always names its cluster; one that does not is not exportable.
            out.extend(
                crate::report::asff::findings(Judged::from(&*line.report), now).unwrap_or_default(),
            );
        }
        for (target, finding) in self.not_audited.iter().filter_map(not_audited) {
            out.push(crate::report::asff::finding(&target, &finding, now));
        }
        pretty(&out)
    }

    /// Every cluster's OCSF Detection Findings, then one per cluster not audited.
    pub fn ocsf(&self, now: &str) -> String {
        let mut out: Vec<Value> = Vec::new();
        for line in self.clusters {
            out.extend(crate::report::ocsf::events(
                Judged::from(&*line.report),
                now,
            ));
        }
        for (target, finding) in self.not_audited.iter().filter_map(not_audited) {
            out.push(crate::report::ocsf::event(Some(&target), &finding, now));
        }
        pretty(&out)
    }
}

fn pretty(values: &[Value]) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(values).expect("serialisable")
    )
}
