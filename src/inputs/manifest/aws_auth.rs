//! One input as a source read it, and an input that cannot be judged (always with its file,
//! line and column).

/// One input as read by a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// An input we could not judge. Always names the file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct CheckError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// ConfigMap data limit the API server enforces (`data` plus `binaryData`).
pub const MAX_CONFIGMAP_DATA_BYTES: usize = 1024 * 1024;
