//! The fault strategies: each replays exactly, each makes the choices it claims, and the
//! default one finds every violation of the original design on the realistic scenario
//! within a small budget, while none finds one in `fenced-and-protected`.

use std::collections::BTreeSet;

use dnsim::compare::{compare_strategies, render_text};
use dnsim::coverage::Mark;
use dnsim::strategy::{DelayAt, DEFAULT_DEPTH, SWARM_FACTOR};
use dnsim::{
    FaultSource, InvariantId, Outcome, RunSpec, Scenario, SeedFile, Strategy, StrategyChoices,
};
use dnsim_model::{EndpointId, Fault, FaultKind, Step};
use dnsim_tests::{design, realistic};

/// Seeds to replay: enough to meet faults of every kind in every strategy.
const SEEDS: [u64; 4] = [0, 1, 6, 42];

/// The budget in which the default strategy must find every violation of `original` on
/// the realistic scenario. Measured: `swarm` finds all four by seed 11; over 30 trials of
/// up to 500 seeds, the 90th percentile of seeds to the last of them was 112. `uniform`
/// needs thousands (it met `endpoint_resolves` once in 14,587 seeds).
const DEFAULT_BUDGET: &str = "0..200";

fn run_with(scenario: &Scenario, variant: &str, strategy: Strategy, seed: u64) -> Outcome {
    let mut spec = RunSpec::seeded(scenario, design(variant), seed).with_strategy(strategy);
    spec.trace.keep = true;
    dnsim::run(&spec)
}

#[test]
fn each_strategy_gives_the_same_run_for_the_same_seed() {
    let scenario = realistic();
    for strategy in Strategy::ALL {
        for seed in SEEDS {
            let first = run_with(&scenario, "original", strategy, seed);
            let second = run_with(&scenario, "original", strategy, seed);
            assert_eq!(
                first.trace_hash, second.trace_hash,
                "{strategy}, seed {seed}"
            );
            assert_eq!(first.trace, second.trace, "{strategy}, seed {seed}");
            assert_eq!(first.faults, second.faults, "{strategy}, seed {seed}");
            assert_eq!(first.choices, second.choices, "{strategy}, seed {seed}");
            assert_eq!(first.strategy, strategy);
        }
    }
}

#[test]
fn each_strategy_replays_exactly_from_its_recorded_fault_schedule() {
    let scenario = realistic();
    for strategy in Strategy::ALL {
        for seed in SEEDS {
            let seeded = run_with(&scenario, "original", strategy, seed);
            assert!(
                !seeded.faults.is_empty(),
                "{strategy}, seed {seed}: no faults"
            );
            let mut spec = RunSpec::seeded(&scenario, design("original"), seed)
                .with_strategy(Strategy::Uniform);
            spec.faults = FaultSource::Scripted(seeded.faults.clone());
            spec.trace.keep = true;
            let scripted = dnsim::run(&spec);
            assert_eq!(scripted.trace, seeded.trace, "{strategy}, seed {seed}");
            assert_eq!(
                scripted.trace_hash, seeded.trace_hash,
                "{strategy}, seed {seed}"
            );
            assert_eq!(scripted.faults, seeded.faults, "{strategy}, seed {seed}");
            assert_eq!(scripted.choices, StrategyChoices::Scripted);
        }
    }
}

#[test]
fn the_strategy_decides_the_faults_of_a_seed() {
    // The same seed under three strategies: three different runs (so the replay tests
    // above would notice a strategy that was silently ignored).
    let scenario = realistic();
    let hashes: BTreeSet<u64> = Strategy::ALL
        .iter()
        .map(|&strategy| run_with(&scenario, "original", strategy, 1).trace_hash)
        .collect();
    assert_eq!(hashes.len(), Strategy::ALL.len());
    // `RunSpec::seeded` uses the CLI's default strategy, swarm: a seed behaves in a user's
    // test as `dnsim hunt` ran it.
    let plain = dnsim::run(&RunSpec::seeded(&scenario, design("original"), 1));
    assert_eq!(plain.strategy, Strategy::Swarm);
    assert!(matches!(plain.choices, StrategyChoices::Swarm { .. }));
}

fn swarm_mix(outcome: &Outcome) -> Vec<dnsim::strategy::SwarmKind> {
    match &outcome.choices {
        StrategyChoices::Swarm { mix } => mix.clone(),
        other => panic!("not a swarm run: {other}"),
    }
}

#[test]
fn the_swarm_mix_differs_between_seeds_and_governs_the_faults() {
    let scenario = realistic();
    let rates = &scenario.faults;
    let mut patterns = BTreeSet::new();
    let mut on = BTreeSet::new();
    let mut off = BTreeSet::new();
    let mut mixes = Vec::new();
    for seed in 0..20 {
        let outcome = run_with(&scenario, "original", Strategy::Swarm, seed);
        let mix = swarm_mix(&outcome);
        assert_eq!(mix.len(), 6, "one entry per fault kind");
        let shown = outcome.choices.to_string();
        for entry in &mix {
            let base = match entry.kind {
                FaultKind::Delay => rates.api_delay.probability,
                FaultKind::ApiError => rates.api_error.probability,
                FaultKind::LockHeld => rates.lock_held.probability,
                FaultKind::Stall => rates.stall.probability,
                FaultKind::Crash => rates.crash.probability,
                FaultKind::Burst => rates.burst.probability,
            };
            match entry.factor {
                Some(factor) => {
                    on.insert(entry.kind);
                    assert!(
                        (SWARM_FACTOR[0]..=SWARM_FACTOR[1]).contains(&factor),
                        "seed {seed}: {factor}"
                    );
                    let expected = (base * factor).min(1.0);
                    assert!((entry.probability - expected).abs() < 1e-12, "seed {seed}");
                }
                None => {
                    off.insert(entry.kind);
                    assert_eq!(entry.probability, 0.0);
                    // A kind that is off never strikes.
                    let struck = outcome
                        .faults
                        .0
                        .iter()
                        .find(|f| f.fault.kind() == entry.kind);
                    assert!(
                        struck.is_none(),
                        "seed {seed}: {:?} is off but {struck:?}",
                        entry.kind
                    );
                }
            }
        }
        assert!(shown.starts_with("swarm mix: api-delay"), "{shown}");
        patterns.insert(mix.iter().map(|e| e.factor.is_some()).collect::<Vec<_>>());
        mixes.push(format!("{mix:?}"));
    }
    // Every seed draws its own mix: no two alike, many on/off patterns, every kind both on
    // in some seed and off in another.
    let distinct: BTreeSet<&String> = mixes.iter().collect();
    assert_eq!(distinct.len(), mixes.len());
    assert!(
        patterns.len() >= 10,
        "only {} on/off patterns",
        patterns.len()
    );
    assert_eq!(on.len(), 6, "kinds ever on: {on:?}");
    assert_eq!(off.len(), 6, "kinds ever off: {off:?}");
}

#[test]
fn bounded_delay_never_stalls_more_than_depth_points() {
    let scenario = realistic();
    let mut struck_any = 0;
    for depth in 1..=4 {
        let mut most_stalls = 0;
        for seed in 0..60 {
            let outcome = run_with(
                &scenario,
                "original",
                Strategy::BoundedDelay { depth },
                seed,
            );
            let StrategyChoices::BoundedDelay { depth: d, points } = &outcome.choices else {
                panic!("not a bounded-delay run: {}", outcome.choices);
            };
            assert_eq!(*d, depth);
            assert!(points.len() <= depth as usize, "seed {seed}: {points:?}");
            let stalls: Vec<_> = outcome
                .faults
                .0
                .iter()
                .filter(|f| f.fault.kind() == FaultKind::Stall)
                .collect();
            assert!(
                stalls.len() <= depth as usize,
                "seed {seed}, depth {depth}: {stalls:?}"
            );
            most_stalls = most_stalls.max(stalls.len());
            // Every stall is one of the chosen points, at the place the point names.
            let struck: Vec<_> = points
                .iter()
                .filter_map(|p| p.struck_at.map(|s| (p, s)))
                .collect();
            assert_eq!(struck.len(), stalls.len(), "seed {seed}");
            for (point, site) in struck {
                let stall = stalls
                    .iter()
                    .find(|f| f.at == site)
                    .expect("a stall at the point");
                let Fault::Stall { ms } = stall.fault else {
                    unreachable!()
                };
                assert!(
                    ms <= point.ms,
                    "seed {seed}: stall {ms}ms, point {}ms",
                    point.ms
                );
                assert_eq!(site.actor.to_string(), format!("enactor-{}", point.enactor));
                assert_eq!(site.attempt, 1);
                match point.at {
                    DelayAt::Write { endpoint } => {
                        assert_eq!(site.step, Step::Apply(EndpointId(endpoint)))
                    }
                    DelayAt::Cleanup => assert_eq!(site.step, Step::Cleanup(EndpointId::REGIONAL)),
                }
                struck_any += 1;
            }
        }
        assert!(most_stalls >= 1, "depth {depth}: no seed ever stalled");
    }
    assert!(struck_any > 50, "only {struck_any} points struck");
}

#[test]
fn the_default_strategy_finds_every_violation_of_the_original_design_on_the_realistic_scenario() {
    let scenario = realistic();
    let seeds: dnsim::SeedRange = DEFAULT_BUDGET.parse().unwrap();
    let found = |strategy: Strategy| -> BTreeSet<InvariantId> {
        let scenario = scenario.clone();
        let outcomes = dnsim::sweep::run_seeds(seeds, 2, move |seed| {
            let spec = RunSpec::seeded(&scenario, design("original"), seed).with_strategy(strategy);
            dnsim::run(&spec).violations
        });
        outcomes
            .into_iter()
            .flatten()
            .map(|v| v.invariant)
            .collect()
    };
    let by_default = found(Strategy::default());
    for invariant in InvariantId::ALL {
        assert!(
            by_default.contains(&invariant),
            "{} did not violate {invariant} within seeds {seeds}",
            Strategy::default()
        );
    }
    // The scenario keeps the race rare for uniform faults: in the same seeds they never
    // delete a live tree.
    let by_uniform = found(Strategy::Uniform);
    assert!(
        !by_uniform.contains(&InvariantId::EndpointResolves),
        "{by_uniform:?}"
    );
}

#[test]
fn no_strategy_finds_a_violation_of_fenced_and_protected() {
    let scenario = realistic();
    let mut cleanup_races = Vec::new();
    for strategy in Strategy::ALL {
        let scenario = scenario.clone();
        let outcomes = dnsim::sweep::run_seeds("0..300".parse().unwrap(), 2, move |seed| {
            let spec = RunSpec::seeded(&scenario, design("fenced-and-protected"), seed)
                .with_strategy(strategy);
            let outcome = dnsim::run(&spec);
            (seed, outcome.violations, outcome.coverage)
        });
        let mut stale_writes = 0;
        let mut cleanup_race = 0;
        for (seed, violations, coverage) in outcomes {
            assert!(
                violations.is_empty(),
                "{strategy}, seed {seed}: {violations:?}"
            );
            stale_writes += usize::from(coverage.contains(&Mark::StaleBatchSubmitted));
            cleanup_race += usize::from(coverage.contains(&Mark::CleanupChoseTreeInFlight));
        }
        // It held under fire: under every strategy, stale batches reached Route 53 (and were
        // refused by the fence) in some seeds (measured: uniform 44, swarm 64, bounded-delay
        // 12 of 300).
        assert!(
            stale_writes >= 10,
            "{strategy}: {stale_writes} stale writes"
        );
        cleanup_races.push((strategy, cleanup_race));
    }
    // And the strategies make clean-up choose a plan still in an enactor's hands far more
    // often than uniform faults do (measured: uniform 1 seed, swarm 22, bounded-delay 65, of
    // 300).
    let uniform = cleanup_races[0].1;
    for &(strategy, races) in &cleanup_races[1..] {
        assert!(
            races >= 10 && races >= 5 * uniform,
            "{strategy}: clean-up raced a stale enactor in {races} seeds, uniform in {uniform}"
        );
    }
}

#[test]
fn the_default_strategy_meets_rollback_target_exists_ten_times_sooner_than_uniform() {
    // Measured here: medians of 118 seeds (uniform), 7 (swarm) and 2 (bounded-delay); on
    // 30 trials of up to 500 seeds, 90, 5 and 3 (see `Strategy::default`).
    let report = compare_strategies(&realistic(), design("original"), 7, 200, 2);
    let strategies: Vec<Strategy> = report.rows.iter().map(|row| row.strategy).collect();
    assert_eq!(strategies, Strategy::ALL);
    let median = |strategy: Strategy| {
        let stats = report
            .row(strategy)
            .unwrap()
            .stats(InvariantId::RollbackTargetExists);
        // Over the cap counts as the cap: a lower bound on uniform's median.
        stats.median.unwrap_or(report.seeds_per_trial_cap + 1)
    };
    let uniform = median(Strategy::Uniform);
    let best = median(Strategy::default());
    let text = render_text(&report);
    assert!(
        best * 10 <= uniform,
        "default {best} vs uniform {uniform}\n{text}"
    );
    for strategy in Strategy::ALL {
        assert!(
            text.contains(&format!("{strategy:<15} rollback_target_exists")),
            "{text}"
        );
    }
}

#[test]
fn a_run_found_by_any_strategy_saves_and_replays_with_its_strategy() {
    let scenario = realistic();
    let outcome = run_with(&scenario, "original", Strategy::default(), 6);
    let invariant = InvariantId::RollbackTargetExists;
    assert!(
        outcome.violated(invariant),
        "seed 6 no longer violates {invariant}"
    );
    let file = SeedFile::from_outcome(&outcome, "realistic", invariant);
    assert!(
        file.replay_command(std::path::Path::new("x.toml"))
            .contains("--strategy swarm"),
        "{}",
        file.replay_command(std::path::Path::new("x.toml"))
    );
    let loaded: SeedFile = toml::from_str(&file.to_toml()).unwrap();
    assert_eq!(loaded, file);
    let spec = RunSpec::seeded(&scenario, design(&loaded.variant), loaded.seed)
        .with_strategy(loaded.strategy);
    assert_eq!(
        format!("{:016x}", dnsim::run(&spec).trace_hash),
        loaded.trace_hash
    );
    // Files saved before strategies existed say nothing, and are `uniform`.
    let without: String = file
        .to_toml()
        .lines()
        .filter(|line| !line.starts_with("strategy = "))
        .map(|line| format!("{line}\n"))
        .collect();
    let old: SeedFile = toml::from_str(&without).unwrap();
    assert_eq!(old.strategy, Strategy::Uniform);
}

#[test]
fn strategy_names_round_trip() {
    for strategy in Strategy::ALL
        .into_iter()
        .chain([Strategy::BoundedDelay { depth: 5 }])
    {
        let name = strategy.to_string();
        assert_eq!(name.parse::<Strategy>(), Ok(strategy));
    }
    assert_eq!(
        "bounded-delay".parse(),
        Ok(Strategy::BoundedDelay {
            depth: DEFAULT_DEPTH
        })
    );
    let error = "pct".parse::<Strategy>().unwrap_err();
    assert!(error.contains("uniform, swarm, bounded-delay"), "{error}");
    for depth in ["0", "17", "x"] {
        let error = format!("bounded-delay:{depth}")
            .parse::<Strategy>()
            .unwrap_err();
        assert!(
            error.contains("bounded-delay's depth must be a whole number from 1 to 16"),
            "{error}"
        );
    }
}

#[test]
fn a_comparison_does_not_depend_on_the_number_of_jobs() {
    let scenario = realistic();
    let one = compare_strategies(&scenario, design("original"), 2, 30, 1);
    let two = compare_strategies(&scenario, design("original"), 2, 30, 2);
    for (a, b) in one.rows.iter().zip(&two.rows) {
        assert_eq!(a.strategy, b.strategy);
        assert_eq!(a.seeds_run, b.seeds_run, "{}", a.strategy);
        assert_eq!(a.invariants, b.invariants, "{}", a.strategy);
    }
    // Trial t starts at seed t * 1,000,000: the first trial of uniform is seeds 0.., so
    // its first violation is the hunt's.
    let first = one.rows[0]
        .stats(InvariantId::NoStaleOverwrite)
        .seeds_to_first[0];
    let hunt = dnsim::hunt(
        &scenario,
        design("original"),
        dnsim::strategy::Strategy::Uniform,
        "0..30".parse().unwrap(),
        1,
    );
    let first_seed = hunt.summary.first_seed(InvariantId::NoStaleOverwrite);
    assert_eq!(first, first_seed.map(|seed| seed + 1));
}
