//! Output files written whole or not at all, and standard output that a closed pipe ends
//! quietly ([`PipeSafeStdout`]).
//!
//! Every file dnsim writes (a diagram, a seed file, a Markdown table) is first written to a
//! temporary file in the same directory, then moved into place in one step: an existing file
//! is never truncated, and a reader never sees half a file. The temporary file is named
//! `.{name}.dnsim-{pid}-{n}.tmp` (hidden, and not ending in `.toml`, `.svg` or `.md`, so no
//! later run reads it), and is removed when the write fails or is abandoned; only a process
//! killed mid-write leaves one behind, which nothing trips on.
//!
//! Commands check their output paths with [`check_writable`] before doing any work, so that
//! bad input costs nothing and writes nothing.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::exploring::clock::printing;

/// Whether `path` can be written as a new file or over an existing file: its directory
/// exists and it is not itself a directory. With `must_be_new`, it must not exist yet.
pub fn check_writable(what: &str, path: &Path, must_be_new: bool) -> Result<(), String> {
    let problem = |message: &str| Err(format!("{what} {}: {message}", path.display()));
    if path.is_dir() {
        return problem("is a directory");
    }
    if must_be_new && path.exists() {
        return problem("already exists (nothing is written over a saved file)");
    }
    if path.file_name().is_none() {
        return problem("names no file");
    }
    let dir = directory_of(path);
    if !dir.is_dir() {
        return problem(&format!("directory {} does not exist", dir.display()));
    }
    Ok(())
}

/// Writes `bytes` to `path`, replacing any file there in one step.
pub fn write_replacing(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = Temporary::write(path, bytes)?;
    std::fs::rename(&temporary.0, path)
}

/// Writes `bytes` to `path` in one step, failing if `path` already exists.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = Temporary::write(path, bytes)?;
    // A hard link fails if the name is taken, unlike a rename; the temporary name is then
    // removed when `temporary` drops.
    std::fs::hard_link(&temporary.0, path)
}

/// The directory a path's file lives in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A fully written temporary file beside its destination; removed when dropped (after a
/// rename, there is nothing left to remove).
struct Temporary(PathBuf);

/// The next temporary file number of this process.
static NEXT: AtomicU64 = AtomicU64::new(0);

impl Temporary {
    fn write(path: &Path, bytes: &[u8]) -> io::Result<Temporary> {
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "names no file"))?;
        // A name left behind by a killed run (whose process id this one may now have) is
        // skipped, never reused or truncated.
        let (temporary, mut file) = loop {
            let temporary = directory_of(path).join(format!(
                ".{}.dnsim-{}-{}.tmp",
                name.to_string_lossy(),
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            match File::options()
                .write(true)
                .create_new(true)
                .open(&temporary)
            {
                Ok(file) => break (Temporary(temporary), file),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        };
        file.write_all(bytes)?;
        file.sync_all()?;
        Ok(temporary)
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Standard output for a command-line tool: when the reader goes away (`dnsim ... | head`),
/// exit quietly, with [`EXIT_OUTPUT_CUT`], instead of reporting a broken pipe at every line.
pub struct PipeSafeStdout;

/// Exit status when the reader of standard output went away: what a shell reports for a
/// process killed by `SIGPIPE` (128 + 13). The output was cut, and with it the verdict (the
/// run or sweep did not finish), so it is not 0: a script with `set -o pipefail` must not
/// read `dnsim ... | head` as a pass.
pub const EXIT_OUTPUT_CUT: i32 = 141;

/// Writing is [`printing`]: a single run's watchdog does not count the time a slow reader
/// keeps it blocked.
impl Write for PipeSafeStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        printing(|| quiet_on_broken_pipe(std::io::stdout().write(buf)))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        printing(|| quiet_on_broken_pipe(std::io::stdout().flush()))
    }
}

fn quiet_on_broken_pipe<T>(result: std::io::Result<T>) -> std::io::Result<T> {
    match result {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(EXIT_OUTPUT_CUT)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dnsim-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replacing_leaves_only_the_new_content_and_no_temporary_file() {
        let dir = scratch("replace");
        let path = dir.join("x.svg");
        std::fs::write(&path, "keep").unwrap();
        write_replacing(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(names(&dir), ["x.svg"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_new_file_never_replaces_an_existing_one() {
        let dir = scratch("new");
        let path = dir.join("s.toml");
        std::fs::write(&path, "keep").unwrap();
        assert!(write_new(&path, b"new").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep");
        assert_eq!(names(&dir), ["s.toml"], "the temporary file is removed");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_temporary_file_left_by_a_killed_run_is_stepped_over() {
        let dir = scratch("stray");
        let path = dir.join("d.svg");
        // What a run with this process id, killed mid-write, would have left.
        let stray = dir.join(format!(".d.svg.dnsim-{}-0.tmp", std::process::id()));
        std::fs::write(&stray, "half").unwrap();
        NEXT.store(0, Ordering::Relaxed);
        write_replacing(&path, b"whole").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole");
        assert_eq!(std::fs::read_to_string(&stray).unwrap(), "half");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_output_paths_are_named_before_any_work() {
        let dir = scratch("check");
        let existing = dir.join("e.toml");
        std::fs::write(&existing, "keep").unwrap();
        assert!(check_writable("seed file", &existing, false).is_ok());
        let error = check_writable("seed file", &existing, true).unwrap_err();
        assert!(error.contains("already exists"), "{error}");
        let error = check_writable("diagram file", &dir, false).unwrap_err();
        assert!(error.contains("is a directory"), "{error}");
        let error = check_writable("diagram file", &dir.join("no/d.svg"), false).unwrap_err();
        assert!(error.contains("does not exist"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
