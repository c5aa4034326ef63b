//! Long commands stop cleanly through the sweep's own stop flag and clock: a matrix stopped
//! part-way keeps what finished, with its partial cells marked partial. The tests set the
//! stop flag and move a manual clock themselves: no verdict depends on wall time.

use std::sync::atomic::Ordering;
use std::time::Duration;

use dnsim::clock::{Clock, ManualClock};
use dnsim::matrix::merge::merge_matrix_reports;
use dnsim::matrix::{matrix_shard, matrix_with};
use dnsim::sweep::{Seeds, Shard, SweepEnd, SweepOptions};
use dnsim::Strategy;
use dnsim_model::designs;
use dnsim_tests::incident;

fn two_designs() -> Vec<&'static dyn dnsim_model::Design> {
    vec![
        designs::by_name("original").unwrap(),
        designs::by_name("fenced-and-protected").unwrap(),
    ]
}

#[test]
fn a_matrix_stopped_part_way_keeps_its_finished_runs_marked_partial() {
    let options = SweepOptions::new(1);
    let stop = options.stop.clone();
    let report = matrix_with(
        &incident(),
        &two_designs(),
        Strategy::default(),
        "0..200".parse().unwrap(),
        &options,
        |done| {
            if done == 30 {
                stop.store(true, Ordering::SeqCst);
            }
        },
    );
    assert_eq!(report.end, SweepEnd::Interrupted);
    assert_eq!(report.designs.len(), 1, "the second design never started");
    let row = &report.designs[0];
    for cell in &row.cells {
        assert!(cell.partial, "{cell:?}");
        assert!(cell.seeds_run >= 30 && cell.seeds_run < 200, "{cell:?}");
    }
    assert_eq!(report.runs, row.cells[0].seeds_run);
    let text = dnsim::matrix::render_text(&report, "incident");
    assert!(text.contains("partial"), "{text}");
}

#[test]
fn a_matrix_stops_at_its_time_budget_by_the_clock() {
    static CLOCK: ManualClock = ManualClock::new();
    let mut options = SweepOptions::new(1);
    options.clock = std::sync::Arc::new(&CLOCK);
    options.time_budget = Some(Duration::from_secs(60));
    let report = matrix_with(
        &incident(),
        &two_designs(),
        Strategy::default(),
        "0..100".parse().unwrap(),
        &options,
        |done| {
            // The whole budget passes during the second design's tenth run.
            if done == 110 {
                CLOCK.advance(Duration::from_secs(3600));
            }
        },
    );
    assert_eq!(report.end, SweepEnd::TimeBudget);
    assert_eq!(report.designs.len(), 2);
    assert!(report.designs[0].cells.iter().all(|cell| !cell.partial));
    assert!(report.designs[1].cells.iter().all(|cell| cell.partial));
    // "identical to original" counts over the seeds the second design ran, not all 100,
    // and says so; the line under the table says why.
    let row = &report.designs[1];
    let ran = row.cells[0].seeds_run;
    assert!(ran < 100, "{ran}");
    let text = dnsim::matrix::render_text(&report, "incident");
    let identical = format!(
        "  {} of {ran} (the seeds it ran, of 100)\n",
        row.identical_to_original_seeds
    );
    assert!(text.contains(&identical), "{identical:?} in {text}");
    assert!(
        text.contains(&format!(
            "stopped at the time budget after {} of 200 runs: cells marked partial ran fewer than 100 seeds; not run: none",
            report.runs
        )),
        "{text}"
    );
    let markdown = dnsim::matrix::render_markdown(&report, "incident");
    assert!(
        markdown.contains(&identical.trim_start().replace('\n', " |")),
        "{markdown}"
    );
    assert!(
        markdown.contains("stopped at the time budget after"),
        "{markdown}"
    );
}

/// A matrix merged from shards one of which stopped at its time budget (having run only
/// part of `original`, and no other design) says what the unsharded one says: "identical
/// to original" over the seeds the design ran (the complete shard's), and the stop line.
#[test]
fn a_merged_matrix_with_a_shard_stopped_early_says_so() {
    static CLOCK: ManualClock = ManualClock::new();
    let shard = |index: u64| {
        let mut options = SweepOptions::new(1);
        if index == 2 {
            options.clock = std::sync::Arc::new(&CLOCK);
            options.time_budget = Some(Duration::from_secs(60));
        }
        let seeds = Seeds {
            range: "0..20".parse().unwrap(),
            shard: Some(Shard { index, count: 2 }),
        };
        let report = matrix_shard(
            &incident(),
            &two_designs(),
            Strategy::default(),
            seeds,
            &options,
            |done| {
                // Shard 2's budget passes during `original`'s fifth run.
                if index == 2 && done == 5 {
                    CLOCK.advance(Duration::from_secs(3600));
                }
            },
        );
        (format!("shard-{index}.json"), report)
    };
    let shards = vec![shard(1), shard(2)];
    assert_eq!(shards[1].1.end, SweepEnd::TimeBudget);
    assert_eq!(shards[1].1.designs.len(), 1, "only original, part-way");
    let merged = merge_matrix_reports(shards).unwrap();
    assert_eq!(merged.end, SweepEnd::TimeBudget);
    let row = merged.row("fenced-and-protected").unwrap();
    assert_eq!(row.cells[0].seeds_run, 10, "shard 1's seeds only");
    let text = dnsim::matrix::render_text(&merged, "incident");
    let identical = format!(
        "  {} of 10 (the seeds it ran, of 20)\n",
        row.identical_to_original_seeds
    );
    assert!(text.contains(&identical), "{identical:?} in {text}");
    assert!(
        text.contains(&format!(
            "stopped at the time budget after {} of 40 runs: cells marked partial ran fewer than 20 seeds; not run: none",
            merged.runs
        )),
        "{text}"
    );
}

#[test]
fn a_matrix_not_stopped_is_complete() {
    let report = matrix_with(
        &incident(),
        &two_designs(),
        Strategy::default(),
        "0..20".parse().unwrap(),
        &SweepOptions::new(2),
        |_| {},
    );
    assert_eq!(report.end, SweepEnd::Completed);
    assert_eq!(report.runs, 40);
    assert!(report
        .designs
        .iter()
        .flat_map(|r| &r.cells)
        .all(|c| !c.partial));
}

#[test]
fn a_strategy_comparison_stopped_keeps_the_trials_that_finished() {
    let options = SweepOptions::new(1);
    let stop = options.stop.clone();
    let report = dnsim::compare::compare_with(
        &incident(),
        designs::by_name("original").unwrap(),
        &Strategy::ALL,
        3,
        50,
        &options,
        |trials_done| {
            if trials_done == 4 {
                stop.store(true, Ordering::SeqCst);
            }
        },
    );
    assert_eq!(report.end, SweepEnd::Interrupted);
    assert_eq!(
        report.rows.len(),
        2,
        "the first strategy whole, the second part-way"
    );
    assert_eq!(report.rows[1].invariants[0].seeds_to_first.len(), 1);
    let text = dnsim::compare::render_text(&report);
    assert!(text.contains("(partial: 1 of 3 trials)"), "{text}");
    assert!(text.contains("interrupted"), "{text}");
}

#[test]
fn sensitivity_stopped_part_way_keeps_finished_values_and_marks_the_partial_one() {
    use dnsim::sensitivity::{render_text, sensitivity_with, Knob};
    let options = SweepOptions::new(1);
    let stop = options.stop.clone();
    let original = designs::by_name("original").unwrap();
    let report = sensitivity_with(
        &incident(),
        Knob::StallMsMax,
        &[10_000, 20_000, 30_000],
        &[original],
        Strategy::default(),
        "0..100".parse().unwrap(),
        &options,
        |done| {
            // Ten runs into the second value.
            if done == 110 {
                stop.store(true, Ordering::SeqCst);
            }
        },
    )
    .unwrap();
    assert_eq!(report.end, SweepEnd::Interrupted);
    assert!(report.runs >= 110 && report.runs < 200, "{}", report.runs);
    for curve in &report.curves {
        let values: Vec<u64> = curve.points.iter().map(|p| p.value).collect();
        assert_eq!(values, [10_000, 20_000], "the third value never ran");
        assert!(!curve.points[0].partial);
        assert!(curve.points[1].partial);
    }
    let text = render_text(&report);
    assert!(text.contains("interrupted after"), "{text}");
    assert!(text.contains('*') && text.contains(" -\n"), "{text}");
}

#[test]
fn sensitivity_stops_at_its_time_budget_by_the_clock() {
    use dnsim::sensitivity::{sensitivity_with, Knob};
    static CLOCK: ManualClock = ManualClock::new();
    let mut options = SweepOptions::new(1);
    options.clock = std::sync::Arc::new(&CLOCK);
    options.time_budget = Some(Duration::from_secs(60));
    let report = sensitivity_with(
        &incident(),
        Knob::StallMsMax,
        &[10_000, 20_000, 30_000],
        &[designs::by_name("original").unwrap()],
        Strategy::default(),
        "0..20".parse().unwrap(),
        &options,
        |done| {
            // The whole budget passes as the first value finishes.
            if done == 20 {
                CLOCK.advance(Duration::from_secs(3600));
            }
        },
    )
    .unwrap();
    assert_eq!(report.end, SweepEnd::TimeBudget);
    assert_eq!(report.runs, 20, "only the first value ran");
    assert!(report
        .curves
        .iter()
        .all(|c| c.points.len() == 1 && !c.points[0].partial));
}

/// A clock that moves one second every time it is read: a time budget of 60 s is spent
/// after 60 readings, whatever the speed of the machine.
#[derive(Debug, Default)]
struct TickingClock(std::sync::atomic::AtomicU64);

impl dnsim::clock::Clock for TickingClock {
    fn now(&self) -> Duration {
        Duration::from_secs(self.0.fetch_add(1, Ordering::SeqCst))
    }
}

#[test]
fn a_strategy_trial_is_stopped_mid_way_and_marked_partial() {
    let mut options = SweepOptions::new(1);
    options.clock = std::sync::Arc::new(TickingClock::default());
    // The watchdog reads the same clock: far enough away that no seed looks hung.
    options.watchdog = Duration::from_secs(u64::MAX / 4);
    options.time_budget = Some(Duration::from_secs(60));
    // fenced-and-protected violates nothing, so a trial runs to its cap: a million seeds,
    // far more than the budget's 60 readings of the clock allow.
    let report = dnsim::compare::compare_with(
        &incident(),
        designs::by_name("fenced-and-protected").unwrap(),
        &Strategy::ALL,
        3,
        1_000_000,
        &options,
        |_| panic!("no trial can finish"),
    );
    assert_eq!(report.end, SweepEnd::TimeBudget);
    assert!(report.rows.is_empty(), "{:?}", report.rows);
    let stopped = report
        .stopped_trial
        .clone()
        .expect("the first trial stopped mid-way");
    assert_eq!((stopped.strategy, stopped.trial), (Strategy::ALL[0], 0));
    assert!(
        stopped.seeds_run > 0 && stopped.seeds_run < 1_000_000,
        "{stopped:?}"
    );
    let text = dnsim::compare::render_text(&report);
    assert!(
        text.contains("trial 1 of 3 stopped after")
            && text.contains("(partial, not counted above)"),
        "{text}"
    );
}

/// `original` asked for after another design runs once, first (to compare the other
/// designs' traces with), and its row is made of those runs: the same row, and the same
/// number of runs, as when it is asked for first. It used to run twice.
#[test]
fn original_asked_for_second_runs_once_and_keeps_its_row() {
    let seeds: dnsim::SeedRange = "0..20".parse().unwrap();
    let options = SweepOptions::new(1);
    let first = matrix_with(
        &incident(),
        &two_designs(),
        Strategy::default(),
        seeds,
        &options,
        |_| {},
    );
    let reversed: Vec<_> = two_designs().into_iter().rev().collect();
    let second = matrix_with(
        &incident(),
        &reversed,
        Strategy::default(),
        seeds,
        &options,
        |_| {},
    );
    assert_eq!((first.runs, second.runs), (40, 40));
    assert_eq!(
        second
            .designs
            .iter()
            .map(|row| &row.variant)
            .collect::<Vec<_>>(),
        ["fenced-and-protected", "original"],
        "rows in the order asked for"
    );
    for variant in ["original", "fenced-and-protected"] {
        assert_eq!(first.row(variant), second.row(variant), "{variant}");
    }
}

/// A matrix stopped while `original` runs first, before any design asked for has run, has
/// no row, and says plainly that it judged nothing (it used to print an empty table above
/// "N seeds per design" and no word of it). With `original` asked for second, its row is
/// still made of the runs it made first.
#[test]
fn a_matrix_stopped_in_its_baseline_says_it_judged_nothing() {
    static CLOCK: ManualClock = ManualClock::new();
    let fenced = designs::by_name("fenced-and-protected").unwrap();
    let stopped = |designs: &[&'static dyn dnsim_model::Design], stop_at: u64| {
        let mut options = SweepOptions::new(1);
        options.clock = std::sync::Arc::new(&CLOCK);
        options.time_budget = Some(Duration::from_secs(60));
        let began = CLOCK.now();
        matrix_shard(
            &incident(),
            designs,
            Strategy::default(),
            Seeds {
                range: "0..20".parse().unwrap(),
                shard: None,
            },
            &options,
            |done| {
                if done == stop_at && CLOCK.now() == began {
                    CLOCK.advance(Duration::from_secs(3600));
                }
            },
        )
    };
    let report = stopped(&[fenced], 5);
    assert_eq!(report.end, SweepEnd::TimeBudget);
    assert!(report.designs.is_empty(), "{:?}", report.designs);
    let text = dnsim::matrix::render_text(&report, "incident");
    assert!(
        text.contains(&format!(
            "stopped at the time budget after {} of 40 runs, before any design asked for had run: NO VERDICT for any design",
            report.runs
        )),
        "{text}"
    );
    // Stopped in fenced-and-protected, after `original`'s 20 runs: both rows, original's whole.
    let report = stopped(&[fenced, designs::by_name("original").unwrap()], 25);
    assert_eq!(report.end, SweepEnd::TimeBudget);
    let original = report.row("original").expect("its runs were made first");
    assert!(original
        .cells
        .iter()
        .all(|cell| !cell.partial && cell.seeds_run == 20));
    assert!(report.row("fenced-and-protected").unwrap().cells[0].partial);
}
