//! Every hostile input of the test suite (`tests/integration/support/hostile_inputs.rs`), each
//! checked by the whole `aws-auth-audit check` process under `/usr/bin/time -v`: its exit code,
//! wall time and peak memory, against the targets (exit as expected within 2 s and 64 MiB).
//! Run with `cargo bench --bench hostile`; figures in docs/performance.md. Under
//! `cargo test --all-targets` it is a smoke run that checks only the exit codes.

#[path = "../tests/integration/support/hostile_inputs.rs"]
mod hostile_inputs;

use std::time::Instant;

fn main() {
    let measure = std::env::args().any(|a| a == "--bench");
    let dir = std::env::temp_dir().join(format!(
        "aws-auth-audit-bench-hostile-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut worst: (f64, f64) = (0.0, 0.0);
    for input in hostile_inputs::all() {
        let path = dir.join(format!("{}.yaml", input.name));
        std::fs::write(&path, &input.bytes).unwrap();
        let started = Instant::now();
        let output = std::process::Command::new("/usr/bin/time")
            .arg("-v")
            .arg(env!("CARGO_BIN_EXE_aws-auth-audit"))
            .arg("check")
            .arg(&path)
            .output()
            .unwrap();
        let wall = started.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let peak_mib = stderr
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0;
        let code = output.status.code().unwrap_or(-1);
        assert_eq!(code, input.exit, "{}: {stderr}", input.name);
        if measure {
            println!(
                "{:<36} {:>7} bytes  exit {code}  {wall:>6.3} s  {peak_mib:>6.1} MiB{}",
                input.name,
                input.bytes.len(),
                if wall > 2.0 || peak_mib > 64.0 {
                    "  OVER TARGET"
                } else {
                    ""
                }
            );
        }
        worst = (worst.0.max(wall), worst.1.max(peak_mib));
    }
    if measure {
        println!(
            "worst: {:.3} s, {:.1} MiB (targets: 2 s, 64 MiB)",
            worst.0, worst.1
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
