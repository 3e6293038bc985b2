//! `--security-hub` on `cluster`, `scan` and `merge`: each audited cluster's findings imported
//! into AWS Security Hub in the cluster's own account and region, with the credentials that
//! read it (for a fleet, the role assumed in each account), and what no longer occurs closed
//! (`crate::source::securityhub`). Run after the report is written: an import that fails is exit
//! 2 with the report already out. One cluster after another — Security Hub allows
//! `GetFindings` 3 calls a second per account and region, so a fleet's import waits on it, not
//! on us. Targets that could not be audited are never touched, and that is said.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::CliError;
use super::output::{runtime, written_at};
use crate::infra::escape::terminal;
use crate::report::export::{ExportTarget, Judged};
use crate::report::fleet::ClusterLine;
use crate::source::aws::{AwsSession, CredentialOptions};
use crate::source::securityhub::ImportOutcome;

/// One cluster's import: where it goes and what it carries.
struct Import {
    target: ExportTarget,
    findings: Vec<Value>,
    complete: bool,
}

impl Import {
    fn of(judged: Judged<'_>, now: &str) -> Result<Import, CliError> {
        let findings = crate::report::asff::findings(judged, now)
            .map_err(|e| CliError::input(format!("--security-hub: {e}")))?;
        let target = ExportTarget::of(judged)
            .ok_or_else(|| CliError::input("--security-hub: the report names no cluster"))?;
        Ok(Import {
            target,
            findings,
            complete: judged.coverage.complete,
        })
    }
}

/// How a fleet reaches each account: the role to assume there (`--role-name`, with
/// `--external-id`), or, without one, the base credentials — which only reach their own account.
pub struct AccountAccess {
    pub base: CredentialOptions,
    pub role_name: Option<String>,
    pub external_id: Option<String>,
}

/// `cluster --security-hub`: one cluster, with the credentials that read it.
pub fn import_cluster(
    result: &crate::judge::result::CheckResult,
    credentials: CredentialOptions,
) -> Result<(), CliError> {
    let now = written_at();
    let import = Import::of(result.into(), &now)?;
    let access = AccountAccess {
        base: credentials,
        role_name: None,
        external_id: None,
    };
    let outcomes = run_imports(vec![import], access, now, true)?;
    conclude(&outcomes, 0)
}

/// `scan`/`merge --security-hub`: every audited cluster of the fleet, each into its own account
/// and region; `not_audited` targets are left as they are (said).
pub fn import_fleet(
    clusters: &[ClusterLine],
    not_audited: usize,
    access: AccountAccess,
) -> Result<(), CliError> {
    let now = written_at();
    let imports = clusters
        .iter()
        .map(|line| Import::of(Judged::from(&*line.report), &now))
        .collect::<Result<Vec<_>, _>>()?;
    let outcomes = run_imports(imports, access, now, false)?;
    conclude(&outcomes, not_audited)
}

/// Writes the fleet's report, then, with `hub`, imports every audited cluster's findings.
pub(super) fn report_then_import(
    fleet: super::fleet_lines::Fleet,
    format: super::args::FleetFormat,
    threshold: Option<crate::rules::finding::Severity>,
    output: Option<&std::path::Path>,
    lines: super::fleet_lines::LineSink,
    hub: Option<AccountAccess>,
) -> super::error::CliResult {
    let hub = hub.map(|access| (access, fleet.clusters.clone(), fleet.not_audited.len()));
    let status = fleet.finish(format, threshold, output, lines)?;
    if let Some((access, clusters, not_audited)) = hub {
        import_fleet(&clusters, not_audited, access)?;
    }
    Ok(status)
}

/// What one cluster's import came to: the outcome, or why it could not be made.
type Outcome = (String, Result<ImportOutcome, String>);

/// Runs the imports on a thread with room: a Security Hub finding is a large value (its
/// resource details alone hold hundreds of fields), and the main thread's stack is small.
fn run_imports(
    imports: Vec<Import>,
    access: AccountAccess,
    now: String,
    same_account: bool,
) -> Result<Vec<Outcome>, CliError> {
    std::thread::Builder::new()
        .name("security-hub".into())
        .stack_size(64 << 20)
        .spawn(move || -> Result<Vec<Outcome>, CliError> {
            Ok(runtime()?.block_on(Box::pin(import_all(imports, access, now, same_account))))
        })
        .map_err(|e| CliError::internal(format!("starting the Security Hub import: {e}")))?
        .join()
        .map_err(|_| CliError::internal("the Security Hub import stopped unexpectedly"))?
}

async fn import_all(
    imports: Vec<Import>,
    access: AccountAccess,
    now: String,
    same_account: bool,
) -> Vec<Outcome> {
    let base = AwsSession::new(&access.base).await;
    // Without a role the base credentials reach their own account only: another account's
    // cluster is said, never imported into the wrong account.
    let own = match (&access.role_name, same_account) {
        (None, false) => Some(base.account().await.map_err(|e| e.detail())),
        _ => None,
    };
    let mut sessions: BTreeMap<String, AwsSession> = BTreeMap::new();
    let mut outcomes = Vec::new();
    for import in imports {
        let target = &import.target;
        let account = target.account.clone();
        let session = match (&access.role_name, &own) {
            // The role assumed once an account: its session (and credentials) serve every
            // cluster there.
            (Some(name), _) => match sessions.get(&account) {
                Some(session) => session.clone(),
                None => {
                    let role = format!("arn:{}:iam::{account}:role/{name}", target.partition);
                    let session = base.assume(&role, access.external_id.as_deref()).await;
                    sessions.insert(account.clone(), session.clone());
                    session
                }
            },
            (None, Some(Err(e))) => {
                outcomes.push((
                    target.cluster_arn.clone(),
                    Err(format!("the caller's account is unknown: {e}")),
                ));
                continue;
            }
            (None, Some(Ok(own))) if *own != account => {
                outcomes.push((
                    target.cluster_arn.clone(),
                    Err(format!(
                        "no credentials for account {account}: pass --role-name, the role to assume in each account"
                    )),
                ));
                continue;
            }
            (None, _) => base.clone(),
        };
        let session = session.in_region(&target.region);
        let outcome = Box::pin(crate::source::securityhub::import(
            &session,
            &import.findings,
            &target.cluster_arn,
            import.complete,
            &now,
        ))
        .await;
        outcomes.push((target.cluster_arn.clone(), outcome));
    }
    outcomes
}

/// Says on stderr what each import did; exit 2 when any failed or Security Hub refused a
/// finding (each listed with its reason).
fn conclude(outcomes: &[Outcome], not_audited: usize) -> Result<(), CliError> {
    let mut failed = 0;
    let mut refused = 0;
    for (cluster, outcome) in outcomes {
        match outcome {
            Ok(outcome) => {
                let mut said = format!(
                    "Security Hub: {cluster}: {} finding(s) imported, {} earlier one(s) archived",
                    outcome.imported, outcome.archived
                );
                if let Some(why) = &outcome.left_open {
                    said.push_str(&format!("; earlier findings left untouched: {why}"));
                }
                eprintln!("{}", terminal(&said));
                for (id, code, message) in &outcome.refused {
                    eprintln!(
                        "Security Hub refused {}: {} {}",
                        terminal(id),
                        terminal(code),
                        terminal(message)
                    );
                }
                refused += outcome.refused.len();
            }
            Err(why) => {
                failed += 1;
                eprintln!(
                    "Security Hub: {}: not imported: {}",
                    terminal(cluster),
                    terminal(why)
                );
            }
        }
    }
    if not_audited > 0 {
        eprintln!(
            "Security Hub: {not_audited} target(s) not audited: their earlier findings are left untouched"
        );
    }
    match (failed, refused) {
        (0, 0) => Ok(()),
        _ => Err(CliError::input(format!(
            "--security-hub: {failed} cluster(s) not imported, {refused} finding(s) refused (listed above; the report was written)"
        ))),
    }
}
