//! `exhaust`: the enumeration counts what it should, and the verdicts on `small` are pinned.

use std::collections::BTreeSet;

use dnsim::exhaust::{exhaust, explore, ExhaustEnd, ExhaustReport, ExhaustSpec, Menu};
use dnsim::faults::{FaultSchedule, FaultSource, ScheduledFault};
use dnsim::sweep::SweepOptions;
use dnsim::{InvariantId, RunSpec, Scenario, SeedRange};
use dnsim_tests::design;

fn small() -> Scenario {
    Scenario::load("small").expect("the small scenario loads")
}

fn menu(scenario: &Scenario, names: &[&str]) -> Menu {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    Menu::new(scenario, &names).unwrap()
}

fn enumerate(variant: &str, menu: Menu, max_faults: u32, jobs: usize, all: bool) -> ExhaustReport {
    let spec = ExhaustSpec {
        scenario: small(),
        design: design(variant),
        menu,
        max_faults,
        noise_seeds: SeedRange { start: 0, end: 1 },
        stop_when_all_violated: !all,
    };
    exhaust(&spec, &SweepOptions::new(jobs), &mut |_, _, _, _| {})
}

fn counts(report: &ExhaustReport) -> Vec<u64> {
    report.levels.iter().map(|l| l.schedules).collect()
}

#[test]
fn a_burst_only_menu_gives_every_subset_of_the_planner_ticks() {
    // In `small` the planner ticks at 10 s, 20 s and 30 s inside the 35 s fault phase, and
    // a burst never moves a tick (ticks are at fixed times). So the schedules of the menu
    // {burst} are the subsets of three ticks: 1 + 3 + 3 + 1 = 8 by hand.
    let scenario = small();
    assert_eq!(scenario.phases.faults_ms, 35_000);
    assert_eq!(scenario.system.planner_interval_ms, 10_000);
    let report = enumerate("original", menu(&scenario, &["burst"]), 3, 2, true);
    assert_eq!(counts(&report), vec![1, 3, 3, 1]);
    assert_eq!(report.ran(), 8);
    assert_eq!(report.end, ExhaustEnd::Completed);
    assert_eq!(report.complete_up_to, Some(3));
    // A fourth fault has nowhere to go.
    let report = enumerate("original", menu(&scenario, &["burst"]), 4, 2, true);
    assert_eq!(counts(&report), vec![1, 3, 3, 1, 0]);
}

/// Every schedule of at most two faults of `menu`, by brute force: every fault at any
/// decision of the fault-free run, then every second fault at any decision of that run,
/// kept when both strike; as sets.
fn brute_force_pairs(scenario: &Scenario, menu: &Menu) -> BTreeSet<Vec<String>> {
    let original = design("original");
    let key = |faults: &[ScheduledFault]| {
        let mut names: Vec<String> = faults
            .iter()
            .map(|f| format!("{} {:?}", f.at, f.fault))
            .collect();
        names.sort();
        names
    };
    let offers = |schedule: &FaultSchedule| -> Vec<ScheduledFault> {
        let log = dnsim::faults::DecisionLog::default();
        let mut spec = RunSpec::seeded(scenario, original, 0);
        spec.faults = FaultSource::Logged(schedule.clone(), log.clone());
        dnsim::run(&spec);
        let mut offers = Vec::new();
        let mut seen = BTreeSet::new();
        for decision in log.take() {
            if seen.insert((decision.site, decision.kind)) {
                for entry in menu.for_kind(decision.kind) {
                    offers.push(ScheduledFault {
                        at: decision.site,
                        fault: entry.fault,
                    });
                }
            }
        }
        offers
    };
    let mut all = BTreeSet::new();
    all.insert(Vec::new());
    for first in offers(&FaultSchedule::default()) {
        all.insert(key(&[first]));
        for second in offers(&FaultSchedule(vec![first])) {
            if second.at == first.at && second.fault.kind() == first.fault.kind() {
                continue;
            }
            let pair = FaultSchedule(vec![first, second]);
            let mut spec = RunSpec::seeded(scenario, original, 0);
            spec.faults = FaultSource::Scripted(pair.clone());
            if dnsim::run(&spec).faults.len() == 2 {
                all.insert(key(&pair.0));
            }
        }
    }
    all
}

#[test]
fn the_tree_holds_every_schedule_of_two_faults_once() {
    // Crashes and short stalls: a few dozen decisions, so brute force is quick. Stalls are
    // kept short (no clipping at the end of the fault phase, which brute force ignores).
    let scenario = small();
    let menu = menu(&scenario, &["crash", "stall-short"]);
    let mut tree = Vec::new();
    let mut frontier = vec![FaultSchedule::default()];
    for level in 0..=2 {
        let mut next = Vec::new();
        for schedule in &frontier {
            let explored = explore(&scenario, design("original"), &menu, 0, schedule, level < 2);
            let mut names: Vec<String> = explored
                .outcome
                .faults
                .0
                .iter()
                .map(|f| format!("{} {:?}", f.at, f.fault))
                .collect();
            names.sort();
            tree.push(names);
            next.extend(explored.children);
        }
        frontier = next;
    }
    let unique: BTreeSet<Vec<String>> = tree.iter().cloned().collect();
    assert_eq!(unique.len(), tree.len(), "no schedule twice");
    let brute = brute_force_pairs(&scenario, &menu);
    assert_eq!(unique, brute, "the same schedules as brute force");
    assert!(brute.len() > 100, "a real test: {} schedules", brute.len());
}

#[test]
fn original_fails_on_small_with_the_fewest_faults_and_the_counterexamples_replay() {
    let scenario = small();
    let report = enumerate("original", Menu::default_for(&scenario), 2, 2, false);
    assert_eq!(report.end, ExhaustEnd::AllViolated);
    // Every invariant (whatever the list) breaks with at most two faults; the stale write
    // needs one stall, the empty endpoint a second.
    for id in InvariantId::ALL {
        let counterexample = report.counterexamples.get(&id);
        assert!(counterexample.is_some_and(|c| c.faults.len() <= 2), "{id}");
    }
    let faults = |id: InvariantId| report.counterexamples[&id].faults.len();
    assert_eq!(faults(InvariantId::NoStaleOverwrite), 1);
    assert_eq!(faults(InvariantId::EndpointResolves), 2);
    // Minimal by construction: every schedule of fewer faults ran and did not violate it.
    for level in &report.levels[..2] {
        assert_eq!(level.ran, level.schedules);
    }
    for counterexample in report.counterexamples.values() {
        let mut spec = RunSpec::seeded(&scenario, design("original"), counterexample.noise_seed);
        spec.faults = FaultSource::Scripted(counterexample.faults.clone());
        let replayed = dnsim::run(&spec);
        assert!(replayed.violated(counterexample.invariant));
        assert_eq!(replayed.trace_hash, counterexample.outcome.trace_hash);
    }
}

#[test]
fn what_ran_and_what_was_found_do_not_depend_on_the_jobs() {
    let scenario = small();
    let one = enumerate("original", Menu::default_for(&scenario), 2, 1, false);
    let two = enumerate("original", Menu::default_for(&scenario), 2, 2, false);
    assert_eq!(one.levels, two.levels);
    let firsts = |r: &ExhaustReport| -> Vec<(InvariantId, u64)> {
        r.counterexamples
            .values()
            .map(|c| (c.invariant, c.index))
            .collect()
    };
    assert_eq!(firsts(&one), firsts(&two));
    // Stopped at the last counterexample: schedules still in flight then are not counted.
    assert_eq!(two.end, ExhaustEnd::AllViolated);
    let last = two.counterexamples.values().map(|c| c.index).max().unwrap();
    assert_eq!(two.ran(), last + 1);
}

#[test]
fn fenced_and_protected_holds_for_every_schedule_of_two_faults_on_small() {
    // The README's claim (K = 2, the default menu, noise seed 0).
    let scenario = small();
    let report = enumerate(
        "fenced-and-protected",
        Menu::default_for(&scenario),
        2,
        2,
        true,
    );
    assert_eq!(report.end, ExhaustEnd::Completed);
    assert_eq!(report.complete_up_to, Some(2));
    assert!(report.broken.is_empty());
    for id in InvariantId::ALL {
        assert!(
            report.holds(id),
            "{id}: {:?}",
            report.counterexamples.get(&id).map(|c| &c.faults)
        );
    }
    assert_eq!(counts(&report)[0..2], [1, 261]);
    assert!(report.ran() > 30_000, "{}", report.ran());
}

#[test]
fn every_noise_seed_finishes_a_level_before_the_next_level_starts() {
    // So a counterexample with k faults on one seed comes after every schedule of fewer
    // faults on every seed: minimal over all of them.
    let scenario = small();
    let spec = ExhaustSpec {
        scenario: scenario.clone(),
        design: design("original"),
        menu: menu(&scenario, &["burst"]),
        max_faults: 2,
        noise_seeds: SeedRange { start: 5, end: 7 },
        stop_when_all_violated: false,
    };
    let report = exhaust(&spec, &SweepOptions::new(2), &mut |_, _, _, _| {});
    let order: Vec<(u32, u64)> = report
        .levels
        .iter()
        .map(|l| (l.faults, l.noise_seed))
        .collect();
    assert_eq!(order, vec![(0, 5), (0, 6), (1, 5), (1, 6), (2, 5), (2, 6)]);
    assert_eq!(report.ran(), 2 * (1 + 3 + 3));
}

/// An enumeration that stops because every invariant is violated stops itself, not its
/// caller: the caller's stop flag (its Ctrl-C) stays down, so `bench`'s next figure, the
/// verdict of `fenced-and-protected`, still runs. (It did not: the flag was shared, and the
/// next figure read "0 schedules ran, interrupted".)
#[test]
fn finding_every_violation_does_not_stop_the_caller() {
    let scenario = small();
    let spec = ExhaustSpec {
        scenario: scenario.clone(),
        design: design("original"),
        menu: Menu::default_for(&scenario),
        max_faults: 2,
        noise_seeds: SeedRange { start: 0, end: 1 },
        stop_when_all_violated: true,
    };
    let options = SweepOptions::new(2);
    let report = exhaust(&spec, &options, &mut |_, _, _, _| {});
    assert_eq!(report.end, ExhaustEnd::AllViolated);
    assert!(
        !options.stop.load(std::sync::atomic::Ordering::SeqCst),
        "the caller's stop flag stays down"
    );
}

/// The caller's stop flag still stops an enumeration (Ctrl-C).
#[test]
fn the_callers_stop_flag_stops_the_enumeration() {
    let scenario = small();
    let spec = ExhaustSpec {
        scenario: scenario.clone(),
        design: design("fenced-and-protected"),
        menu: Menu::default_for(&scenario),
        max_faults: 2,
        noise_seeds: SeedRange { start: 0, end: 1 },
        stop_when_all_violated: false,
    };
    let options = SweepOptions::new(2);
    options
        .stop
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let report = exhaust(&spec, &options, &mut |_, _, _, _| {});
    assert_eq!(report.end, ExhaustEnd::Interrupted);
}

/// A partial enumeration claims "holds for all N schedules with at most K faults" over its
/// complete levels only: the schedules it counts as reaching each coverage mark are among
/// those N, not some of the level it stopped in (it once printed 1315 reached of 262).
#[test]
fn a_partial_enumeration_counts_reached_over_its_complete_levels_only() {
    let scenario = small();
    let spec = |max_faults| ExhaustSpec {
        scenario: scenario.clone(),
        design: design("fenced-and-protected"),
        menu: Menu::default_for(&scenario),
        max_faults,
        noise_seeds: SeedRange { start: 0, end: 1 },
        stop_when_all_violated: false,
    };
    let one = exhaust(&spec(1), &SweepOptions::new(2), &mut |_, _, _, _| {});
    assert_eq!(one.end, ExhaustEnd::Completed);
    // Stopped part-way through the level of two faults, as Ctrl-C or a budget stops it.
    let options = SweepOptions::new(2);
    let stop = options.stop.clone();
    let partial = exhaust(&spec(2), &options, &mut |_, faults, ran, _| {
        if faults == 2 && ran >= 1000 {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    assert_eq!(partial.end, ExhaustEnd::Interrupted);
    assert_eq!(partial.complete_up_to, Some(1));
    let last = partial.levels.last().unwrap();
    assert!(
        last.faults == 2 && last.ran > 0 && last.ran < last.schedules,
        "{last:?}"
    );
    for id in InvariantId::ALL {
        assert_eq!(partial.reached(id), one.reached(id), "{id}");
    }
}
