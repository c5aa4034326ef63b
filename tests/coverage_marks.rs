//! Each coverage mark fires where it is expected, and not where it is not: pinned seeds of
//! the `incident` scenario on the `original` design (default strategy), found by a small
//! sweep (`discover_marks`, ignored: run it with `--ignored --nocapture` to sweep again).
//!
//! A mark that never fired would make every "holds" vacuous; a mark that fired everywhere
//! would make "reached" mean nothing. These pin both sides on real runs, and that a run
//! which violates an invariant has reached that invariant's mark (the danger came first).

use dnsim::coverage::Mark;
use dnsim::{run, InvariantId, Outcome, RunSpec, Scenario};
use dnsim_model::designs;

fn original(seed: u64) -> Outcome {
    let scenario = Scenario::load("incident").unwrap();
    let design = designs::by_name("original").unwrap();
    run(&RunSpec::seeded(&scenario, design, seed))
}

/// `(mark, a seed where it fires, a seed where it does not)`.
const PINNED: [(Mark, u64, u64); 5] = [
    (Mark::StaleBatchSubmitted, 0, 6),
    (Mark::CleanupChoseTreeInFlight, 5, 0),
    (Mark::CleanupReachedRollbackTarget, 2, 0),
    (Mark::CleanupReachedLiveRoot, 33, 5),
    (Mark::RepairNeeded, 0, 15),
];

#[test]
fn every_mark_fires_on_its_seed_and_not_on_another() {
    assert_eq!(
        PINNED.map(|(mark, ..)| mark),
        Mark::ALL,
        "every mark is pinned"
    );
    for (mark, fires, quiet) in PINNED {
        assert!(
            original(fires).coverage.contains(&mark),
            "{mark} fires on seed {fires}"
        );
        assert!(
            !original(quiet).coverage.contains(&mark),
            "{mark} does not fire on seed {quiet}"
        );
    }
}

#[test]
fn a_quiet_seed_reaches_no_mark_and_seed_33_reaches_them_all() {
    assert_eq!(original(8).coverage, Vec::<Mark>::new());
    assert_eq!(original(33).coverage, Mark::ALL.to_vec());
}

/// A violation means the danger was met: its invariant's mark was reached in the same run
/// (on these seeds; see the next test for where it does not hold).
#[test]
fn every_violation_comes_with_its_mark() {
    let mut violations = 0;
    for seed in (0..40).chain([49]) {
        let outcome = original(seed);
        for invariant in InvariantId::ALL {
            if outcome.violated(invariant) {
                violations += 1;
                assert!(
                    outcome.coverage.contains(&Mark::of(invariant)),
                    "seed {seed} violates {invariant} without reaching {}",
                    Mark::of(invariant)
                );
            }
        }
    }
    assert!(
        violations >= 40,
        "the seeds violate invariants: {violations}"
    );
}

/// postmortem: a gap in `cleanup_reached_live_root`, found while pinning the marks. The mark
/// is checked when clean-up begins (`PlanApplied`), so it misses the incident's own order:
/// in seed 47 enactor-2's clean-up after g32 begins at 63.061s, enactor-1's stale write
/// flips `fips` back to g14 at 63.680s, and the clean-up deletes g14 at 64.459s.
/// `endpoint_resolves` is violated while its mark reads unreached (8 of seeds 0..300 do
/// this; seed 142 also misses `cleanup_chose_tree_in_flight`). A verdict is unaffected (a
/// violation is a violation), but "reached" counts under-count. When the mark learns this
/// order, this test fails: then move seed 47 into the test above.
#[test]
fn the_live_root_mark_misses_a_root_turned_old_during_clean_up() {
    let outcome = original(47);
    assert!(outcome.violated(InvariantId::EndpointResolves));
    assert!(!outcome.coverage.contains(&Mark::CleanupReachedLiveRoot));
}

#[test]
#[ignore = "a sweep for violations without their mark"]
fn discover_gaps() {
    for seed in 0..300 {
        let outcome = original(seed);
        for invariant in InvariantId::ALL {
            if outcome.violated(invariant) && !outcome.coverage.contains(&Mark::of(invariant)) {
                println!("gap {seed} {invariant}");
            }
        }
    }
}

#[test]
#[ignore = "a sweep to find the seeds pinned above"]
fn discover_marks() {
    for seed in 0..40 {
        println!("original {seed}: {:?}", original(seed).coverage);
    }
}
