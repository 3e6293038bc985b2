//! Latent administrators at scale: an account of 2,000 principals, each with three identity
//! policies of a few statements (a mix of `eks:*`, `sts:AssumeRole`, `NotAction`, Denies,
//! conditions and boundaries), judged against one cluster with three administrator roles and a
//! group RBAC binds to cluster-admin, through every way: EA405's EKS API (access policies and
//! the group) and EA406's AssumeRole (every role trusts the account, so each role that can
//! make itself an administrator leads further: chains up to four hops). Target (#26 §5):
//! ≤ 1 s of CPU.
//! Run with `cargo bench --bench latent` (release); under `cargo test --all-targets` it is a
//! smoke run on 200 principals. Figures in docs/performance.md.

use std::time::Instant;

use aws_auth_audit::evidence::{AuthorizedPrincipal, IamAuthorization, IamKind, NamedDocument};
use aws_auth_audit::model::access::Tier;
use aws_auth_audit::model::latent::{Lead, Target, through_assume_role, through_eks_api};
use serde_json::json;

const ACCOUNT: &str = "111122223333";
const CLUSTER: &str = "arn:aws:eks:eu-west-1:111122223333:cluster/prod";

fn account(principals: usize) -> IamAuthorization {
    let shapes = [
        json!([{"Effect": "Allow", "Action": ["s3:*", "ec2:Describe*"], "Resource": "*"}]),
        json!([{"Effect": "Allow", "Action": "eks:*", "Resource": "*"}]),
        json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{ACCOUNT}:role/ops/*")}]),
        json!([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
               {"Effect": "Deny", "Action": "eks:AssociateAccessPolicy", "Resource": "*"}]),
        json!([{"Effect": "Allow", "Action": ["eks:Describe*", "eks:List*"], "Resource": "*"},
               {"Effect": "Allow", "Action": "eks:CreateAccessEntry", "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]),
    ];
    let trust = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}]});
    let mut out: Vec<AuthorizedPrincipal> = (0..principals)
        .map(|i| AuthorizedPrincipal {
            kind: IamKind::Role,
            arn: format!("arn:aws:iam::{ACCOUNT}:role/team-{}/app-{i:05}", i % 40),
            policies: (0..3)
                .map(|k| NamedDocument {
                    name: format!("inline p{k}"),
                    document: json!({"Version": "2012-10-17", "Statement": shapes[(i + k) % shapes.len()]}),
                })
                .collect(),
            boundary: (i % 7 == 0).then(|| NamedDocument {
                name: "boundary".into(),
                document: json!({"Statement": [{"Effect": "Allow", "Action": ["s3:*", "sts:*"], "Resource": "*"}]}),
            }),
            trust_policy: Some(trust.clone()),
        })
        .collect();
    for name in ["admins", "break-glass", "platform"] {
        out.push(AuthorizedPrincipal {
            kind: IamKind::Role,
            arn: format!("arn:aws:iam::{ACCOUNT}:role/ops/{name}"),
            policies: Vec::new(),
            boundary: None,
            trust_policy: Some(trust.clone()),
        });
    }
    IamAuthorization {
        account: ACCOUNT.into(),
        principals: out,
    }
}

fn main() {
    let measure = std::env::args().any(|a| a == "--bench");
    let principals = if measure { 2_000 } else { 200 };
    let authorization = account(principals);
    let admin_groups = [(
        "platform-admins".to_string(),
        "ClusterRoleBinding platform-admins → ClusterRole cluster-admin".to_string(),
    )];
    let target = Target {
        cluster_arn: CLUSTER,
        mode: Some(&aws_auth_audit::evidence::AuthenticationMode::ApiAndConfigMap),
        admin_groups: &admin_groups,
        with_entry: &[],
    };
    let runs = if measure { 5 } else { 1 };
    let mut best = f64::MAX;
    let mut found = (0, 0);
    for _ in 0..runs {
        let started = Instant::now();
        let eks = through_eks_api(&authorization, &target, |_| false);
        let mut leads: Vec<Lead> = ["admins", "break-glass", "platform"]
            .iter()
            .map(|n| Lead {
                arn: format!("arn:aws:iam::{ACCOUNT}:role/{n}"),
                tier: Tier::ClusterAdmin,
                yields: "cluster-admin (aws-auth maps into system:masters)".into(),
                chain: Vec::new(),
                conditions: Vec::new(),
            })
            .collect();
        leads.extend(eks.iter().map(Lead::from));
        let assume = through_assume_role(&authorization, leads, |_| false);
        best = best.min(started.elapsed().as_secs_f64());
        found = (eks.len(), assume.len());
    }
    assert!(found.0 > 0 && found.1 > 0, "{found:?}");
    println!(
        "latent: {principals} principals × 3 policies, 3 admin roles and an admin group: {} through the EKS API, {} through AssumeRole (chains included); best of {runs}: {:.1} ms",
        found.0,
        found.1,
        best * 1000.0
    );
    if measure {
        assert!(best <= 1.0, "over the 1 s target: {best:.3} s");
    }
}
