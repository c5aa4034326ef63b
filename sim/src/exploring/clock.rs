//! The wall clock a sweep's watchdog, time budget and stop grace read: the real one, or a
//! manual one that tests move by hand, so that no test's verdict depends on how fast the
//! machine is.

use std::sync::{Arc, Mutex};
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
    pub const fn new() -> ManualClock {
        ManualClock {
            now: Mutex::new(Duration::ZERO),
        }
    }

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
