//! Findings: what a rule reports, where, how bad, and a fingerprint that survives
//! re-indentation and reordering.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How bad a finding is. Ordered from least to most severe.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the check failed, could not be evaluated, or only informs. Serialised as its
/// label: `fail`, `unknown(REASON)`, `info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Fail,
    Unknown(String),
    Info,
    /// A failure the organisation policy accepts until a date (see `Finding::waiver`).
    Waived,
}

impl Status {
    pub fn label(&self) -> String {
        match self {
            Status::Fail => "fail".into(),
            Status::Unknown(reason) => format!("unknown({reason})"),
            Status::Info => "info".into(),
            Status::Waived => "waived".into(),
        }
    }
}

/// `fail`, `info`, `waived` or `unknown(REASON)`.
impl schemars::JsonSchema for Status {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Status".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^(fail|info|waived|unknown\\(.+\\))$",
        })
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label())
    }
}

impl<'de> serde::Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let label = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        match label.as_ref() {
            "fail" => Ok(Status::Fail),
            "info" => Ok(Status::Info),
            "waived" => Ok(Status::Waived),
            other => other
                .strip_prefix("unknown(")
                .and_then(|r| r.strip_suffix(')'))
                .map(|reason| Status::Unknown(reason.to_string()))
                .ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "status {other:?} is none of fail, info, waived, unknown(REASON)"
                    ))
                }),
        }
    }
}

/// The code of a coverage gap that is no rule: a value a Terraform plan or eksctl config leaves
/// unknown until apply (its reason names it).
pub const NOT_KNOWN_UNTIL_APPLY: &str = "declared";

/// A rule's code or slug: the catalogue's own string. (An alias, so that serde does not borrow
/// it from the text read: it is looked up in the catalogue instead.)
pub type CatalogueWord = &'static str;

/// A rule code or slug read back from a report, as this build's catalogue spells it: a code the
/// catalogue does not hold (a report of a newer build) is an error, never a made-up rule.
pub mod catalogue_word {
    use serde::Deserialize;

    fn lookup<E: serde::de::Error>(word: &str) -> Result<&'static str, E> {
        if word == super::NOT_KNOWN_UNTIL_APPLY {
            return Ok(super::NOT_KNOWN_UNTIL_APPLY);
        }
        crate::rules::RULES
            .iter()
            .find_map(|r| {
                if r.meta.code == word {
                    Some(r.meta.code)
                } else if r.meta.slug == word {
                    Some(r.meta.slug)
                } else {
                    None
                }
            })
            .ok_or_else(|| {
                E::custom(format!(
                    "rule {word:?} is not in this build's catalogue (a report of another build?)"
                ))
            })
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<&'static str, D::Error> {
        lookup(&std::borrow::Cow::<'de, str>::deserialize(deserializer)?)
    }

    /// A list of codes.
    pub fn list<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<&'static str>, D::Error> {
        Vec::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?
            .iter()
            .map(|w| lookup(w))
            .collect()
    }
}

pub use crate::model::location::Location;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    #[serde(deserialize_with = "catalogue_word::deserialize")]
    pub code: CatalogueWord,
    #[serde(deserialize_with = "catalogue_word::deserialize")]
    pub slug: CatalogueWord,
    pub severity: Severity,
    pub status: Status,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    pub location: Location,
    pub remediation: String,
    pub fingerprint: String,
    /// Benchmark controls the finding evidences (from the policy's `controls`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
    /// The waiver that accepts it, when its status is `waived`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
}

/// Why a finding is waived, as the policy says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WaiverNote {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub expires: String,
    /// `policy.yaml:LINE:COLUMN`.
    pub at: String,
}

impl Finding {
    /// Whether it fails a run at `threshold` (`--fail-on`; `None`: nothing fails): failing
    /// (not waived, informational or undecided) at or above it.
    pub fn fails_at(&self, threshold: Option<Severity>) -> bool {
        self.status == Status::Fail && threshold.is_some_and(|t| self.severity >= t)
    }

    /// The severity as a report's severity column states it: with the status when the finding
    /// is not a failure (`high, waived`, `medium, undecided`), so an accepted or undecided
    /// finding never reads as an open one.
    pub fn severity_label(&self) -> String {
        match &self.status {
            Status::Fail | Status::Info => self.severity.as_str().to_string(),
            Status::Waived => format!("{}, waived", self.severity),
            Status::Unknown(_) => format!("{}, undecided", self.severity),
        }
    }

    /// For a waived finding, the waiver as one line: until when, whose, where, why.
    pub fn waiver_line(&self) -> Option<String> {
        let waiver = self.waiver.as_ref()?;
        Some(format!(
            "waived until {}{} by the waiver at {}: {}",
            waiver.expires,
            waiver
                .owner
                .as_deref()
                .map_or(String::new(), |o| format!(" (owner {o})")),
            waiver.at,
            waiver.reason
        ))
    }
}

/// How a judgement's findings count: the failing ones by severity, and apart from them the
/// waived, the undecided (`unknown`) and the informational. Every report's summary says these,
/// so an accepted or undecided finding is never counted as an open one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Failing findings, indexed by `Severity as usize` (info first).
    pub failing: [usize; 5],
    pub waived: usize,
    pub undecided: usize,
    pub informational: usize,
}

impl Tally {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Tally {
        let mut tally = Tally::default();
        for finding in findings {
            match finding.status {
                Status::Fail => tally.failing[finding.severity as usize] += 1,
                Status::Waived => tally.waived += 1,
                Status::Unknown(_) => tally.undecided += 1,
                Status::Info => tally.informational += 1,
            }
        }
        tally
    }

    /// Failing findings of this severity.
    pub fn failing_at(&self, severity: Severity) -> usize {
        self.failing[severity as usize]
    }

    /// Failing findings at or above `threshold` (`None`: every failing finding).
    pub fn failing_from(&self, threshold: Option<Severity>) -> usize {
        let from = threshold.map_or(0, |t| t as usize);
        self.failing[from..].iter().sum()
    }

    /// `3 failed (0 critical, 1 high, 2 medium, 0 low, 0 info), 1 at or above --fail-on high,
    /// 1 waived, 1 undecided (not evaluated), 3 informational`: the apart counts only when
    /// there are any. `threshold` is `--fail-on` (`None`: nothing fails the run).
    pub fn line(&self, threshold: Option<Severity>) -> String {
        let mut out = format!(
            "{} failed ({} critical, {} high, {} medium, {} low, {} info), {}",
            self.failing_from(None),
            self.failing_at(Severity::Critical),
            self.failing_at(Severity::High),
            self.failing_at(Severity::Medium),
            self.failing_at(Severity::Low),
            self.failing_at(Severity::Info),
            match threshold {
                Some(t) => format!("{} at or above --fail-on {t}", self.failing_from(Some(t))),
                None => "none failing the run (--fail-on none)".to_string(),
            }
        );
        for (count, what) in [
            (self.waived, "waived"),
            (self.undecided, "undecided (not evaluated)"),
            (self.informational, "informational"),
        ] {
            if count > 0 {
                out.push_str(&format!(", {count} {what}"));
            }
        }
        out
    }
}

/// A stable fingerprint from the parts that identify a finding (never line numbers).
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(16);
    for b in &digest[..8] {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    /// The first 8 bytes of SHA-256 over the parts, each ended by NUL, in lowercase hex: the
    /// same bytes Python's `hashlib.sha256(b"EA113\0x\0").hexdigest()[:16]` gives.
    #[test]
    fn fingerprints_are_a_known_answer() {
        assert_eq!(super::fingerprint(&["EA113", "x"]), "03848a1b6a9e04c8");
    }
}
