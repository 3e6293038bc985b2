//! `check` on generated ConfigMaps of growing size: the cost should grow linearly.
//! Run with `cargo bench --bench check`; see docs/performance.md for figures.

use aws_auth_audit::inputs::manifest::InputFile;
use aws_auth_audit::judge::check;
#[path = "support/sample.rs"]
mod sample;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sample::large_configmap;

fn bench_check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(20);
    for kib in [128usize, 256, 512, 1000] {
        let bytes = large_configmap(kib * 1024).into_bytes();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{kib}KiB")),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    let input = InputFile {
                        path: "large.yaml".into(),
                        bytes: bytes.clone(),
                    };
                    check(&[input]).expect("the generated ConfigMap is valid")
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
