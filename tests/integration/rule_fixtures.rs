//! Each rule alone on its own fixtures: `bad.yaml` fires exactly on the lines annotated
//! `# expect: CODE`, `good.yaml` never fires, and `bad.snap` pins what a user reads.
//! `UPDATE_SNAPSHOTS=1 cargo test --test integration rule_fixtures` rewrites the snapshots.
//!
//! A cluster rule reads more than aws-auth: `bad.cluster.json` and `good.cluster.json` hold
//! the rest of what a live audit reads (`caller`, `rbac`, as a snapshot spells them), and
//! `# expect-cluster: CODE` stands for a finding about the cluster, not a line of the file.
//! IAM rules also read `iam` (what IAM said, as a snapshot spells it) and
//! `aws_auth_modified` from there; access-entry and mode rules read `cluster` (as
//! DescribeCluster described it) and `access_entries`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aws_auth_audit::evidence::Transport;
use aws_auth_audit::evidence::{
    AccessEntry, ClusterInfo, Creator, Fetched, IamEvidence, ModeChange, NodeRole, OfferedPolicy,
    Rbac, Trail, UserInfo,
};
use aws_auth_audit::inputs::manifest::InputFile;
use aws_auth_audit::judge::check;
use aws_auth_audit::judge::result::{HistoryState, LiveContext};
use aws_auth_audit::judge::{Availability, Evidence, judge};
use aws_auth_audit::model::awsauth::documents::read_documents;
use aws_auth_audit::rules::finding::Finding;
use aws_auth_audit::rules::{ClusterFacts, Input, RULES};

/// What a cluster rule reads besides aws-auth.
#[derive(serde::Deserialize)]
struct ClusterFixture {
    caller: Fetched<UserInfo>,
    rbac: Rbac,
    #[serde(default)]
    iam: Option<IamEvidence>,
    #[serde(default)]
    aws_auth_modified: Option<String>,
    #[serde(default)]
    cluster: Option<ClusterInfo>,
    #[serde(default)]
    access_entries: Option<Vec<AccessEntry>>,
    #[serde(default)]
    node_roles: Option<Vec<NodeRole>>,
    #[serde(default)]
    creator: Option<Fetched<Creator>>,
    #[serde(default)]
    mode_changes: Option<Fetched<Vec<ModeChange>>>,
    #[serde(default)]
    offered_policies: Option<Vec<OfferedPolicy>>,
    /// CloudTrail's EKS events of the cluster (who granted what).
    #[serde(default)]
    trail: Option<Fetched<Trail>>,
}

const FIXTURE_CLUSTER: &str = "arn:aws:eks:us-east-1:111122223333:cluster/fixture";

fn fixture_dir(code: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rules")
        .join(code)
}

fn findings_of(code: &str, path: &Path) -> Vec<Finding> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = format!("{code}/{}", path.file_name().unwrap().to_string_lossy());
    let result = check(&[InputFile {
        path: name.clone(),
        bytes,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    let rule = RULES.iter().find(|r| r.meta.code == code).unwrap();
    let cluster_path = path.with_extension("cluster.json");
    // A policy rule about what only a cluster has (who granted what) is judged on a cluster
    // fixture, with the policy applied as `cluster --policy` applies it.
    if rule.is_policy() && !cluster_path.exists() {
        return policy_findings(code, path, &name);
    }
    if rule.is_offline() {
        return result
            .findings
            .into_iter()
            .filter(|f| f.code == code)
            .collect();
    }
    let text = std::fs::read_to_string(&cluster_path)
        .unwrap_or_else(|e| panic!("{}: {e}", cluster_path.display()));
    let fixture: ClusterFixture =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", cluster_path.display()));
    let (documents, _) = read_documents(&[InputFile {
        path: name,
        bytes: std::fs::read(path).unwrap(),
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    // The fixture holds everything that was read: the same judgement pipeline as a live
    // audit's decides what the rule sees.
    let evidence = Evidence {
        documents,
        inputs: Input::ALL
            .iter()
            .map(|&input| (input, Availability::Read))
            .collect(),
        facts: ClusterFacts {
            cluster_arn: FIXTURE_CLUSTER,
            caller: fixture.caller.found(),
            rbac: fixture.rbac.complete().ok(),
            iam: fixture.iam.as_ref(),
            aws_auth_modified: fixture.aws_auth_modified.as_deref(),
            cluster: fixture.cluster.as_ref(),
            access_entries: fixture.access_entries.as_deref(),
            node_roles: fixture.node_roles.as_deref(),
            creator: fixture.creator.as_ref(),
            mode_changes: fixture.mode_changes.as_ref(),
            offered_policies: fixture.offered_policies.as_deref(),
            trail: fixture.trail.as_ref(),
            ..ClusterFacts::default()
        },
        cluster_arn: Some(FIXTURE_CLUSTER.to_string()),
        context: fixture.cluster.clone().map(|cluster| LiveContext {
            cluster,
            transport: Transport {
                signed_as: None,
                via: "fixture".into(),
                tls_verified: true,
            },
            caller: None,
            iam: None,
            principals: Vec::new(),
            collected_at: Some(format!("{FIXTURE_DAY}T00:00:00Z")),
            history: Vec::new(),
            history_state: HistoryState::Unread("CloudTrail was not read".into()),
            trail: None,
        }),
        ..Evidence::default()
    };
    let policy = rule.is_policy().then(|| {
        let path = path.parent().unwrap().join("policy.yaml");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        aws_auth_audit::policy::load(&format!("{code}/policy.yaml"), &text)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    let step = policy
        .as_ref()
        .map(|policy| aws_auth_audit::policy::PolicyStep {
            policy,
            today: FIXTURE_DAY.to_string(),
            files: Default::default(),
        });
    let finish: Vec<&dyn aws_auth_audit::judge::Finish> = step
        .iter()
        .map(|s| s as &dyn aws_auth_audit::judge::Finish)
        .collect();
    judge(evidence, &finish)
        .findings
        .into_iter()
        .filter(|f| f.code == code)
        .collect()
}

/// The day policy fixtures are judged on (waivers expire against it).
const FIXTURE_DAY: &str = "2026-06-01";

/// A policy rule's findings on its fixture: `STEM.policy.yaml` beside it, else `policy.yaml`,
/// applied to the file as `check --policy` applies it.
fn policy_findings(code: &str, path: &Path, name: &str) -> Vec<Finding> {
    let dir = path.parent().unwrap();
    let stem = path.file_stem().unwrap().to_string_lossy();
    let own = dir.join(format!("{stem}.policy.yaml"));
    let policy_path = if own.exists() {
        own
    } else {
        dir.join("policy.yaml")
    };
    let text = std::fs::read_to_string(&policy_path)
        .unwrap_or_else(|e| panic!("{}: {e}", policy_path.display()));
    let policy = aws_auth_audit::policy::load(&format!("{code}/policy.yaml"), &text)
        .unwrap_or_else(|e| panic!("{e}"));
    let step = aws_auth_audit::policy::PolicyStep {
        policy: &policy,
        today: FIXTURE_DAY.to_string(),
        files: Default::default(),
    };
    let input = InputFile {
        path: name.to_string(),
        bytes: std::fs::read(path).unwrap(),
    };
    aws_auth_audit::judge::judge_files(&[input], None, &[&step])
        .unwrap_or_else(|e| panic!("{e}"))
        .findings
        .into_iter()
        .filter(|f| f.code == code)
        .collect()
}

/// Lines annotated `# expect: CODE`, the lines after `# expect-below: CODE` (for a line that
/// cannot carry a comment, such as JSON inside a block), and 0 for `# expect-cluster: CODE`.
fn expected_lines(code: &str, path: &Path) -> BTreeSet<usize> {
    let names = |line: &str, marker: &str| {
        line.split(marker)
            .nth(1)
            .is_some_and(|codes| codes.split(',').any(|c| c.trim() == code))
    };
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .flat_map(|(i, line)| {
            let here = names(line, "# expect:").then_some(i + 1);
            let below = names(line, "# expect-below:").then_some(i + 2);
            // A finding about the cluster has no line: 0.
            let cluster = names(line, "# expect-cluster:").then_some(0);
            here.into_iter().chain(below).chain(cluster)
        })
        .collect()
}

fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} {} [{}]\n  {}\n  fix: {}\n",
                f.location.line,
                f.location.column,
                f.severity,
                f.code,
                f.location.route,
                f.message,
                f.remediation
            )
        })
        .collect()
}

#[test]
fn every_rule_fires_exactly_where_its_bad_fixture_says() {
    let mut failures = Vec::new();
    for rule in RULES {
        let code = rule.meta.code;
        let bad = fixture_dir(code).join("bad.yaml");
        let expected = expected_lines(code, &bad);
        assert!(!expected.is_empty(), "{code}: bad.yaml annotates no line");
        let findings = findings_of(code, &bad);
        let actual: BTreeSet<usize> = findings.iter().map(|f| f.location.line).collect();
        if actual != expected {
            failures.push(format!(
                "{code}: expected lines {expected:?}, fired on {actual:?}\n{}",
                render(&findings)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_rule_fires_on_its_good_fixture() {
    for rule in RULES {
        let code = rule.meta.code;
        let findings = findings_of(code, &fixture_dir(code).join("good.yaml"));
        assert!(
            findings.is_empty(),
            "{code} fired on good.yaml:\n{}",
            render(&findings)
        );
    }
}

#[test]
fn rendered_findings_match_their_snapshots() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for rule in RULES {
        let code = rule.meta.code;
        let rendered = render(&findings_of(code, &fixture_dir(code).join("bad.yaml")));
        let snap = fixture_dir(code).join("bad.snap");
        if update {
            std::fs::write(&snap, &rendered).unwrap();
        } else if std::fs::read_to_string(&snap).ok().as_deref() != Some(rendered.as_str()) {
            stale.push(format!("{code}:\n{rendered}"));
        }
    }
    assert!(
        stale.is_empty(),
        "snapshots differ (UPDATE_SNAPSHOTS=1 to accept):\n{}",
        stale.join("\n")
    );
}
