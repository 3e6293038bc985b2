//! moto's server (IAM, STS, Organizations) on a free loopback port, shared through a pool:
//! each test gets one to itself, emptied.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One moto server process. It reads its standard input until it closes and then exits, so a
/// test binary that ends (or is killed) takes its moto servers with it.
struct Process {
    url: String,
    child: Child,
    _stdin: std::process::ChildStdin,
    /// moto's working directory (its request recording), removed when the process stops.
    scratch: std::path::PathBuf,
}

impl Process {
    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Servers handed back by the tests that used them, emptied, for the next test: starting moto
/// costs seconds of Python imports, so one test binary starts about as many as run at once.
static POOL: std::sync::Mutex<Vec<Process>> = std::sync::Mutex::new(Vec::new());

/// A moto server (IAM, STS, Organizations) for one test. Dropped, it is emptied (every
/// backend reset, the recorder stopped) and returned to the pool, or stopped when it was
/// started with settings of its own.
pub struct Moto {
    pub url: String,
    process: Option<Process>,
    pooled: bool,
}

impl Moto {
    /// A moto that answers, from the pool or new.
    pub fn start() -> Moto {
        Moto::spawn().ready()
    }

    /// A moto from the pool, or one starting (the caller does other set-up meanwhile, then
    /// `ready`).
    pub fn spawn() -> Moto {
        let reused = POOL.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let process = reused.unwrap_or_else(|| Process::spawn(&[]));
        Moto {
            url: process.url.clone(),
            process: Some(process),
            pooled: true,
        }
    }

    /// Starts moto enforcing IAM authorization after the first `free` requests (moto's
    /// `INITIAL_NO_AUTH_ACTION_COUNT`): set-up runs unchecked, then every request needs keys
    /// moto issued and a policy that allows it. Never pooled.
    pub fn start_enforcing_after(free: usize) -> Moto {
        let process = Process::spawn(&[("INITIAL_NO_AUTH_ACTION_COUNT", free.to_string())]);
        Moto {
            url: process.url.clone(),
            process: Some(process),
            pooled: false,
        }
        .ready()
    }

    /// Waits (30 s at most) until moto accepts connections.
    pub fn ready(self) -> Moto {
        let address: SocketAddr = self.url.trim_start_matches("http://").parse().unwrap();
        let started = Instant::now();
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self
    }
}

impl Process {
    fn spawn(env: &[(&str, String)]) -> Process {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // moto's request recorder writes a file: keep it out of the working tree.
        let scratch = std::env::temp_dir().join(format!("aws-auth-audit-moto-{port}"));
        std::fs::create_dir_all(&scratch).unwrap();
        // The server runs until its standard input closes: when this test binary ends.
        const SERVER: &str = "import os, sys, threading\n\
from moto.server import main\n\
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n\
main(sys.argv[1:])\n";
        let mut child = Command::new("python3")
            .current_dir(&scratch)
            .env("MOTO_RECORDER_FILEPATH", scratch.join("recording"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .args(["-c", SERVER, "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m moto.server (scripts/setup installs moto[server])");
        let stdin = child.stdin.take().expect("piped");
        Process {
            url: format!("http://127.0.0.1:{port}"),
            child,
            _stdin: stdin,
            scratch,
        }
    }
}

/// One HTTP/1.1 request to moto's own API; the response, or why there was none.
pub fn moto_api(url: &str, method: &str, path: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

impl Moto {
    /// One HTTP/1.1 request to moto's own API; the response body.
    fn moto_api(&self, method: &str, path: &str) -> String {
        let response = moto_api(&self.url, method, path).unwrap();
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        // moto answers with chunked encoding for the recording: undo it.
        if response
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            let mut out = String::new();
            let mut rest = body;
            while let Some((size, tail)) = rest.split_once("\r\n") {
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                if n == 0 {
                    break;
                }
                out.push_str(&tail[..n]);
                rest = &tail[n + 2..];
            }
            return out;
        }
        body.to_string()
    }

    /// Starts (or restarts, emptied) moto's request recorder.
    pub fn start_recording(&self) {
        self.moto_api("POST", "/moto-api/recorder/reset-recording");
        self.moto_api("POST", "/moto-api/recorder/start-recording");
    }

    /// The `Action` of every request recorded since `start_recording`, in order.
    pub fn recorded_actions(&self) -> Vec<String> {
        use base64::Engine;
        self.moto_api("GET", "/moto-api/recorder/download-recording")
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|record| {
                let body = record["body"].as_str().unwrap_or_default().to_string();
                let body = if record["body_encoded"] == true {
                    String::from_utf8(
                        base64::engine::general_purpose::STANDARD
                            .decode(body)
                            .ok()?,
                    )
                    .ok()?
                } else {
                    body
                };
                body.split('&')
                    .find_map(|p| p.strip_prefix("Action="))
                    .map(str::to_string)
            })
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let Some(process) = self.process.take() else {
            return;
        };
        let emptied = self.pooled
            && !std::thread::panicking()
            && ["/moto-api/reset", "/moto-api/recorder/stop-recording"]
                .iter()
                .all(|path| {
                    moto_api(&process.url, "POST", path).is_ok_and(|r| {
                        r.starts_with("HTTP/1.1 200") || r.starts_with("HTTP/1.0 200")
                    })
                });
        if emptied {
            POOL.lock().unwrap_or_else(|e| e.into_inner()).push(process);
        } else {
            process.stop();
        }
    }
}

/// What a test needs to drive moto with the AWS SDK itself (its own set-up, its read-back): the
/// SDK configuration pointed at moto, and a runtime whose workers have room for the SDK's
/// futures (a debug build's are deep).
pub mod sdk {
    /// An SDK configuration for `url` (region us-east-1, throwaway keys).
    pub fn config(url: &str) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new("AKIASEED", "seed", None, None, "test"),
                ),
            )
            .build()
    }

    /// One worker with a large stack.
    pub fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_stack_size(16 << 20)
            .enable_all()
            .build()
            .unwrap()
    }

    /// Runs `work` on that runtime's worker, and gives its result.
    pub fn block_on<T: Send + 'static>(
        rt: &tokio::runtime::Runtime,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> T {
        rt.block_on(rt.spawn(work)).unwrap()
    }
}
