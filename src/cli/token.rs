//! `token --cluster-name N`: an ExecCredential with an EKS bearer token, signed in-process (a
//! drop-in for `aws eks get-token`). The token appears on stdout only.

use super::error::CliResult;
use super::output::{runtime, write_stdout};
use crate::cli::exit::ExitStatus;
use crate::source::aws::{AwsSession, CredentialOptions};
use crate::source::token::{exec_credential, mint};

pub fn run(cluster: &str, options: CredentialOptions) -> CliResult {
    let token = runtime()?.block_on(async {
        let session = AwsSession::new(&options).await;
        mint(cluster, &session).await
    })?;
    write_stdout(&exec_credential(&token))?;
    Ok(ExitStatus::Clean)
}
