//! A real browser for the HTML report: Debian's headless Chromium (installed by
//! `scripts/setup`), driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
//! file descriptors 3 and 4, NUL-separated JSON) — no WebSocket, no driver, no library. It
//! records what a page logs (console, exceptions, the browser's own log, where a
//! Content-Security-Policy violation lands) and every request the page makes, evaluates
//! expressions against the rendered DOM, sends real key presses, and takes screenshots.
//! A watchdog kills the browser after a deadline, so a wedged browser fails a test instead of
//! hanging it.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

/// Where Debian's package puts it.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long one browser may live before the watchdog kills it.
const DEADLINE: Duration = Duration::from_secs(120);

pub struct Browser {
    child: Arc<Mutex<Child>>,
    to_browser: std::io::PipeWriter,
    from_browser: BufReader<std::io::PipeReader>,
    next_id: u64,
    session: String,
    /// Every event the page's session sent, in order.
    pub events: Vec<Value>,
    _profile: PathBuf,
}

/// What a page did while it loaded and ran: what it logged and what it asked the network for.
#[derive(Debug, Default)]
pub struct PageLog {
    /// Console messages of level error or warning, exceptions, and the browser's log entries
    /// of those levels (CSP violations among them).
    pub errors: Vec<String>,
    /// Every URL the page requested (the page itself included), but those the browser
    /// refused to send.
    pub requests: Vec<String>,
    /// URLs the page asked for and the browser refused to send, with the reason (`csp`).
    pub blocked: Vec<(String, String)>,
}

impl Browser {
    /// Starts Chromium headless with a fresh profile and opens one tab. Panics with what to
    /// do when Chromium is missing: the HTML report is tested in a real browser, not skipped.
    /// `profile` is an empty directory of the caller's.
    pub fn launch(profile: PathBuf) -> Browser {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: run scripts/setup (it installs Debian's chromium)"
        );
        let (to_read, to_write) = std::io::pipe().expect("pipe");
        let (from_read, from_write) = std::io::pipe().expect("pipe");
        let (child_in, child_out) = (to_read.as_raw_fd(), from_write.as_raw_fd());
        let mut command = Command::new(CHROMIUM);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--mute-audio",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: between fork and exec only async-signal-safe calls (fcntl, dup2) on
        // descriptors this process owns: the pipe ends become fds 3 (commands in) and 4
        // (answers out), without close-on-exec.
        unsafe {
            command.pre_exec(move || {
                let high_in = libc::fcntl(child_in, libc::F_DUPFD, 10);
                let high_out = libc::fcntl(child_out, libc::F_DUPFD, 10);
                if high_in < 0
                    || high_out < 0
                    || libc::dup2(high_in, 3) < 0
                    || libc::dup2(high_out, 4) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = Arc::new(Mutex::new(command.spawn().expect("start chromium")));
        drop((to_read, from_write));
        let watchdog = Arc::clone(&child);
        std::thread::spawn(move || {
            std::thread::sleep(DEADLINE);
            let _ = watchdog.lock().map(|mut c| c.kill());
        });
        let mut browser = Browser {
            child,
            to_browser: to_write,
            from_browser: BufReader::new(from_read),
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().expect("session").to_string();
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            browser.send(domain, json!({}));
        }
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        browser
    }

    /// One message from the browser; panics when it has gone (the watchdog, a crash).
    fn receive(&mut self) -> Value {
        let mut bytes = Vec::new();
        let read = self
            .from_browser
            .read_until(0, &mut bytes)
            .expect("read from chromium");
        assert!(
            read > 0 && bytes.last() == Some(&0),
            "chromium closed its pipe (crashed, or killed after {DEADLINE:?})"
        );
        bytes.pop();
        serde_json::from_slice(&bytes).expect("chromium speaks JSON")
    }

    /// Sends a command (to the browser, or to a session) and waits for its answer, keeping
    /// the session's events that arrive meanwhile.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).expect("serialisable");
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .expect("write to chromium");
        loop {
            let answer = self.receive();
            if answer["id"] == id {
                if let Some(error) = answer.get("error") {
                    panic!("{method}: {error}");
                }
                return answer["result"].clone();
            }
            if answer.get("method").is_some() {
                self.events.push(answer);
            }
        }
    }

    /// A command to the tab.
    pub fn send(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.call(Some(&session), method, params)
    }

    /// Opens a file and waits for its load event.
    pub fn open(&mut self, path: &Path) {
        let url = format!("file://{}", path.canonicalize().expect("page").display());
        let seen = self.events.len();
        self.send("Page.navigate", json!({"url": url}));
        while !self.events[seen..]
            .iter()
            .any(|e| e["method"] == "Page.loadEventFired")
        {
            let event = self.receive();
            if event.get("method").is_some() {
                self.events.push(event);
            }
        }
    }

    /// Evaluates an expression in the page and returns its value (JSON).
    pub fn eval(&mut self, expression: &str) -> Value {
        let answer = self.send(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(exception) = answer.get("exceptionDetails") {
            panic!("evaluating {expression}: {exception}");
        }
        answer["result"]["value"].clone()
    }

    /// Presses a key as a user would (key down, then up).
    pub fn press(&mut self, key: &str) {
        let (code, text) = match key {
            "Tab" => (9, ""),
            "Enter" => (13, "\r"),
            "Escape" => (27, ""),
            " " => (32, " "),
            other => panic!("no key code for {other}"),
        };
        let mut down = json!({"type": "keyDown", "key": key, "code": if key == " " { "Space" } else { key }, "windowsVirtualKeyCode": code});
        if !text.is_empty() {
            down["text"] = json!(text);
        }
        self.send("Input.dispatchKeyEvent", down);
        self.send(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": if key == " " { "Space" } else { key }, "windowsVirtualKeyCode": code}),
        );
    }

    /// The colour scheme the page sees (`light` or `dark`).
    pub fn color_scheme(&mut self, scheme: &str) {
        self.send(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
    }

    /// A PNG of the whole page.
    pub fn screenshot(&mut self, path: &Path) {
        let shot = self.send(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("image"))
            .expect("base64");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// The page printed to PDF, as the browser's print does.
    pub fn print_pdf(&mut self) -> Vec<u8> {
        let pdf = self.send("Page.printToPDF", json!({"printBackground": true}));
        base64::engine::general_purpose::STANDARD
            .decode(pdf["data"].as_str().expect("pdf"))
            .expect("base64")
    }

    /// What the page logged and requested since it was opened.
    pub fn log(&self) -> PageLog {
        let mut log = PageLog::default();
        let (mut requests, mut refused) = (Vec::new(), Vec::new());
        for event in &self.events {
            let params = &event["params"];
            match event["method"].as_str().unwrap_or_default() {
                "Runtime.consoleAPICalled"
                    if matches!(
                        params["type"].as_str(),
                        Some("error" | "warning" | "assert")
                    ) =>
                {
                    log.errors.push(format!("console: {}", params["args"]));
                }
                "Runtime.exceptionThrown" => {
                    log.errors
                        .push(format!("exception: {}", params["exceptionDetails"]));
                }
                "Log.entryAdded"
                    if matches!(params["entry"]["level"].as_str(), Some("error" | "warning")) =>
                {
                    log.errors.push(format!("log: {}", params["entry"]["text"]));
                }
                "Network.requestWillBeSent" => {
                    let url = params["request"]["url"].as_str().unwrap_or("?").to_string();
                    requests.push((params["requestId"].clone(), url));
                }
                "Network.loadingFailed" if params.get("blockedReason").is_some() => {
                    refused.push((
                        params["requestId"].clone(),
                        params["blockedReason"].as_str().unwrap_or("?").to_string(),
                    ));
                }
                _ => {}
            }
        }
        for (id, url) in requests {
            match refused.iter().find(|(r, _)| *r == id) {
                Some((_, reason)) => log.blocked.push((url, reason.clone())),
                None => log.requests.push(url),
            }
        }
        log
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
