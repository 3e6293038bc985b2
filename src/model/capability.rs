//! What a role's rules let its holder do that leads to more power than the rules say: the
//! dangerous capabilities of Kubernetes' RBAC good practices and of the EKS threat model —
//! reading Secrets, running code as a namespace's service accounts (creating or patching pods
//! and workloads, `exec`/`attach`, ephemeral containers, service-account tokens, token Secrets,
//! impersonating service accounts), editing `kube-system/aws-auth`, the kubelet's API
//! (`nodes/proxy`), admission webhooks and policies, host-path volumes, relaxing a namespace's
//! Pod Security labels, stealing pods from nodes — each where the binding makes it apply, and
//! the tier it amounts to, with the reason written out. Pure.
//!
//! Matching is RBAC's own: `*` in verbs, resources and API groups; `*/SUB` and `RES/SUB` for
//! subresources; `resourceNames` limits a rule to the objects it names (and never allows
//! `create`, which has no name when it is authorised), so `configmaps` limited to `coredns` is
//! not aws-auth. Resource names are compared exactly: `secret` (singular) names nothing.

use crate::evidence::PolicyRule;
use crate::model::access::Tier;

/// The namespace whose service accounts run the cluster's own controllers: code run as them
/// is admin-equivalent. On EKS the controller manager runs with a service account per
/// controller in `kube-system` (`clusterrole-aggregation-controller` may `escalate`, the
/// garbage collector may delete anything), and the add-ons' accounts live there too.
pub const SYSTEM_NAMESPACE: &str = "kube-system";

/// One dangerous capability a grant carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    /// What it is, in words: `can read every Secret cluster-wide`.
    pub what: String,
    /// The tier it amounts to on its own.
    pub tier: Tier,
    /// A way in only where EKS reads aws-auth (`CONFIG_MAP`, `API_AND_CONFIG_MAP`).
    pub through_aws_auth: bool,
    /// Running code as the service accounts of this namespace (not `kube-system`, already
    /// judged admin-equivalent): its power is theirs, which RBAC's bindings to them decide
    /// (`crate::model::rbac` raises it when one of them is an administrator).
    pub runs_as_in: Option<String>,
}

/// Where a grant applies: the whole cluster (a ClusterRoleBinding) or one namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach<'a> {
    Cluster,
    Namespace(&'a str),
}

impl Reach<'_> {
    fn includes_system(self) -> bool {
        match self {
            Reach::Cluster => true,
            Reach::Namespace(ns) => ns == SYSTEM_NAMESPACE,
        }
    }

    /// `cluster-wide`, `in kube-system`, `in namespace team-a`.
    fn place(self) -> String {
        match self {
            Reach::Cluster => "cluster-wide".to_string(),
            Reach::Namespace(ns) if ns == SYSTEM_NAMESPACE => format!("in {ns}"),
            Reach::Namespace(ns) if ns.ends_with('*') => format!("in namespaces matching {ns}"),
            Reach::Namespace(ns) => format!("in namespace {ns}"),
        }
    }
}

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v == value)
}

/// Whether a rule's `resources` entry matches `wanted` (`pods`, `pods/exec`).
fn resource_matches(rule_resource: &str, wanted: &str) -> bool {
    if rule_resource == "*" || rule_resource == wanted {
        return true;
    }
    match (rule_resource.strip_prefix("*/"), wanted.split_once('/')) {
        (Some(sub), Some((_, wanted_sub))) => sub == wanted_sub,
        _ => false,
    }
}

/// Whether `rule` allows one of `verbs` on one of `resources` in one of `groups`, on any
/// object (no `resourceNames`) or, when `names` is given, on an object of those names.
fn allows(rule: &PolicyRule, verbs: &[&str], resources: &[&str], groups: &[&str]) -> bool {
    let verb = has(&rule.verbs, "*") || verbs.iter().any(|v| has(&rule.verbs, v));
    let group = has(&rule.api_groups, "*") || groups.iter().any(|g| has(&rule.api_groups, g));
    let resource = rule
        .resources
        .iter()
        .any(|r| resources.iter().any(|w| resource_matches(r, w)));
    verb && group && resource
}

/// Whether the rules allow it on every object (no rule limited to names needed).
fn any_object(rules: &[PolicyRule], verbs: &[&str], resources: &[&str], groups: &[&str]) -> bool {
    rules
        .iter()
        .any(|r| r.resource_names.is_empty() && allows(r, verbs, resources, groups))
}

/// Whether the rules allow it on the object `name` (a rule limited to names that include it,
/// or one not limited).
fn on_object(
    rules: &[PolicyRule],
    verbs: &[&str],
    resources: &[&str],
    groups: &[&str],
    name: &str,
) -> bool {
    rules.iter().any(|r| {
        (r.resource_names.is_empty() || has(&r.resource_names, name))
            && allows(r, verbs, resources, groups)
    })
}

const CORE: &[&str] = &[""];
const WRITE: &[&str] = &["update", "patch"];

/// The workload controllers that make pods: whoever may create one runs pods.
const WORKLOADS: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

/// Every dangerous capability of `rules` where `reach` makes them apply. A ClusterRole bound
/// by a RoleBinding applies in that namespace only, and grants nothing on cluster-scoped
/// resources (nodes, webhooks, persistent volumes, namespaces).
pub fn capabilities(rules: &[PolicyRule], reach: Reach<'_>) -> Vec<Capability> {
    let mut out = Vec::new();
    let place = reach.place();
    let system = reach.includes_system();
    // Running code as the namespace's service accounts: in kube-system (or cluster-wide)
    // admin-equivalent; elsewhere edit, unless RBAC makes one of them more
    // (`crate::model::rbac` raises it then).
    let runs_as = |how: &str| -> Capability {
        if system {
            Capability {
                what: format!(
                    "can {how} {place}: runs as any service account of {SYSTEM_NAMESPACE} (assumed: some are bound to cluster-wide power, as the controller manager's accounts are on every EKS cluster)"
                ),
                tier: Tier::ClusterAdmin,
                through_aws_auth: false,
                runs_as_in: None,
            }
        } else {
            Capability {
                what: format!("can {how} {place}: runs as any of its service accounts"),
                tier: Tier::Edit,
                through_aws_auth: false,
                runs_as_in: match reach {
                    Reach::Namespace(ns) => Some(ns.to_string()),
                    Reach::Cluster => None,
                },
            }
        }
    };
    let mut running = Vec::new();
    let creates_workload: Vec<&str> = WORKLOADS
        .iter()
        .filter(|(group, resource)| any_object(rules, &["create"], &[resource], &[group]))
        .map(|(_, resource)| *resource)
        .collect();
    if !creates_workload.is_empty() {
        running.push(runs_as(&format!("create {}", creates_workload.join(", "))));
    }
    if any_object(rules, WRITE, &["pods"], CORE) {
        running.push(runs_as("patch or update pods (change their images)"));
    }
    let mut into_pods = Vec::new();
    if any_object(rules, &["create"], &["pods/exec"], CORE) {
        into_pods.push("exec into");
    }
    if any_object(rules, &["create"], &["pods/attach"], CORE) {
        into_pods.push("attach to");
    }
    if any_object(rules, WRITE, &["pods/ephemeralcontainers"], CORE) {
        into_pods.push("add ephemeral containers to");
    }
    if !into_pods.is_empty() {
        running.push(runs_as(&format!("{} pods", into_pods.join(", "))));
    }
    if any_object(rules, &["impersonate"], &["serviceaccounts"], CORE) {
        running.push(runs_as("impersonate service accounts"));
    }
    if any_object(rules, &["create"], &["serviceaccounts/token"], CORE) {
        running.push(runs_as("create service-account tokens"));
    }
    if any_object(rules, &["create"], &["secrets"], CORE) {
        running.push(runs_as(
            "create Secrets (a service-account token Secret is filled with a token)",
        ));
    }
    out.extend(running);
    let mut add = |what: String, tier: Tier| {
        out.push(Capability {
            what,
            tier,
            through_aws_auth: false,
            runs_as_in: None,
        });
    };
    // Reading Secrets.
    if any_object(rules, &["get", "list", "watch"], &["secrets"], CORE) {
        add(
            match reach {
                Reach::Cluster => "can read every Secret cluster-wide (service-account tokens, stored credentials)".to_string(),
                _ => format!("can read every Secret {place} (service-account tokens, stored credentials)"),
            },
            Tier::Edit,
        );
    }
    // aws-auth: an unnamed configmaps write in kube-system, or one naming aws-auth.
    if system
        && (on_object(rules, WRITE, &["configmaps"], CORE, "aws-auth")
            || any_object(rules, &["create"], &["configmaps"], CORE))
    {
        out.push(Capability {
            what: format!(
                "can edit {SYSTEM_NAMESPACE}/aws-auth ({place}): maps anyone to system:masters where EKS reads aws-auth (CONFIG_MAP, API_AND_CONFIG_MAP)"
            ),
            tier: Tier::ClusterAdmin,
            through_aws_auth: true,
            runs_as_in: None,
        });
    }
    if reach == Reach::Cluster {
        cluster_scoped(rules, &mut out);
    }
    out
}

/// What only a cluster-wide grant can give: cluster-scoped resources.
fn cluster_scoped(rules: &[PolicyRule], out: &mut Vec<Capability>) {
    let mut add = |what: &str, tier: Tier| {
        out.push(Capability {
            what: what.to_string(),
            tier,
            through_aws_auth: false,
            runs_as_in: None,
        });
    };
    if any_object(rules, &["get", "create"], &["nodes/proxy"], CORE) {
        add(
            "can reach the kubelet API through nodes/proxy (get is enough): exec into any pod on any node",
            Tier::ClusterAdmin,
        );
    }
    const ADMISSION: &[&str] = &["admissionregistration.k8s.io"];
    const WRITE_OBJECTS: &[&str] = &["create", "update", "patch"];
    if any_object(
        rules,
        WRITE_OBJECTS,
        &["mutatingwebhookconfigurations"],
        ADMISSION,
    ) {
        add(
            "can write mutating admission webhooks: rewrites every pod created, kube-system's included",
            Tier::ClusterAdmin,
        );
    }
    if any_object(
        rules,
        WRITE_OBJECTS,
        &[
            "validatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
        ],
        ADMISSION,
    ) {
        add(
            "can write validating admission webhooks or policies: sees every object sent to them (Secrets included) and can block any write",
            Tier::Edit,
        );
    }
    if any_object(rules, &["create"], &["persistentvolumes"], CORE) {
        add(
            "can create persistent volumes (hostPath): a node's root filesystem for any pod that claims it",
            Tier::Admin,
        );
    }
    if any_object(rules, WRITE, &["namespaces"], CORE) {
        add(
            "can patch namespaces: relaxes their Pod Security labels (privileged pods where it may create pods)",
            Tier::Edit,
        );
    }
    if any_object(
        rules,
        &["delete", "create"],
        &["pods", "pods/eviction"],
        CORE,
    ) && any_object(rules, WRITE, &["nodes"], CORE)
    {
        add(
            "can evict pods and patch nodes (taints, labels): steals pods, and their service accounts, onto a node it controls",
            Tier::Admin,
        );
    }
    signs_certificates(rules, out);
}

/// Creating and approving certificate signing requests: on Kubernetes at large, a client
/// certificate for any user or group (`system:masters` included) — which is why generic
/// scanners rate it cluster-admin. On EKS it is not: the EKS User Guide ("Secure workloads with
/// Kubernetes certificates") says the cluster's CA signs through the custom signer
/// `beta.eks.amazonaws.com/app-serving` only, for serving certificates, and that client
/// certificate signing is not supported. So it mints TLS certificates for in-cluster names
/// (a man in the middle of a Service), not a way in: rated `custom`, and said why.
fn signs_certificates(rules: &[PolicyRule], out: &mut Vec<Capability>) {
    const CERTIFICATES: &[&str] = &["certificates.k8s.io"];
    let creates = any_object(
        rules,
        &["create"],
        &["certificatesigningrequests"],
        CERTIFICATES,
    );
    let approves = rules.iter().any(|r| {
        allows(
            r,
            WRITE,
            &["certificatesigningrequests/approval"],
            CERTIFICATES,
        )
    }) && rules
        .iter()
        .any(|r| allows(r, &["approve"], &["signers"], CERTIFICATES));
    if creates && approves {
        out.push(Capability {
            what: "can create and approve certificate signing requests: on EKS a serving certificate for any in-cluster name (beta.eks.amazonaws.com/app-serving), not a client certificate — EKS signs none, so no way in as another user (per the EKS User Guide; generic Kubernetes would issue system:masters here)".to_string(),
            tier: Tier::Custom,
            through_aws_auth: false,
            runs_as_in: None,
        });
    }
}

/// Whether every rule only reads (`get`, `list`, `watch`) and none reads Secrets: a viewer.
pub fn read_only(rules: &[PolicyRule]) -> bool {
    !rules.is_empty()
        && rules.iter().all(|r| {
            !r.verbs.is_empty()
                && r.verbs
                    .iter()
                    .all(|v| matches!(v.as_str(), "get" | "list" | "watch"))
        })
        && !rules
            .iter()
            .any(|r| allows(r, &["get", "list", "watch"], &["secrets"], CORE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        PolicyRule::of(groups, resources, verbs)
    }

    fn named(mut rule: PolicyRule, names: &[&str]) -> PolicyRule {
        rule.resource_names = names.iter().map(|s| s.to_string()).collect();
        rule
    }

    fn strongest(rules: &[PolicyRule], reach: Reach<'_>) -> Option<Tier> {
        capabilities(rules, reach).iter().map(|c| c.tier).max()
    }

    #[test]
    fn secrets_are_read_only_when_named_exactly() {
        let reader = [rule(&[""], &["secrets"], &["get", "list"])];
        assert_eq!(strongest(&reader, Reach::Cluster), Some(Tier::Edit));
        assert!(
            capabilities(&reader, Reach::Cluster)[0]
                .what
                .contains("every Secret cluster-wide")
        );
        // `secret` (singular) names nothing; `secrets` in the apps group is not the core one.
        assert_eq!(
            strongest(&[rule(&[""], &["secret"], &["get"])], Reach::Cluster),
            None
        );
        assert_eq!(
            strongest(&[rule(&["apps"], &["secrets"], &["get"])], Reach::Cluster),
            None
        );
        // `*` verbs and resources include them.
        assert!(strongest(&[rule(&[""], &["*"], &["get"])], Reach::Cluster).is_some());
    }

    #[test]
    fn workloads_in_the_system_namespace_are_admin_equivalent() {
        let deployer = [rule(&["apps"], &["deployments"], &["create"])];
        assert_eq!(
            strongest(&deployer, Reach::Cluster),
            Some(Tier::ClusterAdmin)
        );
        assert_eq!(
            strongest(&deployer, Reach::Namespace("kube-system")),
            Some(Tier::ClusterAdmin)
        );
        assert_eq!(
            strongest(&deployer, Reach::Namespace("team-a")),
            Some(Tier::Edit)
        );
        // The group counts: deployments in the core group do not exist.
        assert_eq!(
            strongest(
                &[rule(&[""], &["deployments"], &["create"])],
                Reach::Cluster
            ),
            None
        );
        for (group, resource) in WORKLOADS {
            assert!(
                strongest(&[rule(&[group], &[resource], &["*"])], Reach::Cluster).is_some(),
                "{resource}"
            );
        }
        // exec, attach, ephemeral containers, tokens.
        for (resource, verb) in [
            ("pods/exec", "create"),
            ("pods/attach", "create"),
            ("pods/ephemeralcontainers", "patch"),
            ("serviceaccounts/token", "create"),
            ("*/exec", "create"),
            ("serviceaccounts", "impersonate"),
        ] {
            assert_eq!(
                strongest(
                    &[rule(&[""], &[resource], &[verb])],
                    Reach::Namespace("kube-system")
                ),
                Some(Tier::ClusterAdmin),
                "{resource}"
            );
        }
        // Reading pods/exec is nothing; a named pod cannot be created.
        assert_eq!(
            strongest(&[rule(&[""], &["pods/log"], &["get"])], Reach::Cluster),
            None
        );
        assert_eq!(
            strongest(
                &[named(rule(&[""], &["pods"], &["create"]), &["x"])],
                Reach::Cluster
            ),
            None
        );
    }

    #[test]
    fn aws_auth_is_an_unnamed_or_named_configmaps_write_in_kube_system() {
        let unnamed = [rule(&[""], &["configmaps"], &["update", "patch"])];
        let caps = capabilities(&unnamed, Reach::Namespace("kube-system"));
        assert!(
            caps.iter()
                .any(|c| c.through_aws_auth && c.tier == Tier::ClusterAdmin)
        );
        let aws_auth = [named(
            rule(&[""], &["configmaps"], &["patch"]),
            &["aws-auth"],
        )];
        assert!(
            capabilities(&aws_auth, Reach::Cluster)
                .iter()
                .any(|c| c.through_aws_auth)
        );
        let coredns = [named(
            rule(&[""], &["configmaps"], &["patch"]),
            &["coredns"],
        )];
        assert!(capabilities(&coredns, Reach::Namespace("kube-system")).is_empty());
        // Elsewhere it is not aws-auth.
        assert!(capabilities(&unnamed, Reach::Namespace("team-a")).is_empty());
    }

    #[test]
    fn node_proxy_webhooks_and_volumes_count_only_cluster_wide() {
        let proxy = [rule(&[""], &["nodes/proxy"], &["get"])];
        assert_eq!(strongest(&proxy, Reach::Cluster), Some(Tier::ClusterAdmin));
        // A RoleBinding grants nothing on cluster-scoped resources.
        assert_eq!(strongest(&proxy, Reach::Namespace("kube-system")), None);
        let admission = ["admissionregistration.k8s.io"];
        assert_eq!(
            strongest(
                &[rule(
                    &admission,
                    &["mutatingwebhookconfigurations"],
                    &["create"]
                )],
                Reach::Cluster
            ),
            Some(Tier::ClusterAdmin)
        );
        assert_eq!(
            strongest(
                &[rule(
                    &admission,
                    &["validatingadmissionpolicies"],
                    &["update"]
                )],
                Reach::Cluster
            ),
            Some(Tier::Edit)
        );
        assert_eq!(
            strongest(
                &[rule(&[""], &["persistentvolumes"], &["create"])],
                Reach::Cluster
            ),
            Some(Tier::Admin)
        );
        let stealer = [
            rule(&[""], &["pods/eviction"], &["create"]),
            rule(&[""], &["nodes"], &["patch"]),
        ];
        assert_eq!(strongest(&stealer, Reach::Cluster), Some(Tier::Admin));
        assert_eq!(strongest(&stealer[..1], Reach::Cluster), None);
    }

    /// Generic scanners rate a CSR approver cluster-admin; on EKS it gets serving certificates
    /// only: a capability said, rated custom, and only with all three permissions.
    #[test]
    fn certificate_approval_is_no_way_in_on_eks() {
        let certs = ["certificates.k8s.io"];
        let approver = [
            rule(&certs, &["certificatesigningrequests"], &["create", "get"]),
            rule(
                &certs,
                &["certificatesigningrequests/approval"],
                &["update"],
            ),
            named(
                rule(&certs, &["signers"], &["approve"]),
                &["kubernetes.io/kube-apiserver-client"],
            ),
        ];
        let found = capabilities(&approver, Reach::Cluster);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].tier, Tier::Custom);
        assert!(found[0].what.contains("EKS signs none"));
        assert!(capabilities(&approver[..2], Reach::Cluster).is_empty());
        // Cluster-scoped: a RoleBinding grants none of it.
        assert!(capabilities(&approver, Reach::Namespace("kube-system")).is_empty());
    }

    #[test]
    fn a_viewer_only_reads_and_never_secrets() {
        assert!(read_only(&[rule(
            &["", "apps"],
            &["pods", "deployments"],
            &["get", "list", "watch"]
        )]));
        assert!(!read_only(&[rule(&[""], &["*"], &["get"])]));
        assert!(!read_only(&[rule(&[""], &["pods"], &["get", "delete"])]));
        assert!(!read_only(&[]));
    }
}
