//! Where `check`'s time goes on one file, stage by stage and rule by rule, in-process (best of
//! RUNS; RUNS=1 is a cold process, as the command line runs): `cargo run --release --example
//! profile_check -- FILE [RUNS]`. The figures in
//! docs/performance.md's profile come from it.

use std::time::Instant;

use aws_auth_audit::inputs::manifest::{InputFile, decode_text, read_configmaps};
use aws_auth_audit::model::awsauth::document::AwsAuthDocument;

/// The binary's allocator, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let started = Instant::now();
        let value = f();
        best = best.min(started.elapsed().as_secs_f64() * 1000.0);
        out = Some(value);
    }
    (best, out.expect("at least one run"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE");
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let bytes = std::fs::read(&path).expect("readable");
    let (t_decode, text) = best(runs, || decode_text(&bytes).expect("text"));
    let (t_outer, manifest) = best(runs, || read_configmaps(text).expect("manifest"));
    let cm = manifest.configmaps.first().expect("a ConfigMap");
    let (t_model, doc) = best(runs, || {
        AwsAuthDocument::from_configmap(&path, cm).expect("doc")
    });
    println!("decode {t_decode:.1} ms, outer YAML {t_outer:.1} ms, aws-auth model {t_model:.1} ms");
    let mut rules: Vec<(f64, &str, usize)> = Vec::new();
    for rule in aws_auth_audit::rules::offline_rules() {
        let (t, findings) = best(runs, || rule.run(&doc));
        rules.push((t, rule.meta.code, findings.len()));
    }
    rules.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = rules.iter().map(|r| r.0).sum();
    println!("offline rules {total:.1} ms; slowest:");
    for (t, code, n) in rules.iter().take(8) {
        println!("  {code} {t:.2} ms ({n} findings)");
    }
    let input = || InputFile {
        path: path.clone(),
        bytes: bytes.clone(),
    };
    let (t_check, result) = best(runs, || {
        aws_auth_audit::judge::check(&[input()]).expect("judged")
    });
    println!(
        "check() {t_check:.1} ms ({} findings)",
        result.findings.len()
    );
    let (t_json, json) = best(runs, || {
        aws_auth_audit::report::json::render(
            &result,
            Some(aws_auth_audit::rules::finding::Severity::High),
        )
    });
    let (t_sarif, _) = best(runs, || aws_auth_audit::report::sarif::render(&result));
    let (t_table, _) = best(runs, || {
        aws_auth_audit::report::table::render(
            &result,
            false,
            Some(aws_auth_audit::rules::finding::Severity::High),
            aws_auth_audit::report::table::DEFAULT_WIDTH,
        )
    });
    println!(
        "render: json {t_json:.1} ms ({} bytes), sarif {t_sarif:.1} ms, table {t_table:.1} ms",
        json.len()
    );
    let started = Instant::now();
    drop(result);
    println!(
        "drop the result {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
}
