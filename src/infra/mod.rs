//! What every stage uses: diagnostic logging through a redactor of secrets, text made safe for
//! a terminal or Markdown, files written privately and atomically, percent-encoding, time.

pub mod escape;
pub mod logging;
pub mod output;
pub mod percent;
pub mod redact;
pub mod time;
