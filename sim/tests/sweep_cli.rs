//! The sweep options and the watchdog as a user meets them: bounded numbers, an empty
//! shard said plainly, a hung single run told as HANG, and a check-determinism that
//! really compares.

mod common;
use common::{dnsim, temp_dir, text};

#[test]
fn out_of_range_sweep_numbers_are_one_line_and_exit_2() {
    for (args, expected) in [
        (
            &["hunt", "--jobs", "100000"][..],
            "--jobs 100000 is too many: at most 256 worker threads",
        ),
        (
            &["hunt", "--time-budget", "0s"][..],
            "--time-budget must be longer than zero",
        ),
        (
            &["bench", "--time-budget", "0s"][..],
            "--time-budget must be longer than zero",
        ),
        (
            &["exhaust", "--no-save", "--time-budget", "0s"][..],
            "--time-budget must be longer than zero",
        ),
        (
            &[
                "sensitivity",
                "--knob",
                "enactors",
                "--values",
                "2,3",
                "--time-budget",
                "0s",
            ][..],
            "--time-budget must be longer than zero",
        ),
        (
            &["replay", "--seed", "0", "--watchdog", "0s"][..],
            "--watchdog must be longer than zero",
        ),
    ] {
        let out = dnsim(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing written");
    }
}

#[test]
fn a_shard_with_no_seed_of_the_range_says_so() {
    let out = dnsim(&["hunt", "--shard", "3/100", "--seeds", "0..2"]);
    assert_eq!(out.status.code(), Some(0));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stderr.contains("warning: shard 3/100 holds no seed of 0..2"),
        "{stderr}"
    );
    assert!(!stdout.contains("held in every seed"), "{stdout}");
    assert!(stdout.contains("not checked: no seed ran"), "{stdout}");
}

/// `matrix` too: an empty shard (an engine's pod when there are more shards than seeds) is
/// warned about and writes a report that merges with the others into the unsharded one.
#[test]
fn a_matrix_shard_with_no_seed_merges() {
    let dir = temp_dir("empty-matrix-shard");
    let matrix = |shard: Option<&str>| {
        let mut args = vec![
            "matrix",
            "--seeds",
            "0..2",
            "--variants",
            "original",
            "--json",
        ];
        if let Some(shard) = shard {
            args.extend(["--shard", shard]);
        }
        dnsim(&args)
    };
    let empty = matrix(Some("3/3"));
    assert_eq!(empty.status.code(), Some(0), "{}", text(&empty.stderr));
    assert!(
        text(&empty.stderr).contains("warning: shard 3/3 holds no seed of 0..2"),
        "{}",
        text(&empty.stderr)
    );
    let mut paths = Vec::new();
    for (k, out) in [
        (1, matrix(Some("1/3"))),
        (2, matrix(Some("2/3"))),
        (3, empty),
    ] {
        let path = dir.join(format!("shard-{k}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        paths.push(path.display().to_string());
    }
    let mut args = vec!["merge"];
    args.extend(paths.iter().map(String::as_str));
    let merged = dnsim(&args);
    let unsharded = matrix(None);
    let without_wall = |out: &std::process::Output| {
        let mut report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report.as_object_mut().unwrap().remove("wall_ms");
        report
    };
    assert_eq!(without_wall(&merged), without_wall(&unsharded));
    // An empty shard still names the designs it was asked for: one of another matrix is
    // refused, though it holds no row to tell by.
    let other = dnsim(&[
        "matrix",
        "--seeds",
        "0..2",
        "--variants",
        "recheck-before-write",
        "--json",
        "--shard",
        "3/3",
    ]);
    std::fs::write(&paths[2], &other.stdout).unwrap();
    let refused = dnsim(&args);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr)
            .contains("designs recheck-before-write are not those of the other shards (original)"),
        "{}",
        text(&refused.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_determinism_reports_a_run_that_differs() {
    let out = dnsim(&[
        "check-determinism",
        "--seeds",
        "0..4",
        "--madsim-seeds",
        "0",
        "--inject-nondeterminism",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("seed 0: trace hash "), "{stdout}");
    assert!(
        stdout.contains("3 of 4 seeds gave the same trace hash"),
        "{stdout}"
    );
    assert!(stdout.contains("NOT deterministic"), "{stdout}");
}

/// A check-determinism stopped part-way names the seeds it ran both ways: the last of those
/// its first sweep did, so no prefix of the range that the count alone would suggest.
#[test]
fn a_stopped_check_determinism_names_the_seeds_it_ran_twice() {
    let out = dnsim(&[
        "check-determinism",
        "--seeds",
        "0..10000000",
        "--time-budget",
        "1s",
    ]);
    let stdout = text(&out.stdout);
    let line = (stdout.lines())
        .find(|l| l.starts_with("stopped at the time budget: "))
        .unwrap_or_else(|| panic!("no stop line in:\n{stdout}"));
    let count: u64 = line["stopped at the time budget: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap();
    let named = line
        .split_once(" run twice (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(named, _)| named)
        .unwrap_or_else(|| panic!("no seeds named in {line:?}"));
    let named_count = match named.split_once("..") {
        Some((start, end)) => {
            let start = start.trim_start_matches("seeds ").parse::<u64>().unwrap();
            end.parse::<u64>().unwrap() - start
        }
        None if named == "none" => 0,
        None => u64::from(named.starts_with("seed ")),
    };
    assert_eq!(named_count, count, "{line}");
}
