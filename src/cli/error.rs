//! How a command fails: what to tell the user and the exit code it earns. Commands return
//! `Result<ExitStatus, CliError>`, so `?` carries every failure to the one place that prints
//! it (`error: …`, escaped for the terminal) and exits.

use crate::cli::exit::ExitStatus;

/// A command that could not finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    /// 2 for usage, input, output and credential errors; 4 for a failure of our own.
    pub status: ExitStatus,
    pub message: String,
}

/// What a command returns: the exit status it earned, or why it stopped.
pub type CliResult = Result<ExitStatus, CliError>;

impl CliError {
    /// A usage, input, output or credential error: exit 2.
    pub fn input(message: impl Into<String>) -> CliError {
        CliError {
            status: ExitStatus::InputError,
            message: message.into(),
        }
    }

    /// A failure of our own (the async runtime would not start): exit 4.
    pub fn internal(message: impl Into<String>) -> CliError {
        CliError {
            status: ExitStatus::Internal,
            message: message.into(),
        }
    }
}

impl From<crate::inputs::manifest::CheckError> for CliError {
    fn from(error: crate::inputs::manifest::CheckError) -> CliError {
        CliError::input(error.to_string())
    }
}

impl From<crate::source::file::ReadError> for CliError {
    fn from(error: crate::source::file::ReadError) -> CliError {
        CliError::input(error.to_string())
    }
}

impl From<crate::source::audit::StartError> for CliError {
    fn from(error: crate::source::audit::StartError) -> CliError {
        match error {
            crate::source::audit::StartError::Describe(eks) => eks.into(),
            other => CliError::input(other.to_string()),
        }
    }
}

/// An unreachable EKS endpoint is a cluster that could not be audited (exit 3, as a scan says
/// of it); every other DescribeCluster failure is an input or credential error (exit 2).
impl From<crate::source::eks::EksError> for CliError {
    fn from(error: crate::source::eks::EksError) -> CliError {
        match error {
            crate::source::eks::EksError::Unreachable { .. } => CliError {
                status: ExitStatus::Incomplete,
                message: error.to_string(),
            },
            other => CliError::input(other.to_string()),
        }
    }
}

impl From<crate::source::token::TokenError> for CliError {
    fn from(error: crate::source::token::TokenError) -> CliError {
        CliError::input(error.to_string())
    }
}
