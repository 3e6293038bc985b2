//! The image the CronJob runs, tested without a registry or a container engine: the runtime
//! image's root filesystem is built here as `Containerfile` describes it — the binary at its
//! `ENTRYPOINT`, exactly the shared libraries `ldd` lists, the CA bundle, a `passwd` entry for
//! the non-root user — and the CronJob's own command (`deploy/kubernetes/scan-cronjob.yaml`:
//! its arguments and its `runAsUser`) runs in it, one pod per shard, against the project's
//! test server and moto. No container engine runs in this sandbox, so the test runs the root
//! filesystem the way one would, in a user namespace: `unshare --map-user=UID --root=ROOTFS`
//! (the process is that UID, its root is the image's; the root is read-only as
//! `readOnlyRootFilesystem` makes it, by its modes: nothing in it may be written but the
//! mounted output folder). The binary is the suite's build of it (the image builds a release
//! one from the same sources).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common;
use crate::least_privilege::{EXTERNAL_ID, REPORT_BUCKET, org_testbed};

/// `Containerfile`'s instructions, joined across continuation lines.
fn containerfile() -> Vec<String> {
    let text = std::fs::read_to_string(common::repo().join("Containerfile")).unwrap();
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        if open {
            out.last_mut().unwrap().push_str(line.trim());
        } else if !line.trim().is_empty() {
            out.push(line.trim().to_string());
        }
        open = line.ends_with('\\');
    }
    out
}

fn instruction<'a>(lines: &'a [String], word: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(word).map(str::trim))
        .collect()
}

/// The CronJob named `name`: its pod's containers' arguments, the UID it runs as, and its first
/// container.
fn cronjob_named(name: &str) -> (Vec<Vec<String>>, u32, Value) {
    let text = std::fs::read_to_string(common::repo().join("deploy/kubernetes/scan-cronjob.yaml"))
        .unwrap();
    let job = common::yaml_documents(&text)
        .into_iter()
        .find(|d| d["kind"] == "CronJob" && d["metadata"]["name"] == name)
        .unwrap();
    let pod = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let args = pod["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|container| {
            container["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    let uid = pod["securityContext"]["runAsUser"].as_u64().unwrap() as u32;
    (args, uid, pod["containers"][0].clone())
}

/// The scan CronJob's container: its arguments and the UID it runs as.
fn cronjob() -> (Vec<String>, u32, Value) {
    let (mut args, uid, container) = cronjob_named("aws-auth-audit-scan");
    (args.remove(0), uid, container)
}

/// Every file and folder under `root`, relative to it.
fn listing(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            out.insert(path.strip_prefix(root).unwrap().to_path_buf());
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
    out
}

fn copy_into(root: &Path, host: &Path) {
    let target = root.join(host.strip_prefix("/").unwrap());
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(host, &target).unwrap();
}

/// The runtime image's root filesystem: what `ldd` says the binary loads, the CA bundle, the
/// user, the binary at the entrypoint, and an output folder standing for the mounted volume.
fn rootfs(dir: &Path, entrypoint: &str, uid: u32) -> PathBuf {
    let root = dir.join("rootfs");
    let binary = Path::new(env!("CARGO_BIN_EXE_aws-auth-audit"));
    copy_into(&root, binary);
    std::fs::rename(root.join(binary.strip_prefix("/").unwrap()), {
        let at = root.join(entrypoint.trim_start_matches('/'));
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        at
    })
    .unwrap();
    let ldd = std::process::Command::new("ldd")
        .arg(binary)
        .output()
        .unwrap();
    assert!(
        ldd.status.success(),
        "ldd: {}",
        String::from_utf8_lossy(&ldd.stderr)
    );
    let mut libraries = 0;
    for line in String::from_utf8_lossy(&ldd.stdout).lines() {
        // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)`, `/lib64/ld-linux-x86-64.so.2 (0x…)`
        let path = line
            .split("=>")
            .last()
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap_or("");
        if path.starts_with('/') {
            let real = std::fs::canonicalize(path).unwrap();
            let target = root.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&real, &target).unwrap();
            libraries += 1;
        }
    }
    assert!(libraries >= 2, "ldd listed {libraries} libraries");
    for bundle in ["/etc/ssl/certs/ca-certificates.crt"] {
        if Path::new(bundle).exists() {
            copy_into(&root, Path::new(bundle));
        }
    }
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/passwd"),
        format!("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:{uid}:{uid}:nonroot:/home/nonroot:/sbin/nologin\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("etc/group"),
        format!("root:x:0:\nnonroot:x:{uid}:\n"),
    )
    .unwrap();
    for folder in ["home/nonroot", "tmp", "out"] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
    }
    // Read-only, as the pod's root filesystem: no write bit anywhere but the mounted output.
    let status = std::process::Command::new("chmod")
        .args(["-R", "a-w"])
        .arg(&root)
        .status()
        .unwrap();
    assert!(status.success());
    let status = std::process::Command::new("chmod")
        .arg("0700")
        .arg(root.join("out"))
        .status()
        .unwrap();
    assert!(status.success());
    root
}

#[test]
fn the_containerfile_builds_what_the_cronjob_runs() {
    let lines = containerfile();
    let (_, uid, container) = cronjob();
    // A build stage, the binary from it or from a release, the runtime base an argument.
    let froms = instruction(&lines, "FROM ");
    assert_eq!(froms.first(), Some(&"${BUILDER} AS build"), "{lines:#?}");
    assert_eq!(froms.last(), Some(&"${BASE}"), "{lines:#?}");
    assert!(froms.contains(&"binary-${BINARY} AS binary"), "{lines:#?}");
    assert!(
        instruction(&lines, "ARG ")
            .iter()
            .any(|a| a.starts_with("BASE=")),
        "{lines:#?}"
    );
    assert!(
        instruction(&lines, "RUN ")
            .iter()
            .any(|r| r.contains("cargo build --locked --release")),
        "{lines:#?}"
    );
    // Runs as the CronJob's non-root UID, the binary its entrypoint.
    assert_eq!(
        instruction(&lines, "USER "),
        [format!("{uid}:{uid}").as_str()]
    );
    assert_eq!(
        instruction(&lines, "ENTRYPOINT "),
        ["[\"/usr/local/bin/aws-auth-audit\"]"]
    );
    // OCI labels: source, revision, version, licences (the crate's).
    let labels = instruction(&lines, "LABEL ").join(" ");
    for key in ["source", "revision", "version", "licenses"] {
        assert!(
            labels.contains(&format!("org.opencontainers.image.{key}=")),
            "{key}: {labels}"
        );
    }
    assert!(labels.contains("Apache-2.0"));
    // The CronJob references the image and keeps its root read-only, unprivileged.
    assert!(
        container["image"]
            .as_str()
            .unwrap()
            .ends_with("/aws-auth-audit:VERSION")
    );
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
}

#[test]
fn the_cronjobs_command_runs_in_the_images_root_filesystem_as_its_user_read_only() {
    let (args, uid, _) = cronjob();
    let lines = containerfile();
    let entrypoint = instruction(&lines, "ENTRYPOINT ")[0]
        .trim_matches(|c| c == '[' || c == ']' || c == '"')
        .to_string();
    let dir = common::scratch("container");
    let root = rootfs(&dir, &entrypoint, uid);
    let _writable_again = Writable(root.clone());
    let before = listing(&root);
    let (bed, member) = org_testbed(false);
    let home = common::scratch("container-home");
    // The pod's command: the CronJob's arguments with the organisation's external ID and the
    // report bucket, as one pod of each shard (the Indexed Job's JOB_COMPLETION_INDEX).
    let fill = |args: &[String]| -> Vec<String> {
        args.iter()
            .map(|a| {
                a.replace("EXTERNAL_ID", EXTERNAL_ID)
                    .replace("REPORT_BUCKET", REPORT_BUCKET)
            })
            .collect()
    };
    let args = fill(&args);
    let shards: usize = args
        .iter()
        .find_map(|a| a.strip_prefix("--shards="))
        .unwrap()
        .parse()
        .unwrap();
    let run_in_root = |args: &[String], index: usize, extra: &[&str]| {
        let mut command = bed.command(
            std::ffi::OsStr::new("unshare"),
            &home,
            "user/aws-auth-audit-scanner",
        );
        command
            .env("HOME", "/home/nonroot")
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .args([
                "--user",
                &format!("--map-user={uid}"),
                &format!("--map-group={uid}"),
                &format!("--root={}", root.display()),
                "--wd=/",
                &entrypoint,
            ])
            .args(args)
            .args(extra);
        let output = command.output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    // Each shard's pod writes its part to S3 (moto's, enforcing the scanner's policies).
    for index in 0..shards {
        let (code, stdout, stderr) = run_in_root(&args, index, &[]);
        assert!(
            code == 0 || code == 1,
            "shard {index}: exit {code}\n{stderr}"
        );
        assert_eq!(stdout, "", "shard {index}: its lines went to S3");
    }
    // The merge CronJob's containers, each format written next to the parts. The parts are
    // named rather than listed here: moto, enforcing, miscomputes the signature of an S3
    // request with a query string such as ListObjectsV2 (getmoto/moto#5948).
    let (merges, merge_uid, _) = cronjob_named("aws-auth-audit-merge");
    assert_eq!(merge_uid, uid);
    assert_eq!(merges.len(), 3);
    for merge in &merges {
        let mut merge = fill(merge);
        let prefix = merge.remove(1);
        assert!(prefix.ends_with("/{date}/parts/"), "{prefix}");
        let named: Vec<String> = (0..shards)
            .map(|i| format!("{prefix}part-{i}.jsonl"))
            .collect();
        merge.splice(1..1, named);
        let (code, stdout, stderr) = run_in_root(&merge, 0, &[]);
        assert!(code == 0 || code == 1, "{merge:?}: exit {code}\n{stderr}");
        assert_eq!(stdout, "", "{merge:?}: written to S3");
    }
    // The merged JSON in S3: the whole organisation, every cluster read whole.
    let report: Value = serde_json::from_slice(&read_report(
        &bed,
        &format!("aws-auth-audit/{}/fleet.json", common::utc_date()),
    ))
    .unwrap();
    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 3, "{report:#}");
    assert!(clusters.iter().any(|c| c["account"] == member.as_str()));
    for line in clusters {
        assert_eq!(line["report"]["coverage"]["complete"], true, "{line:#}");
    }
    assert_eq!(report["not_audited"], serde_json::json!([]));
    let html = read_report(
        &bed,
        &format!("aws-auth-audit/{}/fleet.html", common::utc_date()),
    );
    assert!(String::from_utf8_lossy(&html).starts_with("<!DOCTYPE html>"));

    // Without S3, to the mounted output folder (the scan's own --output left out):
    let args: Vec<String> = args
        .into_iter()
        .filter(|a| !a.starts_with("--output="))
        .collect();
    let pod = |index: usize, extra: &[&str]| run_in_root(&args, index, extra);
    // It runs as the CronJob's UID: the kernel says so of a file it writes to the mounted
    // output, which is the only place it can write.
    let (code, _, stderr) = pod(0, &["--output=/out/shard-0.jsonl"]);
    assert!(code == 0 || code == 1, "{stderr}");
    let written = root.join("out/shard-0.jsonl");
    let meta = std::fs::metadata(&written).unwrap();
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(meta.mode() & 0o777, 0o600, "written private");
    }
    let (code, _, stderr) = pod(0, &["--output=/report.jsonl"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/report.jsonl"), "{stderr}");
    let id = std::process::Command::new("unshare")
        .args([
            "--user",
            &format!("--map-user={uid}"),
            &format!("--map-group={uid}"),
            "id",
            "-u",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&id.stdout).trim(), uid.to_string());
    // Nothing else appeared in the root filesystem: no cache, no temporary file, no HOME.
    let after = listing(&root);
    let new: Vec<_> = after.difference(&before).collect();
    assert_eq!(new, [Path::new("out/shard-0.jsonl")], "{new:?}");
}

/// An object of the report bucket, read as the scanner (GetObject, which its policy allows).
fn read_report(bed: &crate::support::testbed::Testbed, key: &str) -> Vec<u8> {
    let scanner = bed.identity("user/aws-auth-audit-scanner");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(&bed.moto.url)
            .force_path_style(true)
            .credentials_provider(aws_credential_types::Credentials::new(
                scanner.access_key_id,
                scanner.secret_access_key,
                None,
                None,
                "test",
            ))
            .build(),
    );
    let rt = crate::support::testbed::moto::sdk::runtime();
    let key = key.to_string();
    crate::support::testbed::moto::sdk::block_on(&rt, async move {
        let object = s3
            .get_object()
            .bucket(REPORT_BUCKET)
            .key(&key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        object.body.collect().await.unwrap().into_bytes().to_vec()
    })
}

/// Makes a read-only root filesystem writable again when the test ends, passed or not, so its
/// scratch folder can be removed.
struct Writable(PathBuf);

impl Drop for Writable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(&self.0)
            .status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
