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

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::hunt::SeedRange;

/// The default number of jobs: every core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One of `count` disjoint parts of a seed range (1-based `index`), written `K/N`: the seeds
/// `start + K-1`, `start + K-1 + N`, ... (round-robin, so every shard gets a fair mix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("bad shard {text:?}: expected K/N with 1 <= K <= N, e.g. 2/4");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = index.trim().parse().map_err(|_| bad())?;
        let count: u64 = count.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The seeds a sweep runs: a range, or one shard of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    pub range: SeedRange,
    pub shard: Option<Shard>,
}

impl Seeds {
    pub fn all(range: SeedRange) -> Seeds {
        Seeds { range, shard: None }
    }

    /// How many seeds.
    pub fn len(&self) -> u64 {
        match self.shard {
            None => self.range.len(),
            Some(shard) => (self.range.len() + shard.count - shard.index) / shard.count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th seed.
    pub fn nth(&self, i: u64) -> u64 {
        match self.shard {
            None => self.range.start + i,
            Some(shard) => self.range.start + shard.index - 1 + i * shard.count,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len()).map(|i| self.nth(i))
    }
}

/// What became of one seed.
#[derive(Debug)]
pub enum SeedResult<T> {
    Done(T),
    /// The seed's run panicked.
    Crashed {
        message: String,
    },
    /// The seed overran its simulated-time limit or the wall-clock watchdog.
    Hung {
        reason: String,
    },
}

/// How a sweep runs.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// A seed still running after this much wall time is reported as hung.
    pub watchdog: Duration,
    /// Set to stop the sweep cleanly (workers finish their seed and take no more).
    pub stop: Arc<AtomicBool>,
    /// Stop cleanly at this wall-clock time.
    pub deadline: Option<Instant>,
}

impl SweepOptions {
    pub fn new(jobs: usize) -> SweepOptions {
        SweepOptions {
            jobs,
            watchdog: Duration::from_secs(10),
            stop: Arc::new(AtomicBool::new(false)),
            deadline: None,
        }
    }
}

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

enum Message<T> {
    Started {
        worker: usize,
        seed_index: u64,
    },
    Finished {
        worker: usize,
        seed_index: u64,
        result: SeedResult<T>,
    },
    Exited {
        worker: usize,
    },
}

thread_local! {
    /// Set on sweep worker threads: their panics are reported as crashes, not printed.
    static IN_WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The last panic on this thread, with its location.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs (once) a panic hook that keeps worker panics quiet and remembers them; other
/// threads' panics go to the previous hook as before.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_WORKER.with(|w| w.get()) {
                let location = info
                    .location()
                    .map_or(String::new(), |l| format!(" at {}:{}", l.file(), l.line()));
                let message = panic_text(info.payload());
                LAST_PANIC.with(|last| *last.borrow_mut() = Some(format!("{message}{location}")));
            } else {
                previous(info);
            }
        }));
    });
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

fn run_guarded<T>(run_one: &(dyn Fn(u64) -> T + Send + Sync), seed: u64) -> SeedResult<T> {
    match catch_unwind(AssertUnwindSafe(|| run_one(seed))) {
        Ok(value) => SeedResult::Done(value),
        Err(payload) => {
            let message = LAST_PANIC
                .with(|last| last.borrow_mut().take())
                .unwrap_or_else(|| panic_text(payload.as_ref()));
            if message.contains("time limit exceeded") {
                SeedResult::Hung {
                    reason: format!("simulated time limit exceeded ({message})"),
                }
            } else {
                SeedResult::Crashed { message }
            }
        }
    }
}

/// Runs `run_one` for every seed on `options.jobs` threads, calling `on_result` for each seed
/// in seed order (on this thread) and `on_tick` about ten times a second.
pub fn sweep<T: Send + 'static>(
    seeds: Seeds,
    options: &SweepOptions,
    run_one: Arc<dyn Fn(u64) -> T + Send + Sync>,
    mut on_result: impl FnMut(u64, SeedResult<T>),
    mut on_tick: impl FnMut(),
) -> SweepEnd {
    assert!(options.jobs >= 1, "at least one job");
    install_panic_hook();
    let next = Arc::new(AtomicU64::new(0));
    let (sender, receiver) = mpsc::channel::<Message<T>>();
    // Each worker's own flag: set when the watchdog abandons it, so that if its stuck seed
    // ever returns, it takes no more seeds.
    let mut retired: BTreeMap<usize, Arc<AtomicBool>> = BTreeMap::new();
    let spawn_worker = |worker: usize| -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        let retire = flag.clone();
        let (next, sender, stop, run_one) = (
            next.clone(),
            sender.clone(),
            options.stop.clone(),
            run_one.clone(),
        );
        std::thread::Builder::new()
            .name(format!("dnsim-worker-{worker}"))
            .spawn(move || {
                IN_WORKER.with(|w| w.set(true));
                while !stop.load(Ordering::Relaxed) && !flag.load(Ordering::Relaxed) {
                    let seed_index = next.fetch_add(1, Ordering::Relaxed);
                    if seed_index >= seeds.len() {
                        break;
                    }
                    let _ = sender.send(Message::Started { worker, seed_index });
                    let result = run_guarded(run_one.as_ref(), seeds.nth(seed_index));
                    let _ = sender.send(Message::Finished {
                        worker,
                        seed_index,
                        result,
                    });
                }
                let _ = sender.send(Message::Exited { worker });
            })
            .expect("spawn a worker thread");
        retire
    };
    let jobs = options.jobs.min(seeds.len().max(1) as usize);
    for worker in 0..jobs {
        retired.insert(worker, spawn_worker(worker));
    }
    let mut live_workers = jobs;
    let mut abandoned: BTreeSet<usize> = BTreeSet::new();
    let mut next_worker = jobs;
    // What each live worker is running, and since when.
    let mut running: BTreeMap<usize, (u64, Instant)> = BTreeMap::new();
    let mut waiting: BTreeMap<u64, SeedResult<T>> = BTreeMap::new();
    let mut next_to_report = 0u64;
    let mut end = SweepEnd::Completed;
    while live_workers > 0 {
        match receiver.recv_timeout(Duration::from_millis(100)) {
            Ok(Message::Started { worker, seed_index }) => {
                running.insert(worker, (seed_index, Instant::now()));
            }
            Ok(Message::Finished {
                worker,
                seed_index,
                result,
            }) => {
                if running.remove(&worker).is_some() {
                    waiting.insert(seed_index, result);
                }
                // else: the watchdog already reported this seed and abandoned the worker.
            }
            Ok(Message::Exited { worker }) => {
                // An abandoned worker was already counted out when it was abandoned.
                if !abandoned.contains(&worker) {
                    live_workers -= 1;
                    running.remove(&worker);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => unreachable!("this thread holds a sender"),
        }
        let hung: Vec<(usize, u64)> = running
            .iter()
            .filter(|(_, (_, since))| since.elapsed() > options.watchdog)
            .map(|(&worker, &(seed_index, _))| (worker, seed_index))
            .collect();
        for (worker, seed_index) in hung {
            running.remove(&worker);
            abandoned.insert(worker);
            retired[&worker].store(true, Ordering::Relaxed);
            let reason = format!(
                "still running after the {:?} wall-clock watchdog (a task that never sleeps?)",
                options.watchdog
            );
            waiting.insert(seed_index, SeedResult::Hung { reason });
            // The stuck thread cannot be stopped: abandon it and replace it.
            live_workers -= 1;
            if !options.stop.load(Ordering::Relaxed) {
                retired.insert(next_worker, spawn_worker(next_worker));
                next_worker += 1;
                live_workers += 1;
            }
        }
        if options
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
            && !options.stop.load(Ordering::Relaxed)
        {
            options.stop.store(true, Ordering::Relaxed);
            end = SweepEnd::TimeBudget;
        }
        while let Some(result) = waiting.remove(&next_to_report) {
            on_result(seeds.nth(next_to_report), result);
            next_to_report += 1;
        }
        on_tick();
    }
    if end == SweepEnd::Completed && next_to_report < seeds.len() {
        end = SweepEnd::Interrupted;
    }
    end
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_range() {
        let range: SeedRange = "10..27".parse().unwrap();
        let mut all: Vec<u64> = (1..=4)
            .flat_map(|index| {
                Seeds {
                    range,
                    shard: Some(Shard { index, count: 4 }),
                }
                .iter()
                .collect::<Vec<_>>()
            })
            .collect();
        all.sort();
        assert_eq!(all, (10..27).collect::<Vec<_>>());
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn results_come_in_seed_order_whatever_the_jobs() {
        let range: SeedRange = "0..200".parse().unwrap();
        let one = run_seeds(range, 1, |seed| seed * 7 % 13);
        let four = run_seeds(range, 4, |seed| seed * 7 % 13);
        assert_eq!(one, four);
        assert_eq!(one.len(), 200);
    }

    #[test]
    fn a_panicking_seed_is_a_crash_and_the_sweep_goes_on() {
        let mut crashed = Vec::new();
        let mut done = 0;
        let end = sweep(
            Seeds::all("0..20".parse().unwrap()),
            &SweepOptions::new(2),
            Arc::new(|seed| {
                assert!(seed != 7, "model bug at seed {seed}");
                seed
            }),
            |seed, result| match result {
                SeedResult::Done(_) => done += 1,
                SeedResult::Crashed { message } => crashed.push((seed, message)),
                SeedResult::Hung { .. } => panic!("no hangs here"),
            },
            || {},
        );
        assert_eq!(end, SweepEnd::Completed);
        assert_eq!(done, 19);
        assert_eq!(crashed.len(), 1);
        assert_eq!(crashed[0].0, 7);
        assert!(
            crashed[0].1.contains("model bug at seed 7"),
            "{}",
            crashed[0].1
        );
        assert!(
            crashed[0].1.contains("sweep.rs"),
            "the location is kept: {}",
            crashed[0].1
        );
    }

    /// Sweeps `0..seeds` on 2 jobs where seed `stuck` spins (never sleeps) for `spin` and
    /// every other seed for `others`; returns how it ended, the seeds reported in order, and
    /// the seeds reported as hung.
    fn sweep_with_a_spinning_seed(
        seeds: u64,
        stuck: u64,
        spin: Duration,
        others: Duration,
        watchdog: Duration,
    ) -> (SweepEnd, Vec<u64>, Vec<u64>) {
        let mut options = SweepOptions::new(2);
        options.watchdog = watchdog;
        let (mut reported, mut hung) = (Vec::new(), Vec::new());
        let end = sweep(
            Seeds::all(SeedRange {
                start: 0,
                end: seeds,
            }),
            &options,
            Arc::new(move |seed| {
                let until = Instant::now() + if seed == stuck { spin } else { others };
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
                seed
            }),
            |seed, result| {
                reported.push(seed);
                if matches!(result, SeedResult::Hung { .. }) {
                    hung.push(seed);
                }
            },
            || {},
        );
        (end, reported, hung)
    }

    #[test]
    fn a_spinning_seed_is_a_hang_and_the_sweep_goes_on() {
        let (end, reported, hung) = sweep_with_a_spinning_seed(
            10,
            3,
            Duration::from_secs(3),
            Duration::ZERO,
            Duration::from_millis(300),
        );
        assert_eq!(end, SweepEnd::Completed);
        assert_eq!(
            reported,
            (0..10).collect::<Vec<_>>(),
            "every seed once, in order"
        );
        assert_eq!(hung, vec![3]);
    }

    #[test]
    fn a_hung_worker_that_wakes_up_takes_no_more_seeds_and_loses_none() {
        // The stuck seed comes back (after the watchdog gave up on it) while the sweep is
        // still running: its worker must retire, and every seed be reported exactly once.
        let (end, reported, hung) = sweep_with_a_spinning_seed(
            120,
            5,
            Duration::from_millis(400),
            Duration::from_millis(10),
            Duration::from_millis(100),
        );
        assert_eq!(end, SweepEnd::Completed);
        assert_eq!(reported, (0..120).collect::<Vec<_>>());
        assert_eq!(hung, vec![5]);
    }

    #[test]
    fn a_stop_request_leaves_a_prefix_of_the_seeds_done() {
        let options = SweepOptions::new(2);
        let stop = options.stop.clone();
        let mut seen = Vec::new();
        let end = sweep(
            Seeds::all("0..100000".parse().unwrap()),
            &options,
            Arc::new(|seed| {
                std::thread::sleep(Duration::from_millis(1));
                seed
            }),
            |seed, _| {
                seen.push(seed);
                if seed == 50 {
                    stop.store(true, Ordering::Relaxed);
                }
            },
            || {},
        );
        assert_eq!(end, SweepEnd::Interrupted);
        assert!(seen.len() >= 51 && seen.len() < 1000, "{}", seen.len());
        assert_eq!(
            seen,
            (0..seen.len() as u64).collect::<Vec<_>>(),
            "a prefix, in order"
        );
    }
}
