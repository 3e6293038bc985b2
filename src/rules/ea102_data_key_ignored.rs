//! ## What it does
//! Reports a key of the ConfigMap's `data` that EKS does not read: a wrong-case spelling of
//! `mapRoles`, `mapUsers` or `mapAccounts` (`maproles`, `MapRoles`), a near miss
//! (`mapRole`), or any other key.
//!
//! ## Why is this bad?
//! The authenticator looks up exactly `mapRoles`, `mapUsers` and `mapAccounts`. Any other
//! spelling is ignored without a warning: the mappings under it grant nothing, and the
//! people and nodes they were meant for cannot authenticate. Keys that are unrelated to
//! aws-auth are harmless but misleading, so they are reported at `info`.
//!
//! ## Example
//! ```yaml
//! data:
//!   maproles: |        # ignored: the key is case-sensitive
//!     - rolearn: arn:aws:iam::111122223333:role/NodeRole
//! ```
//!
//! ## Remediation
//! Rename the key to exactly `mapRoles`, `mapUsers` or `mapAccounts`.
//!
//! ## How to verify by hand
//! `kubectl -n kube-system get cm aws-auth -o jsonpath='{.data}'` and compare each key,
//! byte for byte, with the three names above.
//!
//! ## References
//! - aws-iam-authenticator `pkg/mapper/configmap/configmap.go` (`ParseMap` reads `m["mapRoles"]`, `m["mapUsers"]`, `m["mapAccounts"]`)
//! - aws-iam-authenticator fixtures `aws-auth-lower-case-top-keys.yaml`, `aws-auth-crazy-case-top-keys.yaml`

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA102",
    slug: "data-key-ignored",
    severity: Severity::High,
    summary: "data key ignored (wrong case, unknown key)",
    needs: &[Input::AwsAuth],
};

/// Levenshtein distance, for "did you mean".
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

pub fn check(doc: &AwsAuthDocument, out: &mut Emitter<'_>) {
    for data in &doc.data_keys {
        if SectionKey::from_key(&data.key).is_some() {
            continue;
        }
        let lower = data.key.to_lowercase();
        let near = SectionKey::ALL
            .into_iter()
            .map(|s| (edit_distance(&lower, &s.as_str().to_lowercase()), s))
            .min()
            .filter(|(d, _)| *d <= 2);
        match near {
            Some((0, section)) => out.emit(
                At::DataKey(&data.key),
                None,
                format!("data key `{}` is ignored by EKS: keys are case-sensitive, EKS reads only `{section}`", data.key),
                format!("rename `{}` to `{section}`", data.key),
            ),
            Some((_, section)) => out.emit(
                At::DataKey(&data.key),
                None,
                format!("data key `{}` is ignored by EKS; did you mean `{section}`?", data.key),
                format!("rename `{}` to `{section}`", data.key),
            ),
            None => out.emit_with(
                At::DataKey(&data.key),
                None,
                Severity::Info,
                format!("data key `{}` is not read by EKS (only mapRoles, mapUsers and mapAccounts are)", data.key),
                "remove the key if nothing else reads it".to_string(),
            ),
        }
    }
}
