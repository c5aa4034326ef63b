//! Running many seeds on every core, safely.
//!
//! Each worker thread runs whole seeds, one fresh madsim runtime per seed (runtimes are
//! thread-local). Workers take the next seed from a shared counter and send each result to
//! the calling thread, which hands them on **in seed order** (a small reorder buffer), so
//! what a sweep reports does not depend on the number of jobs and its memory does not grow
//! with the number of seeds.
//!
//! A sweep survives what a seed can do to it:
//!
//! - a **panic** in model or harness code becomes [`SeedResult::Crashed`] with its message,
//!   and the sweep goes on;
//! - a seed that overruns madsim's simulated-time limit, or a **wall-clock watchdog** (a task
//!   spinning without ever sleeping never yields to the simulator, so no simulated limit can
//!   stop it), becomes [`SeedResult::Hung`]. Its worker thread cannot be killed; it is
//!   abandoned and replaced, and the sweep goes on;
//! - a **stop request** (a deadline, Ctrl-C) stops workers taking new seeds; the seeds in
//!   flight finish, so the seeds done are always a prefix of the sweep.
//!
//! The seeds themselves (ranges and shards) and what became of each are in `seeds.rs`; one worker thread and the
//! slot its watchdog reads are in `worker.rs`; this file is the calling thread's loop.

mod seeds;
#[cfg(test)]
mod tests;
mod worker;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::exploring::clock::{process_clock, Clock};
pub use seeds::{SeedRange, SeedResult, Seeds, Shard};
use worker::{install_panic_hook, take, work, Message, Progress, Shared, Slot, TICK};

/// The default number of jobs: every core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How a sweep runs.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// A seed still running after this much time on `clock` is reported as hung.
    pub watchdog: Duration,
    /// Set to stop the sweep cleanly (workers finish their seed and take no more).
    pub stop: Arc<AtomicBool>,
    /// Stop cleanly when this much time on `clock` has passed since the sweep began.
    pub time_budget: Option<Duration>,
    /// What the watchdog, the time budget and the stop grace read: the real clock, or a
    /// test's.
    pub clock: Arc<dyn Clock>,
}

impl SweepOptions {
    /// Options on `jobs` threads: a 10 s watchdog, no time budget, a stop flag of its own, and
    /// the process's clock ([`crate::clock::process_clock`]).
    pub fn new(jobs: usize) -> SweepOptions {
        SweepOptions {
            jobs,
            watchdog: Duration::from_secs(10),
            stop: Arc::new(AtomicBool::new(false)),
            time_budget: None,
            clock: process_clock(),
        }
    }
}

/// The most worker threads a sweep takes: far more than any machine this runs on has
/// cores, few enough that spawning them cannot exhaust the system.
pub const MAX_JOBS: usize = 256;

/// How many seeds past the oldest unreported one a worker may start, per job: results
/// wait for the caller in a bounded buffer, so a slow caller (a slow reader of the output,
/// a slow disk) makes the workers wait instead of piling results up in memory.
const WINDOW_PER_JOB: u64 = 32;

/// Once a stop is requested, how long (on the clock) the seeds in flight may take to
/// finish before the sweep gives up on them (they are then not reported at all).
pub const STOP_GRACE: Duration = Duration::from_millis(500);

/// How a sweep ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepEnd {
    /// Every seed ran.
    Completed,
    /// The deadline came first.
    TimeBudget,
    /// Someone asked it to stop (Ctrl-C).
    Interrupted,
}

impl SweepEnd {
    /// How a sweep that did not run everything stopped, as every report says it; `None` if
    /// it ran everything.
    pub fn stopped_words(self) -> Option<&'static str> {
        match self {
            SweepEnd::Completed => None,
            SweepEnd::TimeBudget => Some("stopped at the time budget"),
            SweepEnd::Interrupted => Some("interrupted"),
        }
    }
}

/// Runs `run_one` for every seed on `options.jobs` threads, calling `on_result` for each seed
/// in seed order (on this thread) and `on_tick` about ten times a second.
///
/// Every seed is reported exactly once unless the sweep stops early; then the seeds
/// reported are a prefix of the sweep.
pub fn sweep<T: Send + 'static>(
    seeds: Seeds,
    options: &SweepOptions,
    run_one: Arc<dyn Fn(u64) -> T + Send + Sync>,
    mut on_result: impl FnMut(u64, SeedResult<T>),
    mut on_tick: impl FnMut(),
) -> SweepEnd {
    assert!(options.jobs >= 1, "at least one job");
    install_panic_hook();
    let clock = options.clock.clone();
    let began = clock.now();
    let jobs = options.jobs.min(seeds.len().max(1) as usize);
    let shared = Arc::new(Shared {
        seeds,
        next: AtomicU64::new(0),
        window: WINDOW_PER_JOB * jobs as u64,
        progress: Progress {
            reported: Mutex::new(0),
            advanced: Condvar::new(),
        },
        stop: options.stop.clone(),
        clock: clock.clone(),
        run_one,
    });
    // Bounded: a worker whose result the caller has not taken yet waits.
    let (sender, receiver) = mpsc::sync_channel::<Message<T>>(2 * jobs + 2);
    let spawn_worker = |worker: usize| -> std::io::Result<Arc<Mutex<Slot>>> {
        let slot = Arc::new(Mutex::new(Slot::default()));
        let (shared, sender, its_slot) = (shared.clone(), sender.clone(), slot.clone());
        std::thread::Builder::new()
            .name(format!("dnsim-worker-{worker}"))
            .spawn(move || work(worker, &shared, &its_slot, &sender))?;
        Ok(slot)
    };
    // The live workers (an abandoned one is no longer live).
    let mut workers: BTreeMap<usize, Arc<Mutex<Slot>>> = BTreeMap::new();
    let mut next_worker = 0;
    let mut waiting: BTreeMap<u64, SeedResult<T>> = BTreeMap::new();
    let mut next_to_report = 0u64;
    let mut end = SweepEnd::Completed;
    let mut stopped_at: Option<Duration> = None;
    let unclaimed = |shared: &Shared<T>| shared.next.load(Ordering::SeqCst) < seeds.len();
    loop {
        // Keep `jobs` workers while seeds remain: at the start, and to replace a worker the
        // watchdog gave up on. A failed spawn is tried again next tick.
        while workers.len() < jobs && stopped_at.is_none() && unclaimed(&shared) {
            match spawn_worker(next_worker) {
                Ok(slot) => {
                    workers.insert(next_worker, slot);
                    next_worker += 1;
                }
                Err(_) => break,
            }
        }
        if workers.is_empty() && (stopped_at.is_some() || !unclaimed(&shared)) {
            break;
        }
        match receiver.recv_timeout(TICK) {
            Ok(message) => take(message, &mut waiting, &mut workers),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => unreachable!("this thread holds a sender"),
        }
        for message in receiver.try_iter() {
            take(message, &mut waiting, &mut workers);
        }
        let now = clock.now();
        if options
            .time_budget
            .is_some_and(|budget| now >= began + budget)
            && !options.stop.swap(true, Ordering::SeqCst)
        {
            end = SweepEnd::TimeBudget;
        }
        if stopped_at.is_none() && options.stop.load(Ordering::SeqCst) {
            stopped_at = Some(now);
            shared.progress.advanced.notify_all();
        }
        let cut_off = stopped_at.is_some_and(|at| now >= at + STOP_GRACE);
        workers.retain(|_, slot| {
            let mut slot = slot.lock().expect("not poisoned");
            let Some((seed_index, since)) = slot.running else {
                return true;
            };
            let hung = now.saturating_sub(since) > options.watchdog;
            if !hung && !cut_off {
                return true;
            }
            // The stuck thread cannot be stopped: abandon it (and replace it, above).
            slot.running = None;
            slot.abandoned = true;
            if hung {
                let reason = format!(
                    "still running after the {:?} wall-clock watchdog (a task that never sleeps, or a seed slower than that: raise --watchdog)",
                    options.watchdog
                );
                waiting.insert(seed_index, SeedResult::Hung { reason });
            }
            false
        });
        let reported_before = next_to_report;
        while let Some(result) = waiting.remove(&next_to_report) {
            on_result(seeds.nth(next_to_report), result);
            next_to_report += 1;
        }
        if next_to_report > reported_before {
            *shared.progress.reported.lock().expect("not poisoned") = next_to_report;
            shared.progress.advanced.notify_all();
        }
        on_tick();
    }
    // A result sent just before its worker was abandoned on its next seed.
    for message in receiver.try_iter() {
        take(message, &mut waiting, &mut workers);
    }
    while let Some(result) = waiting.remove(&next_to_report) {
        on_result(seeds.nth(next_to_report), result);
        next_to_report += 1;
    }
    if next_to_report == seeds.len() {
        SweepEnd::Completed
    } else {
        assert!(
            options.stop.load(Ordering::SeqCst),
            "a sweep that was not stopped lost seeds (a harness bug): {next_to_report} of {} reported",
            seeds.len()
        );
        if end == SweepEnd::TimeBudget {
            SweepEnd::TimeBudget
        } else {
            SweepEnd::Interrupted
        }
    }
}

/// Runs `run_one` for every seed of `seeds` on `jobs` threads; results in seed order.
/// A panic in `run_one` is re-raised here (for library callers that want plain results).
pub fn run_seeds<T: Send + 'static>(
    seeds: SeedRange,
    jobs: usize,
    run_one: impl Fn(u64) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let mut results = Vec::with_capacity(seeds.len() as usize);
    let options = SweepOptions::new(jobs);
    sweep(
        Seeds::all(seeds),
        &options,
        Arc::new(run_one),
        |seed, result| match result {
            SeedResult::Done(value) => results.push(value),
            SeedResult::Crashed { message } => panic!("seed {seed} crashed: {message}"),
            SeedResult::Hung { reason } => panic!("seed {seed} hung: {reason}"),
        },
        || {},
    );
    results
}

/// [`run_seeds`] that stops cleanly: on `options.stop` (Ctrl-C), at `options.time_budget`
/// (read on `options.clock`), and calls `on_progress` with the number of seeds done. Returns
/// the results of the seeds done (a prefix of `seeds`, in order) and how the sweep ended.
/// A crash or hang is re-raised, as in [`run_seeds`].
pub fn run_seeds_until<T: Send + 'static>(
    seeds: SeedRange,
    options: &SweepOptions,
    run_one: impl Fn(u64) -> T + Send + Sync + 'static,
    on_progress: impl FnMut(u64),
) -> (Vec<T>, SweepEnd) {
    run_shard_until(Seeds::all(seeds), options, run_one, on_progress)
}

/// [`run_seeds_until`] on any [`Seeds`]: a range or one shard of it.
pub fn run_shard_until<T: Send + 'static>(
    seeds: Seeds,
    options: &SweepOptions,
    run_one: impl Fn(u64) -> T + Send + Sync + 'static,
    on_progress: impl FnMut(u64),
) -> (Vec<T>, SweepEnd) {
    let (results, end) = run_shard_results_until(seeds, options, run_one, on_progress);
    let results = (results.into_iter())
        .map(|(seed, result)| match result {
            SeedResult::Done(value) => value,
            SeedResult::Crashed { message } => panic!("seed {seed} crashed: {message}"),
            SeedResult::Hung { reason } => panic!("seed {seed} hung: {reason}"),
        })
        .collect();
    (results, end)
}

/// [`run_shard_until`] for a caller that reports crashes and hangs itself (`matrix`): every
/// seed's result, in seed order, with its seed.
pub fn run_shard_results_until<T: Send + 'static>(
    seeds: Seeds,
    options: &SweepOptions,
    run_one: impl Fn(u64) -> T + Send + Sync + 'static,
    mut on_progress: impl FnMut(u64),
) -> (Vec<(u64, SeedResult<T>)>, SweepEnd) {
    let mut results = Vec::with_capacity(seeds.len() as usize);
    let end = sweep(
        seeds,
        options,
        Arc::new(run_one),
        |seed, result| {
            results.push((seed, result));
            on_progress(results.len() as u64);
        },
        || {},
    );
    (results, end)
}

/// The options of the next of several sweeps that share one time budget, begun at `began`
/// on `options.clock`: the budget left, or `None` when it is spent (stop now).
pub fn budget_left(options: &SweepOptions, began: Duration) -> Option<SweepOptions> {
    let mut next = options.clone();
    if let Some(budget) = options.time_budget {
        let spent = options.clock.now().saturating_sub(began);
        if spent >= budget {
            return None;
        }
        next.time_budget = Some(budget - spent);
    }
    Some(next)
}
