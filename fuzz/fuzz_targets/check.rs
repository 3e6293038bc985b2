//! Any bytes as a manifest: `check` returns a report or an input error, never panics.
#![no_main]

use aws_auth_audit::inputs::manifest::InputFile;
use aws_auth_audit::judge::check;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = check(&[InputFile {
        path: "fuzz.yaml".into(),
        bytes: bytes.to_vec(),
    }]);
});
