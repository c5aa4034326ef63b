//! What the binary's tests share: running `dnsim` from the repository root as a user would,
//! reading its output, and a scratch directory per test.
//!
//! Each test binary compiles this module and uses some of it, so what one binary leaves
//! unused is not dead code.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root: where a user runs `dnsim` from the README.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// `dnsim ARGS`, run in the repository root.
pub fn dnsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dnsim"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("dnsim runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An empty directory of this test binary's own under the system's temporary directory,
/// named by `name` and the process id.
pub fn temp_dir(name: &str) -> PathBuf {
    let binary = env!("CARGO_CRATE_NAME");
    let dir = std::env::temp_dir().join(format!("dnsim-{binary}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
