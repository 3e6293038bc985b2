//! Which organisation policy a command judges against: `--policy FILE`, else
//! `AWS_AUTH_AUDIT_POLICY`, else `.aws-auth-audit.yaml` from the current folder up to the
//! repository root; `--no-policy` for none.

use std::path::PathBuf;

use super::error::CliError;
use crate::policy::{Policy, PolicyStep};
use crate::source::file::read_input;

/// The policy to apply, if any.
pub fn load(explicit: Option<PathBuf>, none: bool) -> Result<Option<Policy>, CliError> {
    if none {
        return Ok(None);
    }
    let found = explicit.or_else(|| {
        let cwd = std::env::current_dir().ok()?;
        crate::policy::discover(std::env::var_os("AWS_AUTH_AUDIT_POLICY"), &cwd, |p| {
            p.exists()
        })
    });
    let Some(path) = found else {
        return Ok(None);
    };
    let input = read_input(&path.to_string_lossy())?;
    let text = String::from_utf8(input.bytes)
        .map_err(|_| CliError::input(format!("{}: the policy is not UTF-8", input.path)))?;
    crate::policy::load(&input.path, &text)
        .map(Some)
        .map_err(|e| CliError::input(e.to_string()))
}

/// The finishing step of a loaded policy, judged as of today.
pub fn step(policy: &Policy) -> PolicyStep<'_> {
    let now = crate::infra::time::rfc3339(std::time::SystemTime::now());
    PolicyStep {
        policy,
        today: now.get(..10).unwrap_or(&now).to_string(),
    }
}
