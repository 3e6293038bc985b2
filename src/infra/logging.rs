//! Diagnostic logging, off unless `RUST_LOG` asks for it, always to stderr, and always through
//! a redactor: the AWS SDK and the Kubernetes client log requests at debug and trace level,
//! and a credential must not reach a log even then.

use std::io::Write;

use tracing_subscriber::EnvFilter;

/// Installs the logger when `RUST_LOG` is set (e.g. `RUST_LOG=debug`).
pub fn init() {
    let Ok(filter) = EnvFilter::try_from_default_env() else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| RedactingStderr(Vec::new()))
        .try_init();
}

/// Collects one log event, then writes it to stderr redacted.
struct RedactingStderr(Vec<u8>);

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingStderr {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let _ = std::io::stderr().write_all(crate::infra::redact::redact(&text).as_bytes());
    }
}
