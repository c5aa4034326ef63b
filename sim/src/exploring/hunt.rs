//! Sweeps: run every seed in a range and collect the violations.

use std::sync::Arc;
use std::time::Instant;

use dnsim_model::Design;
use serde::{Deserialize, Serialize};

use crate::checking::coverage::Mark;
use crate::checking::invariants::InvariantId;
pub use crate::exploring::memory::peak_rss_kib;
use crate::exploring::strategy::Strategy;
pub use crate::exploring::sweep::SeedRange;
use crate::exploring::sweep::{sweep, SeedResult, Seeds, Shard, SweepEnd, SweepOptions};
use crate::running::run::{run, Outcome, RunSpec};
use crate::running::scenario::Scenario;

/// One violation found by a sweep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundViolation {
    /// The seed.
    pub seed: u64,
    /// The invariant it violated.
    pub invariant: InvariantId,
    /// When, in simulated ms since the run began.
    pub sim_time_ms: u64,
    /// What was seen.
    pub message: String,
    /// How long the seed's run hurt (see [`crate::measures`]).
    #[serde(default)]
    pub measures: crate::checking::measures::Measures,
}

/// A seed whose run did not finish: it panicked (`crash`) or overran a time limit (`hang`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The seed.
    pub seed: u64,
    /// Crash or hang.
    pub kind: FailureKind,
    /// The panic's message, or why it was deemed hung.
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// How a seed failed to finish.
pub enum FailureKind {
    /// It panicked.
    Crash,
    /// It overran its simulated-time limit or the wall-clock watchdog.
    Hang,
}

/// The first few of `failures` (seeds of `variant` run under `strategy` on the scenario
/// given as `scenario_arg`), as lines under a table: what each failed with, and the command
/// that replays it.
pub fn failures_text(
    failures: &[Failure],
    scenario_arg: &str,
    variant: &str,
    strategy: Strategy,
) -> String {
    let mut out = String::new();
    for failure in failures.iter().take(5) {
        let what = match failure.kind {
            FailureKind::Crash => "crashed",
            FailureKind::Hang => "hung",
        };
        let first_line = failure.message.lines().next().unwrap_or("");
        out.push_str(&format!("  seed {} {what}: {first_line}\n", failure.seed));
        out.push_str(&format!(
            "    MADSIM_TEST_SEED={} dnsim replay --scenario {scenario_arg} --variant {variant} --strategy {strategy} --watchdog 10m\n",
            failure.seed
        ));
    }
    if failures.len() > 5 {
        out.push_str(&format!("  and {} more (see --json)\n", failures.len() - 5));
    }
    out
}

/// What a sweep found of one invariant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// The invariant.
    pub invariant: InvariantId,
    /// Seeds that violated it.
    pub seeds: u64,
    /// The lowest seed that violated it.
    pub first_seed: Option<u64>,
    /// Wall time from the start of the process to the report of its first violation.
    pub first_found_ms: Option<f64>,
    /// Seeds that reached its coverage mark (the situation that puts it to the test): with
    /// no violation, fewer than 30 make "held" vacuous. `None` (absent from the JSON) in a
    /// report from a dnsim that did not count them, or a merge with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached: Option<u64>,
}

/// What a hunt found, in counts: it takes the same memory for 10 seeds or 10 million.
/// The violations themselves are streamed to the caller as they are found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HuntSummary {
    /// The scenario's name.
    pub scenario: String,
    /// A digest of the scenario's settings: shards of one hunt ran the same scenario, even
    /// if two files share a name.
    pub scenario_digest: String,
    /// The design's label.
    pub variant: String,
    /// How each seed chose its faults.
    pub strategy: Strategy,
    /// The seed range.
    pub seeds: SeedRange,
    /// The shard of it run, if any.
    pub shard: Option<Shard>,
    /// Seeds that ran (fewer than the range's when stopped early).
    pub seeds_run: u64,
    /// Seeds that violated some invariant, crashed or hung.
    pub failing_seeds: u64,
    /// One tally per invariant.
    pub tallies: Vec<Tally>,
    /// Seeds that crashed or hung (rare; kept in full).
    pub failures: Vec<Failure>,
    /// Simulated events (timer wake-ups) over all seeds.
    pub events: u64,
    /// Trace entries over all seeds: the steps actors took, the faults and the violations
    /// (what the events did). `None` (absent from the JSON) when unknown: a report written
    /// before dnsim counted them, or a merge of shards one of which is such a report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_entries: Option<u64>,
    /// Wall time of the sweep (not deterministic).
    pub wall_ms: f64,
    /// Seeds per second of wall time.
    pub seeds_per_sec: f64,
    /// Simulated events per second of wall time.
    pub events_per_sec: f64,
    /// Whether every seed ran, or the sweep stopped early (time budget, Ctrl-C).
    pub end: SweepEnd,
    /// Peak resident memory of the process (Linux), in KiB.
    pub peak_rss_kib: Option<u64>,
}

impl HuntSummary {
    /// The tally of `invariant`.
    pub fn tally(&self, invariant: InvariantId) -> &Tally {
        self.tallies
            .iter()
            .find(|t| t.invariant == invariant)
            .expect("a tally per invariant")
    }

    /// The first seed (lowest) that violated `invariant`, if any.
    pub fn first_seed(&self, invariant: InvariantId) -> Option<u64> {
        self.tally(invariant).first_seed
    }

    /// How many seeds violated `invariant`.
    pub fn seeds_violating(&self, invariant: InvariantId) -> u64 {
        self.tally(invariant).seeds
    }

    /// Whether anything failed: a violation, a crash or a hang.
    pub fn found_anything(&self) -> bool {
        self.failing_seeds > 0
    }
}

/// A full hunt report: the summary and every violation (what `hunt --json` prints and
/// `dnsim merge` reads).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HuntReport {
    /// Every violation, in seed order.
    pub violations: Vec<FoundViolation>,
    #[serde(flatten)]
    /// The counts.
    pub summary: HuntSummary,
}

/// How to hunt.
pub struct HuntOptions {
    /// The seeds to run.
    pub seeds: Seeds,
    /// How each seed chooses its faults.
    pub strategy: Strategy,
    /// Jobs, watchdog, stop flag, time budget and clock.
    pub sweep: SweepOptions,
    /// Wall-clock origin for `first_found_ms` (the process start, for the CLI).
    pub started: Instant,
}

/// Runs every seed of `options.seeds`, calling `on_seed` with every seed's outcome (or
/// failure) in seed order as the sweep goes, and `on_tick` about ten times a second.
pub fn hunt_with(
    scenario: &Scenario,
    design: &'static dyn Design,
    options: &HuntOptions,
    mut on_seed: impl FnMut(&HuntSummary, u64, &SeedResult<Outcome>),
    mut on_tick: impl FnMut(&HuntSummary),
) -> HuntSummary {
    let began = Instant::now();
    let mut summary = HuntSummary {
        scenario: scenario.name.clone(),
        scenario_digest: scenario.digest(),
        variant: dnsim_model::designs::label(design),
        strategy: options.strategy,
        seeds: options.seeds.range,
        shard: options.seeds.shard,
        seeds_run: 0,
        failing_seeds: 0,
        tallies: InvariantId::ALL
            .into_iter()
            .map(|invariant| Tally {
                invariant,
                seeds: 0,
                first_seed: None,
                first_found_ms: None,
                reached: Some(0),
            })
            .collect(),
        failures: Vec::new(),
        events: 0,
        trace_entries: Some(0),
        wall_ms: 0.0,
        seeds_per_sec: 0.0,
        events_per_sec: 0.0,
        end: SweepEnd::Completed,
        peak_rss_kib: None,
    };
    let scenario = Arc::new(scenario.clone());
    let strategy = options.strategy;
    let run_one =
        Arc::new(
            move |seed| run(&RunSpec::seeded(&scenario, design, seed).with_strategy(strategy)),
        );
    let summary_cell = std::cell::RefCell::new(&mut summary);
    let end = sweep(
        options.seeds,
        &options.sweep,
        run_one,
        |seed, result| {
            let mut summary = summary_cell.borrow_mut();
            summary.seeds_run += 1;
            match &result {
                SeedResult::Done(outcome) => {
                    summary.events += outcome.events;
                    let entries = summary
                        .trace_entries
                        .as_mut()
                        .expect("counted from the start");
                    *entries += outcome.trace_entries;
                    summary.failing_seeds += u64::from(!outcome.violations.is_empty());
                    for tally in &mut summary.tallies {
                        if outcome.coverage.contains(&Mark::of(tally.invariant)) {
                            *tally.reached.as_mut().expect("counted from the start") += 1;
                        }
                    }
                    for violation in &outcome.violations {
                        let tally = summary
                            .tallies
                            .iter_mut()
                            .find(|t| t.invariant == violation.invariant)
                            .expect("a tally per invariant");
                        tally.seeds += 1;
                        if tally.first_seed.is_none() {
                            tally.first_seed = Some(seed);
                            tally.first_found_ms =
                                Some(options.started.elapsed().as_secs_f64() * 1e3);
                        }
                    }
                }
                SeedResult::Crashed { message } => {
                    summary.failing_seeds += 1;
                    summary.failures.push(Failure {
                        seed,
                        kind: FailureKind::Crash,
                        message: message.clone(),
                    });
                }
                SeedResult::Hung { reason } => {
                    summary.failing_seeds += 1;
                    summary.failures.push(Failure {
                        seed,
                        kind: FailureKind::Hang,
                        message: reason.clone(),
                    });
                }
            }
            on_seed(&summary, seed, &result);
        },
        || on_tick(&summary_cell.borrow()),
    );
    let wall = began.elapsed().as_secs_f64();
    summary.end = end;
    summary.wall_ms = wall * 1e3;
    summary.seeds_per_sec = summary.seeds_run as f64 / wall.max(1e-9);
    summary.events_per_sec = summary.events as f64 / wall.max(1e-9);
    summary.peak_rss_kib = peak_rss_kib();
    summary
}

/// Runs every seed of `seeds` on `jobs` threads and keeps every violation: for library
/// callers and tests (the CLI streams them instead). The report does not depend on `jobs`.
pub fn hunt(
    scenario: &Scenario,
    design: &'static dyn Design,
    strategy: Strategy,
    seeds: SeedRange,
    jobs: usize,
) -> HuntReport {
    let options = HuntOptions {
        seeds: Seeds::all(seeds),
        strategy,
        sweep: SweepOptions::new(jobs),
        started: Instant::now(),
    };
    let mut violations = Vec::new();
    let summary = hunt_with(
        scenario,
        design,
        &options,
        |_, seed, result| {
            if let SeedResult::Done(outcome) = result {
                violations.extend(outcome.violations.iter().map(|v| FoundViolation {
                    seed,
                    invariant: v.invariant,
                    sim_time_ms: v.sim_time_ms,
                    message: v.message.clone(),
                    measures: outcome.measures,
                }));
            }
        },
        |_| {},
    );
    HuntReport {
        violations,
        summary,
    }
}
