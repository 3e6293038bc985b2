//! The rule registry. Each rule lives in its own file: a `META` constant, a `check`
//! function, and a module doc comment that is its documentation (`explain`, `docs/rules/`,
//! SARIF help). Adding a rule means adding its file, its fixtures, and one line below.

mod emit;
pub mod finding;
pub mod policy_facts;
mod prelude;

pub use emit::{At, Emitter};
pub use policy_facts::{PolicyEmitter, PolicyFacts};

use crate::evidence::{
    AccessEntry, ClusterInfo, Creator, Fetched, IamEvidence, ModeChange, NodeRole, OfferedPolicy,
    RbacView, UserInfo,
};
use crate::model::awsauth::document::AwsAuthDocument;
use crate::rules::finding::{Finding, Severity};

/// One kind of input a rule reads. A rule declares the set it needs; the judgement pipeline
/// (`crate::judge`) runs it only when every one was read, lists it as not evaluated (with the
/// first missing input's reason, in the order the rule lists them) when one could not be read,
/// and leaves it out when one is not something the evidence at hand can have (RBAC of a file).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Input {
    /// The aws-auth ConfigMap: a file, or read from the cluster (found or verified absent).
    AwsAuth,
    /// When aws-auth last changed (its creation or managed-fields time).
    AwsAuthHistory,
    /// The caller's identity as the API server sees it (SelfSubjectReview).
    Caller,
    /// ClusterRoles, ClusterRoleBindings, Roles and RoleBindings.
    Rbac,
    /// IAM lookups of the principals named.
    Iam,
    /// The cluster's authentication mode (DescribeCluster).
    Mode,
    /// The access entries with their policies, judged one by one: an entry that could not be
    /// read is undecided on its own.
    AccessEntries,
    /// The complete list of access entries (what no entry says counts too): one entry that
    /// could not be read leaves the rule undecided.
    EntrySet,
    /// The roles of managed node groups and Fargate profiles.
    NodeRoles,
    /// An organisation policy (`--policy`), applied after every other rule.
    Policy,
    /// Every IAM principal's identity policies in the cluster's account
    /// (GetAccountAuthorizationDetails).
    IamPolicies,
}

impl Input {
    /// Every input, in declaration order.
    pub const ALL: [Input; 11] = [
        Input::AwsAuth,
        Input::AwsAuthHistory,
        Input::Caller,
        Input::Rbac,
        Input::Iam,
        Input::Mode,
        Input::AccessEntries,
        Input::EntrySet,
        Input::NodeRoles,
        Input::Policy,
        Input::IamPolicies,
    ];

    /// What the input is, for documentation.
    pub fn describe(self) -> &'static str {
        match self {
            Input::AwsAuth => "the aws-auth ConfigMap",
            Input::AwsAuthHistory => "when aws-auth last changed (a live read or a snapshot)",
            Input::Caller => "the caller's identity (SelfSubjectReview)",
            Input::Rbac => "ClusterRoles, ClusterRoleBindings, Roles and RoleBindings",
            Input::Iam => "IAM lookups of the principals named (AWS credentials)",
            Input::Mode => "the cluster's authentication mode (DescribeCluster)",
            Input::AccessEntries => "the access entries with their access policies",
            Input::EntrySet => "the complete list of access entries with their access policies",
            Input::NodeRoles => "the roles of node groups and Fargate profiles",
            Input::Policy => "an organisation policy (`--policy`); any audit, file or cluster",
            Input::IamPolicies => {
                "every IAM principal's policies in the cluster's account (GetAccountAuthorizationDetails)"
            }
        }
    }
}

/// What a rule with these needs reads, for documentation.
pub fn describe_needs(needs: &[Input]) -> String {
    if needs == [Input::AwsAuth] {
        return "the aws-auth ConfigMap (works offline)".to_string();
    }
    if needs == [Input::Policy] {
        return "an organisation policy (`--policy`), applied to any audit: a file, a cluster, a snapshot, declared access or a diff".to_string();
    }
    let parts: Vec<&str> = needs.iter().map(|i| i.describe()).collect();
    let within = |kinds: &[Input]| needs.iter().all(|i| kinds.contains(i));
    let where_from = if within(&[Input::AwsAuth, Input::Iam, Input::IamPolicies]) {
        "a file with `--resolve`, a live cluster or a snapshot"
    } else if within(&[
        Input::AwsAuth,
        Input::Mode,
        Input::AccessEntries,
        Input::EntrySet,
    ]) {
        "a live cluster, a snapshot, or access declared by a Terraform plan or an eksctl ClusterConfig"
    } else {
        "a live cluster or a snapshot"
    };
    format!("{where_from}: {}", parts.join("; "))
}

/// What a cluster rule reads. The judge calls a rule only when every [`Input`] it needs was
/// read; `aws_auth` is `None` when the cluster verifiably has no aws-auth.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterFacts<'a> {
    pub cluster_arn: &'a str,
    pub aws_auth: Option<&'a AwsAuthDocument>,
    pub caller: Option<&'a UserInfo>,
    pub rbac: Option<RbacView<'a>>,
    pub iam: Option<&'a IamEvidence>,
    /// When aws-auth last changed (RFC 3339), if the API said.
    pub aws_auth_modified: Option<&'a str>,
    /// Who wrote aws-auth (`managedFields`), when the snapshot recorded it.
    pub aws_auth_writers: &'a [crate::evidence::FieldWriter],
    /// The cluster as DescribeCluster described it (mode, creation, bootstrap flag).
    pub cluster: Option<&'a ClusterInfo>,
    /// Every access entry; empty when the cluster has no access-entry API (`CONFIG_MAP`).
    pub access_entries: Option<&'a [AccessEntry]>,
    /// The roles node groups and Fargate profiles run as.
    pub node_roles: Option<&'a [NodeRole]>,
    /// Who created the cluster, as far as CloudTrail (or the user) says.
    pub creator: Option<&'a Fetched<Creator>>,
    /// CloudTrail's EKS events of the cluster (who granted what, and when), when read.
    pub trail: Option<&'a crate::evidence::Fetched<crate::evidence::Trail>>,
    /// The writes of aws-auth in the cluster's audit log, when read.
    pub audit_log: Option<&'a crate::evidence::Fetched<crate::evidence::AuditLog>>,
    /// The cluster's authentication-mode changes (`AccessConfigUpdate`), oldest first, when
    /// they were read: what dates a migration from `CONFIG_MAP`.
    pub mode_changes: Option<&'a Fetched<Vec<ModeChange>>>,
    /// The access policies EKS offers, when they were read.
    pub offered_policies: Option<&'a [OfferedPolicy]>,
    /// Access entries that could not be read (principal, why), or the whole list's reason
    /// (principal empty): a rule that reads entries alongside what its `Needs` names (EA206)
    /// reports them as undecided instead of skipping them.
    pub entries_undecided: &'a [(String, String)],
    /// Why RBAC could not be read, when it is in the audit's scope (a live cluster) and was
    /// not: a rule that reads RBAC beside what its `Needs` names (EA403) reports what RBAC
    /// would have decided as undecided. `None` when RBAC was read, or is out of scope (a file).
    pub rbac_undecided: Option<&'a str>,
}

impl ClusterFacts<'_> {
    /// The authentication mode, when DescribeCluster gave it.
    pub fn mode(&self) -> Option<&crate::evidence::AuthenticationMode> {
        self.cluster?.authentication_mode.as_ref()
    }

    /// The access matrix from these facts.
    pub fn principals(&self) -> Vec<crate::model::access::Principal> {
        crate::model::access::matrix(crate::model::access::AccessInputs {
            mode: self.mode(),
            aws_auth: self.aws_auth,
            aws_auth_unread: None,
            entries: self.access_entries,
            rbac: self.rbac,
            caller: self.caller,
            creator: self.known_creator(),
        })
    }

    /// The creator, when CloudTrail or the user named it.
    pub fn known_creator(&self) -> Option<&Creator> {
        match self.creator? {
            Fetched::Found(creator) => Some(creator),
            _ => None,
        }
    }

    /// The cluster's name for `aws eks … --cluster-name`, or `CLUSTER` when not known.
    pub fn cluster_name(&self) -> &str {
        self.cluster.map_or("CLUSTER", |c| c.name.as_str())
    }

    /// The cluster's account, from its ARN.
    pub fn account(&self) -> Option<&str> {
        crate::model::arn::parse(self.cluster_arn)
            .ok()
            .map(|a| a.account)
    }
}

/// How a rule is run.
#[derive(Clone, Copy)]
pub enum Check {
    /// On one aws-auth document.
    AwsAuth(fn(&AwsAuthDocument, &mut Emitter<'_>)),
    /// On what was read from a cluster.
    Cluster(fn(&ClusterFacts<'_>, &mut Emitter<'_>)),
    /// On what the organisation policy says for the target (run by the policy's finishing
    /// step, `crate::policy`, after every other rule); `true` when the policy gave the rule
    /// something to judge (it ran).
    Policy(PolicyCheck),
    /// The same, after the policy's waivers are applied (EA902 judges the waivers).
    Waivers(PolicyCheck),
}

/// A policy rule's check: reports what it finds, and says whether it ran.
pub type PolicyCheck = fn(&PolicyFacts<'_>, &mut PolicyEmitter<'_>) -> bool;

/// A rule's identity and defaults.
#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    pub code: &'static str,
    pub slug: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The inputs the rule reads, in the order a missing one is reported.
    pub needs: &'static [Input],
}

pub struct Rule {
    pub meta: RuleMeta,
    /// The rule's source file; its `//!` lines are its documentation.
    source: &'static str,
    check: Check,
}

impl Rule {
    /// The rule's documentation in Markdown, from its module doc comment.
    pub fn doc(&self) -> String {
        let mut lines: Vec<&str> = self
            .source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| {
                l.strip_prefix("//! ")
                    .unwrap_or(l.strip_prefix("//!").unwrap_or(l))
            })
            .collect();
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        lines.join("\n")
    }

    /// One `## Heading` section of the documentation, without its heading.
    pub fn doc_section(&self, heading: &str) -> Option<String> {
        let doc = self.doc();
        let start = doc.find(&format!("## {heading}\n"))? + heading.len() + 4;
        let rest = &doc[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim().to_string())
    }

    /// The rule's page: what `explain` prints and `docs/rules/CODE.md` holds.
    pub fn page(&self) -> String {
        rule_page(self)
    }

    /// Whether the rule reads the aws-auth ConfigMap alone (and so runs offline on files).
    pub fn is_offline(&self) -> bool {
        matches!(self.check, Check::AwsAuth(_))
    }

    /// Whether the organisation policy emits the rule's findings.
    pub fn is_policy(&self) -> bool {
        matches!(self.check, Check::Policy(_) | Check::Waivers(_))
    }

    /// Runs a policy rule: its findings, or `None` when the policy gave it nothing to judge.
    /// `after_waivers` picks the rules that judge the waivers' outcomes.
    pub fn run_policy(&self, facts: &PolicyFacts<'_>, after_waivers: bool) -> Option<Vec<Finding>> {
        let check = match (self.check, after_waivers) {
            (Check::Policy(check), false) | (Check::Waivers(check), true) => check,
            _ => return None,
        };
        let mut out = PolicyEmitter::new(&self.meta, facts);
        check(facts, &mut out).then(|| out.into_findings())
    }

    /// Runs an offline rule on a document (a cluster rule reports nothing here).
    pub fn run(&self, doc: &AwsAuthDocument) -> Vec<Finding> {
        self.run_with(doc, None)
    }

    /// Runs an offline rule on a document, with IAM's answers when the audit has them.
    pub fn run_with(&self, doc: &AwsAuthDocument, iam: Option<&IamEvidence>) -> Vec<Finding> {
        match self.check {
            Check::AwsAuth(check) => {
                let mut emitter = Emitter::new(doc, &self.meta).with_iam(iam);
                check(doc, &mut emitter);
                emitter.into_findings()
            }
            Check::Cluster(_) | Check::Policy(_) | Check::Waivers(_) => Vec::new(),
        }
    }

    /// Runs a cluster rule on what was read (an offline rule reports nothing here).
    pub fn run_cluster(&self, facts: &ClusterFacts<'_>) -> Vec<Finding> {
        match self.check {
            Check::Cluster(check) => {
                let mut emitter =
                    Emitter::for_cluster(facts.cluster_arn, facts.aws_auth, &self.meta);
                check(facts, &mut emitter);
                emitter.into_findings()
            }
            Check::AwsAuth(_) | Check::Policy(_) | Check::Waivers(_) => Vec::new(),
        }
    }
}

/// The rule that judges a ConfigMap holding aws-auth's keys where EKS does not look (the only
/// rule such a document is given to).
pub const MISPLACED_CONFIGMAP: &str = "EA125";

macro_rules! registry {
    (offline: [$($offline:ident),* $(,)?] cluster: [$($cluster:ident),* $(,)?] policy: [$($policy:ident),* $(,)?] waivers: [$($waivers:ident),* $(,)?]) => {
        $(mod $offline;)*
        $(mod $cluster;)*
        $(mod $policy;)*
        $(mod $waivers;)*
        /// Every rule, in code order.
        pub static RULES: &[Rule] = &[
            $(Rule {
                meta: $offline::META,
                source: include_str!(concat!(stringify!($offline), ".rs")),
                check: Check::AwsAuth($offline::check),
            },)*
            $(Rule {
                meta: $cluster::META,
                source: include_str!(concat!(stringify!($cluster), ".rs")),
                check: Check::Cluster($cluster::check),
            },)*
            $(Rule {
                meta: $policy::META,
                source: include_str!(concat!(stringify!($policy), ".rs")),
                check: Check::Policy($policy::check),
            },)*
            $(Rule {
                meta: $waivers::META,
                source: include_str!(concat!(stringify!($waivers), ".rs")),
                check: Check::Waivers($waivers::check),
            },)*
        ];
    };
}

registry! {
    offline: [
    ea101_section_lost,
    ea102_data_key_ignored,
    ea103_row_dropped,
    ea104_wrong_type,
    ea105_empty_username,
    ea106_unknown_entry_key,
    ea107_role_path,
    ea108_sts_arn,
    ea109_invalid_arn,
    ea110_duplicate_arn,
    ea111_user_case_variants,
    ea112_wrong_section,
    ea113_system_masters,
    ea114_privileged_system_group,
    ea115_node_identity,
    ea116_caller_controlled_username,
    ea117_unknown_template,
    ea118_map_accounts,
    ea119_sso_matcher,
    ea120_ignored_document,
    ea121_whitespace_in_arn,
    ea122_duplicate_keys,
    ea123_empty_group,
    ea124_data_not_string,
    ea125_misplaced_configmap,
    ea126_deceptive_characters,
    ]
    cluster: [
    ea201_cluster_admin_policy,
    ea202_cluster_wide_admin_or_secrets,
    ea203_impersonate_policy,
    ea204_unknown_access_policy,
    ea205_group_bound_to_admin,
    ea206_group_bound_to_nothing,
    ea207_iam_user_entry,
    ea208_cross_account_entry,
    ea209_username_without_session,
    ea210_dead_access_entry,
    ea211_entry_group_bound_to_admin,
    ea212_username_bound_to_admin,
    ea213_group_sensitive_capability,
    ea301_hidden_creator_config_map,
    ea302_creator_entry_present,
    ea303_config_map_only,
    ea304_shadowed_mapping,
    ea305_ignored_aws_auth,
    ea306_hidden_admin_caller,
    ea307_single_admin_path,
    ea308_node_role_unmapped,
    ea309_api_mode_blocker,
    ea310_aws_auth_edits_unattributable,
    ea401_principal_missing,
    ea402_principal_recreated,
    ea403_admin_broadly_assumable,
    ea404_sso_suffix_stale,
    ea405_latent_admin_eks_api,
    ea406_latent_admin_assume_role,
    ]
    policy: [
    ea501_unexpected_admin,
    ea502_expected_admin_missing,
    ea503_too_few_admins,
    ea504_forbidden,
    ea505_foreign_account,
    ea506_grant_by_unlisted_grantor,
    ]
    waivers: [
    ea902_waiver_unused_or_expired,
    ]
}

/// A rule's page: what `explain` prints and `docs/rules/CODE.md` holds.
pub fn rule_page(rule: &Rule) -> String {
    format!(
        "# {} {}\n\nDefault severity: **{}**. Needs: {}.\n\n{}\n",
        rule.meta.code,
        rule.meta.slug,
        rule.meta.severity,
        describe_needs(rule.meta.needs),
        rule.doc()
    )
}

/// `docs/rules/README.md`.
pub fn rules_index() -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated from the rule registry (`src/rules/`); do not edit by hand.\n\n| code | name | severity | summary |\n|---|---|---|---|\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| [{code}]({code}.md) | {} | {} | {} |\n",
            rule.meta.slug,
            rule.meta.severity,
            rule.meta.summary.replace('|', "\\|"),
            code = rule.meta.code
        ));
    }
    out
}

/// The rule with this code (case-insensitive), if any.
pub fn find(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.meta.code.eq_ignore_ascii_case(code))
}

/// The rules that run on files alone.
pub fn offline_rules() -> impl Iterator<Item = &'static Rule> {
    RULES.iter().filter(|r| r.is_offline())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_ordered_and_documented() {
        let mut previous = "";
        for rule in RULES {
            assert!(rule.meta.code > previous, "{} out of order", rule.meta.code);
            previous = rule.meta.code;
            for heading in [
                "What it does",
                "Why is this bad?",
                "Example",
                "Remediation",
                "How to verify by hand",
                "References",
            ] {
                assert!(
                    rule.doc_section(heading).is_some_and(|s| !s.is_empty()),
                    "{} lacks `## {heading}`",
                    rule.meta.code
                );
            }
            assert_eq!(
                rule.is_offline(),
                rule.meta.needs == [Input::AwsAuth],
                "{}: an offline rule needs aws-auth alone, a cluster rule more",
                rule.meta.code
            );
            let mut seen = rule.meta.needs.to_vec();
            seen.sort();
            seen.dedup();
            assert_eq!(
                seen.len(),
                rule.meta.needs.len(),
                "{}: an input twice",
                rule.meta.code
            );
        }
    }
}
