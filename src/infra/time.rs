//! Instants as the tool writes them.

use std::time::SystemTime;

/// RFC 3339 in whole seconds, UTC (`2026-11-28T12:14:00Z`), as `aws eks get-token` writes it.
pub fn rfc3339(time: SystemTime) -> String {
    rfc3339_secs(epoch_secs(time))
}

/// [`rfc3339`] of seconds since the Unix epoch.
pub fn rfc3339_secs(secs: i64) -> String {
    aws_smithy_types::DateTime::from_secs(secs)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// Seconds since the Unix epoch of an RFC 3339 instant (`2026-11-28T12:14:00Z`, fractions and
/// offsets included); `None` when the text is not one.
pub fn parse_secs(text: &str) -> Option<i64> {
    aws_smithy_types::DateTime::from_str(text, aws_smithy_types::date_time::Format::DateTime)
        .ok()
        .map(|t| t.secs())
}

/// Seconds since the Unix epoch (0 before it).
pub fn epoch_secs(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `wait` scaled by a random factor in [0.5, 1): clients that failed together (a fleet's
/// clusters behind one throttled API server) do not retry in step. The randomness is the
/// standard library's per-map hash keys, which is all a backoff needs.
pub fn jittered(wait: std::time::Duration) -> std::time::Duration {
    use std::hash::BuildHasher;
    let random = std::collections::hash_map::RandomState::new().hash_one(wait);
    wait.mul_f64(0.5 + (random % 1024) as f64 / 2048.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_jittered_wait_is_between_half_and_all_of_it() {
        let wait = std::time::Duration::from_millis(800);
        let waits: Vec<_> = (0..200).map(|_| super::jittered(wait)).collect();
        assert!(
            waits.iter().all(|w| *w >= wait / 2 && *w < wait),
            "{waits:?}"
        );
        // Not one fixed value: retries do not march in step.
        assert!(waits.iter().any(|w| *w != waits[0]));
    }
}
