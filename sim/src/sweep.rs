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

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Condvar, Mutex, Once};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::{Clock, RealClock};
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
    pub fn new(jobs: usize) -> SweepOptions {
        SweepOptions {
            jobs,
            watchdog: Duration::from_secs(10),
            stop: Arc::new(AtomicBool::new(false)),
            time_budget: None,
            clock: RealClock::shared(),
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

/// How often the calling thread looks at the watchdog, the budget and the stop flag.
const TICK: Duration = Duration::from_millis(100);

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
    Finished {
        seed_index: u64,
        result: SeedResult<T>,
    },
    Exited {
        worker: usize,
    },
}

/// What one worker is doing, shared by the worker and the watchdog. The worker stamps a
/// seed's start and clears it when the seed returns, so the watchdog judges a seed by what
/// its worker is doing, never by when the calling thread got round to reading a message.
#[derive(Default)]
struct Slot {
    /// The seed it runs, and since when (on the clock).
    running: Option<(u64, Duration)>,
    /// Set by the watchdog when it gives up on the seed running: the worker's result is
    /// then dropped (the seed was reported hung) and the worker takes no more seeds.
    abandoned: bool,
}

/// How far the caller has taken results, for the workers' window.
struct Progress {
    reported: Mutex<u64>,
    advanced: Condvar,
}

/// What every worker shares.
struct Shared<T> {
    seeds: Seeds,
    next: AtomicU64,
    window: u64,
    progress: Progress,
    stop: Arc<AtomicBool>,
    clock: Arc<dyn Clock>,
    run_one: Arc<dyn Fn(u64) -> T + Send + Sync>,
}

impl<T> Shared<T> {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Waits until `seed_index` is inside the window; false if the sweep stops first.
    fn wait_for_room(&self, seed_index: u64) -> bool {
        let mut reported = self.progress.reported.lock().expect("not poisoned");
        while seed_index >= *reported + self.window {
            if self.stopping() {
                return false;
            }
            reported = self
                .progress
                .advanced
                .wait_timeout(reported, TICK)
                .expect("not poisoned")
                .0;
        }
        !self.stopping()
    }
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

/// Takes a worker's message in: a result to report, or a worker gone.
fn take<T>(
    message: Message<T>,
    waiting: &mut BTreeMap<u64, SeedResult<T>>,
    workers: &mut BTreeMap<usize, Arc<Mutex<Slot>>>,
) {
    match message {
        Message::Finished { seed_index, result } => {
            waiting.insert(seed_index, result);
        }
        Message::Exited { worker } => {
            workers.remove(&worker);
        }
    }
}

/// One worker: takes the next seed, runs it, sends its result, until the seeds run out,
/// the sweep stops, or the watchdog gives up on it.
fn work<T>(worker: usize, shared: &Shared<T>, slot: &Mutex<Slot>, sender: &SyncSender<Message<T>>) {
    IN_WORKER.with(|w| w.set(true));
    while !shared.stopping() {
        let seed_index = shared.next.fetch_add(1, Ordering::SeqCst);
        if seed_index >= shared.seeds.len() || !shared.wait_for_room(seed_index) {
            break;
        }
        slot.lock().expect("not poisoned").running = Some((seed_index, shared.clock.now()));
        let result = run_guarded(shared.run_one.as_ref(), shared.seeds.nth(seed_index));
        {
            let mut slot = slot.lock().expect("not poisoned");
            if slot.abandoned {
                // Reported hung already, and replaced: take no more seeds.
                return;
            }
            slot.running = None;
        }
        if sender
            .send(Message::Finished { seed_index, result })
            .is_err()
        {
            return;
        }
    }
    let _ = sender.send(Message::Exited { worker });
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
                    "still running after the {:?} wall-clock watchdog (a task that never sleeps?)",
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
    mut on_progress: impl FnMut(u64),
) -> (Vec<T>, SweepEnd) {
    let mut results = Vec::with_capacity(seeds.len() as usize);
    let end = sweep(
        Seeds::all(seeds),
        options,
        Arc::new(run_one),
        |seed, result| {
            match result {
                SeedResult::Done(value) => results.push(value),
                SeedResult::Crashed { message } => panic!("seed {seed} crashed: {message}"),
                SeedResult::Hung { reason } => panic!("seed {seed} hung: {reason}"),
            }
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

    use crate::clock::ManualClock;
    use std::sync::mpsc::{channel, Receiver, Sender};

    const HOUR: Duration = Duration::from_secs(3600);

    fn seeds(end: u64) -> Seeds {
        Seeds::all(SeedRange { start: 0, end })
    }

    fn manual(jobs: usize, watchdog: Duration) -> (SweepOptions, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new());
        let mut options = SweepOptions::new(jobs);
        options.watchdog = watchdog;
        options.clock = clock.clone();
        (options, clock)
    }

    /// A channel end that seed closures (`Fn + Sync`) can share.
    fn shared<T>(value: T) -> Arc<Mutex<T>> {
        Arc::new(Mutex::new(value))
    }

    /// Sends on its channel when the thread that holds it ends.
    struct SignalsThreadEnd(Sender<&'static str>);

    impl Drop for SignalsThreadEnd {
        fn drop(&mut self) {
            let _ = self.0.send("thread ended");
        }
    }

    thread_local! {
        static ON_THREAD_END: std::cell::RefCell<Option<SignalsThreadEnd>> =
            const { std::cell::RefCell::new(None) };
    }

    #[test]
    fn a_seed_still_running_past_the_watchdog_is_a_hang_and_the_sweep_goes_on() {
        // One job, so that only seed 3 is running when the clock jumps: it moves the clock
        // an hour on and waits, as a task that never sleeps would.
        let (options, clock) = manual(1, Duration::from_secs(10));
        let (release, released) = channel::<()>();
        let released = shared(released);
        let (mut reported, mut hung) = (Vec::new(), Vec::new());
        let end = sweep(
            seeds(10),
            &options,
            Arc::new(move |seed| {
                if seed == 3 {
                    clock.advance(HOUR);
                    let _ = released.lock().unwrap().recv();
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
        let _ = release.send(());
        assert_eq!(end, SweepEnd::Completed);
        assert_eq!(
            reported,
            (0..10).collect::<Vec<_>>(),
            "every seed once, in order"
        );
        assert_eq!(hung, vec![3]);
    }

    #[test]
    fn a_seeds_start_is_stamped_by_its_worker_not_when_the_caller_reads_it() {
        // The caller is busy with seed 0's result (a slow reader) while seed 1 starts, moves
        // the clock past the watchdog and hangs. Stamped by the caller once it is free
        // again, seed 1 would look fresh and never be found hung.
        let (options, clock) = manual(1, Duration::from_secs(10));
        let (hanging, hangs) = channel::<()>();
        let (release, released) = channel::<()>();
        let (hanging, released) = (shared(hanging), shared(released));
        let mut hung = Vec::new();
        let end = sweep(
            seeds(3),
            &options,
            Arc::new(move |seed| {
                if seed == 1 {
                    clock.advance(HOUR);
                    hanging.lock().unwrap().send(()).unwrap();
                    // Only a broken watchdog lets this time out (and the test then fails).
                    let _ = released
                        .lock()
                        .unwrap()
                        .recv_timeout(Duration::from_secs(120));
                }
                seed
            }),
            |seed, result| {
                if seed == 0 {
                    hangs.recv().unwrap();
                }
                if let SeedResult::Hung { .. } = result {
                    hung.push(seed);
                    let _ = release.send(());
                }
            },
            || {},
        );
        assert_eq!(end, SweepEnd::Completed);
        assert_eq!(hung, vec![1]);
    }

    #[test]
    fn time_the_caller_spends_on_a_result_is_never_blamed_on_a_seed() {
        // The caller takes an hour over seed 0's result, and only starts it once the worker
        // has run every other seed and ended: those seeds' results wait in the queue, but
        // no seed is running, so none is hung.
        let (options, clock) = manual(1, Duration::from_secs(10));
        let (ended, thread_ends) = channel();
        let ended = shared(ended);
        let mut reported = Vec::new();
        let end = sweep(
            seeds(3),
            &options,
            Arc::new(move |seed| {
                let signal = SignalsThreadEnd(ended.lock().unwrap().clone());
                ON_THREAD_END.with(|slot| *slot.borrow_mut() = Some(signal));
                seed
            }),
            |seed, result| {
                if seed == 0 {
                    assert_eq!(thread_ends.recv().unwrap(), "thread ended");
                    clock.advance(HOUR);
                }
                assert!(
                    matches!(result, SeedResult::Done(_)),
                    "seed {seed}: {result:?}"
                );
                reported.push(seed);
            },
            || {},
        );
        assert_eq!(end, SweepEnd::Completed);
        assert_eq!(reported, vec![0, 1, 2]);
    }

    #[test]
    fn a_hung_worker_that_wakes_up_takes_no_more_seeds_and_loses_none() {
        // Seed 5 hangs (it moves the clock past the watchdog and waits); a new worker goes
        // on. Seed 60 then wakes seed 5 up and waits to see what its thread does next: end
        // (right), or take another seed (wrong).
        let (options, clock) = manual(1, Duration::from_secs(10));
        let (release, released) = channel::<()>();
        let (news, what_it_did): (Sender<&'static str>, Receiver<&'static str>) = channel();
        let (released, news, what_it_did) = (shared(released), shared(news), shared(what_it_did));
        let stuck_thread = shared(None);
        let verdict = shared(None);
        let (mut reported, mut hung) = (Vec::new(), Vec::new());
        let watched = verdict.clone();
        let end = sweep(
            seeds(120),
            &options,
            Arc::new(move |seed| {
                let me = std::thread::current().id();
                if *stuck_thread.lock().unwrap() == Some(me) {
                    news.lock().unwrap().send("took another seed").unwrap();
                }
                if seed == 5 {
                    *stuck_thread.lock().unwrap() = Some(me);
                    let signal = SignalsThreadEnd(news.lock().unwrap().clone());
                    ON_THREAD_END.with(|slot| *slot.borrow_mut() = Some(signal));
                    clock.advance(HOUR);
                    released.lock().unwrap().recv().unwrap();
                }
                if seed == 60 {
                    release.send(()).unwrap();
                    *watched.lock().unwrap() = Some(what_it_did.lock().unwrap().recv().unwrap());
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
        assert_eq!(*verdict.lock().unwrap(), Some("thread ended"));
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
            seeds(1_000_000),
            &options,
            Arc::new(|seed| seed),
            |seed, _| {
                seen.push(seed);
                if seed == 50 {
                    stop.store(true, Ordering::SeqCst);
                }
            },
            || {},
        );
        assert_eq!(end, SweepEnd::Interrupted);
        // Workers never run ahead of the caller by more than their window.
        let window = WINDOW_PER_JOB * 2;
        assert!(seen.len() as u64 <= 51 + 2 * window, "{}", seen.len());
        assert_eq!(
            seen,
            (0..seen.len() as u64).collect::<Vec<_>>(),
            "a prefix, in order"
        );
    }

    #[test]
    fn the_time_budget_stops_the_sweep_by_the_clock() {
        // Each result takes the caller a second on the clock; the budget is ten.
        let (mut options, clock) = manual(2, HOUR);
        options.time_budget = Some(Duration::from_secs(10));
        let mut seen = Vec::new();
        let end = sweep(
            seeds(1_000_000),
            &options,
            Arc::new(|seed| seed),
            |seed, _| {
                seen.push(seed);
                clock.advance(Duration::from_secs(1));
            },
            || {},
        );
        assert_eq!(end, SweepEnd::TimeBudget);
        let window = WINDOW_PER_JOB * 2;
        assert!(
            seen.len() >= 10 && seen.len() as u64 <= 11 + 2 * window,
            "{}",
            seen.len()
        );
        assert_eq!(
            seen,
            (0..seen.len() as u64).collect::<Vec<_>>(),
            "a prefix, in order"
        );
    }

    #[test]
    fn a_stopped_sweep_gives_up_on_a_seed_still_running_after_the_grace() {
        // Seed 5 never returns (until the test ends); the watchdog is an hour away. Once
        // stopped, the sweep waits the grace (each tick moves the clock 100 ms), not the
        // watchdog, and does not call seed 5 hung.
        let (options, clock) = manual(1, HOUR);
        let stop = options.stop.clone();
        let (release, released) = channel::<()>();
        let (started, starts) = channel::<()>();
        let (released, started) = (shared(released), shared(started));
        let (mut reported, mut hung) = (Vec::new(), Vec::new());
        let end = sweep(
            seeds(1000),
            &options,
            Arc::new(move |seed| {
                if seed == 5 {
                    started.lock().unwrap().send(()).unwrap();
                    let _ = released.lock().unwrap().recv();
                }
                seed
            }),
            |seed, result| {
                reported.push(seed);
                if matches!(result, SeedResult::Hung { .. }) {
                    hung.push(seed);
                }
                if seed == 4 {
                    starts.recv().unwrap();
                    stop.store(true, Ordering::SeqCst);
                }
            },
            || clock.advance(Duration::from_millis(100)),
        );
        let _ = release.send(());
        assert_eq!(end, SweepEnd::Interrupted);
        assert_eq!(reported, vec![0, 1, 2, 3, 4]);
        assert!(hung.is_empty());
    }

    #[test]
    fn workers_wait_for_a_slow_caller_instead_of_piling_up_results() {
        // While seed 0 is stuck, the other worker may run the rest of the window, and no
        // further. Seed 0 waits until the window is full, then a little longer, to give a
        // broken window the chance to show.
        let options = SweepOptions::new(2);
        let window = WINDOW_PER_JOB * 2;
        let highest = Arc::new(AtomicU64::new(0));
        let seen = highest.clone();
        let end = sweep(
            seeds(10_000),
            &options,
            Arc::new(move |seed| {
                seen.fetch_max(seed, Ordering::SeqCst);
                if seed == 0 {
                    while seen.load(Ordering::SeqCst) < window - 1 {
                        std::thread::yield_now();
                    }
                    std::thread::sleep(Duration::from_millis(200));
                    let beyond = seen.load(Ordering::SeqCst);
                    assert!(
                        beyond < window,
                        "seed {beyond} ran while seed 0 was unreported"
                    );
                }
                seed
            }),
            |seed, result| {
                if let SeedResult::Crashed { message } = result {
                    panic!("seed {seed}: {message}");
                }
            },
            || {},
        );
        assert_eq!(end, SweepEnd::Completed);
    }
}
