//! The `dnsim` binary as a user runs it: exit codes, one-line errors, replay commands.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{dnsim, temp_dir, text};

#[test]
fn hunt_reports_failing_seeds_with_replay_commands_and_exits_1() {
    let out = dnsim(&["hunt", "--seeds", "0..20"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "dnsim replay --scenario incident --variant original --strategy swarm --trace"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("no_stale_overwrite"), "{stdout}");
}

#[test]
fn hunt_json_has_the_documented_fields() {
    let out = dnsim(&["hunt", "--seeds", "0..10", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for field in [
        "seeds_run",
        "violations",
        "events",
        "trace_entries",
        "wall_ms",
        "seeds_per_sec",
        "events_per_sec",
    ] {
        assert!(report.get(field).is_some(), "missing {field}: {report}");
    }
    assert_eq!(report["seeds_run"], 10);
    let first = &report["violations"][0];
    for field in ["seed", "invariant", "sim_time_ms"] {
        assert!(
            first.get(field).is_some(),
            "violation lacks {field}: {first}"
        );
    }
}

#[test]
fn a_clean_hunt_exits_0() {
    // One enactor cannot race with itself; its runs hold every safety invariant and, with
    // clean-up kept away from the rollback target by a huge age, converge.
    let dir = std::env::temp_dir().join(format!("dnsim-cli-clean-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("one.toml");
    let text_in = dnsim::scenario::BUILT_IN[0]
        .1
        .replace("enactors = 3", "enactors = 1")
        .replace(
            "cleanup_age_generations = 15",
            "cleanup_age_generations = 1000",
        );
    std::fs::write(&scenario, text_in).unwrap();
    let out = dnsim(&[
        "hunt",
        "--scenario",
        scenario.to_str().unwrap(),
        "--seeds",
        "0..20",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // Held, but one enactor never submits a stale batch: the summary does not call that a
    // pass, as the matrix would not.
    assert!(
        stdout.contains(
            "no_stale_overwrite     VACUOUS: held, but only 0 seeds reached stale_batch_submitted"
        ),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches(" VACUOUS: held, but only ").count(),
        5,
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replay_prints_a_trace_in_simulated_time_ending_with_the_hash() {
    let out = dnsim(&["replay", "--strategy", "uniform", "--seed", "49", "--trace"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("replay: SEED=49 scenario=incident variant=original strategy=uniform"),
        "{stdout}"
    );
    assert!(stdout.contains("s  enactor-3    STALLS "), "{stdout}");
    assert!(
        stdout.contains("VIOLATION    !!! endpoint_resolves violated"),
        "{stdout}"
    );
    assert!(stdout.contains("trace hash: "), "{stdout}");
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    let again = dnsim(&["replay", "--strategy", "uniform", "--seed", "49", "--trace"]);
    assert_eq!(again.stdout, out.stdout, "replay is byte-identical");
}

#[test]
fn replaying_a_saved_seed_file_says_it_reproduced() {
    let out = dnsim(&["replay", "--file", "seeds/original-converges-49.toml"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("reproduced: converges"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["hunt", "--variant", "nope"], "unknown variant \"nope\""),
        (&["hunt", "--scenario", "nope"], "unknown scenario \"nope\""),
        (
            &["hunt", "--scenario", "missing.toml"],
            "scenario file missing.toml",
        ),
        (&["hunt", "--seeds", "5..5"], "empty"),
        (&["hunt", "--seeds", "a..9"], "not a whole number"),
        // `=`: else the shell-style `-1` reads as a flag.
        (&["hunt", "--seeds=-1..5"], "\"-1\" is negative"),
        (
            &[
                "replay",
                "--seed",
                "3",
                "--trace",
                "--only",
                "actor=enactor-9",
            ],
            "--only: no actor `enactor-9` in this run",
        ),
        (
            &[
                "replay",
                "--seed",
                "3",
                "--trace",
                "--only",
                "endpoint=account-9",
            ],
            "--only: no endpoint `account-9` in this scenario (regional .. account-2, 5 in all)",
        ),
        (
            &["matrix", "--seeds", "0..99999999999999999999"],
            "past the largest seed",
        ),
        (
            &["hunt", "--strategy", "bounded-delay:0"],
            "bounded-delay's depth must be a whole number from 1 to 16",
        ),
        (&["hunt", "--jobs", "0"], "--jobs must be at least 1"),
        (
            &["matrix", "--variants", "original,nope"],
            "unknown variant \"nope\"",
        ),
        (
            &["replay", "--seed", "1", "--faults-from", "nope"],
            "unknown variant \"nope\"",
        ),
        (
            &["replay", "--file", "no/such/seed.toml"],
            "seed file no/such/seed.toml",
        ),
        (
            &[
                "replay",
                "--seed",
                "3",
                "--save",
                "x.toml",
                "--invariant",
                "nope",
            ],
            "unknown invariant",
        ),
    ];
    for (args, expected) in cases {
        let out = dnsim(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    }
}

#[test]
fn list_names_every_design_and_invariant() {
    let out = dnsim(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    for name in [
        "incident",
        "original",
        "no_stale_overwrite",
        "converges",
        "  bounded-delay[:DEPTH]  (DEPTH 1 to 16, default 3)\n",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
}

#[test]
fn matrix_prints_and_writes_the_verdict_table() {
    let path = std::env::temp_dir().join(format!("dnsim-review-{}.md", std::process::id()));
    let out = dnsim(&[
        "matrix",
        "--seeds",
        "0..100",
        "--markdown",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let markdown = std::fs::read_to_string(&path).unwrap();
    for design in dnsim_model::designs::names() {
        assert!(stdout.contains(design), "{stdout}");
        assert!(markdown.contains(&format!("| `{design}` |")), "{markdown}");
    }
    assert!(markdown.contains("### Evidence"), "{markdown}");
    assert!(
        markdown.contains(
            "dnsim replay --scenario incident --variant original --strategy swarm --trace"
        ),
        "{markdown}"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn matrix_of_one_design_that_holds_exits_0() {
    let out = dnsim(&[
        "matrix",
        "--seeds",
        "0..50",
        "--variants",
        "fenced-and-protected",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["designs"].as_array().unwrap().len(), 1);
}

#[test]
fn replay_with_faults_from_the_original_shows_what_the_fix_does_instead() {
    let out = dnsim(&[
        "replay",
        "--variant",
        "protect-referenced-cleanup",
        "--strategy",
        "uniform",
        "--seed",
        "49",
        "--faults-from",
        "original",
    ]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("faults=from-original"), "{stdout}");
    assert!(
        stdout.contains("original violated endpoint_resolves at 84.256s:"),
        "{stdout}"
    );
    // The same clean-up step, keeping the live tree g1; and the fix converges.
    assert!(
        stdout.contains("account-1: clean-up deletes trees g2..g3 (root is g1)"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("protect-referenced-cleanup  converged: every endpoint serves the last plan"),
        "{stdout}"
    );
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

#[test]
fn hunt_results_do_not_depend_on_the_job_count() {
    let one = json(&dnsim(&[
        "hunt", "--seeds", "0..60", "--json", "--jobs", "1",
    ]));
    let three = json(&dnsim(&[
        "hunt", "--seeds", "0..60", "--json", "--jobs", "3",
    ]));
    assert_eq!(one["violations"], three["violations"]);
    assert_eq!(one["events"], three["events"]);
    assert_eq!(one["failing_seeds"], three["failing_seeds"]);
    for i in 0..4 {
        assert_eq!(one["tallies"][i]["seeds"], three["tallies"][i]["seeds"]);
        assert_eq!(
            one["tallies"][i]["first_seed"],
            three["tallies"][i]["first_seed"]
        );
    }
}

#[test]
fn shard_reports_merge_into_the_report_of_the_whole_range() {
    let dir = temp_dir("shards");
    let mut paths = Vec::new();
    for k in 1..=3 {
        let out = dnsim(&[
            "hunt",
            "--seeds",
            "0..90",
            "--shard",
            &format!("{k}/3"),
            "--json",
        ]);
        let path = dir.join(format!("shard-{k}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        paths.push(path);
    }
    let merged = dnsim(&[
        "merge",
        paths[2].to_str().unwrap(),
        paths[0].to_str().unwrap(),
        paths[1].to_str().unwrap(),
    ]);
    assert_eq!(merged.status.code(), Some(1), "{}", text(&merged.stderr));
    let merged = json(&merged);
    let whole = json(&dnsim(&["hunt", "--seeds", "0..90", "--json"]));
    assert_eq!(merged["violations"], whole["violations"]);
    assert_eq!(merged["seeds_run"], whole["seeds_run"]);
    assert_eq!(merged["events"], whole["events"]);
    assert_eq!(
        merged["tallies"][2]["first_seed"],
        whole["tallies"][2]["first_seed"]
    );
    // A shard missing is bad input.
    let missing = dnsim(&[
        "merge",
        paths[0].to_str().unwrap(),
        paths[1].to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("missing shards: 3/3"),
        "{}",
        text(&missing.stderr)
    );
    let twice = dnsim(&[
        "merge",
        paths[0].to_str().unwrap(),
        paths[0].to_str().unwrap(),
        paths[1].to_str().unwrap(),
        paths[2].to_str().unwrap(),
    ]);
    // A shard given twice with the same findings (a retried shard) counts once.
    assert_eq!(twice.status.code(), Some(1), "{}", text(&twice.stderr));
    assert_eq!(json(&twice)["violations"], whole["violations"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What a hunt of seeds `0..10000000` stopped part-way must say of the seeds that ran,
/// given how many its summary counts: the first that many, and the rest to run.
fn seeds_that_ran(stdout: &str) -> String {
    let counted = (stdout.lines())
        .find(|l| l.ends_with(" failing") && l.contains(" in "))
        .and_then(|l| l.split(' ').next()?.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}"));
    match counted {
        0 => "before any of the seeds in 0..10000000 ran".into(),
        1 => "after 1 of the seeds in 0..10000000: seed 0 ran; --seeds 1..10000000 runs the rest"
            .into(),
        n => format!(
            "after {n} of the seeds in 0..10000000: seeds 0..{n} ran; --seeds {n}..10000000 runs the rest"
        ),
    }
}

#[test]
fn a_time_budget_stops_a_sweep_cleanly_with_its_summary() {
    // However fast the machine, ten million seeds outlast a one-second budget; how many
    // ran (and so what was found) is the machine's business, not this test's.
    let out = dnsim(&["hunt", "--seeds", "0..10000000", "--time-budget", "1s"]);
    let stdout = text(&out.stdout);
    let line = format!("stopped at the time budget {}", seeds_that_ran(&stdout));
    assert!(
        stdout.lines().any(|l| l == line),
        "no {line:?} in:\n{stdout}"
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn save_writes_each_failing_run_once_and_each_replays() {
    let scratch = temp_dir("save");
    // A missing directory is made, with its parents (as `--help` says).
    let dir = scratch.join("made/by/save");
    let out = dnsim(&["hunt", "--seeds", "0..12", "--save", dir.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    let report = json(&dnsim(&["hunt", "--seeds", "0..12", "--json"]));
    let failing = report["failing_seeds"].as_u64().unwrap();
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len() as u64, failing, "{stdout}");
    assert!(
        stdout.contains(&format!("{failing} new seed files saved")),
        "{stdout}"
    );
    for file in &files {
        assert!(
            file.extension().is_some_and(|e| e == "toml"),
            "no temporary files left: {file:?}"
        );
        let replay = dnsim(&["replay", "--file", file.to_str().unwrap()]);
        assert!(
            text(&replay.stdout).contains("reproduced: "),
            "{}",
            text(&replay.stdout)
        );
    }
    let again = dnsim(&["hunt", "--seeds", "0..12", "--save", dir.to_str().unwrap()]);
    assert!(
        text(&again.stdout).contains("0 new seed files saved"),
        "{}",
        text(&again.stdout)
    );
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[test]
fn ctrl_c_stops_a_sweep_cleanly_and_keeps_what_was_saved() {
    let dir = temp_dir("interrupt");
    let child = Command::new(env!("CARGO_BIN_EXE_dnsim"))
        .args([
            "hunt",
            "--seeds",
            "0..10000000",
            "--save",
            dir.to_str().unwrap(),
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the first seed file is saved (the handler is in place by then), and
    // not after some wall time: a slow machine may not have saved one yet.
    let mut child = child;
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("saved: ") {
        line.clear();
        let read = std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
        assert!(read > 0, "the hunt ended before saving anything");
    }
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        rest
    });
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stdout = text(&out.stdout);
    let line = format!("interrupted {}", seeds_that_ran(&stdout));
    assert!(
        stdout.lines().any(|l| l == line),
        "no {line:?} in:\n{stdout}\n{}",
        rest.join().unwrap()
    );
    assert!(
        stdout.contains("new seed files saved"),
        "the summary so far is printed: {stdout}"
    );
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!files.is_empty());
    for file in &files {
        assert!(
            file.extension().is_some_and(|e| e == "toml"),
            "no partial files: {file:?}"
        );
        dnsim::SeedFile::load(file).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_determinism_passes_and_says_so() {
    let out = dnsim(&[
        "check-determinism",
        "--seeds",
        "0..20",
        "--madsim-seeds",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("20 of 20 seeds gave the same trace hash"),
        "{stdout}"
    );
    assert!(
        stdout.contains("madsim check_determinism, seed 0: every RNG draw identical"),
        "{stdout}"
    );
}

#[test]
fn bad_sweep_and_file_input_is_one_line_and_exit_2() {
    let dir = temp_dir("bad");
    let corrupt = dir.join("corrupt.toml");
    std::fs::write(&corrupt, "scenario = \"incident\"\nvariant = 7\n").unwrap();
    let not_json = dir.join("report.json");
    std::fs::write(&not_json, "{\"violations\": [").unwrap();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["hunt", "--shard", "3/2"], "bad shard \"3/2\"".into()),
        (
            vec!["hunt", "--time-budget", "soon"],
            "invalid value 'soon' for '--time-budget".into(),
        ),
        (
            vec!["replay", "--file", corrupt.to_str().unwrap()],
            format!("seed file {}:2:11", corrupt.display()),
        ),
        (
            vec!["merge", not_json.to_str().unwrap()],
            format!("report {}:1:", not_json.display()),
        ),
    ];
    for (args, expected) in cases {
        let out = dnsim(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{args:?} wrote to stdout: {}",
            text(&out.stdout)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explain_tells_the_story_of_the_incident() {
    let out = dnsim(&[
        "explain",
        "--file",
        "seeds/original-converges-175-minimal.toml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    for step in [
        "enactor-3 stalls for 73.8 s before attempt 1 to apply g5 to fips.",
        "enactor-3 applies its old plan g5 to fips over g26",
        "its one-time check was made at 40.853s, 76.9 s earlier",
        "deletes tree g5 from fips, the tree its root alias points at: fips now resolves to no addresses",
        "no enactor can repair it",
    ] {
        assert!(stdout.contains(step), "missing {step:?} in:\n{stdout}");
    }
}

/// Seed 6's `swarm` mix fails every API call in the fault phase: no race step happens, and
/// no endpoint is served before 120 s. `explain` used to say "Nothing went wrong".
#[test]
fn explain_of_a_run_with_no_race_step_says_when_the_endpoints_were_first_served() {
    let out = dnsim(&["explain", "--seed", "6"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("Nothing went wrong"), "{stdout}");
    assert!(
        stdout.contains("None of the race's steps happened")
            && stdout
                .contains("5 endpoints of 5 first served a plan between 120.268s and 120.655s"),
        "{stdout}"
    );
}

#[test]
fn replay_draws_the_run_as_a_space_time_diagram() {
    let dir = temp_dir("diagram");
    let path = dir.join("run.svg");
    let out = dnsim(&[
        "replay",
        "--file",
        "seeds/original-converges-175-minimal.toml",
        "--diagram",
        path.to_str().unwrap(),
    ]);
    assert!(text(&out.stdout).contains(&format!("diagram: {}", path.display())));
    let svg = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let lanes: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("data-lane"))
        .collect();
    assert_eq!(
        lanes,
        [
            "planner",
            "enactor-1",
            "enactor-2",
            "enactor-3",
            "clean-up",
            "regional",
            "fips",
            "ipv6",
            "account-1",
            "account-2"
        ]
    );
    let marked: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("data-invariant"))
        .collect();
    assert_eq!(
        marked,
        [
            "no_stale_overwrite",
            "active_plan_exists",
            "endpoint_resolves",
            "converges"
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn strategies_prints_the_comparison_table() {
    let out = dnsim(&["strategies", "--trials", "2", "--cap", "20"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for strategy in ["uniform", "swarm", "bounded-delay"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(strategy) && l.contains("active_plan_exists")),
            "{stdout}"
        );
    }
}

#[test]
fn an_old_design_name_runs_the_renamed_design_with_a_note() {
    for (old, new) in [
        ("protect-active-cleanup", "protect-referenced-cleanup"),
        ("tolerate-missing-rollback", "repoint-missing-rollback"),
    ] {
        let replay = |variant: &str| dnsim(&["replay", "--variant", variant, "--seed", "3"]);
        let (by_old, by_new) = (replay(old), replay(new));
        assert_eq!(by_old.status.code(), by_new.status.code());
        assert_eq!(text(&by_old.stdout), text(&by_new.stdout), "the same run");
        assert!(
            text(&by_new.stdout).contains(new),
            "reported by its new name"
        );
        assert_eq!(
            text(&by_old.stderr),
            format!("dnsim: design {old:?} was renamed to {new:?}\n")
        );
        assert!(by_new.stderr.is_empty(), "{}", text(&by_new.stderr));
    }
    // A seed file saved under the new name, its variant edited back to the old one: it
    // replays as saved, with the same single note.
    let dir = std::env::temp_dir().join(format!("dnsim-cli-renamed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("new.toml");
    let save = dnsim(&[
        "replay",
        "--variant",
        "protect-referenced-cleanup",
        "--seed",
        "0",
        "--save",
        saved.to_str().unwrap(),
        "--invariant",
        "no_stale_overwrite",
    ]);
    assert_eq!(save.status.code(), Some(1), "{}", text(&save.stderr));
    let old_file = dir.join("old.toml");
    let content = std::fs::read_to_string(&saved).unwrap().replace(
        "variant = \"protect-referenced-cleanup\"",
        "variant = \"protect-active-cleanup\"",
    );
    assert!(content.contains("variant = \"protect-active-cleanup\""));
    std::fs::write(&old_file, content).unwrap();
    let replay = dnsim(&["replay", "--file", old_file.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stdout));
    assert_eq!(
        text(&replay.stderr),
        "dnsim: design \"protect-active-cleanup\" was renamed to \"protect-referenced-cleanup\"\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reader that goes away (`dnsim replay --trace | head`) cuts the run short: there is no
/// verdict, so the exit status is 141 (a shell's for `SIGPIPE`), not 0, which a script
/// with `pipefail` would read as a pass.
#[test]
fn a_reader_that_goes_away_is_no_pass() {
    use std::io::Read;
    // `route53-scale` seed 0 prints about 13 MB of trace: far more than a pipe holds, so
    // the run is still writing when the reader goes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dnsim"))
        .args([
            "replay",
            "--scenario",
            "route53-scale",
            "--seed",
            "0",
            "--trace",
            "--watchdog",
            "1h",
        ])
        .current_dir(common::repo_root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dnsim runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1000];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(141), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "quietly: {}", text(&out.stderr));
}
