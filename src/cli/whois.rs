//! `whois ARN`: the Kubernetes identity EKS gives a caller, from an aws-auth file, or across
//! access entries and aws-auth under the mode of a snapshot or a live cluster.

use super::args::{ClusterTarget, TextOrJson};
use super::check::{judge_inputs, read_all, read_snapshot};
use super::cluster::collect_snapshot;
use super::error::{CliError, CliResult};
use super::output::write_stdout;
use crate::cli::exit::ExitStatus;
use crate::evidence::Fetched;
use crate::infra::escape::terminal;
use crate::model::awsauth::lookup::{Identity, lookup};
use crate::policy::Policy;
use crate::report::whois::{ClusterWhois, aws_auth_json, aws_auth_text};

/// The policy's findings about this principal (EA501, EA502, EA504, EA505).
fn policy_findings<'a>(
    result: &'a crate::judge::result::CheckResult,
    identity: &Identity,
) -> Vec<&'a crate::rules::finding::Finding> {
    let wanted = crate::model::iam::Wanted::from_arn(&identity.canonical_arn);
    result
        .findings
        .iter()
        .filter(|f| crate::rules::find(f.code).is_some_and(|r| r.is_policy()))
        .filter(|f| {
            f.principal.as_deref().is_some_and(|p| {
                p.eq_ignore_ascii_case(&identity.canonical_arn)
                    || (wanted.is_some() && crate::model::iam::Wanted::from_arn(p) == wanted)
            })
        })
        .collect()
}

fn policy_json(
    policy: &Policy,
    result: &crate::judge::result::CheckResult,
    identity: &Identity,
) -> crate::report::whois::WhoisPolicy {
    crate::report::whois::WhoisPolicy {
        path: policy.path.clone(),
        digest: policy.digest.clone(),
        findings: policy_findings(result, identity)
            .into_iter()
            .cloned()
            .collect(),
    }
}

fn policy_text(
    policy: &Policy,
    result: &crate::judge::result::CheckResult,
    identity: &Identity,
) -> String {
    let findings = policy_findings(result, identity);
    if findings.is_empty() {
        return format!(
            "policy {}: nothing against this principal\n",
            terminal(&policy.path)
        );
    }
    findings
        .iter()
        .map(|f| {
            format!(
                "policy {}: {} {} ({}): {}\n",
                terminal(&policy.path),
                f.code,
                f.slug,
                f.status.label(),
                terminal(&f.message)
            )
        })
        .collect()
}

/// Who is asking: the ARN, and what the request carries besides it.
pub struct Caller<'a> {
    pub arn: &'a str,
    /// For a role ARN: the session it is assumed with.
    pub session_name: Option<&'a str>,
    /// The access key id the request is signed with (`{{AccessKeyID}}`).
    pub access_key_id: Option<&'a str>,
}

fn identity(caller: &Caller<'_>) -> Result<Identity, CliError> {
    let mut identity = Identity::from_arn(caller.arn, caller.session_name)
        .map_err(|e| CliError::input(format!("{}: {e}", caller.arn)))?;
    identity.context.access_key_id = caller.access_key_id.map(str::to_string);
    Ok(identity)
}

/// `whois ARN --file FILE`.
pub fn run_file(
    caller: &Caller<'_>,
    file: &str,
    sso: bool,
    format: TextOrJson,
    policy: Option<&Policy>,
) -> CliResult {
    let identity = identity(caller)?;
    let inputs = read_all(&[file.to_string()])?;
    let step = policy.map(super::policy::step);
    let finish: Vec<&dyn crate::judge::Finish> = step.iter().map(|s| s as _).collect();
    let result = judge_inputs(&inputs, &finish)?;
    let doc = result
        .documents
        .first()
        .ok_or_else(|| CliError::input(format!("{file}: no aws-auth to look the caller up in")))?;
    let outcome = lookup(doc.lookup_sections(), &identity, sso);
    // Whether EKS enables SSORoleMatch is not public: say when the answer depends on it.
    let other = lookup(doc.lookup_sections(), &identity, !sso);
    let gate_note = (other != outcome).then(|| {
        format!(
            "with the SSORoleMatch feature gate {} (unknown on EKS), the outcome would be `{}`",
            if sso { "off" } else { "on" },
            other.name()
        )
    });
    let text = match format {
        TextOrJson::Json => {
            let report = crate::report::whois::WhoisReport {
                answer: aws_auth_json(&identity, &outcome, doc, sso),
                notes: gate_note.iter().cloned().collect(),
                tool: crate::report::ToolInfo::this_build(),
                policy: policy.map(|policy| policy_json(policy, &result, &identity)),
            };
            format!(
                "{}\n",
                serde_json::to_string_pretty(&report).expect("serialisable")
            )
        }
        TextOrJson::Text => {
            let mut text = aws_auth_text(&identity, &outcome, doc);
            if let Some(note) = &gate_note {
                text.push_str(&format!("note: {}\n", terminal(note)));
            }
            if let Some(policy) = policy {
                text.push_str(&policy_text(policy, &result, &identity));
            }
            text
        }
    };
    write_stdout(&text)?;
    Ok(ExitStatus::Clean)
}

/// The username, groups and power the decision gives: the deciding access entry's (its
/// username template rendered for this caller) or aws-auth's mapping, with the access
/// matrix's tier for that way in; the hidden creator's `system:masters`.
fn effective(
    decision: &crate::model::access::whois::Decision<'_>,
    outcome: Option<&crate::model::awsauth::lookup::Outcome>,
    identity: &Identity,
    result: &crate::judge::result::CheckResult,
) -> crate::report::whois::Effective {
    use crate::model::access::PrincipalSource;
    use crate::model::access::whois::DecidedBy;
    use crate::model::awsauth::lookup::Outcome;
    let matrix = result.access_matrix();
    let power = |row: Option<&crate::model::access::Principal>| {
        row.map(|p| (p.tier.as_str().to_string(), p.tier_reason.clone()))
    };
    let wanted = crate::model::iam::Wanted::from_arn(&identity.canonical_arn);
    let (username, groups, row) = match decision.decided_by {
        DecidedBy::AccessEntry => {
            let Some(entry) = decision.access_entry else {
                return Default::default();
            };
            let username = entry.username.as_deref().and_then(|template| {
                crate::model::awsauth::template::render(template, &identity.context)
                    .ok()
                    .map(|r| r.text)
            });
            let row = matrix.iter().find(|p| {
                p.source.is_access_entry() && crate::model::iam::Wanted::from_arn(&p.arn) == wanted
            });
            (username, entry.kubernetes_groups.clone(), row)
        }
        DecidedBy::AwsAuth => match outcome {
            Some(Outcome::Mapped {
                via,
                index,
                username,
                groups,
                ..
            }) => {
                let row = matrix.iter().find(|p| match (&p.source, index) {
                    (PrincipalSource::AwsAuth { section, index: i }, Some(index)) => {
                        section == via && i == index
                    }
                    (PrincipalSource::MapAccounts { .. }, None) => {
                        p.mapped_account() == Some(wanted.as_ref().map_or("", |w| &w.account))
                    }
                    _ => false,
                });
                (Some(username.clone()), groups.clone(), row)
            }
            _ => return Default::default(),
        },
        DecidedBy::HiddenCreator => {
            let row = matrix.iter().find(|p| p.source.is_hidden());
            (
                Some(identity.canonical_arn.clone()),
                vec![
                    crate::model::policies::privileged_groups()
                        .superuser_group
                        .name
                        .clone(),
                ],
                row,
            )
        }
        DecidedBy::Nobody => return Default::default(),
    };
    let (power, power_reason) = power(row).unzip();
    crate::report::whois::Effective {
        username,
        groups,
        power,
        power_reason,
        capabilities: row.map(|p| p.capabilities.clone()).unwrap_or_default(),
        granted: row.and_then(|p| p.provenance.clone()),
        could_become: Vec::new(),
    }
}

/// The latent rows of the access matrix for this principal: how it could make itself an
/// administrator it is not today.
fn could_become(identity: &Identity, result: &crate::judge::result::CheckResult) -> Vec<String> {
    let wanted = crate::model::iam::Wanted::from_arn(&identity.canonical_arn);
    result
        .access_matrix()
        .iter()
        .filter(|p| {
            matches!(p.source, crate::model::access::PrincipalSource::Latent(_))
                && wanted.is_some()
                && crate::model::iam::Wanted::from_arn(&p.arn) == wanted
        })
        .map(|p| {
            format!(
                "{} through {}: {} — {}",
                p.tier, p.source, p.tier_reason, p.note
            )
        })
        .collect()
}

/// `whois ARN --snapshot FILE` or `whois ARN --cluster NAME`: access entries and aws-auth
/// under the cluster's mode. Exit 3 when something it needed could not be read.
pub fn run_cluster(
    caller: &Caller<'_>,
    snapshot_path: Option<&str>,
    cluster: Option<ClusterTarget>,
    format: TextOrJson,
    policy: Option<&Policy>,
) -> CliResult {
    let identity = identity(caller)?;
    let snapshot = match (snapshot_path, cluster) {
        (Some(path), _) => read_snapshot(&read_all(&[path.to_string()])?.remove(0))?,
        (None, Some(target)) => collect_snapshot(target)?,
        (None, None) => unreachable!("clap requires --file, --snapshot or --cluster"),
    };
    let step = policy.map(super::policy::step);
    let finish: Vec<&dyn crate::judge::Finish> = step.iter().map(|s| s as _).collect();
    let result = crate::judge::judge_snapshot(&snapshot, &finish)?;
    let mut incomplete = Vec::new();
    if let Fetched::Unknown(u) = &snapshot.aws_auth {
        incomplete.push(format!(
            "aws-auth: unknown({}): {}",
            u.reason.as_str(),
            u.detail
        ));
    }
    let entries: &[crate::evidence::AccessEntry] = match &snapshot.access_entries {
        Fetched::Found(entries) => entries,
        Fetched::Absent => &[],
        Fetched::Unknown(u) => {
            incomplete.push(format!(
                "access entries: unknown({}): {}",
                u.reason.as_str(),
                u.detail
            ));
            &[]
        }
    };
    let doc = result.documents.first();
    let outcome = doc.map(|d| lookup(d.lookup_sections(), &identity, false));
    let mode = snapshot.cluster.authentication_mode.as_ref();
    let decision = crate::model::access::whois::decide(
        mode,
        &identity,
        outcome.as_ref(),
        entries,
        snapshot.caller.found(),
    );
    let mut effective = effective(&decision, outcome.as_ref(), &identity, &result);
    effective.could_become = could_become(&identity, &result);
    let view = ClusterWhois {
        identity: &identity,
        cluster_arn: &snapshot.cluster.arn,
        mode,
        decision: &decision,
        aws_auth: doc.zip(outcome.as_ref()),
        incomplete: &incomplete,
        effective,
    };
    let text = match format {
        TextOrJson::Json => {
            let policy = policy.map(|policy| policy_json(policy, &result, &identity));
            format!(
                "{}\n",
                serde_json::to_string_pretty(&view.json(policy)).expect("serialisable")
            )
        }
        TextOrJson::Text => {
            let mut text = view.text();
            if let Some(policy) = policy {
                text.push_str(&policy_text(policy, &result, &identity));
            }
            text
        }
    };
    write_stdout(&text)?;
    Ok(ExitStatus::judged(!incomplete.is_empty(), false, false))
}
