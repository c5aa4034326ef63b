//! The wall clock a sweep's watchdog, time budget and stop grace read: the real one, or a
//! manual one that tests move by hand, so that no test's verdict depends on how fast the
//! machine is.
//!
//! A test that drives the command line in-process (`dnsim::cli::main`), where it cannot pass
//! a clock, sets the process's clock once with [`set_process_clock`]: every sweep made with
//! [`crate::exploring::sweep::SweepOptions::new`] after that reads it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A source of elapsed wall time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Time since some fixed origin (the same for every call on this clock).
    fn now(&self) -> Duration;
}

/// The real clock: time since it was made.
#[derive(Debug)]
pub struct RealClock {
    origin: Instant,
}

impl RealClock {
    /// A real clock, shared.
    pub fn shared() -> Arc<dyn Clock> {
        Arc::new(RealClock {
            origin: Instant::now(),
        })
    }
}

impl Clock for RealClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: Mutex<Duration>,
}

impl ManualClock {
    /// A clock at zero.
    pub const fn new() -> ManualClock {
        ManualClock {
            now: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the clock `by` forward.
    pub fn advance(&self, by: Duration) {
        *self.now.lock().expect("not poisoned") += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        *self.now.lock().expect("not poisoned")
    }
}

/// A clock in a `static` (a test's), shared as `Arc<dyn Clock>`.
impl<C: Clock> Clock for &'static C {
    fn now(&self) -> Duration {
        (*self).now()
    }
}

/// The clock set by [`set_process_clock`], if any.
static PROCESS_CLOCK: OnceLock<Arc<dyn Clock>> = OnceLock::new();

/// Makes `clock` the wall clock of every sweep this process makes from now on (a test's,
/// for the command line run in-process). Once only: `Err` if a clock was set already.
pub fn set_process_clock(clock: Arc<dyn Clock>) -> Result<(), String> {
    PROCESS_CLOCK
        .set(clock)
        .map_err(|_| "the process clock is set already".to_string())
}

/// The wall clock a new sweep reads: the one set by [`set_process_clock`], else a real one.
pub fn process_clock() -> Arc<dyn Clock> {
    PROCESS_CLOCK
        .get()
        .cloned()
        .unwrap_or_else(RealClock::shared)
}

/// How many threads are printing now (see [`printing`]).
static PRINTING: AtomicUsize = AtomicUsize::new(0);

/// Runs `print` (formatting a trace line, writing to standard output) as time that a single
/// run's watchdog does not count ([`LessPrinting`]): printing two million trace lines takes
/// seconds of its own, and a slow reader (`| less`, a slow pipe) blocks the writes for as
/// long as it likes; neither is the run being slow. Costs two atomic operations: the run's
/// thread is inside madsim, whose clock there is the simulated one, so no wall time is read.
pub fn printing<T>(print: impl FnOnce() -> T) -> T {
    /// Counts a printer out however its print ends, a panic too (a count left above zero
    /// would stop every such clock of the process).
    struct Printer;
    impl Drop for Printer {
        fn drop(&mut self) {
            PRINTING.fetch_sub(1, Ordering::SeqCst);
        }
    }
    PRINTING.fetch_add(1, Ordering::SeqCst);
    let _printer = Printer;
    print()
}

/// Whether some thread is [`printing`] now.
pub fn anyone_printing() -> bool {
    PRINTING.load(Ordering::SeqCst) > 0
}

/// A clock that leaves out the time spent [`printing`]: what a single run's watchdog reads,
/// so that it judges the run, not the reader of its trace. The time is sampled, as a
/// profiler samples: at each reading, the interval since the last one counts as printing
/// if a print is under way. Over the many readings of a watchdog (one per sweep tick) that
/// is the time spent printing on average, and a write that blocks (a reader that stopped
/// reading) stops the clock outright.
#[derive(Debug)]
pub struct LessPrinting {
    inner: Arc<dyn Clock>,
    /// How many threads are printing now ([`PRINTING`], but for tests).
    printers: &'static AtomicUsize,
    /// The last reading of `inner`, and the time left out so far.
    sampled: Mutex<(Duration, Duration)>,
}

impl LessPrinting {
    /// The process clock, less the time spent printing from now on.
    pub fn shared() -> Arc<dyn Clock> {
        Arc::new(LessPrinting::over(process_clock(), &PRINTING))
    }

    /// `inner`, less the time while `printers` is not zero.
    fn over(inner: Arc<dyn Clock>, printers: &'static AtomicUsize) -> LessPrinting {
        let now = inner.now();
        LessPrinting {
            inner,
            printers,
            sampled: Mutex::new((now, Duration::ZERO)),
        }
    }
}

impl Clock for LessPrinting {
    fn now(&self) -> Duration {
        let mut sampled = self.sampled.lock().expect("not poisoned");
        let (last, left_out) = &mut *sampled;
        let now = self.inner.now().max(*last);
        if self.printers.load(Ordering::SeqCst) > 0 {
            *left_out += now - *last;
        }
        *last = now;
        now - *left_out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A slow reader of a replay's trace does not make the run look hung: the watchdog's
    /// clock stands still while a print is under way, and runs otherwise.
    #[test]
    fn the_time_spent_printing_is_left_out() {
        static CLOCK: ManualClock = ManualClock::new();
        static PRINTERS: AtomicUsize = AtomicUsize::new(0);
        let less = LessPrinting::over(Arc::new(&CLOCK), &PRINTERS);
        let second = Duration::from_secs(1);
        CLOCK.advance(second);
        assert_eq!(less.now(), second, "the run's own time counts");
        PRINTERS.fetch_add(1, Ordering::SeqCst);
        assert_eq!(less.now(), second);
        CLOCK.advance(60 * second); // a write blocked by a reader that stopped reading
        assert_eq!(less.now(), second, "a blocked write is not counted");
        PRINTERS.fetch_sub(1, Ordering::SeqCst);
        CLOCK.advance(2 * second);
        assert_eq!(less.now(), 3 * second, "the run's time counts again");
        assert!(less.now() <= less.now(), "it never runs backwards");
    }

    /// A print that panics is counted out all the same.
    #[test]
    fn a_print_that_panics_is_counted_out() {
        let before = PRINTING.load(Ordering::SeqCst);
        let panicked = std::panic::catch_unwind(|| printing(|| panic!("a print panics")));
        assert!(panicked.is_err());
        // No other test of this binary prints (only `replay --trace` and standard output
        // do), so the count is back where it was.
        assert_eq!(PRINTING.load(Ordering::SeqCst), before);
    }
}
