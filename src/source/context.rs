//! Reaching a cluster through a context of an existing kubeconfig (`--context`), vetted
//! first: a kubeconfig is data, so the program its exec plugin names runs only with
//! `--allow-exec`, and a cluster entry that skips TLS verification is refused unless the user
//! passed `--insecure-skip-tls-verify` (the audit then says its transport was unverified).

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::kube::Connection;
use crate::evidence::{ClusterInfo, Transport};

/// What the user allowed for this kubeconfig.
#[derive(Debug, Clone, Default)]
pub struct ContextOptions {
    /// `--kubeconfig`; otherwise `KUBECONFIG`, then `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    pub allow_exec: bool,
    pub insecure_skip_tls_verify: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("reading the kubeconfig: {0}")]
    Read(String),
    #[error("the kubeconfig has no context `{context}`; its contexts: {}", known_list(.known))]
    NoContext { context: String, known: Vec<String> },
    #[error("context `{context}` names cluster `{cluster}`, which the kubeconfig does not define")]
    NoCluster { context: String, cluster: String },
    #[error(
        "context `{context}` gets its credentials by running `{command}` (an exec plugin); pass --allow-exec to let the audit run it"
    )]
    ExecNotAllowed { context: String, command: String },
    #[error(
        "context `{context}` uses an auth-provider plugin, which this tool does not run; use an exec plugin or a token"
    )]
    AuthProvider { context: String },
    #[error(
        "cluster `{cluster}` is marked insecure-skip-tls-verify; refusing to audit over an unverified connection unless --insecure-skip-tls-verify is given"
    )]
    Insecure { cluster: String },
    #[error("context `{context}`: {message}")]
    Config { context: String, message: String },
}

/// Names a newcomer can pick from: each quoted (escaped for the terminal), the first
/// [`KNOWN_SHOWN`] of a long list with how many more, or `none`.
pub(crate) fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        return "none".to_string();
    }
    let mut shown: Vec<String> = known
        .iter()
        .take(KNOWN_SHOWN)
        .map(|n| format!("`{}`", crate::infra::escape::terminal(n)))
        .collect();
    if known.len() > KNOWN_SHOWN {
        shown.push(format!("and {} more", known.len() - KNOWN_SHOWN));
    }
    shown.join(", ")
}

/// How many names an error lists.
const KNOWN_SHOWN: usize = 20;

/// `arn:aws:eks:REGION:ACCOUNT:cluster/NAME` → region, when the name is an EKS cluster ARN.
fn eks_arn_region(name: &str) -> Option<String> {
    let arn = crate::model::arn::parse(name).ok()?;
    (arn.service == "eks" && arn.resource.starts_with("cluster/")).then(|| arn.region.to_string())
}

/// Loads and vets `context`, and returns the connection it makes.
pub async fn connect(
    context: &str,
    options: &ContextOptions,
) -> Result<(Connection, ClusterInfo, Transport), ContextError> {
    let kubeconfig = match &options.kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    }
    .map_err(|e| ContextError::Read(super::token::error_chain(&e)))?;
    let named = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.clone())
        .ok_or_else(|| ContextError::NoContext {
            context: context.to_string(),
            known: kubeconfig.contexts.iter().map(|c| c.name.clone()).collect(),
        })?;
    let cluster = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == named.cluster)
        .and_then(|c| c.cluster.clone())
        .ok_or_else(|| ContextError::NoCluster {
            context: context.to_string(),
            cluster: named.cluster.clone(),
        })?;
    let user = named.user.as_ref().and_then(|user| {
        kubeconfig
            .auth_infos
            .iter()
            .find(|a| &a.name == user)
            .and_then(|a| a.auth_info.clone())
    });
    if let Some(user) = &user {
        if let Some(exec) = &user.exec
            && !options.allow_exec
        {
            return Err(ContextError::ExecNotAllowed {
                context: context.to_string(),
                command: exec.command.clone().unwrap_or_default(),
            });
        }
        if user.auth_provider.is_some() {
            return Err(ContextError::AuthProvider {
                context: context.to_string(),
            });
        }
    }
    let insecure = cluster.insecure_skip_tls_verify == Some(true);
    if insecure && !options.insecure_skip_tls_verify {
        return Err(ContextError::Insecure {
            cluster: named.cluster.clone(),
        });
    }
    let endpoint = cluster.server.clone().unwrap_or_default();
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &KubeConfigOptions {
            context: Some(context.to_string()),
            cluster: None,
            user: None,
        },
    )
    .await
    .map_err(|e| ContextError::Config {
        context: context.to_string(),
        message: super::token::error_chain(&e),
    })?;
    let region = eks_arn_region(&named.cluster);
    let info = ClusterInfo {
        name: named
            .cluster
            .rsplit_once("cluster/")
            .filter(|_| region.is_some())
            .map_or(named.cluster.as_str(), |(_, name)| name)
            .to_string(),
        arn: if region.is_some() {
            named.cluster.clone()
        } else {
            format!("context/{context}")
        },
        endpoint,
        region,
        kubernetes_version: None,
        authentication_mode: None,
        bootstrap_creator_admin: None,
        created_at: None,
        tags: Default::default(),
        audit_log: None,
    };
    let transport = Transport {
        via: format!("kubeconfig context {context}"),
        tls_verified: !insecure,
        signed_as: None,
    };
    Ok((Connection::Kubeconfig(Box::new(config)), info, transport))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_an_eks_cluster_arn_only() {
        assert_eq!(
            eks_arn_region("arn:aws:eks:eu-west-1:123456789012:cluster/prod").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(eks_arn_region("prod"), None);
        assert_eq!(eks_arn_region("arn:aws:iam::123456789012:role/x"), None);
    }
}
