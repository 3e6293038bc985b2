//! A file as it was at a git revision (`diff --git REV FILE`), read with `git show`, capped
//! like any other input.

use crate::inputs::manifest::InputFile;
use crate::inputs::manifest::MAX_INPUT_BYTES;

/// `git show` could not give the file.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git could not be run: {0}")]
    NotRun(String),
    #[error("git show {rev}:{path}: {message}")]
    Failed {
        rev: String,
        path: String,
        message: String,
    },
    #[error("git show {rev}:{path}: larger than {MAX_INPUT_BYTES} bytes")]
    TooLarge { rev: String, path: String },
}

/// The file at `path` (relative to the current directory) as of `rev`; `None` when the file
/// did not exist at that revision (a pull request that adds it).
pub fn file_at(rev: &str, path: &str) -> Result<Option<InputFile>, GitError> {
    if rev.starts_with('-') {
        return Err(GitError::Failed {
            rev: rev.to_string(),
            path: path.to_string(),
            message: "a revision cannot start with `-`".to_string(),
        });
    }
    // `REV:./PATH` is relative to the current directory, as the user typed PATH.
    let relative = if path.starts_with("./") || path.starts_with('/') {
        path.to_string()
    } else {
        format!("./{path}")
    };
    let exists = std::process::Command::new("git")
        .args(["cat-file", "-e", &format!("{rev}:{relative}")])
        .output()
        .map_err(|e| GitError::NotRun(e.to_string()))?;
    if !exists.status.success() {
        // Tell "no such file at REV" from "no such revision" (or not a repository).
        let revision = std::process::Command::new("git")
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ])
            .output()
            .map_err(|e| GitError::NotRun(e.to_string()))?;
        if revision.status.success() {
            return Ok(None);
        }
        return Err(GitError::Failed {
            rev: rev.to_string(),
            path: path.to_string(),
            message: format!(
                "not a revision of this repository{}",
                String::from_utf8_lossy(&exists.stderr)
                    .lines()
                    .next()
                    .map_or(String::new(), |l| format!(" ({})", l.trim()))
            ),
        });
    }
    let shown = std::process::Command::new("git")
        .args(["show", &format!("{rev}:{relative}")])
        .output()
        .map_err(|e| GitError::NotRun(e.to_string()))?;
    if !shown.status.success() {
        return Err(GitError::Failed {
            rev: rev.to_string(),
            path: path.to_string(),
            message: String::from_utf8_lossy(&shown.stderr).trim().to_string(),
        });
    }
    if shown.stdout.len() > MAX_INPUT_BYTES {
        return Err(GitError::TooLarge {
            rev: rev.to_string(),
            path: path.to_string(),
        });
    }
    Ok(Some(InputFile {
        path: format!("{rev}:{path}"),
        bytes: shown.stdout,
    }))
}
