//! The exit-code contract. Scripts depend on it; a test pins it.

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Complete; no finding at or above `--fail-on`.
    Clean = 0,
    /// A finding at or above `--fail-on`.
    Findings = 1,
    /// Usage, policy, input or credential error.
    InputError = 2,
    /// Some check could not be evaluated (`--allow-incomplete` turns this into 0).
    Incomplete = 3,
    /// A bug in aws-auth-audit.
    Internal = 4,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The documented table, as printed in `--help` and the README.
pub const EXIT_CODES: &str = "Exit codes: 0 complete, no finding at or above --fail-on; 1 a finding at or above --fail-on; 2 usage, input or credential error; 3 incomplete (a check could not be evaluated; --allow-incomplete makes it 0); 4 internal error.";
