//! The Python peers of the interop tests: finds `python3` and the packages a peer imports,
//! installing them with pip into the test's own target directory when they are missing.
//! Shared by the core's and `sca-ws-cli`'s interop tests (the latter includes this file by
//! path). A test skips, saying why, only when Python is absent or pip cannot reach its
//! registry; any other pip failure fails the test.
#![allow(unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where `imports` (a Python import statement) can be imported from: `Ok(None)` = the default
/// path; `Ok(Some(dir))` = `dir` (under `tmp_dir`, named `dir_name`) after `pip install
/// packages` there; `Err` = why the peer cannot run here.
pub fn python_path(
    tmp_dir: &Path,
    dir_name: &str,
    imports: &str,
    packages: &[&str],
) -> Result<Option<PathBuf>, String> {
    let importable = |path: Option<&Path>| {
        let mut c = Command::new("python3");
        c.args(["-c", imports]);
        if let Some(p) = path {
            c.env("PYTHONPATH", p);
        }
        c.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if Command::new("python3").arg("--version").output().is_err() {
        return Err("python3 is not installed".into());
    }
    if importable(None) {
        return Ok(None);
    }
    let dir = tmp_dir.join(dir_name);
    if importable(Some(&dir)) {
        return Ok(Some(dir));
    }
    let out = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(&dir)
        .args(["--timeout", "30"])
        .args(packages)
        .output()
        .map_err(|e| format!("pip could not run: {e}"))?;
    if out.status.success() && importable(Some(&dir)) {
        return Ok(Some(dir));
    }
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let unreachable = [
        "connection",
        "network",
        "resolve",
        "timed out",
        "no matching distribution",
    ]
    .iter()
    .any(|w| err.to_lowercase().contains(w));
    assert!(
        unreachable,
        "pip failed for a reason other than the network: {err}"
    );
    Err(format!(
        "pip cannot reach its registry: {}",
        err.lines().last().unwrap_or("")
    ))
}
