//! The wall clock a sweep's watchdog, time budget and stop grace read: the real one, or a
//! manual one that tests move by hand, so that no test's verdict depends on how fast the
//! machine is.
//!
//! A test that drives the command line in-process (`dnsim::cli::main`), where it cannot pass
//! a clock, sets the process's clock once with [`set_process_clock`]: every sweep made with
//! [`crate::exploring::sweep::SweepOptions::new`] after that reads it.

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
