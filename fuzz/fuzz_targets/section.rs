//! Any text as a `mapRoles`, `mapUsers` or `mapAccounts` value: parsed as EKS would, never a
//! panic; budget errors are the only errors.
#![no_main]

use aws_auth_audit::model::awsauth::{SectionKey, parse_section};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for key in SectionKey::ALL {
        let _ = parse_section(key, text);
    }
});
