//! `dnsim exhaust` as a user runs it: exit codes, the verdict lines, the saved
//! counterexample that `replay --file` reproduces, and one-line errors for bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{dnsim, text};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dnsim-exhaust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn original_on_small_exits_1_with_replayable_minimal_counterexamples() {
    let dir = scratch("original");
    let out = dnsim(&["exhaust", "--save", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("scenario=small variant=original"),
        "{stdout}"
    );
    for line in [
        "no_stale_overwrite     VIOLATED with 1 fault",
        "active_plan_exists     VIOLATED with ",
        "endpoint_resolves      VIOLATED with 2 faults",
    ] {
        assert!(stdout.contains(line), "missing {line:?}: {stdout}");
    }
    let saved: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // One seed file per invariant (every one is violated within two faults).
    let invariants = text(&dnsim(&["list"]).stdout)
        .split("invariants:")
        .nth(1)
        .map_or(0, |list| {
            list.lines().filter(|l| !l.trim().is_empty()).count()
        });
    assert!(invariants >= 4, "dnsim list names the invariants");
    assert_eq!(saved.len(), invariants, "{saved:?}");
    let resolves = saved
        .iter()
        .find(|p| p.to_string_lossy().contains("endpoint_resolves"))
        .expect("endpoint_resolves saved");
    let replay = dnsim(&["replay", "--file", resolves.to_str().unwrap()]);
    // A saved run that reproduces exits 0 (see `dnsim replay --file`).
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stderr));
    assert!(
        text(&replay.stdout).contains("as saved"),
        "{}",
        text(&replay.stdout)
    );
    // Its `seed` and `strategy` alone give another run: the file and the header say so.
    assert!(
        text(&replay.stdout).contains("strategy=scripted faults=schedule-of-"),
        "{}",
        text(&replay.stdout)
    );
    // A one-fault counterexample, in the singular.
    let stale = saved
        .iter()
        .find(|p| p.to_string_lossy().contains("no_stale_overwrite"))
        .expect("no_stale_overwrite saved");
    let one = text(&dnsim(&["replay", "--file", stale.to_str().unwrap()]).stdout);
    assert!(one.contains(" and its 1 recorded fault, as saved"), "{one}");
    let file = std::fs::read_to_string(resolves).unwrap();
    assert!(
        file.contains(
            "`seed` keys only benign noise (latencies, back-off), and `strategy` is not used"
        ),
        "{file}"
    );
    let explain = dnsim(&["explain", "--file", resolves.to_str().unwrap()]);
    assert!(
        text(&explain.stdout).contains("endpoint_resolves violated"),
        "{}",
        text(&explain.stdout)
    );
    // Found again, the same counterexamples are saved already; a file of one's name that
    // holds something else is left alone and said so, never reported as saved.
    let again = dnsim(&["exhaust", "--save", dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again.stderr));
    let edited = std::fs::read_to_string(resolves)
        .unwrap()
        .replacen("seed = 0\n", "seed = 1\n", 1);
    std::fs::write(resolves, &edited).unwrap();
    let clash = dnsim(&["exhaust", "--save", dir.to_str().unwrap()]);
    assert_eq!(clash.status.code(), Some(2), "{}", text(&clash.stdout));
    assert!(
        text(&clash.stderr).contains(&format!(
            "not saved: {} exists and holds another run",
            resolves.display()
        )),
        "{}",
        text(&clash.stderr)
    );
    assert_eq!(std::fs::read_to_string(resolves).unwrap(), edited);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fenced_and_protected_holds_for_every_single_fault_and_exits_0() {
    let out = dnsim(&[
        "exhaust",
        "--variant",
        "fenced-and-protected",
        "--max-faults",
        "1",
        "--no-save",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["end"], "completed");
    assert_eq!(report["complete_up_to"], 1);
    assert_eq!(report["schedules"], 262);
    // The fault-free count is of one noise seed, and names it.
    assert!(report["decisions_fault_free"].as_u64().unwrap() > 0);
    assert_eq!(report["fault_free_noise_seed"], 0);
    // No schedule of one fault even submits a stale batch or lets clean-up meet a live
    // root: those two hold only vacuously, and say so.
    let verdicts: Vec<(String, String)> = report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let verdict = v["verdict"].as_str().unwrap().to_string();
            let reached = v["reached"].as_u64().unwrap();
            assert_eq!(verdict == "vacuous", reached == 0, "{v}");
            (v["invariant"].as_str().unwrap().to_string(), verdict)
        })
        .collect();
    let expected = [
        ("no_stale_overwrite", "vacuous"),
        ("active_plan_exists", "holds"),
        ("rollback_target_exists", "holds"),
        ("endpoint_resolves", "vacuous"),
        ("converges", "holds"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(i, v)| (i.to_string(), v.to_string()))
        .collect();
    assert_eq!(verdicts, expected);
}

#[test]
fn a_time_budget_gives_a_partial_summary() {
    let out = dnsim(&[
        "exhaust",
        "--variant",
        "fenced-and-protected",
        "--max-faults",
        "3",
        "--time-budget",
        "1ms",
        "--no-save",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("partial: the time budget ran out"),
        "{stdout}"
    );
    assert!(!stdout.contains("at most 3 faults"), "{stdout}");
}

/// A design with parameters is named by its label, and its counterexamples are saved under
/// a name written as every seed file's is (`SeedFile::file_name`): no `:` or `,`.
#[test]
fn a_parameterised_designs_counterexample_is_saved_under_a_plain_file_name() {
    let dir = scratch("parameterised");
    let out = dnsim(&[
        "exhaust",
        "--variant",
        "leased-enactor:lease_ttl_ms=200",
        "--max-faults",
        "1",
        "--save",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("variant=leased-enactor:lease_ttl_ms=200 "),
        "{stdout}"
    );
    let saved: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!saved.is_empty(), "a counterexample within one fault");
    for name in &saved {
        assert!(
            name.starts_with("leased-enactor+lease_ttl_ms=200-") && !name.contains([':', ',']),
            "{name}"
        );
        assert!(stdout.contains(name.as_str()), "{name} named in {stdout}");
    }
    // It replays as saved: the file names the design with its parameters.
    let path = dir.join(&saved[0]);
    let replay = dnsim(&["replay", "--file", path.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for args in [
        &["exhaust", "--menu", "stall-long,nap"][..],
        &["exhaust", "--variant", "nope"],
        &["exhaust", "--noise-seeds", "3..3"],
        &["exhaust", "--scenario", "nope"],
    ] {
        let out = dnsim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn the_matrix_shows_the_exhaustive_column() {
    let out = dnsim(&[
        "matrix",
        "--scenario",
        "small",
        "--seeds",
        "0..20",
        "--variants",
        "original,fenced-and-protected",
        "--exhaustive",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("exhaustive (default menu, noise seed 0, at most 1 fault):"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no_stale_overwrite     violated (1 fault): enactor-2 pauses"),
        "{stdout}"
    );
    assert!(
        stdout.contains("converges              holds: all 262 schedules with at most 1 fault"),
        "{stdout}"
    );
    // A hold's rule here is not the seed columns': said above the column.
    assert!(
        stdout.contains("every schedule of at most 1 fault is run, none sampled: \"holds\" means none violated the invariant and at least one reached its mark"),
        "{stdout}"
    );
    // A violated design's counterexamples are a command away, and that command finds them.
    let command = "save and replay its counterexamples: dnsim exhaust --scenario small --variant original --max-faults 1\n";
    assert_eq!(
        stdout
            .matches("save and replay its counterexamples")
            .count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains(command), "{stdout}");
    let dir = scratch("column-command");
    let args: Vec<&str> = command
        .trim_end()
        .split(": dnsim ")
        .nth(1)
        .unwrap()
        .split(' ')
        .collect();
    let exhaust = dnsim(&[&args[..], &["--save", dir.to_str().unwrap()]].concat());
    assert_eq!(exhaust.status.code(), Some(1), "{}", text(&exhaust.stderr));
    assert!(
        text(&exhaust.stdout).contains("no_stale_overwrite     VIOLATED with 1 fault"),
        "{}",
        text(&exhaust.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
    // The last line counts the seeds' runs and the column's schedules apart, each with
    // its own time.
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("40 seed runs in "), "{last}");
    let column = last.split("; exhaustive column: ").nth(1).expect(last);
    let schedules: u64 = column.split(' ').next().unwrap().parse().expect(column);
    assert!(schedules >= 262, "{last}");
    assert!(column.contains(" schedules in "), "{last}");
}

#[test]
fn ctrl_c_stops_an_enumeration_with_a_partial_summary() {
    // Three faults on small take minutes: the interrupt comes long before the end.
    let child = Command::new(env!("CARGO_BIN_EXE_dnsim"))
        .args([
            "exhaust",
            "--variant",
            "fenced-and-protected",
            "--max-faults",
            "3",
            "--no-save",
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("partial: interrupted"), "{stdout}");
    assert!(!stdout.contains("at most 3 faults"), "{stdout}");
}

/// Over several noise seeds, the fault-free run's count of decisions is the first noise
/// seed's, and says so (it read as if it held for all of them).
#[test]
fn the_fault_free_count_names_its_noise_seed_when_there_are_several() {
    let out = dnsim(&["exhaust", "--max-faults", "0", "--noise-seeds", "4..6"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\nfault-free run of noise seed 4: "),
        "{stdout}"
    );
    assert!(stdout.contains(" on 2 noise seeds\n"), "{stdout}");
    let one = text(&dnsim(&["exhaust", "--max-faults", "0"]).stdout);
    assert!(one.contains("\nfault-free run: "), "{one}");
    assert!(one.contains(" on 1 noise seed\n"), "{one}");
}
