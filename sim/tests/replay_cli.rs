//! What `dnsim` hands a user to run again (a printed command, a saved seed file) runs the
//! very run it came from, and a file that no longer does is never told as if it did.

mod common;
use common::{dnsim, temp_dir, text};

/// The trace hash a replay printed.
fn trace_hash(stdout: &str) -> &str {
    let line = stdout
        .lines()
        .find(|line| line.starts_with("trace hash: "))
        .unwrap_or_else(|| panic!("no trace hash in {stdout}"));
    line["trace hash: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
}

/// The arguments of the `reproduce:` line a replay printed, after `dnsim`, with its seed
/// (given there as `MADSIM_TEST_SEED=N`) as `--seed N`.
fn reproduce_args(stdout: &str) -> Vec<String> {
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("reproduce: "))
        .unwrap_or_else(|| panic!("no reproduce line in {stdout}"));
    let mut words = line.split_whitespace();
    let seed = words
        .next()
        .unwrap()
        .strip_prefix("MADSIM_TEST_SEED=")
        .unwrap();
    assert_eq!(words.next(), Some("dnsim"), "{line}");
    let mut args: Vec<String> = words.map(str::to_string).collect();
    args.extend(["--seed".to_string(), seed.to_string()]);
    args
}

#[test]
fn a_printed_replay_line_keeps_the_designs_parameters() {
    let variant = "leased-enactor:lease_ttl_ms=200";
    let first = dnsim(&["replay", "--seed", "53", "--variant", variant]);
    let stdout = text(&first.stdout);
    assert!(stdout.contains(&format!("variant={variant} ")), "{stdout}");
    let args = reproduce_args(&stdout);
    assert!(args.contains(&variant.to_string()), "{args:?}");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let again = dnsim(&args);
    assert_eq!(
        trace_hash(&text(&again.stdout)),
        trace_hash(&stdout),
        "the printed line replays another run"
    );
}

#[test]
fn shrink_and_exhaust_name_the_design_with_its_parameters() {
    let variant = "leased-enactor:lease_ttl_ms=200";
    let shrink = dnsim(&[
        "shrink",
        "--seed",
        "53",
        "--variant",
        variant,
        "--invariant",
        "no_stale_overwrite",
        "--no-save",
    ]);
    let stdout = text(&shrink.stdout);
    assert!(stdout.contains(&format!("variant={variant} ")), "{stdout}");
    let exhaust = dnsim(&[
        "exhaust",
        "--scenario",
        "small",
        "--variant",
        variant,
        "--max-faults",
        "0",
        "--no-save",
        "--quiet",
    ]);
    let stdout = text(&exhaust.stdout);
    assert!(stdout.contains(&format!("variant={variant} ")), "{stdout}");
    let matrix = dnsim(&[
        "matrix",
        "--scenario",
        "small",
        "--seeds",
        "0..2",
        "--variants",
        &format!("original,{variant}"),
        "--exhaustive",
        "1",
        "--quiet",
    ]);
    let stdout = text(&matrix.stdout);
    let exhaustive = stdout.split("exhaustive (").nth(1).expect(&stdout);
    assert!(exhaustive.contains(&format!("\n  {variant}\n")), "{stdout}");
}

/// A run replayed with scripted faults (a schedule file's, another design's) is saved with
/// those faults: the file replays the run, not the seed's own faults.
#[test]
fn a_run_saved_from_scripted_faults_replays_as_saved() {
    let dir = temp_dir("scripted");
    let from_schedule = dir.join("from-schedule.toml");
    let from_design = dir.join("from-design.toml");
    let saves: [(&std::path::Path, Vec<&str>); 2] = [
        (
            &from_schedule,
            vec![
                "--file",
                "seeds/original-converges-175-minimal.toml",
                "--invariant",
                "converges",
            ],
        ),
        (
            &from_design,
            vec![
                "--strategy",
                "uniform",
                "--seed",
                "49",
                "--variant",
                "protect-referenced-cleanup",
                "--faults-from",
                "original",
                "--invariant",
                "no_stale_overwrite",
            ],
        ),
    ];
    for (path, args) in saves {
        let path_text = path.to_str().unwrap();
        let mut save = vec!["replay", "--save", path_text];
        save.extend(args);
        let saved = dnsim(&save);
        assert!(
            text(&saved.stdout).contains("saved: "),
            "{}{}",
            text(&saved.stdout),
            text(&saved.stderr)
        );
        let file = std::fs::read_to_string(path).unwrap();
        assert!(file.contains("faults_source = \"schedule\""), "{file}");
        let replayed = dnsim(&["replay", "--file", path_text]);
        let stdout = text(&replayed.stdout);
        assert_eq!(replayed.status.code(), Some(0), "{stdout}");
        assert!(stdout.contains("reproduced: "), "{stdout}");
    }
}

/// A seed file's name does not say its scenario: a hunt that finds the name taken by
/// another run's file leaves that file alone and says so, never "saved already".
#[test]
fn a_hunt_never_takes_another_runs_file_for_its_own() {
    let dir = temp_dir("clash");
    let dir_text = dir.to_str().unwrap();
    let first = dnsim(&["hunt", "--seeds", "0..5", "--save", dir_text]);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stderr));
    let clashing = dir.join("original-swarm-no_stale_overwrite-4.toml");
    let before = std::fs::read_to_string(&clashing).expect("seed 4 of incident is saved");
    let other = dnsim(&[
        "hunt",
        "--seeds",
        "0..20",
        "--scenario",
        "small",
        "--save",
        dir_text,
    ]);
    let (stdout, stderr) = (text(&other.stdout), text(&other.stderr));
    assert!(
        stderr.contains(&format!(
            "warning: seed 4 not saved: {} holds another run (of scenario incident, trace hash ",
            clashing.display()
        )),
        "{stderr}"
    );
    assert!(
        stdout.contains("1 failing run not saved (see the warnings)"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&clashing).unwrap(), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `explain --file` checks the file as `replay --file` does: a file that no longer gives its
/// run is never explained as if it did.
#[test]
fn explain_says_when_a_file_no_longer_gives_its_run() {
    let dir = temp_dir("explain");
    let saved = std::fs::read_to_string(
        common::repo_root().join("seeds/original-converges-175-minimal.toml"),
    )
    .unwrap();
    assert!(saved.contains("seed = 175\n"), "{saved}");
    let edited = dir.join("edited.toml");
    std::fs::write(&edited, saved.replace("seed = 175\n", "seed = 176\n")).unwrap();
    let out = dnsim(&["explain", "--file", edited.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("explain: SEED=176 "), "{stdout}");
    assert!(lines[1].starts_with("NOT REPRODUCED: "), "{stdout}");
    let kept = dnsim(&[
        "explain",
        "--file",
        "seeds/original-converges-175-minimal.toml",
    ]);
    assert_eq!(kept.status.code(), Some(1), "{}", text(&kept.stdout));
    assert!(!text(&kept.stdout).contains("NOT REPRODUCED"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A command asks for a run the ways it takes: `shrink` has no `--file`.
#[test]
fn a_missing_seed_is_asked_for_the_ways_the_command_takes() {
    let ask = |command: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dnsim"))
            .arg(command)
            .env_remove("MADSIM_TEST_SEED")
            .current_dir(common::repo_root())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        text(&out.stderr)
    };
    assert_eq!(
        ask("shrink"),
        "error: give --seed N (or set MADSIM_TEST_SEED=N)\n"
    );
    for command in ["replay", "explain"] {
        assert_eq!(
            ask(command),
            "error: give --seed N (or set MADSIM_TEST_SEED=N), or --file SEED_FILE\n"
        );
    }
}

/// A seed file names its scenario file as it was given (relative to where it was saved):
/// when that file is not found, the error names the seed file too.
#[test]
fn a_seed_files_missing_scenario_names_the_seed_file() {
    let dir = temp_dir("relative");
    let file = dir.join("relative.toml");
    let saved = std::fs::read_to_string(
        common::repo_root().join("seeds/original-converges-175-minimal.toml"),
    )
    .unwrap();
    let edited = saved.replace("scenario = \"incident\"", "scenario = \"my.toml\"");
    assert_ne!(edited, saved);
    std::fs::write(&file, edited).unwrap();
    let out = dnsim(&["replay", "--file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with(&format!(
            "error: seed file {}: scenario file my.toml: ",
            file.display()
        )),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `MADSIM_TEST_NUM=0` asks for no seeds: bad input, not one seed run quietly.
#[test]
fn madsim_test_num_0_is_bad_input() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dnsim"))
        .arg("hunt")
        .env("MADSIM_TEST_SEED", "1")
        .env("MADSIM_TEST_NUM", "0")
        .current_dir(common::repo_root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: MADSIM_TEST_NUM=0: the number of seeds to run must be at least 1\n"
    );
}

/// A seed file saved with a scenario file given by a relative path replays from another
/// directory when the scenario sits beside it (it failed: the path was read from the
/// current directory only); when it is found nowhere, the error says where it was looked for.
#[test]
fn a_seed_files_relative_scenario_path_is_found_beside_it() {
    let dir = temp_dir("relative-scenario");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    std::fs::copy(repo.join("scenarios/incident.toml"), dir.join("mine.toml")).unwrap();
    let in_dir = |args: &[&str], cwd: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dnsim"))
            .args(args)
            .current_dir(cwd)
            .output()
            .unwrap()
    };
    let saved = dir.join("mine-47.toml");
    let out = in_dir(
        &[
            "replay",
            "--scenario",
            "mine.toml",
            "--seed",
            "47",
            "--save",
        ]
        .into_iter()
        .chain([saved.to_str().unwrap(), "--invariant", "converges"])
        .collect::<Vec<_>>(),
        &dir,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let elsewhere = std::env::temp_dir();
    let out = in_dir(&["replay", "--file", saved.to_str().unwrap()], &elsewhere);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("as saved"),
        "{}",
        text(&out.stdout)
    );
    // Moved away from its scenario: bad input that says where the path was looked for.
    std::fs::remove_file(dir.join("mine.toml")).unwrap();
    let out = in_dir(&["replay", "--file", saved.to_str().unwrap()], &elsewhere);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "scenario file mine.toml: No such file or directory (os error 2) (a relative path is looked for from the current directory, then from the seed file's directory)"
        ),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
