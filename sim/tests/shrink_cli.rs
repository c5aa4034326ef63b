//! `dnsim shrink` as a user runs it: the minimal run, where it is saved, and a replay line
//! that always replays the run just shrunk.

use std::path::Path;
use std::process::Command;

mod common;
use common::{dnsim, temp_dir, text};

#[test]
fn shrink_cuts_a_failing_run_to_a_handful_of_faults_and_saves_it() {
    let dir = temp_dir("save");
    let args = [
        "shrink",
        "--strategy",
        "uniform",
        "--seed",
        "175",
        "--invariant",
        "converges",
        "--save",
        dir.to_str().unwrap(),
    ];
    let out = dnsim(&args);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("faults: 28 -> 5 "), "{stdout}");
    assert!(
        stdout.contains("enactor-3 pauses for 73.8 s before attempt 1 to apply g5 to fips"),
        "{stdout}"
    );
    let saved = dir.join("original-converges-175-minimal.toml");
    assert!(
        stdout.contains(&format!("saved: {}", saved.display())),
        "{stdout}"
    );
    let replay = dnsim(&["replay", "--file", saved.to_str().unwrap()]);
    assert!(
        text(&replay.stdout).contains("reproduced: converges"),
        "{}",
        text(&replay.stdout)
    );

    // The same shrink again: the file is this very run, and its replay line stands.
    let again = text(&dnsim(&args).stdout);
    assert!(
        again.contains(&format!(
            "already saved: {} (this very run)",
            saved.display()
        )),
        "{again}"
    );
    assert!(again.contains("replay: dnsim replay --file"), "{again}");

    // The same run in other words (a postmortem reworded): still this very run.
    let saved_text = std::fs::read_to_string(&saved).unwrap();
    let reworded = saved_text.replacen("postmortem = \"", "postmortem = \"Reworded: ", 1);
    assert_ne!(reworded, saved_text);
    std::fs::write(&saved, &reworded).unwrap();
    let again = text(&dnsim(&args).stdout);
    assert!(again.contains("already saved: "), "{again}");

    // Another run under that name: left alone, no replay line that would replay it, exit 2
    // with one line on stderr.
    let other = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds/original-converges-49.toml"),
    )
    .unwrap();
    std::fs::write(&saved, &other).unwrap();
    let refused = dnsim(&args);
    let (stdout, stderr) = (text(&refused.stdout), text(&refused.stderr));
    assert_eq!(refused.status.code(), Some(2), "{stdout}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: not saved: {} exists and holds another run (trace hash ee850e59179ea699); remove it, or save elsewhere with --save DIR",
            saved.display()
        ),
    );
    assert!(!stdout.contains("replay: "), "{stdout}");
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), other);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// In the scratch directory (the default), a file of the same name holding another run is
/// replaced, so that the replay line printed replays the run just shrunk.
#[test]
fn shrink_replaces_another_run_in_its_scratch_directory() {
    let cwd = temp_dir("scratch");
    let saved = cwd.join("target/dnsim-shrunk/original-converges-175-minimal.toml");
    std::fs::create_dir_all(saved.parent().unwrap()).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::copy(repo.join("seeds/original-converges-49.toml"), &saved).unwrap();
    // Seed 175 shrunk in `cwd`, saved to `save`.
    let shrink = |save: &str| {
        Command::new(env!("CARGO_BIN_EXE_dnsim"))
            .args(["shrink", "--strategy", "uniform", "--seed", "175"])
            .args(["--invariant", "converges", "--save", save])
            .current_dir(&cwd)
            .output()
            .unwrap()
    };
    // The scratch directory however it is spelled.
    let out = shrink("./target/dnsim-shrunk");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("saved: ./target/dnsim-shrunk/original-converges-175-minimal.toml (replacing another run (trace hash "),
        "{stdout}"
    );
    let replay = Command::new(env!("CARGO_BIN_EXE_dnsim"))
        .args(["replay", "--file", saved.to_str().unwrap()])
        .current_dir(&cwd)
        .output()
        .unwrap();
    assert!(
        text(&replay.stdout).contains("reproduced: converges"),
        "{}",
        text(&replay.stdout)
    );
    // Spelled as its absolute path, it is the scratch directory still (this was refused:
    // the check compared the text).
    std::fs::copy(repo.join("seeds/original-converges-49.toml"), &saved).unwrap();
    let absolute = cwd.canonicalize().unwrap().join("target/dnsim-shrunk");
    let out = shrink(absolute.to_str().unwrap());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("(replacing another run (trace hash "),
        "{stdout}"
    );
    std::fs::remove_dir_all(&cwd).unwrap();
}
