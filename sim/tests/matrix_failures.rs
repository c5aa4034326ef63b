//! A matrix whose seeds crash or hang still reports: the failed seeds are listed with a
//! replay line, the row's cells count only the seeds that finished (marked `*`), and the
//! command exits 1. It once panicked on the first such seed and printed no table at all.
//! `sensitivity`, `strategies` and `check-determinism` likewise.
//!
//! In-process through `dnsim::cli::main`, with a design of the test's own that crashes
//! (panics) when it applies one plan, as a bug in a design or the harness would.

use dnsim::matrix::merge::{findings, merge_matrix_reports};
use dnsim::matrix::{matrix, matrix_shard, render_text, MatrixReport};
use dnsim::sweep::{Seeds, Shard, SweepOptions};
use dnsim_model::design::Design;
use dnsim_model::dns::{Change, EndpointId, ZoneSnapshot};
use dnsim_model::{Generation, Plan};

/// The original apply step, except that applying plan g5 panics.
struct CrashesAtG5;

impl Design for CrashesAtG5 {
    fn name(&self) -> &'static str {
        "crashes-at-g5"
    }

    fn apply_changes(
        &self,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        assert_ne!(plan.generation, Generation(5), "a planted crash");
        Some(dnsim_model::design::build_tree_and_flip(
            plan, endpoint, zone,
        ))
    }
}

/// Registers the test's design once for the whole binary (tests run side by side).
fn register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| dnsim::registry::register(&[&CrashesAtG5]).unwrap());
}

/// Runs `dnsim ARGS` in-process: exit status and stdout.
fn dnsim(args: &[&str]) -> (i32, String) {
    register();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = dnsim::cli::main(
        std::iter::once("dnsim").chain(args.iter().copied()),
        &mut out,
        &mut err,
    );
    let out = String::from_utf8(out).unwrap();
    let err = String::from_utf8(err).unwrap();
    (
        code,
        format!(
            "{out}{}",
            if err.is_empty() {
                String::new()
            } else {
                format!("\nstderr: {err}")
            }
        ),
    )
}

#[test]
fn sensitivity_marks_points_whose_seeds_crashed_and_exits_1() {
    let (code, out) = dnsim(&[
        "sensitivity",
        "--knob",
        "lock_ttl_ms",
        "--values",
        "500,1000",
        "--variants",
        "crashes-at-g5",
        "--seeds",
        "0..8",
        "--jobs",
        "2",
    ]);
    assert_eq!(code, 1, "{out}");
    let rows: Vec<&str> = out
        .lines()
        .filter(|line| line.starts_with("crashes-at-g5 "))
        .collect();
    assert_eq!(rows.len(), 5, "{out}");
    assert!(
        rows.iter().all(|row| row.matches('!').count() == 2),
        "every point is marked: {out}"
    );
    assert!(
        out.contains("4 runs crashed or hung (0 of original's, run only to compare traces with): points marked ! count only the seeds that finished"),
        "{out}"
    );
}

#[test]
fn strategies_lists_the_seeds_that_crashed_and_exits_1() {
    let (code, out) = dnsim(&[
        "strategies",
        "--variant",
        "crashes-at-g5",
        "--trials",
        "1",
        "--cap",
        "8",
        "--jobs",
        "2",
    ]);
    assert_eq!(code, 1, "{out}");
    let told: Vec<&str> = out
        .lines()
        .filter(|line| line.starts_with("* ") && line.contains(" of its seeds crashed or hung"))
        .collect();
    assert!(!told.is_empty(), "{out}");
    assert!(
        out.contains("dnsim replay --scenario incident --variant crashes-at-g5 --strategy "),
        "{out}"
    );
}

#[test]
fn check_determinism_tells_the_runs_that_crashed_and_exits_1() {
    let (code, out) = dnsim(&[
        "check-determinism",
        "--variant",
        "crashes-at-g5",
        "--seeds",
        "0..8",
        "--jobs",
        "2",
    ]);
    assert_eq!(code, 1, "{out}");
    let crashes = out
        .lines()
        .filter(|l| l.starts_with("CRASH: seed "))
        .count();
    assert!(
        crashes >= 2 && crashes % 2 == 0,
        "each crashed seed, both ways: {out}"
    );
    assert!(
        out.contains(&format!("NOT checked: {crashes} runs crashed or hung")),
        "{out}"
    );
    // A seed that crashed is not handed to madsim's check (its panic would read as
    // non-determinism).
    assert!(!out.contains("NON-DETERMINISM"), "{out}");
}

#[test]
fn a_matrix_whose_seeds_crash_lists_them_counts_the_others_and_exits_1() {
    let markdown = std::env::temp_dir().join(format!("dnsim-failures-{}.md", std::process::id()));
    let (code, out) = dnsim(&[
        "matrix",
        "--variants",
        "original,crashes-at-g5",
        "--seeds",
        "0..8",
        "--jobs",
        "2",
        "--markdown",
        markdown.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    let crashed: Vec<&str> = out
        .lines()
        .filter(|line| line.contains(" crashed: ") && line.contains("a planted crash"))
        .collect();
    assert!(!crashed.is_empty(), "stdout: {out}");
    let summary = out
        .lines()
        .find(|line| line.starts_with("* crashes-at-g5: "))
        .unwrap_or_else(|| panic!("no summary of the failed seeds: {out}"));
    let failed = crashed.len();
    assert!(
        summary.starts_with(&format!(
            "* crashes-at-g5: {failed} of 8 seeds crashed or hung, so its cells count only the {} that finished.",
            8 - failed
        )),
        "{summary}"
    );
    assert!(failed < 8, "some seeds never apply g5: {out}");
    let row = out
        .lines()
        .find(|line| line.starts_with("crashes-at-g5 "))
        .unwrap();
    assert_eq!(row.matches(" *").count(), 5, "every cell is marked: {row}");
    let original = out
        .lines()
        .find(|line| line.starts_with("original "))
        .unwrap();
    assert!(
        !original.contains(" *"),
        "original finished every seed: {original}"
    );
    assert!(
        out.contains("dnsim replay --scenario incident --variant crashes-at-g5 --strategy swarm --watchdog 10m"),
        "{out}"
    );
    let text = std::fs::read_to_string(&markdown).unwrap();
    std::fs::remove_file(&markdown).unwrap();
    assert!(
        text.contains("### Seeds that crashed or hung (cells marked *)"),
        "{text}"
    );
}

/// The two shards of a matrix of the test's design on `range`, each as its JSON (as a
/// shard's report travels), for `edit` to change before it is read back.
fn two_shards(
    range: &str,
    edit: impl Fn(u64, &mut serde_json::Value),
) -> Vec<(String, MatrixReport)> {
    let scenario = dnsim::Scenario::load("incident").unwrap();
    (1..=2)
        .map(|index| {
            let seeds = Seeds {
                range: range.parse().unwrap(),
                shard: Some(Shard { index, count: 2 }),
            };
            let designs: [&'static dyn Design; 1] = [&CrashesAtG5];
            let strategy = dnsim::Strategy::default();
            let options = SweepOptions::new(1);
            let report = matrix_shard(&scenario, &designs, strategy, seeds, &options, |_| {});
            let mut json = serde_json::to_value(&report).unwrap();
            edit(index, &mut json);
            (
                format!("shard-{index}.json"),
                serde_json::from_value(json).unwrap(),
            )
        })
        .collect()
}

/// Shards of a matrix whose seeds crash merge to the unsharded matrix, failures and all.
#[test]
fn shards_with_crashed_seeds_merge_to_the_unsharded_matrix() {
    let scenario = dnsim::Scenario::load("incident").unwrap();
    let designs: [&'static dyn Design; 1] = [&CrashesAtG5];
    let whole = matrix(
        &scenario,
        &designs,
        dnsim::Strategy::default(),
        "0..8".parse().unwrap(),
        2,
    );
    let failed = whole.row("crashes-at-g5").unwrap().failures.len();
    assert!(failed > 0 && failed < 8, "{failed}");
    let merged = merge_matrix_reports(two_shards("0..8", |_, _| {})).unwrap();
    assert_eq!(findings(&merged), findings(&whole));
}

/// `original` run only to compare traces with has no row: seeds of it that crash or hang
/// are the report's `baseline_failures`, kept by merge, told under the table, and a
/// failure of the matrix. (No built-in run of `original` crashes: the shard's JSON is
/// edited, as a shard from a machine where one did would read.)
#[test]
fn original_run_only_to_compare_keeps_its_failures() {
    let shards = two_shards("0..4", |index, json| {
        assert!(
            json["baseline_failures"].is_null(),
            "none, and no row of original"
        );
        assert_eq!(json["designs"].as_array().unwrap().len(), 1);
        if index == 2 {
            json["baseline_failures"] = serde_json::json!([
                { "seed": 3, "kind": "hang", "message": "still running" },
                { "seed": 1, "kind": "crash", "message": "oracle: a planted disagreement" },
            ]);
        }
    });
    let merged = merge_matrix_reports(shards).unwrap();
    let seeds: Vec<u64> = merged.baseline_failures.iter().map(|f| f.seed).collect();
    assert_eq!(seeds, [1, 3], "kept, in seed order");
    assert!(merged.any_failure());
    let text = render_text(&merged, "incident");
    assert!(
        text.contains("* original (run only to compare traces with): 2 of 4 seeds crashed or hung"),
        "{text}"
    );
    assert!(
        text.contains("MADSIM_TEST_SEED=1 dnsim replay --scenario incident --variant original"),
        "{text}"
    );
}
