//! What every stage uses: diagnostic logging through a redactor of secrets, files written
//! privately and atomically, percent-encoding.

pub mod logging;
pub mod output;
pub mod percent;
pub mod redact;
pub mod time;
