//! What kind of file a user handed the tool, decided once from its bytes: every command that
//! reads a file (`check`, `diff`, `whois`, `policy init`) asks here, so they agree.

/// The `kind` of a fleet scan's JSON report (`scan --format json`).
pub const FLEET_REPORT_KIND: &str = "FleetReport";

/// The `kind`s of the lines of a fleet scan's JSON Lines (`scan --format jsonl`).
const FLEET_LINE_KINDS: [&str; 4] = ["cluster", "not_audited", "skipped", "summary"];

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `terraform show -json` output: the access a change declares, before and after.
    TerraformPlan,
    /// An eksctl `ClusterConfig`: the access it declares.
    EksctlConfig,
    /// What `collect` (or `scan --evidence`) wrote: a cluster's evidence.
    Snapshot,
    /// A fleet scan's JSON report.
    FleetReport,
    /// A fleet scan's JSON Lines.
    FleetLines,
    /// Anything else: Kubernetes manifests (YAML or JSON), judged for aws-auth ConfigMaps.
    Manifest,
}

impl InputKind {
    /// What a report or an error calls it.
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::TerraformPlan => "a Terraform plan",
            InputKind::EksctlConfig => "an eksctl ClusterConfig",
            InputKind::Snapshot => "a snapshot",
            InputKind::FleetReport => "a fleet scan's JSON report",
            InputKind::FleetLines => "a fleet scan's JSON Lines",
            InputKind::Manifest => "Kubernetes manifests",
        }
    }

    /// A fleet scan's output, in either shape.
    pub fn is_fleet(self) -> bool {
        matches!(self, InputKind::FleetReport | InputKind::FleetLines)
    }
}

/// The `kind` member of a JSON object, read without building the whole document.
fn json_kind(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Kind {
        kind: Option<String>,
    }
    serde_json::from_str::<Kind>(text).ok()?.kind
}

/// What `bytes` are. Text that is not UTF-8 is left to the manifest reader, which says so at
/// the offending byte.
pub fn kind_of(bytes: &[u8]) -> InputKind {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return InputKind::Manifest;
    };
    let head = text.trim_start();
    if head.starts_with('{') {
        if super::terraform::is_plan(text) {
            return InputKind::TerraformPlan;
        }
        if crate::evidence::Snapshot::is_snapshot(text) {
            return InputKind::Snapshot;
        }
        let first_line = head.lines().next().unwrap_or_default();
        if json_kind(first_line).is_some_and(|k| FLEET_LINE_KINDS.contains(&k.as_str())) {
            return InputKind::FleetLines;
        }
        if json_kind(text).is_some_and(|k| k == FLEET_REPORT_KIND) {
            return InputKind::FleetReport;
        }
        return InputKind::Manifest;
    }
    if super::eksctl::is_cluster_config(text) {
        return InputKind::EksctlConfig;
    }
    InputKind::Manifest
}

#[cfg(test)]
mod tests {
    use super::{InputKind, kind_of};

    #[test]
    fn each_kind_of_file_is_told_by_its_bytes() {
        let cases: [(&[u8], InputKind); 8] = [
            (
                b"{\"format_version\": \"1.2\", \"resource_changes\": []}",
                InputKind::TerraformPlan,
            ),
            (
                b"apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: a, region: eu-west-1}\n",
                InputKind::EksctlConfig,
            ),
            (
                b"{\"kind\": \"AwsAuthAuditSnapshot\", \"version\": 1}",
                InputKind::Snapshot,
            ),
            (
                b"{\"version\": 1, \"kind\": \"FleetReport\", \"clusters\": []}",
                InputKind::FleetReport,
            ),
            (
                b"{\"kind\":\"not_audited\",\"account\":\"1\"}\n{\"kind\":\"summary\"}\n",
                InputKind::FleetLines,
            ),
            (
                b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth}\n",
                InputKind::Manifest,
            ),
            (b"{\"apiVersion\": \"v1\", \"kind\": \"List\"}", InputKind::Manifest),
            (b"\xff\xfe not text", InputKind::Manifest),
        ];
        for (bytes, kind) in cases {
            assert_eq!(kind_of(bytes), kind, "{}", String::from_utf8_lossy(bytes));
        }
    }
}
