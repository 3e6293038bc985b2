//! Thousands of small corruptions of real fixtures: `check` must answer every one with a
//! report or an input error — never a panic. (A cheap, deterministic stand-in for fuzzing
//! that runs on stable in every CI run.)

use aws_auth_audit::inputs::manifest::InputFile;
use aws_auth_audit::judge::check;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&[u8]] = &[
    b"\t",
    b"\n",
    b" ",
    b"  ",
    b"- ",
    b": ",
    b"|",
    b"|-",
    b">",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b"\"",
    b"'",
    b"&a ",
    b"*a",
    b"<<: ",
    b"!!int ",
    b"!!binary ",
    b"---\n",
    b"...\n",
    b"#",
    b"~",
    b"yes",
    b"0x1F",
    b"012345678912",
    b"{{SessionName}}",
    b"system:masters",
    b"\xc5\xbf",
    b"\xff",
    b"\0",
];

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(3) {
            0 => {
                let piece = PIECES[rng.below(PIECES.len())];
                bytes.splice(at..at, piece.iter().copied());
            }
            1 if at < bytes.len() => {
                let end = (at + 1 + rng.below(8)).min(bytes.len());
                bytes.drain(at..end);
            }
            _ if at < bytes.len() => bytes[at] = PIECES[rng.below(PIECES.len())][0],
            _ => {}
        }
    }
    bytes
}

#[test]
fn corrupted_fixtures_never_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = vec![
        std::fs::read(root.join("examples/aws-auth.yaml")).unwrap(),
        std::fs::read(root.join("examples/broken.yaml")).unwrap(),
        std::fs::read(root.join("examples/clean.yaml")).unwrap(),
    ];
    for code in ["EA101", "EA103", "EA104", "EA119", "EA122", "EA124"] {
        seeds.push(std::fs::read(root.join(format!("tests/rules/{code}/bad.yaml"))).unwrap());
    }
    let mut rng = Rng(0x005e_ed0f_a75a_0d17);
    let (mut reports, mut errors) = (0, 0);
    let rounds: usize = std::env::var("MUTATION_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3000);
    for round in 0..rounds {
        let seed = &seeds[round % seeds.len()];
        let bytes = mutate(&mut rng, seed);
        let outcome = std::panic::catch_unwind(|| {
            check(&[InputFile {
                path: "mutated.yaml".into(),
                bytes: bytes.clone(),
            }])
        });
        match outcome {
            Ok(Ok(_)) => reports += 1,
            Ok(Err(e)) => {
                assert!(
                    e.line >= 1 && e.column >= 1,
                    "error without a position: {e}"
                );
                errors += 1;
            }
            Err(_) => panic!("check panicked on:\n{}", String::from_utf8_lossy(&bytes)),
        }
    }
    // Both paths must be exercised, or the mutations are too weak or too strong.
    assert!(
        reports > 300 && errors > 300,
        "reports {reports}, errors {errors}"
    );
}
