//! Writes a large generated aws-auth ConfigMap to stdout, for benchmarking the CLI:
//! `cargo run --release --example generate_large_configmap -- 1048576 > big.yaml`

#[path = "../benches/support/sample.rs"]
mod sample;

fn main() {
    let bytes = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024 * 1024);
    print!("{}", sample::large_configmap(bytes));
}
