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

    /// The one rule every command's verdict follows: what could not be evaluated first
    /// (unless allowed), then a finding at or above `--fail-on`, else clean.
    pub fn judged(incomplete: bool, allow_incomplete: bool, failing: bool) -> ExitStatus {
        if incomplete && !allow_incomplete {
            ExitStatus::Incomplete
        } else if failing {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        }
    }

    /// A code read back (a fleet line carries its cluster's); an unknown one is internal.
    pub fn from_code(code: u8) -> ExitStatus {
        match code {
            0 => ExitStatus::Clean,
            1 => ExitStatus::Findings,
            2 => ExitStatus::InputError,
            3 => ExitStatus::Incomplete,
            _ => ExitStatus::Internal,
        }
    }

    /// How bad, for `max` over a fleet: clean, findings, incomplete, input error, internal.
    fn rank(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Incomplete => 2,
            ExitStatus::InputError => 3,
            ExitStatus::Internal => 4,
        }
    }
}

/// Ordered by how bad a run ended, so the worst of many is their `max`.
impl Ord for ExitStatus {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for ExitStatus {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Each code and what it means: the man page's EXIT STATUS, and what [`EXIT_CODES`] says.
pub const EXIT_MEANINGS: [(u8, &str); 5] = [
    (0, "complete, no finding at or above --fail-on"),
    (1, "a finding at or above --fail-on"),
    (2, "usage, input or credential error"),
    (
        3,
        "incomplete (a check could not be evaluated; --allow-incomplete makes it 0)",
    ),
    (4, "internal error"),
];

/// The documented table, as printed in `--help` and the README.
pub const EXIT_CODES: &str = "Exit codes: 0 complete, no finding at or above --fail-on; 1 a finding at or above --fail-on; 2 usage, input or credential error; 3 incomplete (a check could not be evaluated; --allow-incomplete makes it 0); 4 internal error.";

#[cfg(test)]
mod tests {
    use super::ExitStatus::{self, *};

    #[test]
    fn the_help_line_says_what_the_table_says() {
        let said: Vec<String> = super::EXIT_MEANINGS
            .iter()
            .map(|(code, meaning)| format!("{code} {meaning}"))
            .collect();
        assert_eq!(
            super::EXIT_CODES,
            format!("Exit codes: {}.", said.join("; "))
        );
    }

    #[test]
    fn the_worst_of_a_fleet_is_the_max_and_codes_round_trip() {
        let all = [Clean, Findings, Incomplete, InputError, Internal];
        for (i, a) in all.iter().enumerate() {
            assert_eq!(ExitStatus::from_code(a.code()), *a);
            for b in &all[i..] {
                assert_eq!((*a).max(*b), *b, "{a:?} vs {b:?}");
            }
        }
        // Incomplete wins over findings unless allowed; then findings decide.
        assert_eq!(ExitStatus::judged(true, false, true), Incomplete);
        assert_eq!(ExitStatus::judged(true, true, true), Findings);
        assert_eq!(ExitStatus::judged(true, true, false), Clean);
        assert_eq!(ExitStatus::judged(false, false, false), Clean);
    }
}
