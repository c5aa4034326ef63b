//! Fault injection: every fault of a run is a named decision, drawn from the seed or
//! replayed from a recorded [`FaultSchedule`].
//!
//! In a seeded run, the [`Injector`] draws each decision from a `ChaCha8Rng` seeded from
//! madsim's RNG, as the run's [`Strategy`] says (see [`crate::strategy`]), and records
//! every fault it injects (never the absence of one). Replaying that schedule (instead of
//! drawing) gives the identical run, whatever strategy drew it: benign noise and task order
//! come from madsim's RNG, which the injector never touches during the run. The same
//! schedule can be replayed on another design, or with faults dropped or weakened.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dnsim_model::{Chaos, Fault, FaultKind, Site};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::exploring::strategy::{Chooser, Strategy, StrategyChoices};
use crate::running::scenario::Scenario;
pub use crate::running::schedule::{FaultSchedule, ScheduledFault};
use crate::running::trace::{Trace, TraceEntry};

/// Where a run's faults come from.
#[derive(Clone, Debug)]
pub enum FaultSource {
    /// Drawn from the seed, as the run's [`Strategy`] chooses.
    Seeded,
    /// Exactly these, and no others.
    Scripted(FaultSchedule),
    /// Exactly these, and every decision the model asks for in the fault phase is written
    /// to the log (how `exhaust` learns which sites a run reaches).
    Logged(FaultSchedule, DecisionLog),
}

/// One decision the model asked for: at `site`, may a fault of `kind` strike?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Where.
    pub site: Site,
    /// Which kind of fault may strike.
    pub kind: FaultKind,
    /// Simulated time since the run started.
    pub at: Duration,
    /// Whether a fault struck.
    pub struck: bool,
}

/// The decisions of one run, in the order they were asked (shared with the caller, which
/// reads it when the run is over; a `Mutex` because a run spec may move to another thread).
#[derive(Clone, Debug, Default)]
pub struct DecisionLog(Arc<Mutex<Vec<Decision>>>);

impl DecisionLog {
    /// The decisions logged so far.
    pub fn take(&self) -> Vec<Decision> {
        std::mem::take(&mut *self.0.lock().expect("not poisoned"))
    }

    fn push(&self, decision: Decision) {
        self.0.lock().expect("not poisoned").push(decision);
    }
}

enum Mode {
    Seeded {
        rng: Box<ChaCha8Rng>,
        chooser: Box<dyn Chooser>,
    },
    Scripted(BTreeMap<(Site, FaultKind), Fault>),
}

/// Decides every fault of one run (the model's [`Chaos`]), and records what it injected.
pub struct Injector {
    mode: RefCell<Mode>,
    /// Faults stop at this simulated time; stalls are cut short to end by it.
    faults_end: Duration,
    /// The simulated clock, held (see `Ctx::now` in the model), and its reading at the start.
    time: madsim::time::TimeHandle,
    start: Duration,
    injected: RefCell<Vec<ScheduledFault>>,
    trace: Rc<RefCell<Trace>>,
    log: Option<DecisionLog>,
}

impl Injector {
    /// Must be created at the start of the run, inside the runtime. A seeded injector
    /// draws its strategy's choices (a swarm mix, bounded-delay's stall points) here, first
    /// thing from the fault RNG; a scripted one ignores `strategy`.
    pub fn new(
        source: FaultSource,
        strategy: Strategy,
        scenario: &Scenario,
        trace: Rc<RefCell<Trace>>,
    ) -> Injector {
        let time = madsim::time::TimeHandle::current();
        // Drawn whatever the source, so that madsim's RNG is in the same state either way.
        let fault_seed: u64 = madsim::rand::random();
        let log = match &source {
            FaultSource::Logged(_, log) => Some(log.clone()),
            _ => None,
        };
        let mode = match source {
            FaultSource::Seeded => {
                let mut rng = Box::new(ChaCha8Rng::seed_from_u64(fault_seed));
                let chooser = strategy.chooser(scenario, &mut rng);
                if strategy != Strategy::Uniform {
                    // The first line of a traced replay: what this seed chose. Not part of
                    // the trace hash (the seed and strategy determine it).
                    tracing::info!(target: "dnsim::trace::strategy", kind = "strategy", "{:<12} {}", "strategy", chooser.announce());
                }
                Mode::Seeded { rng, chooser }
            }
            FaultSource::Scripted(schedule) | FaultSource::Logged(schedule, _) => Mode::Scripted(
                schedule
                    .0
                    .into_iter()
                    .map(|f| ((f.at, f.fault.kind()), f.fault))
                    .collect(),
            ),
        };
        Injector {
            mode: RefCell::new(mode),
            faults_end: Duration::from_millis(scenario.phases.faults_ms),
            start: time.elapsed(),
            time,
            injected: RefCell::new(Vec::new()),
            trace,
            log,
        }
    }

    /// Every fault injected, and what the strategy chose (for display).
    pub fn finish(self) -> (FaultSchedule, StrategyChoices) {
        let choices = match self.mode.into_inner() {
            Mode::Seeded { chooser, .. } => chooser.choices(),
            Mode::Scripted(_) => StrategyChoices::Scripted,
        };
        (FaultSchedule(self.injected.into_inner()), choices)
    }
}

impl Chaos for Injector {
    fn decide(&self, site: &Site, kind: FaultKind) -> Option<Fault> {
        let now = self.time.elapsed() - self.start;
        if now >= self.faults_end {
            return None;
        }
        let fault = match &mut *self.mode.borrow_mut() {
            Mode::Scripted(schedule) => schedule.get(&(*site, kind)).copied(),
            Mode::Seeded { rng, chooser } => chooser.decide(rng, site, kind),
        };
        if let Some(log) = &self.log {
            log.push(Decision {
                site: *site,
                kind,
                at: now,
                struck: fault.is_some(),
            });
        }
        let fault = fault?;
        // Faults stop at the end of the fault phase: a stall in progress ends with it.
        let fault = match fault {
            Fault::Stall { ms } => {
                let left_ms = (self.faults_end - now).as_millis() as u64;
                Fault::Stall {
                    ms: ms.min(left_ms).max(1),
                }
            }
            other => other,
        };
        let scheduled = ScheduledFault { at: *site, fault };
        self.injected.borrow_mut().push(scheduled);
        self.trace
            .borrow_mut()
            .push(now, TraceEntry::Fault(scheduled));
        Some(fault)
    }
}
