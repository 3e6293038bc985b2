//! `--security-hub`: a cluster's findings imported into AWS Security Hub in the cluster's own
//! account and region (`BatchImportFindings`, 100 a call; the SDK retries throttled calls), each
//! refused finding reported with Security Hub's reason — and the findings an earlier run
//! imported for this cluster that no longer occur **closed**: found by `GetFindings` (this
//! cluster's resource, our generator, still active) and imported again with
//! `RecordState: ARCHIVED`. When the audit could not look everywhere (coverage incomplete), the
//! earlier findings are left as they are: a finding the audit could not see is not resolved.

use std::collections::BTreeSet;

use aws_sdk_securityhub::types::{
    AwsEksClusterDetails, AwsSecurityFinding, AwsSecurityFindingFilters, Compliance,
    ComplianceStatus, Partition, Recommendation, RecordState, Remediation, Resource,
    ResourceDetails, Severity, SeverityLabel, StringFilter, StringFilterComparison, Workflow,
    WorkflowStatus,
};
use serde_json::Value;

use super::aws::{AwsSession, classify};

/// Findings a `BatchImportFindings` call takes at most.
pub const BATCH: usize = 100;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub imported: usize,
    /// Each finding Security Hub refused: its id, the error code and message.
    pub refused: Vec<(String, String, String)>,
    /// Earlier findings of this cluster archived because they no longer occur.
    pub archived: usize,
    /// Why earlier findings were left untouched, when they were.
    pub left_open: Option<String>,
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// One finding of `--format asff` (`crate::report::asff`) as the SDK sends it.
pub fn to_sdk(v: &Value) -> AwsSecurityFinding {
    let resource = &v["Resources"][0];
    let eks = &resource["Details"]["AwsEksCluster"];
    let mut builder = AwsSecurityFinding::builder()
        .set_schema_version(text(&v["SchemaVersion"]))
        .set_id(text(&v["Id"]))
        .set_product_arn(text(&v["ProductArn"]))
        .set_product_name(text(&v["ProductName"]))
        .set_company_name(text(&v["CompanyName"]))
        .set_generator_id(text(&v["GeneratorId"]))
        .set_aws_account_id(text(&v["AwsAccountId"]))
        .set_region(text(&v["Region"]))
        .set_created_at(text(&v["CreatedAt"]))
        .set_updated_at(text(&v["UpdatedAt"]))
        .set_title(text(&v["Title"]))
        .set_description(text(&v["Description"]))
        .severity(
            Severity::builder()
                .set_label(v["Severity"]["Label"].as_str().map(SeverityLabel::from))
                .set_original(text(&v["Severity"]["Original"]))
                .build(),
        )
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .set_text(text(&v["Remediation"]["Recommendation"]["Text"]))
                        .set_url(text(&v["Remediation"]["Recommendation"]["Url"]))
                        .build(),
                )
                .build(),
        )
        .resources(
            Resource::builder()
                .set_type(text(&resource["Type"]))
                .set_id(text(&resource["Id"]))
                .set_partition(resource["Partition"].as_str().map(Partition::from))
                .set_region(text(&resource["Region"]))
                .details(
                    ResourceDetails::builder()
                        .aws_eks_cluster(
                            AwsEksClusterDetails::builder()
                                .set_name(text(&eks["Name"]))
                                .set_arn(text(&eks["Arn"]))
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .compliance(
            Compliance::builder()
                .set_status(
                    v["Compliance"]["Status"]
                        .as_str()
                        .map(ComplianceStatus::from),
                )
                .build(),
        )
        .workflow(
            Workflow::builder()
                .set_status(v["Workflow"]["Status"].as_str().map(WorkflowStatus::from))
                .build(),
        )
        .set_record_state(v["RecordState"].as_str().map(RecordState::from));
    for t in v["Types"].as_array().into_iter().flatten() {
        if let Some(t) = t.as_str() {
            builder = builder.types(t);
        }
    }
    for (key, value) in v["ProductFields"].as_object().into_iter().flatten() {
        if let Some(value) = value.as_str() {
            builder = builder.product_fields(key, value);
        }
    }
    builder.build()
}

type ImportOutput =
    aws_sdk_securityhub::operation::batch_import_findings::BatchImportFindingsOutput;

fn succeeded(out: &ImportOutput) -> usize {
    usize::try_from(out.success_count().unwrap_or(0)).unwrap_or(0)
}

/// Each finding a call refused: its id, Security Hub's error code and message.
fn refused(out: &ImportOutput) -> impl Iterator<Item = (String, String, String)> + '_ {
    out.failed_findings().iter().map(|f| {
        (
            f.id().unwrap_or_default().to_string(),
            f.error_code().unwrap_or_default().to_string(),
            f.error_message().unwrap_or_default().to_string(),
        )
    })
}

/// Imports `findings` (as `--format asff` writes them) for `cluster_arn`, then archives the
/// earlier findings of the cluster that are not among them — unless `complete` is false.
pub async fn import(
    session: &AwsSession,
    findings: &[Value],
    cluster_arn: &str,
    complete: bool,
    now: &str,
) -> Result<ImportOutcome, String> {
    let client = session.securityhub();
    let mut outcome = ImportOutcome::default();
    let current: BTreeSet<&str> = findings.iter().filter_map(|f| f["Id"].as_str()).collect();
    let send = |batch: Vec<AwsSecurityFinding>| {
        let client = client.clone();
        async move {
            client
                .batch_import_findings()
                .set_findings(Some(batch))
                .send()
                .await
        }
    };
    for batch in findings.chunks(BATCH) {
        let out = Box::pin(send(batch.iter().map(to_sdk).collect()))
            .await
            .map_err(|e| classify("Security Hub BatchImportFindings", &e).detail())?;
        outcome.imported += succeeded(&out);
        outcome.refused.extend(refused(&out));
    }
    if !complete {
        outcome.left_open = Some(
            "the audit's coverage is incomplete: earlier findings it could not look at are left as they are".into(),
        );
        return Ok(outcome);
    }
    // The earlier findings of this cluster, still active, no longer among today's.
    let filters = AwsSecurityFindingFilters::builder()
        .resource_id(
            StringFilter::builder()
                .value(cluster_arn)
                .comparison(StringFilterComparison::Equals)
                .build(),
        )
        .generator_id(
            StringFilter::builder()
                .value("aws-auth-audit/")
                .comparison(StringFilterComparison::Prefix)
                .build(),
        )
        .record_state(
            StringFilter::builder()
                .value("ACTIVE")
                .comparison(StringFilterComparison::Equals)
                .build(),
        )
        .build();
    let mut stale = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = Box::pin(
            client
                .get_findings()
                .filters(filters.clone())
                .set_next_token(token.clone())
                .send(),
        )
        .await
        .map_err(|e| classify("Security Hub GetFindings", &e).detail())?;
        for finding in page.findings() {
            let ours = finding
                .generator_id()
                .is_some_and(|g| g.starts_with("aws-auth-audit/"))
                && finding
                    .resources()
                    .iter()
                    .any(|r| r.id() == Some(cluster_arn))
                && finding.record_state() != Some(&RecordState::Archived);
            if ours && !current.contains(finding.id().unwrap_or_default()) {
                let mut closed = finding.clone();
                closed.record_state = Some(RecordState::Archived);
                closed.updated_at = Some(now.to_string());
                stale.push(closed);
            }
        }
        token = page
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    for batch in stale.chunks(BATCH) {
        let out = Box::pin(send(batch.to_vec()))
            .await
            .map_err(|e| classify("Security Hub BatchImportFindings", &e).detail())?;
        outcome.archived += succeeded(&out);
        outcome.refused.extend(refused(&out));
    }
    Ok(outcome)
}
