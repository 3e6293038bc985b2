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
    read_input_within(path, MAX_INPUT_BYTES)
}

/// Reads a file (or `-`, stdin) of at most `max` bytes: one byte more is read, so that a
/// caller can tell a file over its limit from one at it (`decode_text` refuses it for
/// manifests); `read_whole` refuses it here.
pub fn read_input_within(path: &str, max: usize) -> Result<InputFile, ReadError> {
    let error = |message: String| ReadError {
        path: path.to_string(),
        message,
    };
    let mut bytes = Vec::new();
    let limit = max as u64 + 1;
    let read = if path == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        let metadata = std::fs::metadata(path).map_err(|e| error(e.to_string()))?;
        if metadata.is_dir() {
            return Err(error("is a directory".into()));
        }
        // Read at the file's size at once (a growing buffer would touch twice the memory),
        // and past it only when the file grew meanwhile.
        bytes.reserve_exact(metadata.len().min(limit) as usize + 1);
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| error(e.to_string()))?;
    Ok(InputFile {
        path: path.to_string(),
        bytes,
    })
}

/// Reads a whole file of at most `max` bytes, or says it is larger: never a silently cut one.
pub fn read_whole(path: &str, max: usize) -> Result<InputFile, ReadError> {
    let input = read_input_within(path, max)?;
    if input.bytes.len() > max {
        return Err(ReadError {
            path: path.to_string(),
            message: format!(
                "larger than {} MiB: refusing to read it",
                max / (1024 * 1024)
            ),
        });
    }
    Ok(input)
}
