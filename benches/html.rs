//! The HTML report of a large cluster — 300 access entries, 500 cluster role bindings, plus
//! the example's aws-auth rows (`tests/integration/support/large_cluster.rs`): how long the
//! whole `check --format html` process takes to write it, how big the file is, and how long
//! headless Chromium takes to render it (DOM ready, the page's script done — the graph is
//! inline SVG, drawn with the DOM — load, first contentful paint), median of the runs, against
//! the targets (under a second, under 2 MiB). Run with `cargo bench --bench html [-- RUNS]`;
//! figures in docs/performance.md. Under `cargo test --all-targets` it is a smoke run: one
//! render, checked to finish, no timing.

#[path = "../tests/integration/support/browser.rs"]
#[allow(dead_code)]
mod browser;
#[path = "../tests/integration/support/large_cluster.rs"]
mod large_cluster;

use std::time::Instant;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let measure = std::env::args().any(|a| a == "--bench");
    let runs: usize = if measure {
        std::env::args()
            .filter_map(|a| a.parse().ok())
            .next()
            .unwrap_or(9)
    } else {
        1
    };
    let dir =
        std::env::temp_dir().join(format!("aws-auth-audit-bench-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = dir.join("large.json");
    std::fs::write(&snapshot, large_cluster::snapshot(300, 500).to_string()).unwrap();
    let page = dir.join("large.html");
    let mut write_times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_aws-auth-audit"))
            .args([
                "check",
                snapshot.to_str().unwrap(),
                "--format",
                "html",
                "-o",
            ])
            .arg(&page)
            .status()
            .unwrap();
        write_times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(matches!(status.code(), Some(0 | 1 | 3)), "{status}");
    }
    let bytes = std::fs::metadata(&page).unwrap().len();
    let mut chromium = browser::Browser::launch(dir.join("profile"));
    let (mut dom, mut ready, mut load, mut paint) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        chromium.open(&page);
        let timing = chromium.eval(
            "(() => { const n = performance.getEntriesByType('navigation')[0]; const r = performance.getEntriesByName('report-ready')[0]; const p = performance.getEntriesByName('first-contentful-paint')[0]; return {dom: n.domContentLoadedEventEnd, ready: r ? r.startTime : -1, load: n.loadEventEnd, paint: p ? p.startTime : -1, nodes: document.querySelectorAll('.pnode').length}; })()",
        );
        assert!(
            timing["ready"].as_f64().unwrap() > 0.0,
            "the script finished: {timing}"
        );
        assert!(timing["nodes"].as_u64().unwrap() > 300, "{timing}");
        dom.push(timing["dom"].as_f64().unwrap());
        ready.push(timing["ready"].as_f64().unwrap());
        load.push(timing["load"].as_f64().unwrap());
        paint.push(timing["paint"].as_f64().unwrap());
    }
    // A fleet's page: 500 clusters (the example snapshot's report under 500 names), merged.
    let report = std::process::Command::new(env!("CARGO_BIN_EXE_aws-auth-audit"))
        .args([
            "check",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/snapshot.json"),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let clusters = if measure { 500 } else { 5 };
    let names: Vec<(String, String)> = (0..clusters)
        .map(|i| ("123456789012".to_string(), format!("c{i:03}")))
        .collect();
    let lines = large_cluster::fleet_lines(&report, &names);
    let shard = dir.join("fleet.jsonl");
    std::fs::write(&shard, lines).unwrap();
    let fleet_page = dir.join("fleet.html");
    let started = Instant::now();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_aws-auth-audit"))
        .args(["merge", shard.to_str().unwrap(), "--format", "html", "-o"])
        .arg(&fleet_page)
        .status()
        .unwrap();
    let merge_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(status.code(), Some(1), "{status}");
    chromium.open(&fleet_page);
    let fleet = chromium.eval(
        "(() => { const r = performance.getEntriesByName('report-ready')[0]; return {ready: r ? r.startTime : -1, rows: document.querySelectorAll('tr.cluster-row').length}; })()",
    );
    assert_eq!(fleet["rows"], clusters, "{fleet}");
    if measure {
        println!(
            "fleet of {clusters} clusters: merge --format html {merge_ms:.0} ms, {:.1} MiB, chromium script done {:.0} ms",
            std::fs::metadata(&fleet_page).unwrap().len() as f64 / 1024.0 / 1024.0,
            fleet["ready"].as_f64().unwrap()
        );
    }
    if measure {
        let ready_ms = median(ready);
        println!(
            "300 entries, 500 bindings: check --format html {:.1} ms (whole process), {:.2} MiB",
            median(write_times),
            bytes as f64 / 1024.0 / 1024.0
        );
        println!(
            "chromium (median of {runs}): DOM ready {:.0} ms, script done {ready_ms:.0} ms, load {:.0} ms, first paint {:.0} ms{}",
            median(dom),
            median(load),
            median(paint),
            if ready_ms > 1000.0 || bytes > 2 * 1024 * 1024 {
                "  OVER TARGET"
            } else {
                ""
            }
        );
    }
}
