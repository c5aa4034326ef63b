//! Exhaustive small-scope verification: every fault schedule of at most K faults.
//!
//! A random sweep says "no violation in N seeds". [`exhaust`] says more, on a small
//! scenario: it runs *every* schedule of at most K faults drawn from a discrete [`Menu`],
//! placed at the decisions the runs actually reach, in order of fault count (no fault, every
//! single fault, every pair, ...). So its verdict is either "holds for all N schedules with
//! at most K faults", or a counterexample that no schedule with fewer faults gives: minimal
//! in fault count by construction. How the schedules are enumerated, and which equivalent
//! ones are not run, is in [`tree`].
//!
//! What a verdict covers: the design, the scenario, the menu, K, and the benign noise of
//! the noise seeds it ran (latencies, back-off jitter and madsim's order among simultaneous
//! events all come from the seed; they are fixed per seed, not enumerated). Repeating the
//! enumeration over several noise seeds covers more noise, never all of it.
//!
//! Each level's schedules run on every core through the sweep machinery ([`crate::sweep`]),
//! whose results come back in schedule order: the first counterexample of each invariant is
//! the same whatever the number of jobs.

pub mod column;
pub mod menu;
pub mod timing;
pub mod tree;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use dnsim_model::Design;
use serde::{Deserialize, Serialize};

use crate::checking::coverage::Mark;
use crate::checking::invariants::InvariantId;
use crate::exploring::hunt::SeedRange;
use crate::exploring::sweep::{sweep, SeedResult, Seeds, SweepEnd, SweepOptions};
use crate::running::faults::FaultSchedule;
use crate::running::run::Outcome;
use crate::running::scenario::Scenario;

pub use menu::Menu;
pub use tree::{explore, Explored};

/// The default K of `dnsim exhaust`.
pub const DEFAULT_MAX_FAULTS: u32 = 2;

/// What to enumerate.
#[derive(Clone)]
pub struct ExhaustSpec {
    /// The scenario.
    pub scenario: Scenario,
    /// The design under test.
    pub design: &'static dyn Design,
    /// The faults a schedule draws from.
    pub menu: Menu,
    /// K: every schedule of at most this many faults.
    pub max_faults: u32,
    /// The enumeration is repeated on each of these seeds (they fix the benign noise).
    pub noise_seeds: SeedRange,
    /// Stop as soon as every invariant has a counterexample (nothing left to learn).
    pub stop_when_all_violated: bool,
}

/// The schedules of one fault count, on one noise seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// The noise seed.
    pub noise_seed: u64,
    /// The fault count.
    pub faults: u32,
    /// Schedules of this many faults (every one whose faults all strike).
    pub schedules: u64,
    /// How many of them ran (fewer when stopped early).
    pub ran: u64,
    /// Schedules with one more fault not made: equal after a stall is clipped.
    pub clipped: u64,
}

/// The first counterexample of an invariant, in enumeration order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Counterexample {
    /// The invariant violated.
    pub invariant: InvariantId,
    /// The noise seed it was found on.
    pub noise_seed: u64,
    /// Its place in the enumeration: how many schedules ran before it (all seeds).
    pub index: u64,
    /// Its faults.
    pub faults: FaultSchedule,
    /// Its run.
    pub outcome: Outcome,
    /// Wall time from the start of the enumeration to finding it (for `bench`).
    pub found_ms: f64,
}

/// A schedule whose run crashed or hung (a harness or model bug).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Broken {
    /// The noise seed.
    pub noise_seed: u64,
    /// Its faults.
    pub faults: FaultSchedule,
    /// What went wrong.
    pub problem: String,
}

/// How an enumeration ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExhaustEnd {
    /// Every schedule of at most K faults ran, on every noise seed.
    Completed,
    /// Every invariant had a counterexample; the rest was not needed.
    AllViolated,
    /// The time budget ran out.
    TimeBudget,
    /// Someone asked it to stop.
    Interrupted,
}

/// What an enumeration found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExhaustReport {
    /// Every level run, in order.
    pub levels: Vec<Level>,
    /// Decisions in the fault phase of the fault-free run, on the first noise seed.
    pub decisions_fault_free: u64,
    /// The first counterexample of each invariant violated.
    pub counterexamples: BTreeMap<InvariantId, Counterexample>,
    /// How many schedules of the complete levels (those of at most `complete_up_to`
    /// faults, the schedules a "holds" covers) reached each coverage mark: an invariant with
    /// no counterexample holds only where its mark was reached; otherwise the verdict is
    /// vacuous. Schedules of a level stopped part-way are not counted.
    #[serde(default)]
    pub reached: BTreeMap<Mark, u64>,
    /// The schedules whose runs crashed or hung.
    pub broken: Vec<Broken>,
    /// How the enumeration ended.
    pub end: ExhaustEnd,
    /// Every schedule of at most this many faults ran, on every noise seed (`None`: not
    /// even the fault-free runs).
    pub complete_up_to: Option<u32>,
    /// Wall time of the whole enumeration (for `bench`).
    pub wall_ms: f64,
}

impl ExhaustReport {
    /// Schedules run, in all.
    pub fn ran(&self) -> u64 {
        self.levels.iter().map(|l| l.ran).sum()
    }

    /// Whether every invariant holds for every schedule that ran.
    pub fn holds(&self, invariant: InvariantId) -> bool {
        !self.counterexamples.contains_key(&invariant)
    }

    /// How many schedules reached `invariant`'s coverage mark.
    pub fn reached(&self, invariant: InvariantId) -> u64 {
        self.reached.get(&Mark::of(invariant)).copied().unwrap_or(0)
    }
}

/// Progress, for a progress bar: the noise seed, the fault count, schedules run of the level
/// and its size.
pub type OnProgress<'a> = dyn FnMut(u64, u32, u64, u64) + 'a;

/// Runs every schedule of at most `spec.max_faults` faults, level by level, on every noise
/// seed. `options` says how many jobs, and carries the stop flag and the deadline.
pub fn exhaust(
    spec: &ExhaustSpec,
    options: &SweepOptions,
    on_progress: &mut OnProgress,
) -> ExhaustReport {
    let mut report = ExhaustReport {
        levels: Vec::new(),
        decisions_fault_free: 0,
        counterexamples: BTreeMap::new(),
        reached: BTreeMap::new(),
        broken: Vec::new(),
        end: ExhaustEnd::Completed,
        complete_up_to: None,
        wall_ms: 0.0,
    };
    let started = Instant::now();
    let mut index = 0u64;
    // Level by level across every noise seed, so that a counterexample with k faults is
    // found only after every schedule of fewer faults ran on every seed.
    let mut frontiers: Vec<(u64, Vec<FaultSchedule>)> = spec
        .noise_seeds
        .seeds()
        .map(|seed| (seed, vec![FaultSchedule::default()]))
        .collect();
    // `options.time_budget` is for the whole enumeration; each level's sweep gets what is
    // left of it, on the options' clock.
    let began = options.clock.now();
    // Marks reached by every schedule run so far; `report.reached` takes them only once a
    // level is complete on every noise seed, so that it counts the schedules a "holds"
    // covers, not those of a level stopped part-way.
    let mut reached = BTreeMap::new();
    'levels: for faults in 0..=spec.max_faults {
        for (noise_seed, frontier) in &mut frontiers {
            let expand = faults < spec.max_faults;
            let mut level_options = options.clone();
            level_options.time_budget = options
                .time_budget
                .map(|budget| budget.saturating_sub(options.clock.now() - began));
            let (level, next, end) = run_level(
                spec,
                &level_options,
                *noise_seed,
                faults,
                std::mem::take(frontier),
                expand,
                &mut index,
                started,
                &mut report,
                &mut reached,
                on_progress,
            );
            if faults == 0 && *noise_seed == spec.noise_seeds.start {
                report.decisions_fault_free = level.1;
            }
            report.levels.push(level.0);
            if end != SweepEnd::Completed {
                report.end = if all_violated(&report) && spec.stop_when_all_violated {
                    ExhaustEnd::AllViolated
                } else if end == SweepEnd::TimeBudget
                    || options
                        .time_budget
                        .is_some_and(|budget| options.clock.now() - began >= budget)
                {
                    ExhaustEnd::TimeBudget
                } else {
                    ExhaustEnd::Interrupted
                };
                report.complete_up_to = faults.checked_sub(1);
                break 'levels;
            }
            *frontier = next;
        }
        report.complete_up_to = Some(faults);
        report.reached = reached.clone();
    }
    report.wall_ms = started.elapsed().as_secs_f64() * 1e3;
    report
}

fn all_violated(report: &ExhaustReport) -> bool {
    InvariantId::ALL
        .iter()
        .all(|id| report.counterexamples.contains_key(id))
}

/// Runs one level; returns it (with the decisions open in its first run), the next level's
/// schedules, and how the sweep ended.
#[allow(clippy::too_many_arguments)]
fn run_level(
    spec: &ExhaustSpec,
    options: &SweepOptions,
    noise_seed: u64,
    faults: u32,
    frontier: Vec<FaultSchedule>,
    expand: bool,
    index: &mut u64,
    started: Instant,
    report: &mut ExhaustReport,
    reached: &mut BTreeMap<Mark, u64>,
    on_progress: &mut OnProgress,
) -> ((Level, u64), Vec<FaultSchedule>, SweepEnd) {
    let total = frontier.len() as u64;
    let frontier = Arc::new(frontier);
    let job = {
        let (scenario, design, menu) = (spec.scenario.clone(), spec.design, spec.menu.clone());
        let frontier = frontier.clone();
        Arc::new(move |i: u64| {
            explore(
                &scenario,
                design,
                &menu,
                noise_seed,
                &frontier[i as usize],
                expand,
            )
        })
    };
    let mut level = Level {
        noise_seed,
        faults,
        schedules: total,
        ran: 0,
        clipped: 0,
    };
    let mut first_open = 0;
    let mut next = Vec::new();
    // The level stops on a flag of its own: set when every invariant is violated (that
    // ends this enumeration, not the caller's other work, such as `bench`'s next figure),
    // or when the caller's flag is (Ctrl-C), passed on at every tick.
    let stop = Arc::new(AtomicBool::new(options.stop.load(Ordering::Relaxed)));
    let level_options = SweepOptions {
        stop: stop.clone(),
        ..options.clone()
    };
    let ran = std::cell::Cell::new(0u64);
    let end = sweep(
        Seeds::all(SeedRange {
            start: 0,
            end: total,
        }),
        &level_options,
        job,
        |i, result| {
            // Schedules still in flight when the last counterexample came are not counted:
            // what ran is then a prefix of the enumeration, whatever the number of jobs.
            if spec.stop_when_all_violated && all_violated(report) {
                return;
            }
            ran.set(ran.get() + 1);
            let schedule = &frontier[i as usize];
            match result {
                SeedResult::Done(explored) => {
                    if i == 0 {
                        first_open = explored.open_decisions;
                    }
                    level.clipped += explored.clipped;
                    for mark in &explored.outcome.coverage {
                        *reached.entry(*mark).or_default() += 1;
                    }
                    for violation in &explored.outcome.violations {
                        report
                            .counterexamples
                            .entry(violation.invariant)
                            .or_insert_with(|| Counterexample {
                                invariant: violation.invariant,
                                noise_seed,
                                index: *index,
                                faults: schedule.clone(),
                                outcome: explored.outcome.clone(),
                                found_ms: started.elapsed().as_secs_f64() * 1e3,
                            });
                    }
                    next.extend(explored.children);
                }
                SeedResult::Crashed { message } => report.broken.push(Broken {
                    noise_seed,
                    faults: schedule.clone(),
                    problem: format!("crashed: {message}"),
                }),
                SeedResult::Hung { reason } => report.broken.push(Broken {
                    noise_seed,
                    faults: schedule.clone(),
                    problem: format!("hung: {reason}"),
                }),
            }
            *index += 1;
            if spec.stop_when_all_violated && all_violated(report) {
                stop.store(true, Ordering::Relaxed);
            }
        },
        || {
            if options.stop.load(Ordering::Relaxed) {
                stop.store(true, Ordering::Relaxed);
            }
            on_progress(noise_seed, faults, ran.get(), total)
        },
    );
    level.ran = ran.get();
    ((level, first_open), next, end)
}
