//! `kubeconfig --name N`: what `aws eks update-kubeconfig` writes, merged into the user's
//! kubeconfig (0600, atomically, never through a symbolic link), with a report of the CA.

use std::io::Write;
use std::path::PathBuf;

use super::args::ExecChoice;
use super::error::{CliError, CliResult};
use super::output::{runtime, write_file, write_stdout};
use crate::cli::exit::ExitStatus;
use crate::infra::escape::terminal;
use crate::inputs::kubeconfig::{ExecPlugin, KubeconfigEntry, merge, parse, to_yaml};
use crate::source::aws::{AwsSession, CredentialOptions};

pub struct KubeconfigArgs {
    pub name: String,
    pub alias: Option<String>,
    pub output: Option<PathBuf>,
    pub exec: ExecChoice,
    pub dry_run: bool,
}

/// `--output`, else the first `KUBECONFIG` entry, else `~/.kube/config`.
fn kubeconfig_path(output: Option<PathBuf>) -> Option<PathBuf> {
    output
        .or_else(|| {
            std::env::var_os("KUBECONFIG")
                .and_then(|v| std::env::split_paths(&v).find(|p| !p.as_os_str().is_empty()))
        })
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".kube/config")))
}

/// The CA's subject, issuer and validity, one line each, with a warning near expiry.
fn certificate_report(ca_data: &str) -> String {
    let mut report = String::new();
    match crate::inputs::certificate::summarize(ca_data, std::time::SystemTime::now()) {
        Ok(certificates) => {
            for c in certificates {
                report.push_str(&format!(
                    "cluster CA: subject {}; issuer {}; valid {} to {}\n",
                    terminal(&c.subject),
                    terminal(&c.issuer),
                    c.not_before,
                    c.not_after
                ));
                if let Some(warning) = c.warning() {
                    report.push_str(&format!("warning: {}\n", terminal(&warning)));
                }
            }
        }
        Err(e) => report.push_str(&format!("warning: {}\n", terminal(&e.to_string()))),
    }
    report
}

pub fn run(args: KubeconfigArgs, options: CredentialOptions) -> CliResult {
    crate::source::token::validate_cluster_name(&args.name)?;
    let path = kubeconfig_path(args.output).ok_or_else(|| {
        CliError::input("no kubeconfig path: pass --output, or set KUBECONFIG or HOME")
    })?;
    let (cluster, info) = runtime()?.block_on(async {
        let session = AwsSession::new(&options).await;
        crate::source::eks::describe_cluster(&args.name, &session).await
    })?;
    let exec = match args.exec {
        ExecChoice::Aws => ExecPlugin::AwsCli,
        ExecChoice::SelfBinary => {
            let binary = std::env::current_exe()
                .and_then(|p| p.canonicalize())
                .map_err(|e| {
                    CliError::internal(format!("locating this binary for the exec plugin: {e}"))
                })?;
            ExecPlugin::SelfBinary(binary.to_string_lossy().into_owned())
        }
    };
    let entry = KubeconfigEntry {
        cluster,
        region: info.region.unwrap_or_default(),
        alias: args.alias,
        exec,
        role_arn: options.role_arn,
        profile: options.profile,
    };
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(CliError::input(format!(
            "{}: is a symbolic link; refusing to write through it",
            path.display()
        )));
    }
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => parse(&path, &text).map_err(|e| CliError::input(e.to_string()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(CliError::input(format!("{}: {e}", path.display()))),
    };
    let updating = existing.as_ref().is_some_and(|c| {
        c["contexts"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["name"] == entry.context_name().as_str()))
    });
    let text = to_yaml(&merge(existing, &entry));
    let report = certificate_report(&entry.cluster.ca_data);
    if args.dry_run {
        let _ = write!(std::io::stderr(), "{report}");
        write_stdout(&text)?;
        return Ok(ExitStatus::Clean);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| CliError::input(format!("{}: {e}", parent.display())))?;
    }
    write_file(&path, &text)?;
    write_stdout(&format!(
        "{} context {} in {}\n{report}",
        if updating { "Updated" } else { "Added new" },
        terminal(&entry.context_name()),
        terminal(&path.display().to_string())
    ))?;
    Ok(ExitStatus::Clean)
}
