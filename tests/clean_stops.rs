//! Long commands stop cleanly through the sweep's own stop flag and clock: a matrix stopped
//! part-way keeps what finished, with its partial cells marked partial. The tests set the
//! stop flag and move a manual clock themselves: no verdict depends on wall time.

use std::sync::atomic::Ordering;
use std::time::Duration;

use dnsim::clock::ManualClock;
use dnsim::matrix::matrix_with;
use dnsim::sweep::{SweepEnd, SweepOptions};
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
    let text = dnsim::matrix::render_text(&report);
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
