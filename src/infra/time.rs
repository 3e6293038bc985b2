//! Instants as the tool writes them.

use std::time::SystemTime;

/// RFC 3339 in whole seconds, UTC (`2026-11-28T12:14:00Z`), as `aws eks get-token` writes it.
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    aws_smithy_types::DateTime::from_secs(secs)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}
