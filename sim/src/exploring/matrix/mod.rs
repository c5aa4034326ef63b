//! The verdict matrix: every design against every invariant, on the same seeds.
//!
//! For each design and invariant, a cell gives the seeds run, the seeds that violated it,
//! the rate, a 95% upper bound on the rate, the first violating seed and the median number
//! of seeds run before meeting a violation; and the seeds that reached the invariant's
//! coverage mark (see [`crate::coverage`]), from which its [`Verdict`](crate::checking::verdict::Verdict): `violated`, `holds`,
//! or `vacuous` when too few seeds put the invariant to the test.
//!
//! For each design it also counts the seeds whose trace is identical to `original`'s under
//! the same faults (a design identical on every seed changed nothing the scenario exercises),
//! and spreads the outage measures (see [`crate::measures`]) so that designs that both hold
//! can be ranked by how long endpoints answered with nothing and how long repair took.
//!
//! The upper bound is the rule of three (3/n) when no seed violated, and the Wilson score
//! interval's upper end (z = 1.96) otherwise. A cell gives it twice: over every seed run,
//! and over the seeds that reached the mark. A `holds` is printed with the second: a seed
//! that never met the danger (in `swarm`, one whose API errors are turned up so far that
//! nothing commits in the fault phase, say) tests nothing, and counting it would make the
//! bound look tighter than the runs justify.
//!
//! A matrix can be split across machines like a hunt (`matrix --shard K/N --json`): each
//! shard runs every design on its seeds and keeps, for each, one [`SeedRecord`] per seed
//! (what it violated and reached, whether it matched `original`, its measures); `dnsim
//! merge` checks the shards and rebuilds every cell from their records with the same code
//! an unsharded matrix uses ([`merge`]), so the merged report equals the unsharded one.
//!
//! Files: this one runs the matrix; [`cells`] turns per-seed records into a row, `render.rs`
//! prints it, [`merge`] joins shards.

pub mod cells;
pub mod merge;
mod render;
mod report;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use dnsim_model::Design;

use crate::checking::coverage::Mark;
use crate::checking::invariants::{InvariantId, Violation};
use crate::checking::measures::Measures;
use crate::exploring::hunt::SeedRange;
use crate::exploring::hunt::{Failure, FailureKind};
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{
    budget_left, run_shard_results_until, SeedResult, Seeds, SweepEnd, SweepOptions,
};
use crate::running::run::{run, RunSpec};
use crate::running::scenario::Scenario;
pub use cells::upper_95;
pub use render::{percent_up, render_markdown, render_text, stopped_text};
pub use report::{Cell, DesignRow, MatrixReport, SeedRecord, ORIGINAL};

/// What the matrix keeps of one seed's run.
struct SeedSummary {
    violations: Vec<Violation>,
    coverage: Vec<Mark>,
    trace_hash: u64,
    measures: Measures,
}

/// Runs every design on every seed of `seeds`, on `jobs` threads (and `original` too, if it
/// is not among them, to tell which seeds a design left unchanged).
pub fn matrix(
    scenario: &Scenario,
    designs: &[&'static dyn Design],
    strategy: Strategy,
    seeds: SeedRange,
    jobs: usize,
) -> MatrixReport {
    let options = SweepOptions::new(jobs);
    matrix_with(scenario, designs, strategy, seeds, &options, |_| {})
}

/// [`matrix`] that stops cleanly on `options.stop` (Ctrl-C) or at `options.time_budget`
/// (read on `options.clock`), and calls `on_progress` with the runs done so far. A design
/// stopped part-way has its cells marked [`Cell::partial`]; designs not reached have no row.
pub fn matrix_with(
    scenario: &Scenario,
    designs: &[&'static dyn Design],
    strategy: Strategy,
    seeds: SeedRange,
    options: &SweepOptions,
    on_progress: impl FnMut(u64),
) -> MatrixReport {
    matrix_shard(
        scenario,
        designs,
        strategy,
        Seeds::all(seeds),
        options,
        on_progress,
    )
}

/// [`matrix_with`] on one shard of the seeds (or all of them). A shard's report keeps every
/// seed's [`SeedRecord`] in its rows, for [`merge::merge_matrix_reports`].
pub fn matrix_shard(
    scenario: &Scenario,
    designs: &[&'static dyn Design],
    strategy: Strategy,
    seeds: Seeds,
    options: &SweepOptions,
    mut on_progress: impl FnMut(u64),
) -> MatrixReport {
    let started = Instant::now();
    let began = options.clock.now();
    let mut rows = Vec::new();
    let mut end = SweepEnd::Completed;
    let mut runs = 0;
    let scenario_arc = Arc::new(scenario.clone());
    let mut run_design = |design: &'static dyn Design, end: &mut SweepEnd| {
        let Some(these) = budget_left(options, began) else {
            *end = SweepEnd::TimeBudget;
            return Vec::new();
        };
        let scenario = scenario_arc.clone();
        let done_before = runs;
        let (outcomes, ended) = run_shard_results_until(
            seeds,
            &these,
            move |seed| {
                let spec = RunSpec::seeded(&scenario, design, seed).with_strategy(strategy);
                let outcome = run(&spec);
                SeedSummary {
                    violations: outcome.violations,
                    coverage: outcome.coverage,
                    trace_hash: outcome.trace_hash,
                    measures: outcome.measures,
                }
            },
            |done| on_progress(done_before + done),
        );
        runs += outcomes.len() as u64;
        if ended != SweepEnd::Completed {
            *end = ended;
        }
        outcomes
    };
    // `original`'s trace hash on each seed (`None`: it crashed or hung there).
    let hashes = |outcomes: &[(u64, SeedResult<SeedSummary>)]| -> Vec<Option<u64>> {
        (outcomes.iter())
            .map(|(_, result)| match result {
                SeedResult::Done(summary) => Some(summary.trace_hash),
                _ => None,
            })
            .collect()
    };
    let mut original_hashes: Option<Vec<Option<u64>>> = None;
    let mut baseline_failures = Vec::new();
    // `original`'s runs, made first, kept for its own row when it is asked for later.
    let mut baseline = None;
    // `original`'s hashes are needed before any other design's row: run it first unless it
    // is the first design asked for. It runs once either way.
    if designs.first().map(|d| d.name()) != Some(ORIGINAL) {
        let original = dnsim_model::designs::by_name(ORIGINAL).expect("original is registered");
        let outcomes = run_design(original, &mut end);
        original_hashes = Some(hashes(&outcomes));
        // Its failures are told with its row, if it has one; else here.
        if designs.iter().any(|d| d.name() == ORIGINAL) {
            baseline = Some(outcomes);
        } else {
            baseline_failures = (outcomes.iter())
                .filter_map(|(seed, result)| failure(*seed, result))
                .collect();
        }
    }
    for &design in designs {
        let outcomes = match baseline.take_if(|_| design.name() == ORIGINAL) {
            // Its row is what it did first (all of it, or as far as a stop let it go).
            Some(outcomes) => outcomes,
            // Stopped: nothing more runs, but `original`'s runs still make its row.
            None if end != SweepEnd::Completed => continue,
            None => run_design(design, &mut end),
        };
        if outcomes.is_empty() {
            continue;
        }
        if design.name() == ORIGINAL {
            original_hashes = Some(hashes(&outcomes));
        }
        let original = original_hashes
            .as_ref()
            .expect("original ran first or is this design");
        // A seed `original` did not finish compares with nothing: not identical.
        let original = original.iter().copied().chain(std::iter::repeat(None));
        let records: Vec<SeedRecord> = (outcomes.iter().zip(original))
            .map(|((seed, result), original_hash)| match result {
                SeedResult::Done(summary) => summary.record(*seed, original_hash),
                _ => SeedRecord::failed(failure(*seed, result).expect("not done")),
            })
            .collect();
        // The first message of each invariant: outcomes are in seed order.
        let mut first_messages = BTreeMap::new();
        for (seed, result) in &outcomes {
            let SeedResult::Done(summary) = result else {
                continue;
            };
            for violation in &summary.violations {
                first_messages
                    .entry(violation.invariant)
                    .or_insert_with(|| (*seed, violation.message.clone()));
            }
        }
        let mut row = cells::design_row(
            dnsim_model::designs::label(design),
            design.name() == ORIGINAL,
            &records,
            &first_messages,
            seeds.len(),
            seeds.range.start,
        );
        if seeds.shard.is_some() {
            row.seeds = records;
        }
        rows.push(row);
    }
    MatrixReport {
        scenario: scenario.name.clone(),
        scenario_digest: scenario.digest(),
        scenario_arg: None,
        strategy,
        seeds: seeds.range,
        shard: seeds.shard,
        runs,
        designs: rows,
        variants: designs
            .iter()
            .map(|&design| dnsim_model::designs::label(design))
            .collect(),
        baseline_failures,
        wall_ms: started.elapsed().as_secs_f64() * 1e3,
        end,
    }
}

/// How a seed failed to finish, if it did.
fn failure(seed: u64, result: &SeedResult<SeedSummary>) -> Option<Failure> {
    let (kind, message) = match result {
        SeedResult::Done(_) => return None,
        SeedResult::Crashed { message } => (FailureKind::Crash, message),
        SeedResult::Hung { reason } => (FailureKind::Hang, reason),
    };
    Some(Failure {
        seed,
        kind,
        message: message.clone(),
    })
}

impl SeedSummary {
    /// What a shard keeps of this run (`original_hash`: `original`'s trace on the seed, if
    /// it finished).
    fn record(&self, seed: u64, original_hash: Option<u64>) -> SeedRecord {
        let violated = InvariantId::ALL
            .into_iter()
            .filter(|id| self.violations.iter().any(|v| v.invariant == *id))
            .collect();
        let reached = InvariantId::ALL
            .into_iter()
            .filter(|id| self.coverage.contains(&Mark::of(*id)))
            .collect();
        SeedRecord {
            seed,
            violated,
            reached,
            identical_to_original: Some(self.trace_hash) == original_hash,
            measures: self.measures,
            failure: None,
        }
    }
}
