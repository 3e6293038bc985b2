//! The HTML report, in a real browser (headless Chromium over the DevTools protocol,
//! `support/browser.rs`): the bundled examples, a live test-bed cluster with every kind of
//! administrator path, a 300-entry cluster, a diff and a fleet. From the rendered DOM: one
//! principal node per access-matrix row (counted against the JSON report, not the page), each
//! folded group with its count, every administrator path drawn as one, the coverage banner
//! exactly when the audit is incomplete, no console error, no request but the page itself,
//! hostile text as text, WCAG contrast in both colour schemes, and the keyboard. Screenshots
//! go to `target/tmp/html-report/` for a reviewer to look at.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{self, configmap, run, scratch, write};
use crate::support::browser::Browser;
use crate::support::page_checks::{
    assert_contrast, assert_graph, assert_quiet, check_both, matrix_of, open,
};
use crate::support::testbed::{self, Scenario, Testbed};

const ACCOUNT: &str = "123456789012";
const POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/";

#[test]
fn the_bundled_examples_render_in_a_real_browser() {
    let dir = scratch("html-examples");
    for (name, input) in [
        ("example", "examples/aws-auth.yaml"),
        ("clean", "examples/clean.yaml"),
        ("broken", "examples/broken.yaml"),
        ("snapshot", "examples/snapshot.json"),
    ] {
        let input = common::repo().join(input);
        let (page, report, code) = check_both(&dir, name, input.to_str().unwrap(), &[]);
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        let mut opened = open(name, &page);
        assert_quiet(name, &opened, &page);
        let (rows, admins) = matrix_of(&report);
        assert_graph(name, &opened.facts, rows, admins);
        let incomplete = report["coverage"]["complete"] == false;
        assert_eq!(opened.facts["banner"], u64::from(incomplete), "{name}");
        assert_eq!(
            opened.facts["complete_note"],
            u64::from(!incomplete),
            "{name}"
        );
        let text = opened.facts["text"].as_str().unwrap();
        assert!(text.contains(&format!("Verdict: exit {code}")), "{name}");
        assert_eq!(
            opened.facts["findings"],
            report["findings"].as_array().unwrap().len(),
            "{name}"
        );
        assert_eq!(opened.facts["rule_links_resolve"], true, "{name}");
        assert_eq!(opened.facts["scripts"], 1, "{name}");
        if name == "snapshot" {
            assert!(text.contains("Hidden creator: arn:aws:iam::123456789012:role/Platform"));
            assert_contrast(name, &mut opened.browser);
        }
    }
}

/// Every kind of administrator path, read live from the test bed: a `system:masters` row, an
/// aws-auth group bound to cluster-admin, a static username bound as a user, an access
/// entry's policy, an access entry's group bound to cluster-admin, and the caller in
/// `system:masters` with no visible mapping; plus a row whose ARN has a path (never matches).
fn admin_paths_scenario() -> Scenario {
    let a = |name: &str| format!("arn:aws:iam::{ACCOUNT}:role/{name}");
    let crb = |name: &str, kind: &str, subject: &str| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": name},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": subject}]})
    };
    let cluster_admin = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "cluster-admin"},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]});
    let map_roles = format!(
        "- rolearn: {}\n  username: masters\n  groups: [system:masters]\n- rolearn: {}\n  username: grouped\n  groups: [platform-admins]\n- rolearn: {}\n  username: deploy\n  groups: [nothing-bound]\n- rolearn: {}\n  username: pathed\n  groups: [system:masters]\n- rolearn: {}\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n  groups: [system:bootstrappers, system:nodes]\n- rolearn: {}\n  username: \"<img src=x onerror=alert(1)>\"\n  groups: [\"\\\"><svg onload=alert(2)>\"]\n",
        a("Masters"),
        a("GroupAdmin"),
        a("Deploy"),
        a("team/Pathed"),
        a("eks-node"),
        a("Hostile")
    );
    let entry = |role: &str, groups: Value, policies: Value| {
        json!({"principalArn": a(role), "type": "STANDARD", "kubernetesGroups": groups,
               "username": format!("{role}-user"), "policies": policies})
    };
    let paths = json!({
        "name": "paths", "region": "us-east-1", "account": ACCOUNT, "version": "1.31",
        "authentication_mode": "API_AND_CONFIG_MAP",
        "aws_auth": {"mapRoles": map_roles},
        "rbac": {"cluster_roles": [cluster_admin],
                 "cluster_role_bindings": [crb("platform-admins", "Group", "platform-admins"),
                                           crb("deploy-user", "User", "deploy"),
                                           crb("entry-admins", "Group", "entry-admins")]},
        "access_entries": [
            entry("PolicyAdmin", json!([]), json!([{"policyArn": format!("{POLICY}AmazonEKSClusterAdminPolicy"), "accessScope": {"type": "cluster"}}])),
            entry("EntryGroup", json!(["entry-admins"]), json!([])),
            entry("Viewer", json!([]), json!([{"policyArn": format!("{POLICY}AmazonEKSViewPolicy"), "accessScope": {"type": "namespace", "namespaces": ["a"]}}])),
        ],
        "whoami": {format!("arn:aws:iam::{ACCOUNT}:user/admin"): {"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]}},
    });
    let mut denied = paths.clone();
    denied["name"] = json!("denied");
    denied["faults"] = json!({"clusterrolebindings": {"status": 403}});
    serde_json::from_value(json!({
        "clusters": [paths, denied],
        "identities": [{"access_key_id": "AKIATESTADMIN0000001", "secret_access_key": "testbed-admin-secret-0000000000000000001", "arn": format!("arn:aws:iam::{ACCOUNT}:user/admin")}],
    }))
    .unwrap()
}

fn audit_live(bed: &Testbed, home: &Path, cluster: &str, format: &str) -> testbed::Run {
    bed.run(
        home,
        "admin",
        &["cluster", "--name", cluster, "--format", format],
    )
}

#[test]
fn a_live_cluster_with_every_kind_of_admin_path() {
    let bed = Testbed::start(admin_paths_scenario());
    let home = scratch("html-live");
    for cluster in ["paths", "denied"] {
        let json = audit_live(&bed, &home, cluster, "json");
        let report: Value =
            serde_json::from_str(&json.stdout).unwrap_or_else(|_| panic!("{}", json.stderr));
        let html = audit_live(&bed, &home, cluster, "html");
        assert_eq!(html.code, json.code, "{}", html.stderr);
        let page = home.join(format!("{cluster}.html"));
        std::fs::write(&page, &html.stdout).unwrap();
        let mut opened = open(&format!("live-{cluster}"), &page);
        assert_quiet(cluster, &opened, &page);
        let (rows, admins) = matrix_of(&report);
        assert_graph(cluster, &opened.facts, rows, admins);
        let incomplete = report["coverage"]["complete"] == false;
        assert_eq!(
            incomplete,
            cluster == "denied",
            "{cluster}: {}",
            report["coverage"]
        );
        assert_eq!(opened.facts["banner"], u64::from(incomplete), "{cluster}");
        // The hostile username and group are text: no element, no handler.
        let text = opened.facts["text"].as_str().unwrap();
        assert!(text.contains("<img src=x onerror=alert(1)>"), "{cluster}");
        assert!(text.contains("\"><svg onload=alert(2)>"), "{cluster}");
        assert_eq!(opened.facts["images"], 0);
        assert_eq!(opened.facts["handlers"], 0);
        if cluster != "paths" {
            continue;
        }
        // Six administrator paths in effect, each drawn in an administrator band.
        assert_eq!(admins, 6, "{:#?}", report["principals"]);
        let admin_ways: Vec<String> = opened.facts["bands"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["admin"] == true)
            .map(|b| b["way"].as_str().unwrap().to_string())
            .collect();
        for way in [
            "aws-auth mapRoles",
            "access entry (STANDARD)",
            "creator (hidden; the audit's caller)",
        ] {
            assert!(
                admin_ways.iter().any(|w| w.contains(way)),
                "{way}: {admin_ways:?}"
            );
        }
        // The row whose ARN has a path is drawn as never matching, outside the admin bands.
        let dead = opened.browser.eval(
            "Array.from(document.querySelectorAll('.pnode.dead-row')).map(n => [n.getAttribute('aria-label'), !!n.closest('details.band.admin')])",
        );
        assert!(
            dead.as_array()
                .unwrap()
                .iter()
                .any(|d| d[0].as_str().unwrap().contains("team/Pathed")
                    && d[0].as_str().unwrap().contains("never matches")
                    && d[1] == false),
            "{dead}"
        );
        keyboard(&mut opened.browser);
        let pdf = opened.browser.print_pdf();
        assert!(
            pdf.starts_with(b"%PDF") && pdf.len() > 20_000,
            "{} bytes",
            pdf.len()
        );
    }
}

/// Tab reaches a principal; focusing it traces its paths; Enter pins them (its table rows
/// too); Escape releases; Enter on a sort button sorts; typing filters.
fn keyboard(browser: &mut Browser) {
    let mut presses = 0;
    while browser.eval("document.activeElement.classList.contains('pnode')") != true {
        browser.press("Tab");
        presses += 1;
        assert!(presses < 100, "Tab never reached a principal");
    }
    let class = browser
        .eval("document.activeElement.getAttribute('data-p')")
        .as_str()
        .unwrap()
        .to_string();
    let traced = format!(
        "Array.from(document.getElementsByClassName('{class}')).map(e => e.classList.contains('hl'))"
    );
    let marks = browser.eval(&traced);
    assert!(marks.as_array().unwrap().len() >= 5, "{marks}");
    assert!(
        marks.as_array().unwrap().iter().all(|m| m == true),
        "focus traces: {marks}"
    );
    browser.press("Enter");
    assert_eq!(
        browser.eval("document.activeElement.getAttribute('aria-pressed')"),
        "true"
    );
    assert_eq!(
        browser.eval(&format!(
            "document.querySelector('tr.{class}').classList.contains('hl')"
        )),
        true
    );
    browser.press("Escape");
    assert_eq!(
        browser.eval("document.activeElement.getAttribute('aria-pressed')"),
        "false"
    );
    // Sort the matrix by power, strongest last, then first.
    browser.eval("document.querySelectorAll('table[id$=\"-matrix\"] th button')[5].focus()");
    browser.press("Enter");
    let order = "Array.from(document.querySelectorAll('table[id$=\"-matrix\"] tbody tr')).map(r => Number(r.cells[5].dataset.sort))";
    let ascending: Vec<u64> = serde_json::from_value(browser.eval(order)).unwrap();
    assert!(ascending.windows(2).all(|w| w[0] <= w[1]), "{ascending:?}");
    browser.press("Enter");
    let descending: Vec<u64> = serde_json::from_value(browser.eval(order)).unwrap();
    assert!(
        descending.windows(2).all(|w| w[0] >= w[1]),
        "{descending:?}"
    );
    // Filter to the cluster-admin rows by typing.
    browser.eval("document.querySelector('input[data-filter]').focus()");
    browser.send("Input.insertText", json!({"text": "cluster-admin"}));
    let shown = browser.eval(
        "Array.from(document.querySelectorAll('table[id$=\"-matrix\"] tbody tr')).filter(r => !r.hidden).map(r => r.textContent.includes('cluster-admin'))",
    );
    assert!(!shown.as_array().unwrap().is_empty());
    assert!(
        shown.as_array().unwrap().iter().all(|s| s == true),
        "{shown}"
    );
}

#[test]
fn a_300_entry_cluster_stays_readable() {
    let dir = scratch("html-large");
    let input = write(
        &dir,
        "large.json",
        crate::support::large_cluster::snapshot(300, 500)
            .to_string()
            .as_bytes(),
    );
    let (page, report, _) = check_both(&dir, "large", &input, &[]);
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 2 * 1024 * 1024, "{size} bytes");
    let mut opened = open("large", &page);
    assert_quiet("large", &opened, &page);
    let (rows, admins) = matrix_of(&report);
    assert!(rows > 300);
    assert_graph("large", &opened.facts, rows, admins);
    // At least one group is folded and counted, and Enter on its summary opens it.
    let folded = opened
        .browser
        .eval("document.querySelectorAll('details.band:not([open])').length");
    assert!(folded.as_u64().unwrap() >= 1, "{folded}");
    opened
        .browser
        .eval("document.querySelector('details.band:not([open]) > summary').focus()");
    opened.browser.press("Enter");
    assert_eq!(
        opened
            .browser
            .eval("document.activeElement.parentElement.open"),
        true
    );
}

#[test]
fn a_diff_shows_the_verdicts_first() {
    let dir = scratch("html-diff");
    let scenario = common::repo().join("tests/diff/admin-added");
    let (base, head) = (scenario.join("base.yaml"), scenario.join("head.yaml"));
    let page = dir.join("diff.html");
    let html = run(&[
        "diff",
        base.to_str().unwrap(),
        head.to_str().unwrap(),
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    let json = run(&[
        "diff",
        base.to_str().unwrap(),
        head.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(html.code, json.code, "{}", html.stderr);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let opened = open("diff", &page);
    assert_quiet("diff", &opened, &page);
    let mut browser = opened.browser;
    let shape = browser.eval(
        "({first: document.querySelector('main h2').textContent, verdicts: document.querySelectorAll('tr.verdict-row').length, changed: Array.from(document.querySelectorAll('tr.changed-path')).map(r => r.textContent), new: document.querySelectorAll('section[data-kind=new] article.finding').length, marked: Array.from(document.querySelectorAll('.pnode.changed-row')).map(n => n.getAttribute('aria-label'))})",
    );
    assert!(
        shape["first"].as_str().unwrap().starts_with("Verdicts"),
        "{shape}"
    );
    assert_eq!(
        shape["verdicts"],
        report["verdicts"].as_array().unwrap().len()
    );
    assert_eq!(
        shape["new"],
        report["findings"]["new"].as_array().unwrap().len()
    );
    let granted = report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["kind"] == "admin_granted")
        .expect("the scenario grants admin");
    let principal = granted["principal"].as_str().unwrap();
    assert!(
        shape["changed"].as_array().unwrap().iter().any(|r| {
            let r = r.as_str().unwrap();
            r.contains(principal) && r.contains("(no such way in)") && r.contains("cluster-admin")
        }),
        "{shape}"
    );
    // In the graph after the change, exactly that way in is marked.
    let marked = shape["marked"].as_array().unwrap();
    assert_eq!(marked.len(), 1, "{shape}");
    assert!(
        marked[0].as_str().unwrap().starts_with(principal),
        "{shape}"
    );
}

#[test]
fn a_fleet_page_links_every_cluster() {
    let dir = scratch("html-fleet");
    let snapshot = common::repo().join("examples/snapshot.json");
    let report: Value = serde_json::from_str(
        &run(&["check", snapshot.to_str().unwrap(), "--format", "json"]).stdout,
    )
    .unwrap();
    let clusters = [
        ("111111111111", "legacy"),
        ("222222222222", "other"),
        ("222222222222", "third"),
        ("444444444444", "fourth"),
    ]
    .map(|(a, c)| (a.to_string(), c.to_string()));
    let mut lines = crate::support::large_cluster::fleet_lines(&report, &clusters);
    lines.push_str(&format!(
        "{}\n",
        json!({"kind": "not_audited", "account": "333333333333", "region": "eu-west-1", "reason": "unknown(access_denied)", "detail": "AssumeRole refused"})
    ));
    let shard = write(&dir, "shard.jsonl", lines.as_bytes());
    let page = dir.join("fleet.html");
    let merged = run(&[
        "merge",
        &shard,
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(merged.code, 3, "a target not audited: {}", merged.stderr);
    let opened = open("fleet", &page);
    assert_quiet("fleet", &opened, &page);
    let mut browser = opened.browser;
    let fleet = browser.eval(
        "({rows: Array.from(document.querySelectorAll('tr.cluster-row a')).map(a => [a.textContent, !!document.querySelector(a.getAttribute('href'))]), banner: document.querySelector('#coverage.banner') !== null, admins: Array.from(document.querySelectorAll('tr.fleet-admin')).map(r => [r.cells[0].textContent, r.cells[1].textContent])})",
    );
    assert_eq!(
        fleet["rows"],
        json!([
            ["legacy", true],
            ["other", true],
            ["third", true],
            ["fourth", true]
        ]),
        "{fleet}"
    );
    assert_eq!(fleet["banner"], true);
    // The creator administers every cluster: at a glance, with its count.
    assert!(
        fleet["admins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a[1] == "4"),
        "{fleet}"
    );
    // Four clusters: each section folded, and following its link opens it.
    let open = "Array.from(document.querySelectorAll('details.cluster')).map(d => d.open)";
    assert_eq!(browser.eval(open), json!([false, false, false, false]));
    browser.eval("document.querySelector('tr.cluster-row a').click()");
    assert_eq!(browser.eval(open), json!([true, false, false, false]));
}

#[test]
fn hostile_text_stays_text_and_the_policy_blocks_everything_else() {
    let dir = scratch("html-hostile");
    let yaml = configmap(
        "  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/x\n      username: \"</script><script>document.title='pwned'</script>\"\n      groups: [\"<img src=http://127.0.0.1:9/i onerror=alert(1)>\", \"a\\u202eb\", \"x\\u001b[31my\"]\n    - rolearn: \"arn:aws:iam::111122223333:role/y'\\\"><svg onload=alert(3)>\"\n      username: y\n      groups: [system:masters]\n",
    );
    let input = write(&dir, "hostile.yaml", yaml.as_bytes());
    let (page, _, _) = check_both(&dir, "hostile", &input, &[]);
    let opened = open("hostile", &page);
    assert_quiet("hostile", &opened, &page);
    let facts = &opened.facts;
    assert_eq!(facts["scripts"], 1);
    assert_eq!(facts["images"], 0);
    assert_eq!(facts["handlers"], 0);
    let text = facts["text"].as_str().unwrap();
    assert!(text.contains("</script><script>document.title='pwned'</script>"));
    assert!(
        text.contains("a\\u{202e}b") && text.contains("x\\u{001b}[31my"),
        "escaped as shown"
    );
    let mut browser = opened.browser;
    assert_ne!(browser.eval("document.title"), "pwned");
    // The page's policy refuses what the page did not write: an injected handler does not
    // run, a request to any origin is blocked before it is sent.
    let blocked = browser.eval(
        "new Promise(done => { document.body.insertAdjacentHTML('beforeend', '<img src=\"http://127.0.0.1:9/p\" onerror=\"document.title=1\">'); fetch('http://127.0.0.1:9/f').then(() => done('fetched'), () => setTimeout(() => done(document.title), 200)); })",
    );
    assert_ne!(blocked, "fetched");
    assert_ne!(blocked, "1");
    let log = browser.log();
    assert!(
        log.requests.iter().all(|u| u.starts_with("file://")),
        "{:?}",
        log.requests
    );
    assert!(
        log.blocked
            .iter()
            .any(|(url, reason)| url == "http://127.0.0.1:9/p" && reason == "csp"),
        "{:?}",
        log.blocked
    );
    assert!(
        log.errors
            .iter()
            .any(|e| e.contains("Content Security Policy")),
        "the refusals are logged: {:?}",
        log.errors
    );
}
