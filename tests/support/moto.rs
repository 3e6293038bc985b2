//! moto's server (IAM, STS) on a free loopback port, stopped when dropped.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    pub url: String,
    child: Child,
    /// moto's working directory (its request recording), removed on drop.
    scratch: std::path::PathBuf,
}

impl Moto {
    /// Starts moto and waits until it answers.
    pub fn start() -> Moto {
        Moto::spawn().ready()
    }

    /// Starts moto without waiting (the caller does other set-up meanwhile, then `ready`).
    pub fn spawn() -> Moto {
        Moto::spawn_with(&[])
    }

    /// Starts moto enforcing IAM authorization after the first `free` requests (moto's
    /// `INITIAL_NO_AUTH_ACTION_COUNT`): set-up runs unchecked, then every request needs keys
    /// moto issued and a policy that allows it.
    pub fn start_enforcing_after(free: usize) -> Moto {
        Moto::spawn_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", free.to_string())]).ready()
    }

    fn spawn_with(env: &[(&str, String)]) -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // moto's request recorder writes a file: keep it out of the working tree.
        let scratch = std::env::temp_dir().join(format!("aws-auth-audit-moto-{port}"));
        std::fs::create_dir_all(&scratch).unwrap();
        let child = Command::new("python3")
            .current_dir(&scratch)
            .env("MOTO_RECORDER_FILEPATH", scratch.join("recording"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m moto.server (scripts/setup installs moto[server])");
        Moto {
            url: format!("http://127.0.0.1:{port}"),
            child,
            scratch,
        }
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

impl Moto {
    /// One HTTP/1.1 request to moto's own API; the response body.
    fn moto_api(&self, method: &str, path: &str) -> String {
        use std::io::{Read, Write};
        let address = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
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
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}
