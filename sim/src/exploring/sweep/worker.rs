//! One sweep worker: a thread that takes the next seed, runs it under `catch_unwind`, and
//! sends its result to the calling thread; and the slot the watchdog reads to judge it.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Condvar, Mutex, Once};

use std::time::Duration;

use super::seeds::{SeedResult, Seeds};
use crate::exploring::clock::Clock;

/// How often the calling thread looks at the watchdog, the budget and the stop flag.
pub(super) const TICK: Duration = Duration::from_millis(100);

pub(super) enum Message<T> {
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
pub(super) struct Slot {
    /// The seed it runs, and since when (on the clock).
    pub(super) running: Option<(u64, Duration)>,
    /// Set by the watchdog when it gives up on the seed running: the worker's result is
    /// then dropped (the seed was reported hung) and the worker takes no more seeds.
    pub(super) abandoned: bool,
}

/// How far the caller has taken results, for the workers' window.
pub(super) struct Progress {
    pub(super) reported: Mutex<u64>,
    pub(super) advanced: Condvar,
}

/// What every worker shares.
pub(super) struct Shared<T> {
    pub(super) seeds: Seeds,
    pub(super) next: AtomicU64,
    pub(super) window: u64,
    pub(super) progress: Progress,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) run_one: Arc<dyn Fn(u64) -> T + Send + Sync>,
}

impl<T> Shared<T> {
    pub(super) fn stopping(&self) -> bool {
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
pub(super) fn install_panic_hook() {
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
pub(super) fn take<T>(
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
pub(super) fn work<T>(
    worker: usize,
    shared: &Shared<T>,
    slot: &Mutex<Slot>,
    sender: &SyncSender<Message<T>>,
) {
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
