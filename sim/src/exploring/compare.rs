//! Which strategy finds each violation in the fewest seeds: the strategies measured
//! against each other on one scenario and design.
//!
//! A strategy is only as good as the seeds it saves, so the measure is the one an engineer
//! feels: start a hunt, and count the seeds run until the first violation of each
//! invariant. One hunt is one sample of a heavy-tailed number, so [`compare_strategies`]
//! runs `trials` independent hunts per strategy, trial t starting at seed t * 1,000,000
//! (far enough apart that no two trials share a seed), each until every invariant has
//! been violated or `seeds_per_trial_cap` seeds have run. It reports, per strategy and
//! invariant, the median and 90th percentile of seeds to the first violation (a trial that
//! reached the cap counts as "more than the cap", so a percentile that lands on one is
//! shown as `> cap`), and the fraction of all seeds run that violated it.
//!
//! Percentiles are nearest-rank: the p-th percentile of T values is the ceil(p * T)-th
//! smallest. The fraction is over the seeds each trial ran before it stopped; a trial
//! stops right after its last first violation, so the fraction of the invariant found last
//! leans slightly high. Everything but the wall times is deterministic: the same call gives
//! the same report whatever `jobs` is.
//!
//! [`compare_with`] stops cleanly on Ctrl-C or at a time budget, mid-trial too: the trials
//! that finished are the rows; the trial stopped part-way is not counted in them (its
//! "not found yet" is not "more than the cap"), and the report names it as
//! [`StoppedTrial`], partial.

use std::fmt::Write as _;
use std::time::Instant;

use dnsim_model::Design;
use serde::{Deserialize, Serialize};

use crate::checking::invariants::InvariantId;
use crate::exploring::hunt::{failures_text, Failure, FailureKind, SeedRange};
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{
    budget_left, run_shard_results_until, SeedResult, Seeds, SweepEnd, SweepOptions,
};
use crate::reporting::plural;
use crate::running::run::{run, RunSpec};
use crate::running::scenario::Scenario;

/// How far apart the trials' starting seeds are.
pub const TRIAL_STRIDE: u64 = 1_000_000;

/// Seeds to a first violation: how many seeds a trial ran up to and including the first
/// seed that violated the invariant, or `None` if it reached the cap first.
pub type SeedsToFirst = Option<u64>;

/// One strategy against one invariant, over every trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvariantStats {
    /// The invariant.
    pub invariant: InvariantId,
    /// Per trial, in trial order.
    pub seeds_to_first: Vec<SeedsToFirst>,
    /// Median of `seeds_to_first` (`None`: more than the cap).
    pub median: SeedsToFirst,
    /// 90th percentile of `seeds_to_first` (`None`: more than the cap).
    pub p90: SeedsToFirst,
    /// Seeds that violated the invariant, over every seed the trials ran.
    pub violating_seeds: u64,
    /// `violating_seeds` over every seed the trials ran.
    pub rate: f64,
}

impl InvariantStats {
    /// Trials that found a violation within the cap.
    pub fn trials_found(&self) -> usize {
        self.seeds_to_first.iter().filter(|s| s.is_some()).count()
    }
}

/// One strategy, every invariant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyRow {
    /// The strategy.
    pub strategy: Strategy,
    /// Seeds run over every trial.
    pub seeds_run: u64,
    /// Wall time of every trial of this strategy (not deterministic).
    pub wall_ms: f64,
    /// One per invariant, in [`InvariantId::ALL`]'s order.
    pub invariants: Vec<InvariantStats>,
    /// Seeds that crashed or hung (a bug in the model or the harness, or a seed slower than
    /// the watchdog): counted as run, violating nothing, so the row's numbers may be off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
}

impl StrategyRow {
    /// The stats of `invariant`.
    pub fn stats(&self, invariant: InvariantId) -> &InvariantStats {
        self.invariants
            .iter()
            .find(|s| s.invariant == invariant)
            .expect("every invariant has stats")
    }

    /// Wall time per seed on this run's `jobs` threads, in milliseconds.
    pub fn ms_per_seed(&self) -> f64 {
        self.wall_ms / self.seeds_run.max(1) as f64
    }
}

/// Every strategy of [`Strategy::ALL`] on one scenario and design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyReport {
    /// The scenario's name.
    pub scenario: String,
    /// The design's label (its name, with any parameters).
    pub variant: String,
    /// Trials asked for, per strategy.
    pub trials: u32,
    /// The most seeds a trial runs.
    pub seeds_per_trial_cap: u64,
    /// Worker threads used (the results do not depend on it).
    pub jobs: usize,
    /// One row per strategy reached, in the order given.
    pub rows: Vec<StrategyRow>,
    /// How the comparison ended; when stopped early, a row may hold fewer trials than
    /// `trials`, and strategies not reached have no row.
    #[serde(default = "completed")]
    pub end: SweepEnd,
    /// The trial the stop interrupted part-way, if any (not counted in any row).
    #[serde(default)]
    pub stopped_trial: Option<StoppedTrial>,
}

/// A trial stopped part-way (Ctrl-C, time budget): partial, so not counted in the rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoppedTrial {
    /// The strategy it measured.
    pub strategy: Strategy,
    /// Its index (0-based; it started at seed `trial * TRIAL_STRIDE`).
    pub trial: u64,
    /// The seeds it ran before the stop.
    pub seeds_run: u64,
}

fn completed() -> SweepEnd {
    SweepEnd::Completed
}

impl StrategyReport {
    /// The row of `strategy`, if it was reached.
    pub fn row(&self, strategy: Strategy) -> Option<&StrategyRow> {
        self.rows.iter().find(|row| row.strategy == strategy)
    }
}

/// What one trial found: seeds to the first violation of each invariant, and how many
/// seeds violated each, over the seeds the trial ran.
struct Trial {
    seeds_run: u64,
    first: [SeedsToFirst; InvariantId::ALL.len()],
    violating: [u64; InvariantId::ALL.len()],
    failures: Vec<Failure>,
}

/// Runs one trial: a hunt from `start` until every invariant is violated or `cap` seeds
/// have run, or the sweep is stopped (Ctrl-C, the time budget begun at `began`). Seeds run
/// in chunks on `options.jobs` threads; results are taken in seed order, so the trial's
/// result does not depend on `jobs` (a chunk may run a few seeds past the stopping point;
/// they are not counted). Returns how the trial ended: anything but `Completed` means it
/// was stopped part-way.
fn trial(
    scenario: &Scenario,
    design: &'static dyn Design,
    strategy: Strategy,
    start: u64,
    cap: u64,
    options: &SweepOptions,
    began: std::time::Duration,
) -> (Trial, SweepEnd) {
    let chunk = (options.jobs as u64 * 8).max(8);
    let mut result = Trial {
        seeds_run: 0,
        first: [None; InvariantId::ALL.len()],
        violating: [0; InvariantId::ALL.len()],
        failures: Vec::new(),
    };
    while result.seeds_run < cap && result.first.iter().any(Option::is_none) {
        let Some(these) = budget_left(options, began) else {
            return (result, SweepEnd::TimeBudget);
        };
        let from = start + result.seeds_run;
        let seeds = SeedRange {
            start: from,
            end: from + chunk.min(cap - result.seeds_run),
        };
        let scenario = scenario.clone();
        let (violated, end) = run_shard_results_until(
            Seeds::all(seeds),
            &these,
            move |seed| {
                let outcome =
                    run(&RunSpec::seeded(&scenario, design, seed).with_strategy(strategy));
                InvariantId::ALL.map(|id| outcome.violated(id))
            },
            |_| {},
        );
        for (seed, violated) in violated {
            // A seed that did not finish violated nothing that counts; it is told.
            let violated = match violated {
                SeedResult::Done(violated) => violated,
                SeedResult::Crashed { message } => {
                    let kind = FailureKind::Crash;
                    result.failures.push(Failure {
                        seed,
                        kind,
                        message,
                    });
                    [false; InvariantId::ALL.len()]
                }
                SeedResult::Hung { reason } => {
                    let (kind, message) = (FailureKind::Hang, reason);
                    result.failures.push(Failure {
                        seed,
                        kind,
                        message,
                    });
                    [false; InvariantId::ALL.len()]
                }
            };
            result.seeds_run += 1;
            for (i, &hit) in violated.iter().enumerate() {
                if hit {
                    result.violating[i] += 1;
                    result.first[i].get_or_insert(result.seeds_run);
                }
            }
            if result.first.iter().all(Option::is_some) {
                return (result, SweepEnd::Completed);
            }
        }
        if end != SweepEnd::Completed {
            return (result, end);
        }
    }
    (result, SweepEnd::Completed)
}

/// The nearest-rank `percent`-th percentile of `values`, where `None` (over the cap)
/// counts as larger than every number.
pub fn percentile(values: &[SeedsToFirst], percent: u32) -> SeedsToFirst {
    assert!(!values.is_empty(), "a percentile of nothing");
    let mut sorted: Vec<SeedsToFirst> = values.to_vec();
    // `None` sorts last: a capped trial took more seeds than any trial that found it.
    sorted.sort_by_key(|v| v.unwrap_or(u64::MAX));
    let rank = (values.len() * percent as usize).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Measures every strategy of [`Strategy::ALL`]: `trials` hunts each, trial t starting at
/// seed t * [`TRIAL_STRIDE`], each until every invariant is violated or
/// `seeds_per_trial_cap` seeds have run.
pub fn compare_strategies(
    scenario: &Scenario,
    design: &'static dyn Design,
    trials: u32,
    seeds_per_trial_cap: u64,
    jobs: usize,
) -> StrategyReport {
    compare(
        scenario,
        design,
        &Strategy::ALL,
        trials,
        seeds_per_trial_cap,
        jobs,
    )
}

/// [`compare_strategies`] for the given strategies only (say, `bounded-delay` at several
/// depths), in the given order.
pub fn compare(
    scenario: &Scenario,
    design: &'static dyn Design,
    strategies: &[Strategy],
    trials: u32,
    seeds_per_trial_cap: u64,
    jobs: usize,
) -> StrategyReport {
    let options = SweepOptions::new(jobs);
    compare_with(
        scenario,
        design,
        strategies,
        trials,
        seeds_per_trial_cap,
        &options,
        |_| {},
    )
}

/// [`compare`] that stops cleanly, mid-trial too, on `options.stop` (Ctrl-C) or at
/// `options.time_budget` (read on `options.clock`), and calls `on_progress` with the
/// trials done so far. A trial stopped part-way is [`StrategyReport::stopped_trial`].
pub fn compare_with(
    scenario: &Scenario,
    design: &'static dyn Design,
    strategies: &[Strategy],
    trials: u32,
    seeds_per_trial_cap: u64,
    options: &SweepOptions,
    mut on_progress: impl FnMut(u64),
) -> StrategyReport {
    assert!(trials >= 1, "at least one trial");
    assert!(seeds_per_trial_cap >= 1, "at least one seed per trial");
    let jobs = options.jobs;
    let began = options.clock.now();
    let mut end = SweepEnd::Completed;
    let mut stopped_trial = None;
    let mut done = 0;
    let mut rows = Vec::new();
    for &strategy in strategies {
        let started = Instant::now();
        let mut results: Vec<Trial> = Vec::new();
        for t in 0..u64::from(trials) {
            if options.stop.load(std::sync::atomic::Ordering::SeqCst) {
                end = SweepEnd::Interrupted;
                break;
            }
            let start = t * TRIAL_STRIDE;
            let (result, ended) = trial(
                scenario,
                design,
                strategy,
                start,
                seeds_per_trial_cap,
                options,
                began,
            );
            if ended != SweepEnd::Completed {
                end = ended;
                // Stopped before its first seed: nothing of it to report.
                stopped_trial = (result.seeds_run > 0).then_some(StoppedTrial {
                    strategy,
                    trial: t,
                    seeds_run: result.seeds_run,
                });
                break;
            }
            results.push(result);
            done += 1;
            on_progress(done);
        }
        if results.is_empty() {
            break;
        }
        rows.push({
            let wall_ms = started.elapsed().as_secs_f64() * 1e3;
            let seeds_run: u64 = results.iter().map(|r| r.seeds_run).sum();
            let invariants = InvariantId::ALL
                .iter()
                .enumerate()
                .map(|(i, &invariant)| {
                    let seeds_to_first: Vec<SeedsToFirst> =
                        results.iter().map(|r| r.first[i]).collect();
                    let violating_seeds: u64 = results.iter().map(|r| r.violating[i]).sum();
                    InvariantStats {
                        invariant,
                        median: percentile(&seeds_to_first, 50),
                        p90: percentile(&seeds_to_first, 90),
                        seeds_to_first,
                        violating_seeds,
                        rate: violating_seeds as f64 / seeds_run.max(1) as f64,
                    }
                })
                .collect();
            StrategyRow {
                strategy,
                seeds_run,
                wall_ms,
                invariants,
                failures: results.iter().flat_map(|r| r.failures.clone()).collect(),
            }
        });
        if end != SweepEnd::Completed {
            break;
        }
    }
    StrategyReport {
        scenario: scenario.name.clone(),
        variant: dnsim_model::designs::label(design),
        trials,
        seeds_per_trial_cap,
        jobs,
        rows,
        end,
        stopped_trial,
    }
}

/// The report as a table: per strategy and invariant, the median and 90th percentile of
/// seeds to the first violation, the trials that found one, and the violating fraction.
pub fn render_text(report: &StrategyReport) -> String {
    let cap = report.seeds_per_trial_cap;
    let shown = |value: SeedsToFirst| match value {
        Some(seeds) => seeds.to_string(),
        None => format!("> {cap}"),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "strategies on scenario {}, design {}: {} per strategy (trial t from seed t*{TRIAL_STRIDE}), at most {} each, {}",
        report.scenario,
        report.variant,
        plural(report.trials.into(), "trial", "trials"),
        plural(cap, "seed", "seeds"),
        plural(report.jobs as u64, "job", "jobs")
    );
    let _ = writeln!(
        out,
        "{:<15} {:<22} {:>9} {:>9} {:>7} {:>22}",
        "strategy", "invariant", "median", "p90", "found", "violating seeds"
    );
    for row in &report.rows {
        for stats in &row.invariants {
            let violating = format!(
                "{}/{} ({:.1}%)",
                stats.violating_seeds,
                row.seeds_run,
                stats.rate * 100.0
            );
            let _ = writeln!(
                out,
                "{:<15} {:<22} {:>9} {:>9} {:>7} {:>22}",
                row.strategy,
                stats.invariant.as_str(),
                shown(stats.median),
                shown(stats.p90),
                format!("{}/{}", stats.trials_found(), stats.seeds_to_first.len()),
                violating
            );
        }
        let trials_run = row.invariants.first().map_or(0, |s| s.seeds_to_first.len());
        let partial = if trials_run < report.trials as usize {
            format!(" (partial: {trials_run} of {} trials)", report.trials)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<15} {} seed{} in {:.2}s ({:.2} ms per seed){partial}",
            "",
            row.seeds_run,
            if row.seeds_run == 1 { "" } else { "s" },
            row.wall_ms / 1e3,
            row.ms_per_seed()
        );
    }
    for row in report.rows.iter().filter(|row| !row.failures.is_empty()) {
        let _ = writeln!(
            out,
            "* {}: {} of its seeds crashed or hung, counted as run and violating nothing, so its numbers may be off until these are understood (a crash is a bug in the model or the harness; a hang may be a seed slower than --watchdog):",
            row.strategy,
            row.failures.len()
        );
        let (scenario, variant) = (&report.scenario, &report.variant);
        out.push_str(&failures_text(
            &row.failures,
            scenario,
            variant,
            row.strategy,
        ));
    }
    let Some(why) = report.end.stopped_words() else {
        return out;
    };
    let _ = writeln!(out, "{why}: the rows above are what finished");
    if let Some(stopped) = &report.stopped_trial {
        let _ = writeln!(
            out,
            "{:<15} trial {} of {} stopped after {} of at most {cap} seeds (partial, not counted above)",
            stopped.strategy,
            stopped.trial + 1,
            report.trials,
            stopped.seeds_run
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_with_capped_trials_last() {
        let values = [Some(5), None, Some(1), Some(3)];
        assert_eq!(percentile(&values, 50), Some(3));
        assert_eq!(percentile(&values, 90), None);
        assert_eq!(percentile(&values, 25), Some(1));
        assert_eq!(percentile(&[Some(7)], 50), Some(7));
        assert_eq!(percentile(&[None, None, Some(2)], 50), None);
    }
}
