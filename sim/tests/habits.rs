//! The habits of Rust users: `RUST_LOG` and `--only` narrow a trace, `MADSIM_TEST_SEED`
//! reproduces a seed, and `hunt`'s output scales (`--all`, `--jsonl`, `--quiet`).

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with `env` set and the variables under test cleared otherwise.
fn dnsim_with(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dnsim"));
    command
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap())
        .env_remove("RUST_LOG")
        .env_remove("MADSIM_TEST_SEED")
        .env_remove("MADSIM_TEST_NUM");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("dnsim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The trace lines of a replay: those that start with a simulated time.
fn trace_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|line| {
            line.trim_start()
                .split_once("s  ")
                .is_some_and(|(t, _)| t.parse::<f64>().is_ok())
        })
        .collect()
}

#[test]
fn rust_log_narrows_a_trace_to_its_level() {
    let all = dnsim_with(&[], &["replay", "--seed", "47", "--trace"]);
    let warn = dnsim_with(
        &[("RUST_LOG", "warn")],
        &["replay", "--seed", "47", "--trace"],
    );
    let info = dnsim_with(
        &[("RUST_LOG", "info")],
        &["replay", "--seed", "47", "--trace"],
    );
    let (all, warn, info) = (text(&all.stdout), text(&warn.stdout), text(&info.stdout));
    let (all, warn, info) = (trace_lines(&all), trace_lines(&warn), trace_lines(&info));
    assert!(
        all.len() > 500,
        "every line without RUST_LOG: {}",
        all.len()
    );
    assert_eq!(
        warn.len(),
        dnsim::InvariantId::ALL.len(),
        "only the violations (seed 47 violates every invariant): {warn:#?}"
    );
    assert!(
        warn.iter().all(|line| line.contains("VIOLATION")),
        "{warn:#?}"
    );
    assert!(
        info.len() < all.len() && info.len() > warn.len(),
        "info leaves out retries"
    );
    assert!(!info
        .iter()
        .any(|line| line.contains("lock busy") || line.contains("rejected")));
}

#[test]
fn a_bad_rust_log_is_bad_input() {
    let out = dnsim_with(
        &[("RUST_LOG", "[[")],
        &["replay", "--seed", "47", "--trace"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn only_follows_one_actor_endpoint_and_kind() {
    let out = dnsim_with(
        &[],
        &[
            "replay",
            "--seed",
            "47",
            "--trace",
            "--only",
            "actor=enactor-3,endpoint=regional,kind=apply",
        ],
    );
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = trace_lines(&stdout)
        .into_iter()
        .filter(|line| !line.contains("VIOLATION"))
        .collect();
    assert!(!lines.is_empty(), "{stdout}");
    for line in &lines {
        assert!(line.contains("enactor-3    regional: applies"), "{line}");
    }
    // The run itself is unchanged: the same trace hash as an unfiltered replay.
    let full = text(&dnsim_with(&[], &["replay", "--seed", "47"]).stdout);
    let hash = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("trace hash:"))
            .map(str::to_owned)
    };
    assert_eq!(hash(&stdout), hash(&full));
}

#[test]
fn madsim_test_seed_reproduces_a_seed_and_an_explicit_seed_wins() {
    let hash = |out: Output| {
        text(&out.stdout)
            .lines()
            .find(|l| l.starts_with("trace hash:"))
            .map(str::to_owned)
            .expect("a trace hash")
    };
    let by_flag = hash(dnsim_with(&[], &["replay", "--seed", "47"]));
    let by_env = hash(dnsim_with(&[("MADSIM_TEST_SEED", "47")], &["replay"]));
    let other = hash(dnsim_with(&[], &["replay", "--seed", "2"]));
    let flag_wins = hash(dnsim_with(
        &[("MADSIM_TEST_SEED", "47")],
        &["replay", "--seed", "2"],
    ));
    assert_eq!(by_env, by_flag);
    assert_eq!(flag_wins, other);
    assert_ne!(other, by_flag);
    let hunt = text(&dnsim_with(&[("MADSIM_TEST_SEED", "47")], &["hunt"]).stdout);
    assert!(hunt.contains("seeds=47..48"), "{hunt}");
    assert!(
        hunt.contains("MADSIM_TEST_SEED=47 dnsim replay --scenario incident --variant original --strategy swarm --trace"),
        "every replay line names MADSIM_TEST_SEED: {hunt}"
    );
    let missing = dnsim_with(&[], &["replay"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("MADSIM_TEST_SEED"));
}

#[test]
fn hunt_lists_the_first_ten_seeds_of_each_invariant_unless_all() {
    let seed_lines = |out: &Output| {
        text(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("seed "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let default = dnsim_with(&[], &["hunt", "--jobs", "1"]);
    let all = dnsim_with(&[], &["hunt", "--all", "--jobs", "1"]);
    let (listed, every) = (seed_lines(&default), seed_lines(&all));
    assert_eq!(every.len(), 147, "every failing seed of 0..200");
    assert!(listed.len() < every.len());
    for invariant in [
        "no_stale_overwrite",
        "active_plan_exists",
        "endpoint_resolves",
        "converges",
    ] {
        let first_ten: Vec<&String> = every
            .iter()
            .filter(|l| l.contains(invariant))
            .take(10)
            .collect();
        let shown = listed.iter().filter(|l| l.contains(invariant)).count();
        assert!(shown >= first_ten.len(), "{invariant}: {shown}");
        for line in first_ten {
            assert!(
                listed.contains(line),
                "{invariant}'s first ten include {line}"
            );
        }
    }
    let stdout = text(&default.stdout);
    assert!(stdout.contains("more failing seeds not listed"), "{stdout}");
    assert!(stdout.contains("200 seeds in"), "the summary: {stdout}");
}

#[test]
fn hunt_quiet_prints_only_the_summary_and_jsonl_one_object_per_failing_seed() {
    let quiet = text(&dnsim_with(&[], &["hunt", "--seeds", "0..40", "--quiet"]).stdout);
    let lines: Vec<&str> = quiet.lines().collect();
    assert_eq!(
        lines.len(),
        1 + dnsim::InvariantId::ALL.len(),
        "the summary line and one per invariant: {quiet}"
    );
    assert!(lines[0].starts_with("40 seeds in"), "{quiet}");
    let jsonl = dnsim_with(&[], &["hunt", "--seeds", "0..40", "--jsonl"]);
    assert_eq!(jsonl.status.code(), Some(1));
    let objects: Vec<serde_json::Value> = text(&jsonl.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let failing: u64 = text(&jsonl.stderr)
        .lines()
        .find_map(|l| l.split("; ").nth(1)?.strip_suffix(" failing")?.parse().ok())
        .expect("the summary on stderr");
    assert_eq!(objects.len() as u64, failing);
    assert!(objects
        .iter()
        .all(|o| o["seed"].is_u64() && o["violations"].is_array()));
}

#[test]
fn bare_dnsim_prints_the_help_and_exits_2() {
    let out = dnsim_with(&[], &[]);
    assert_eq!(out.status.code(), Some(2));
    let help = text(&out.stderr);
    for command in ["hunt", "replay", "matrix", "list", "Usage: dnsim"] {
        assert!(help.contains(command), "{help}");
    }
}

/// A budget of one nanosecond is spent before the first run is reported, however fast the
/// machine: every long command then stops cleanly and prints what finished.
#[test]
fn long_commands_take_a_time_budget_and_print_what_finished() {
    let runs = [
        vec!["matrix", "--seeds", "0..500", "--time-budget", "1ns"],
        vec!["strategies", "--trials", "5", "--time-budget", "1ns"],
        vec![
            "bench",
            "--no-memory",
            "--no-exhaust",
            "--seeds",
            "100",
            "--time-budget",
            "1ns",
        ],
        vec![
            "sensitivity",
            "--knob",
            "stall_ms_max",
            "--values",
            "10000,20000",
            "--seeds",
            "0..500",
            "--time-budget",
            "1ns",
        ],
        vec![
            "check-determinism",
            "--seeds",
            "0..500",
            "--time-budget",
            "1ns",
        ],
    ];
    for args in runs {
        let out = dnsim_with(&[], &args);
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("stopped at the time budget"),
            "{args:?}: {stdout}"
        );
        assert!(
            out.stderr.is_empty(),
            "no progress bar when not a terminal: {}",
            text(&out.stderr)
        );
    }
}
