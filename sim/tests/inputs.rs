//! What the `dnsim` binary does with what it is given and what it writes: bad input writes
//! nothing, outputs are written whole, `merge` and `replay --file` trust no file, and every
//! command's exit status is the documented one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn dnsim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dnsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("dnsim runs")
}

fn dnsim(args: &[&str]) -> Output {
    dnsim_in(repo_root(), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dnsim-inputs-{name}-{}", std::process::id()));
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

/// Exit 2 with one line on stderr containing `expected`, and nothing on stdout.
fn assert_bad_input(out: &Output, expected: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}{}", text(&out.stdout));
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
}

#[test]
fn bad_input_leaves_an_existing_diagram_untouched() {
    let dir = temp_dir("keep");
    let svg = dir.join("x.svg");
    std::fs::write(&svg, "keep\n").unwrap();
    let out = dnsim(&[
        "replay",
        "--seed",
        "0",
        "--variant",
        "nope",
        "--diagram",
        svg.to_str().unwrap(),
    ]);
    assert_bad_input(&out, "unknown variant \"nope\"");
    assert_eq!(std::fs::read_to_string(&svg).unwrap(), "keep\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replay_refuses_an_existing_save_file_before_drawing_anything() {
    let dir = temp_dir("save-exists");
    let existing = dir.join("existing.toml");
    std::fs::write(&existing, "keep\n").unwrap();
    let svg = dir.join("d.svg");
    let out = dnsim(&[
        "replay",
        "--seed",
        "0",
        "--save",
        existing.to_str().unwrap(),
        "--invariant",
        "no_stale_overwrite",
        "--diagram",
        svg.to_str().unwrap(),
    ]);
    assert_bad_input(&out, "already exists");
    assert_eq!(
        names(&dir),
        ["existing.toml"],
        "no diagram, no temporary file"
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep\n");
    // A run that does not violate the invariant to save is refused before the diagram too.
    let out = dnsim(&[
        "replay",
        "--seed",
        "0",
        "--variant",
        "recheck-before-write",
        "--save",
        dir.join("new.toml").to_str().unwrap(),
        "--invariant",
        "no_stale_overwrite",
        "--diagram",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(names(&dir), ["existing.toml"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_diagram_replaces_an_existing_file_whole_and_leaves_no_temporary_file() {
    let dir = temp_dir("replace");
    let svg = dir.join("d.svg");
    std::fs::write(&svg, "old\n").unwrap();
    let out = dnsim(&["replay", "--seed", "0", "--diagram", svg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(drawn.starts_with("<svg") && drawn.trim_end().ends_with("</svg>"));
    assert_eq!(names(&dir), ["d.svg"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shrink_checks_its_variant_before_making_its_save_directory() {
    let dir = temp_dir("shrink-bad");
    let save = dir.join("made-by-shrink");
    let out = dnsim(&[
        "shrink",
        "--seed",
        "47",
        "--variant",
        "nope",
        "--save",
        save.to_str().unwrap(),
    ]);
    assert_bad_input(&out, "unknown variant \"nope\"");
    assert!(!save.exists(), "shrink made {}", save.display());
    // Nor for a seed with nothing to shrink.
    let out = dnsim(&[
        "shrink",
        "--seed",
        "0",
        "--variant",
        "fenced-and-protected",
        "--save",
        save.to_str().unwrap(),
    ]);
    assert_bad_input(&out, "violates no invariant");
    assert!(!save.exists(), "shrink made {}", save.display());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A successful shrink exits 0, and saves into a scratch directory, not `seeds/`.
#[test]
fn shrink_exits_0_and_saves_to_a_scratch_directory_by_default() {
    let dir = temp_dir("shrink-default");
    let out = dnsim_in(
        &dir,
        &[
            "shrink",
            "--strategy",
            "uniform",
            "--seed",
            "1",
            "--invariant",
            "no_stale_overwrite",
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let saved = Path::new("target/dnsim-shrunk/original-no_stale_overwrite-1-minimal.toml");
    assert!(
        stdout.contains(&format!("saved: {}", saved.display())),
        "{stdout}"
    );
    assert!(dir.join(saved).is_file());
    assert_eq!(names(&dir), ["target"], "nothing in seeds/");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_out_of_range_scenario_value_is_one_line_naming_file_line_key_and_range() {
    let dir = temp_dir("range");
    let incident = std::fs::read_to_string(repo_root().join("scenarios/incident.toml")).unwrap();
    let path = dir.join("huge.toml");
    let huge = incident.replace("faults_ms = 120000", "faults_ms = 100000000000");
    std::fs::write(&path, &huge).unwrap();
    let line = huge
        .lines()
        .position(|l| l.contains("100000000000"))
        .unwrap()
        + 1;
    let out = dnsim(&[
        "replay",
        "--seed",
        "0",
        "--scenario",
        path.to_str().unwrap(),
    ]);
    assert_bad_input(
        &out,
        &format!(
            "{}:{line}: phases.faults_ms = 100000000000 is out of range: allowed 0..=86400000",
            path.display()
        ),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Values that must agree (a probability in [0, 1], a range's min below its max) name
/// their line too, as the range check does; and a knob set by `sensitivity` names the knob
/// and value, with no line of a file that does not exist.
#[test]
fn a_scenario_value_that_does_not_agree_names_its_line() {
    let dir = temp_dir("agree");
    let incident = std::fs::read_to_string(repo_root().join("scenarios/incident.toml")).unwrap();
    let cases = [
        (
            "api_latency_ms = [20, 80]",
            "api_latency_ms = [90, 80]",
            "api_latency_ms: min must not exceed max",
        ),
        (
            "api_delay = { probability = 0.02",
            "api_delay = { probability = 1.5",
            "faults.api_delay.probability: must be in [0, 1], got 1.5",
        ),
    ];
    for (i, (from, to, problem)) in cases.into_iter().enumerate() {
        assert!(incident.contains(from), "{from}");
        let text = incident.replace(from, to);
        let line = text.lines().position(|l| l.starts_with(to)).unwrap() + 1;
        let path = dir.join(format!("case-{i}.toml"));
        std::fs::write(&path, &text).unwrap();
        let out = dnsim(&["hunt", "--scenario", path.to_str().unwrap()]);
        assert_bad_input(&out, &format!("{}:{line}: {problem}", path.display()));
    }
    // A value of the wrong type names its line and column, and the numbers allowed, not
    // Rust's type names (it said "expected u8").
    let typed = [
        (
            "enactors = 3\n",
            "enactors = \"three\"\n",
            ":14:12: invalid type: string \"three\", expected a whole number from 1 to 64",
        ),
        (
            "lock_ttl_ms = 500\n",
            "lock_ttl_ms = -5\n",
            ":26:15: invalid value: integer `-5`, expected a whole number from 1 to 600000",
        ),
    ];
    for (i, (from, to, problem)) in typed.into_iter().enumerate() {
        assert!(incident.contains(from), "{from}");
        let path = dir.join(format!("typed-{i}.toml"));
        std::fs::write(&path, incident.replace(from, to)).unwrap();
        let out = dnsim(&["hunt", "--scenario", path.to_str().unwrap()]);
        assert_bad_input(&out, &format!("{}{problem}", path.display()));
    }
    let out = dnsim(&["sensitivity", "--knob", "lock_ttl_ms", "--values", "0,500"]);
    assert_bad_input(
        &out,
        "incident with lock_ttl_ms = 0: system.lock_ttl_ms = 0 is out of range",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `sensitivity --values` says what a value must be (it printed Rust's "invalid digit found
/// in string"), and refuses a value given twice (it ran and drew it twice).
#[test]
fn sensitivity_values_are_whole_numbers_each_given_once() {
    let out = dnsim(&["sensitivity", "--knob", "stall_ms_max", "--values", "1.5"]);
    assert_bad_input(&out, "\"1.5\" is not a whole number 0 or more");
    let out = dnsim(&[
        "sensitivity",
        "--knob",
        "stall_ms_max",
        "--values",
        "20000,30000,20000",
    ]);
    assert_bad_input(&out, "--values gives 20000 more than once");
}

/// Inputs that used to be taken and quietly mean something else: a replay compared with
/// itself (it printed each violation twice), an SVG named `.png`, and `--all` under
/// `--quiet` (which prints no list).
#[test]
fn inputs_that_would_be_ignored_or_misread_are_refused() {
    let out = dnsim(&["replay", "--seed", "1", "--faults-from", "original"]);
    assert_bad_input(&out, "--faults-from names the design replayed (original)");
    let png = std::env::temp_dir().join(format!("dnsim-not-svg-{}.png", std::process::id()));
    let out = dnsim(&["replay", "--seed", "1", "--diagram", png.to_str().unwrap()]);
    assert_bad_input(&out, "dnsim draws SVG only; name the file .svg");
    assert!(!png.exists());
    let out = dnsim(&[
        "sensitivity",
        "--knob",
        "stall_ms_max",
        "--values",
        "20000",
        "--svg",
        png.to_str().unwrap(),
    ]);
    assert_bad_input(&out, "dnsim draws SVG only; name the file .svg");
    let out = dnsim(&["hunt", "--quiet", "--all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("'--quiet' cannot be used with '--all'"));
}

#[test]
fn matrix_refuses_a_design_named_twice() {
    let out = dnsim(&[
        "matrix",
        "--seeds",
        "0..2",
        "--variants",
        "original,original",
    ]);
    assert_bad_input(&out, "--variants names original twice");
}

#[test]
fn matrix_reads_parameters_after_a_variant_and_refuses_a_malformed_list() {
    let matrix = |variants: &str| dnsim(&["matrix", "--seeds", "0..2", "--variants", variants]);
    // `x=1` is a second parameter of leased-and-fenced (which has no such parameter), not a
    // design of its own.
    assert_bad_input(
        &matrix("leased-and-fenced:lease_ttl_ms=250,x=1,original"),
        "leased-and-fenced: unknown parameter \"x\"",
    );
    assert_bad_input(
        &matrix("lease_ttl_ms=250,leased-enactor"),
        "parameter \"lease_ttl_ms=250\" must follow a variant NAME:key=value",
    );
    assert_bad_input(
        &matrix("leased-enactor,lease_ttl_ms=250"),
        "must follow a variant NAME:key=value",
    );
    assert_bad_input(&matrix("original,,generation-fencing"), "an empty variant");
    assert_bad_input(
        &matrix("leased-enactor:lease_ttl_ms=250,original,leased-enactor:lease_ttl_ms=250"),
        "--variants names leased-enactor:lease_ttl_ms=250 twice",
    );
}

/// Shard reports of `hunt --seeds 0..40 --shard K/2 --json`, as JSON values.
fn shard_reports(extra: &[&str]) -> Vec<serde_json::Value> {
    (1..=2)
        .map(|k| {
            let shard = format!("{k}/2");
            let mut args = vec!["hunt", "--seeds", "0..40", "--shard", &shard, "--json"];
            args.extend(extra);
            let out = dnsim(&args);
            serde_json::from_slice(&out.stdout).unwrap()
        })
        .collect()
}

fn merge(dir: &Path, reports: &[serde_json::Value]) -> (Output, Vec<String>) {
    let paths: Vec<String> = reports
        .iter()
        .enumerate()
        .map(|(i, report)| {
            let path = dir.join(format!("shard-{i}.json"));
            std::fs::write(&path, report.to_string()).unwrap();
            path.display().to_string()
        })
        .collect();
    let mut args = vec!["merge"];
    args.extend(paths.iter().map(String::as_str));
    (dnsim(&args), paths)
}

#[test]
fn merge_checks_every_report_and_names_the_file_at_fault() {
    let dir = temp_dir("merge");
    let good = shard_reports(&[]);
    let (out, _) = merge(&dir, &good);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    type Edit = fn(&mut serde_json::Value);
    let cases: [(Edit, &str); 12] = [
        (|r| r["shard"]["index"] = 0.into(), "bad shard 0/2"),
        (
            |r| r["shard"]["count"] = u64::MAX.into(),
            "which is not in shard 2/18446744073709551615",
        ),
        (|r| r["shard"]["index"] = 3.into(), "bad shard 3/2"),
        (|r| r["shard"]["count"] = 0.into(), "bad shard 2/0"),
        (
            |r| r["violations"][0]["seed"] = 2.into(),
            "lists seed 2, which is not in shard 2/2",
        ),
        (|r| r["seeds_run"] = 7.into(), "seeds_run is 7"),
        (|r| r["failing_seeds"] = 1.into(), "failing_seeds is 1"),
        (
            |r| r["tallies"][0]["seeds"] = 99.into(),
            "the tally of no_stale_overwrite",
        ),
        (
            |r| r["tallies"][4]["reached"] = 1_000_000.into(),
            "1000000 seeds reached the mark of converges, but only",
        ),
        (
            |r| r["variant"] = "recheck-before-write".into(),
            "a different hunt",
        ),
        (
            |r| {
                let first = r["violations"][0].clone();
                r["violations"].as_array_mut().unwrap().push(first);
            },
            "it lists a violation of",
        ),
        (
            |r| {
                let hang = serde_json::json!({"seed": 1, "kind": "hang", "message": "slow"});
                r["failures"] = serde_json::json!([hang.clone(), hang]);
            },
            "it lists a crash or hang twice for one seed",
        ),
    ];
    for (edit, expected) in cases {
        let mut reports = good.clone();
        edit(&mut reports[1]);
        let (out, paths) = merge(&dir, &reports);
        assert_bad_input(&out, expected);
        assert!(
            text(&out.stderr).contains(&format!("report {}", paths[1])),
            "names the file: {}",
            text(&out.stderr)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_refuses_shards_of_a_different_hunt() {
    let dir = temp_dir("merge-hunts");
    let uniform = shard_reports(&["--strategy", "uniform"]);
    let swarm = shard_reports(&["--strategy", "swarm"]);
    let (out, _) = merge(&dir, &[uniform[0].clone(), swarm[1].clone()]);
    assert_bad_input(&out, "a shard of a different hunt");
    let other_range: serde_json::Value = serde_json::from_slice(
        &dnsim(&["hunt", "--seeds", "0..42", "--shard", "2/2", "--json"]).stdout,
    )
    .unwrap();
    let (out, _) = merge(&dir, &[uniform[0].clone(), other_range]);
    assert_bad_input(&out, "a shard of a different hunt");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A copy of a seed file from `seeds/`, edited by `edit`, in `dir`.
fn edited_seed_file(dir: &Path, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let original = std::fs::read_to_string(repo_root().join("seeds").join(name)).unwrap();
    let edited = edit(&original);
    assert_ne!(edited, original, "the edit changes {name}");
    let path = dir.join(name);
    std::fs::write(&path, edited).unwrap();
    path
}

fn replay_file(path: &Path) -> (Option<i32>, String) {
    let out = dnsim(&["replay", "--file", path.to_str().unwrap()]);
    (out.status.code(), text(&out.stdout) + &text(&out.stderr))
}

/// Everything but the `[[faults]]` tables of a seed file.
fn without_faults(text: &str) -> String {
    text.split("\n[[faults]]").next().unwrap().to_string() + "\n"
}

#[test]
fn replay_file_exits_0_when_it_reproduces_and_3_when_it_does_not() {
    let dir = temp_dir("replay-file");
    let (code, output) = replay_file(&repo_root().join("seeds/original-converges-49.toml"));
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("reproduced: converges"), "{output}");
    // The trace hash is checked.
    let path = edited_seed_file(&dir, "original-converges-49.toml", |t| {
        let at = t.find("trace_hash = \"").unwrap() + "trace_hash = \"".len();
        format!("{}0123456789abcdef{}", &t[..at], &t[at + 16..])
    });
    let (code, output) = replay_file(&path);
    assert_eq!(code, Some(3), "{output}");
    assert!(
        output.contains("not the saved 0123456789abcdef"),
        "{output}"
    );
    // The invariant is checked: seed 0 violates no_stale_overwrite only.
    let path = edited_seed_file(&dir, "original-no_stale_overwrite-0.toml", |t| {
        t.replace(
            "invariant = \"no_stale_overwrite\"",
            "invariant = \"endpoint_resolves\"",
        )
    });
    let (code, output) = replay_file(&path);
    assert_eq!(code, Some(3), "{output}");
    assert!(
        output.contains("the run no longer violates endpoint_resolves"),
        "{output}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A seed file's unknown design and unknown invariant are bad input that names the file and
/// line, and neither says "variant" for a value of another field (serde's word for an enum's
/// value, which in dnsim means a design).
#[test]
fn a_seed_files_unknown_design_or_invariant_names_its_line() {
    let dir = temp_dir("seed-file-names");
    let design = edited_seed_file(&dir, "original-converges-49.toml", |t| {
        t.replace("variant = \"original\"", "variant = \"bogus\"")
    });
    let line = |path: &Path, key: &str| {
        let text = std::fs::read_to_string(path).unwrap();
        1 + text.lines().position(|l| l.starts_with(key)).unwrap()
    };
    let out = dnsim(&["replay", "--file", design.to_str().unwrap()]);
    assert_bad_input(
        &out,
        &format!(
            "{}:{}: unknown variant \"bogus\"",
            design.display(),
            line(&design, "variant")
        ),
    );
    let invariant = edited_seed_file(&dir, "original-converges-49.toml", |t| {
        t.replace("invariant = \"converges\"", "invariant = \"nope\"")
    });
    let out = dnsim(&["replay", "--file", invariant.to_str().unwrap()]);
    assert_bad_input(
        &out,
        &format!(
            "{}:{}:13: unknown value `nope`",
            invariant.display(),
            line(&invariant, "invariant")
        ),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replay_file_refuses_edited_or_deleted_faults() {
    let dir = temp_dir("replay-faults");
    // A run found by a sweep replays from its seed: its recorded faults must be the ones the
    // seed draws.
    let deleted = edited_seed_file(&dir, "original-converges-49.toml", without_faults);
    let (code, output) = replay_file(&deleted);
    assert_eq!(code, Some(3), "{output}");
    assert!(
        output.contains("its faults are not the recorded [[faults]] (0 recorded, 25 in the re-run"),
        "{output}"
    );
    let edited = edited_seed_file(&dir, "original-no_stale_overwrite-0.toml", |t| {
        t.replacen(
            "kind = \"delay\"\nms = 505\n",
            "kind = \"delay\"\nms = 506\n",
            1,
        )
    });
    let (code, output) = replay_file(&edited);
    assert_eq!(code, Some(3), "{output}");
    assert!(
        output.contains("they part at fault 1: recorded \"enactor-1's one-time check of the live generations of every endpoint is 506 ms slow\", re-run \"enactor-1's one-time check of the live generations of every endpoint is 505 ms slow\""),
        "{output}"
    );
    // Two faults told alike are told apart by their sites.
    let moved = edited_seed_file(&dir, "original-no_stale_overwrite-0.toml", |t| {
        t.replacen(
            "enactor-1/g1/poll-1/live-check",
            "enactor-1/g1/poll-2/live-check",
            1,
        )
    });
    let (code, output) = replay_file(&moved);
    assert_eq!(code, Some(3), "{output}");
    assert!(
        output.contains("recorded \"enactor-1's one-time check of the live generations of every endpoint is 505 ms slow\" (enactor-1/g1/poll-2/live-check: delay 505ms), re-run \"enactor-1's one-time check of the live generations of every endpoint is 505 ms slow\" (enactor-1/g1/poll-1/live-check: delay 505ms)"),
        "{output}"
    );
    // So are two told alike because the story rounds their magnitudes.
    let rounded = edited_seed_file(&dir, "original-rollback_target_exists-3.toml", |t| {
        t.replacen("ms = 55115\n", "ms = 55116\n", 1)
    });
    let (code, output) = replay_file(&rounded);
    assert_eq!(code, Some(3), "{output}");
    assert!(
        output.contains(": stall 55116ms), re-run ") && output.contains(": stall 55115ms))"),
        "{output}"
    );
    // A minimal run replays its schedule: dropping one fault changes the run.
    let dropped = edited_seed_file(&dir, "original-converges-175-minimal.toml", |t| {
        let first = t.find("\n[[faults]]").unwrap();
        let second = first + 1 + t[first + 1..].find("\n[[faults]]").unwrap();
        format!("{}{}", &t[..first], &t[second..])
    });
    let (code, output) = replay_file(&dropped);
    assert_eq!(code, Some(3), "{output}");
    assert!(output.contains("NOT REPRODUCED"), "{output}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_trace_hash_is_bad_input() {
    let dir = temp_dir("bad-hash");
    let path = edited_seed_file(&dir, "original-converges-49.toml", |t| {
        let at = t.find("trace_hash = \"").unwrap() + "trace_hash = \"".len();
        format!("{}zz{}", &t[..at], &t[at + 16..])
    });
    let line = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("trace_hash"))
        .unwrap()
        + 1;
    let (code, output) = replay_file(&path);
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains(&format!(
            "{}:{line}: trace_hash \"zz\" is not 16 lowercase hex digits",
            path.display()
        )),
        "{output}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A script can learn each command's exit statuses from its `--help`.
#[test]
fn every_command_documents_its_exit_statuses_in_its_help() {
    for command in [
        "hunt",
        "replay",
        "shrink",
        "explain",
        "exhaust",
        "matrix",
        "strategies",
        "merge",
        "check-determinism",
        "bench",
        "list",
    ] {
        let out = dnsim(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0));
        let help = text(&out.stdout);
        assert!(help.contains("\nExit status: "), "{command} --help: {help}");
        assert!(
            command == "list" || help.contains("2 bad input"),
            "{command} --help: {help}"
        );
    }
}

/// A recorded fault is bounded like a scenario's knob: a huge delay in an edited seed file is
/// one line naming the file, line, fault and range, not an overflow in the model.
#[test]
fn an_out_of_range_recorded_fault_is_bad_input() {
    let dir = temp_dir("huge-fault");
    let path = edited_seed_file(&dir, "original-no_stale_overwrite-0.toml", |t| {
        t.replacen(
            "kind = \"delay\"\nms = 505\n",
            "kind = \"delay\"\nms = 4611686018427387904\n",
            1,
        )
    });
    let line = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .position(|l| l.contains("4611686018427387904"))
        .unwrap()
        + 1;
    let (code, output) = replay_file(&path);
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains(&format!(
            "{}:{line}: fault 1 (enactor-1/g1/poll-1/live-check) ms = 4611686018427387904 is out of range: allowed 0..=600000",
            path.display()
        )),
        "{output}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A hunt's table given to `merge` in place of its `--json` is named as what it is, and
/// so is a report cut short.
#[test]
fn merge_says_a_report_is_not_json_or_cut_short() {
    let dir = temp_dir("merge-text");
    let table = dir.join("table.json");
    std::fs::write(&table, text(&dnsim(&["hunt", "--seeds", "0..3"]).stdout)).unwrap();
    let out = dnsim(&["merge", table.to_str().unwrap()]);
    assert_bad_input(&out, "not one JSON report (write shards with --json");
    let report = text(&dnsim(&["hunt", "--seeds", "0..3", "--json"]).stdout);
    let twice = dir.join("twice.json");
    std::fs::write(&twice, format!("{report}{report}")).unwrap();
    let out = dnsim(&["merge", twice.to_str().unwrap()]);
    assert_bad_input(&out, "more than one report (a shard appended twice");
    let cut = dir.join("cut.json");
    std::fs::write(&cut, "{\"scenario\": \"incident\"").unwrap();
    let out = dnsim(&["merge", cut.to_str().unwrap()]);
    assert_bad_input(&out, "the report ends early");
    std::fs::remove_dir_all(&dir).unwrap();
}
