//! Reading manifests from files or stdin, never more than the input cap (plus one byte, to
//! tell "at the cap" from "over it").

use std::io::Read;

use crate::inputs::manifest::InputFile;
use crate::inputs::manifest::MAX_INPUT_BYTES;

/// A file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ReadError {
    pub path: String,
    pub message: String,
}

/// Reads `path` (`-` for stdin) up to the cap; a larger input is an error, not a truncation.
pub fn read_input(path: &str) -> Result<InputFile, ReadError> {
    let error = |message: String| ReadError {
        path: path.to_string(),
        message,
    };
    let mut bytes = Vec::new();
    let limit = MAX_INPUT_BYTES as u64 + 1;
    let read = if path == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        let metadata = std::fs::metadata(path).map_err(|e| error(e.to_string()))?;
        if metadata.is_dir() {
            return Err(error("is a directory".into()));
        }
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| error(e.to_string()))?;
    Ok(InputFile {
        path: path.to_string(),
        bytes,
    })
}
