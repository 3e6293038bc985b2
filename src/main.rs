//! The `aws-auth-audit` binary: parse, run, map to an exit code. A panic is exit code 4.

use std::process::ExitCode;

fn main() -> ExitCode {
    match std::panic::catch_unwind(|| aws_auth_audit::cli::run(std::env::args_os())) {
        Ok(status) => ExitCode::from(status.code()),
        Err(_) => ExitCode::from(aws_auth_audit::exit::ExitStatus::Internal.code()),
    }
}
