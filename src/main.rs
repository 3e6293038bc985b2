//! The `aws-auth-audit` binary: parse, run, map to an exit code. A panic is exit code 4.

use std::process::ExitCode;

use aws_auth_audit::cli::{guard, run};

/// mimalloc: many small objects (rows, findings) allocated and freed fast, with fewer page
/// faults than glibc's malloc (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    aws_auth_audit::infra::logging::init();
    ExitCode::from(guard(|| run(std::env::args_os())).code())
}
