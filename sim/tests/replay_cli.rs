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
