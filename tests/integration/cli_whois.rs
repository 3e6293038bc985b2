//! `whois` from the command line: who a principal is in the cluster, from a file or a snapshot,
//! under the authentication mode, as EKS would answer.

use crate::common;

use common::run;
use serde_json::Value;

#[test]
fn whois_reads_a_snapshot_under_its_mode() {
    let creator = run(&[
        "whois",
        "arn:aws:sts::123456789012:assumed-role/Platform/alice",
        "--snapshot",
        "examples/snapshot.json",
        "--format",
        "json",
    ]);
    assert_eq!(creator.code, 0, "{}", creator.stderr);
    let answer: Value = serde_json::from_str(&creator.stdout).unwrap();
    assert_eq!(answer["decided_by"], "hidden_creator");
    assert_eq!(answer["aws_auth"]["outcome"], "not_mapped");
    let admin = run(&[
        "whois",
        "arn:aws:iam::123456789012:role/admins",
        "--snapshot",
        "examples/snapshot.json",
    ]);
    assert!(
        admin
            .stdout
            .contains("decided by aws-auth\nCONFIG_MAP: aws-auth only"),
        "{}",
        admin.stdout
    );
    // The decision's identity and power, rendered for this caller.
    assert!(
        admin.stdout.contains(
            "as:            username admin:, groups [system:masters]\npower:         cluster-admin"
        ),
        "{}",
        admin.stdout
    );
    let json: Value = serde_json::from_str(
        &run(&[
            "whois",
            "arn:aws:iam::123456789012:role/admins",
            "--snapshot",
            "examples/snapshot.json",
            "--session-name",
            "alice",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(json["username"], "admin:alice", "{json}");
    assert_eq!(json["groups"], serde_json::json!(["system:masters"]));
    assert_eq!(json["power"], "cluster-admin");
    // aws-auth's own answer is indented under the decision.
    assert!(
        admin.stdout.contains("aws-auth says:\n  arn:"),
        "{}",
        admin.stdout
    );
    // A node role asked without its session name: how to ask as a node.
    let node = run(&[
        "whois",
        "arn:aws:iam::123456789012:role/MyEKSWorkerRole",
        "--file",
        "examples/aws-auth.yaml",
    ]);
    assert!(
        node.stdout.contains("--session-name i-0123456789abcdef0"),
        "{}",
        node.stdout
    );
    let both = run(&["whois", "x", "--file", "a", "--snapshot", "b"]);
    assert_eq!(both.code, 2);
}

/// A principal with no way in today whose IAM policies let it make one: whois says it is
/// refused, and how it could become an administrator (the chain, before SCPs); one that has
/// no such way says nothing of it.
#[test]
fn whois_says_how_a_principal_could_become_an_administrator() {
    let deployer = run(&[
        "whois",
        "arn:aws:sts::123456789012:assumed-role/ci-deployer/build-7",
        "--snapshot",
        "examples/snapshot.json",
    ]);
    assert_eq!(deployer.code, 0, "{}", deployer.stderr);
    assert!(
        deployer.stdout.contains("decided by nobody"),
        "{}",
        deployer.stdout
    );
    assert!(
        deployer.stdout.contains(
            "could become:  cluster-admin through latent (IAM: its own access entry): switch the authentication mode to API_AND_CONFIG_MAP (eks:UpdateClusterConfig"
        ) && deployer.stdout.contains("(before SCPs)"),
        "{}",
        deployer.stdout
    );
    let json: Value = serde_json::from_str(
        &run(&[
            "whois",
            "arn:aws:iam::123456789012:role/ci-deployer",
            "--snapshot",
            "examples/snapshot.json",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    let ways = json["could_become"].as_array().unwrap();
    assert_eq!(ways.len(), 1, "{json}");
    let admin = run(&[
        "whois",
        "arn:aws:iam::123456789012:role/admins",
        "--snapshot",
        "examples/snapshot.json",
    ]);
    assert!(!admin.stdout.contains("could become"), "{}", admin.stdout);
}

#[test]
fn whois_answers_as_eks_would() {
    let node = run(&[
        "whois",
        "arn:aws:sts::123456789012:assumed-role/MyEKSWorkerRole/i-0123456789abcdef0",
        "--file",
        "examples/aws-auth.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(node.code, 0, "{}", node.stderr);
    let v: Value = serde_json::from_str(&node.stdout).unwrap();
    assert_eq!(v["outcome"], "mapped");
    assert_eq!(
        v["canonical_arn"],
        "arn:aws:iam::123456789012:role/MyEKSWorkerRole"
    );
    assert_eq!(v["via"], "mapRoles");
    assert_eq!(
        v["groups"],
        serde_json::json!(["system:bootstrappers", "system:nodes"])
    );
    assert_eq!(v["location"]["line"], 6);
    assert_eq!(
        v["unresolved_templates"],
        serde_json::json!(["EC2PrivateDNSName"])
    );

    let user = run(&[
        "whois",
        "arn:aws:iam::123456789012:user/xxxx",
        "--file",
        "examples/aws-auth.yaml",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&user.stdout).unwrap();
    assert_eq!(
        v["outcome"], "render_error",
        "a user has no instance session: {v}"
    );

    let stranger = run(&[
        "whois",
        "arn:aws:iam::123456789012:role/Other",
        "--file",
        "examples/aws-auth.yaml",
    ]);
    assert!(
        stranger.stdout.contains("not_mapped"),
        "{}",
        stranger.stdout
    );

    let random = run(&[
        "whois",
        "arn:aws:iam::111122223333:user/ALICE",
        "--file",
        "tests/rules/EA111/bad.yaml",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&random.stdout).unwrap();
    assert_eq!(v["outcome"], "nondeterministic");
    assert_eq!(v["candidates"].as_array().unwrap().len(), 2);

    let session = run(&[
        "whois",
        "arn:aws:iam::111122223333:role/Developers",
        "--session-name",
        "jane@example.com",
        "--file",
        "tests/rules/EA116/good.yaml",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&session.stdout).unwrap();
    assert_eq!(v["username"], "developers:jane-example.com");

    let pathed = run(&[
        "whois",
        "arn:aws:iam::123456789012:role/nodes/MyEKSWorkerRole",
        "--session-name",
        "i-0123456789abcdef0",
        "--file",
        "examples/aws-auth.yaml",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&pathed.stdout).unwrap();
    assert_eq!(
        v["canonical_arn"], "arn:aws:iam::123456789012:role/MyEKSWorkerRole",
        "sessions carry no path"
    );
    assert_eq!(v["outcome"], "mapped");

    let sso = run(&[
        "whois",
        "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_abc/jane",
        "--file",
        "tests/rules/EA119/bad.yaml",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&sso.stdout).unwrap();
    assert_eq!(v["outcome"], "not_mapped", "the gate is off by default");
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("would be `mapped`"),
        "{v}"
    );

    let bad = run(&["whois", "not-an-arn", "--file", "examples/aws-auth.yaml"]);
    assert_eq!(bad.code, 2);
}

/// `whois` says how the principal can become more than it is: the deciding way in's dangerous
/// capabilities, each with what it comes through (here, access policies judged from their
/// published rules).
#[test]
fn whois_names_the_capabilities_of_the_way_in() {
    let snapshot = "tests/pinned/snapshots/entries-mixed.json";
    let auditor = run(&[
        "whois",
        "arn:aws:iam::123456789012:role/auditor",
        "--snapshot",
        snapshot,
    ]);
    assert_eq!(auditor.code, 0, "{}", auditor.stderr);
    assert!(
        auditor.stdout.contains("power:         cluster-admin (AmazonEKSAdminViewPolicy at cluster scope: admin-equivalent")
            && auditor.stdout.contains("  · AmazonEKSAdminViewPolicy: can read every Secret cluster-wide"),
        "{}",
        auditor.stdout
    );
    let team: Value = serde_json::from_str(
        &run(&[
            "whois",
            "arn:aws:iam::123456789012:role/team",
            "--snapshot",
            snapshot,
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(team["power"], "edit", "{team}");
    let capabilities = team["capabilities"].to_string();
    assert!(
        capabilities.contains("in namespaces matching team-*: runs as any of its service accounts"),
        "{capabilities}"
    );
}
