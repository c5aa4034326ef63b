//! Shrinking a failing run to its essential faults.
//!
//! A failing seed typically injects dozens of faults; only a handful make the race happen.
//! [`shrink`] replays the run's fault schedule (scripted: exactly these faults, same seed,
//! same design) and minimises it while the same invariant still fails:
//!
//! 1. **Drop faults**, by delta debugging (Zeller's ddmin): try removing ever smaller chunks
//!    of the schedule, keep any removal after which the invariant still fails, then try
//!    removing each remaining fault alone, until no single fault can go (1-minimal).
//! 2. **Weaken the rest**: halve each fault's magnitude (stall, delay, lock hold, restart
//!    time, burst size) for as long as the invariant still fails.
//! 3. **Repeat** both until a whole round changes nothing: a weakened fault can make another
//!    unnecessary, and a dropped one can let another halve further. The result is 1-minimal:
//!    no single fault can be dropped, and none halved, with the invariant still failing.
//!
//! Every step is a deterministic re-run, so the result replays exactly. Each re-run is
//! watched by the sweep's wall-clock watchdog ([`crate::watched`]): a schedule whose run
//! spins without ever sleeping halts the shrink with [`Halted`] instead of hanging it.
//!
//! Why not proptest's
//! shrinking: proptest shrinks values it generated itself, through its value trees; this
//! schedule comes from a seeded simulation and its oracle is a re-run of that simulation,
//! which is what ddmin was made for. proptest does shrink the scenario parameters of the
//! property tests (`tests/properties.rs`).

use std::time::Duration;

use dnsim_model::{Design, Fault};

use crate::checking::invariants::InvariantId;
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::SeedResult;
use crate::running::faults::{FaultSchedule, FaultSource, ScheduledFault};
use crate::running::run::{Outcome, RunSpec};
use crate::running::scenario::Scenario;
use crate::running::watched::run_watched;

/// A shrunk counterexample.
pub struct Shrunk {
    /// The invariant the run violates.
    pub invariant: InvariantId,
    /// The faults of the original failing run.
    pub original: FaultSchedule,
    /// The minimal schedule: every fault in it struck, and none can be dropped or halved.
    pub minimal: FaultSchedule,
    /// The run of the minimal schedule (with its trace).
    pub outcome: Outcome,
    /// How many runs shrinking took.
    pub runs: u32,
}

/// Why a shrink stopped before it finished: one of its re-runs hung or crashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Halted {
    /// `hang` or `crash`.
    pub kind: &'static str,
    /// The watchdog's or the panic's message.
    pub reason: String,
}

struct Oracle<'a> {
    scenario: &'a Scenario,
    design: &'static dyn Design,
    strategy: Strategy,
    seed: u64,
    invariant: InvariantId,
    watchdog: Duration,
    runs: u32,
    /// The first re-run that hung or crashed; once set, no more runs are made.
    halted: Option<Halted>,
}

impl Oracle<'_> {
    /// The run of exactly `faults`, or `None` once a run has hung or crashed.
    fn run(&mut self, faults: &[ScheduledFault], keep: bool) -> Option<Outcome> {
        if self.halted.is_some() {
            return None;
        }
        self.runs += 1;
        let mut spec =
            RunSpec::seeded(self.scenario, self.design, self.seed).with_strategy(self.strategy);
        spec.faults = FaultSource::Scripted(FaultSchedule(faults.to_vec()));
        spec.trace.keep = keep;
        self.watched(&spec)
    }

    fn watched(&mut self, spec: &RunSpec<'_>) -> Option<Outcome> {
        match run_watched(spec, self.watchdog) {
            SeedResult::Done(outcome) => Some(outcome),
            SeedResult::Hung { reason } => {
                self.halted = Some(Halted {
                    kind: "hang",
                    reason,
                });
                None
            }
            SeedResult::Crashed { message } => {
                self.halted = Some(Halted {
                    kind: "crash",
                    reason: message,
                });
                None
            }
        }
    }

    /// Whether the run of `faults` still violates the invariant (never, once halted).
    fn fails(&mut self, faults: &[ScheduledFault]) -> bool {
        self.run(faults, false)
            .is_some_and(|outcome| outcome.violated(self.invariant))
    }
}

/// Shrinks the fault schedule of `design`'s run of `seed` while `invariant` still fails,
/// every re-run under a wall-clock `watchdog`. Returns `Ok(None)` if the seeded run does not
/// violate `invariant`, and `Err` if any re-run hung or crashed.
pub fn shrink(
    scenario: &Scenario,
    design: &'static dyn Design,
    strategy: Strategy,
    seed: u64,
    invariant: InvariantId,
    watchdog: Duration,
) -> Result<Option<Shrunk>, Halted> {
    let mut oracle = Oracle {
        scenario,
        design,
        strategy,
        seed,
        invariant,
        watchdog,
        runs: 0,
        halted: None,
    };
    let seeded = RunSpec::seeded(scenario, design, seed).with_strategy(strategy);
    let original = oracle.watched(&seeded);
    oracle.runs = 1;
    let Some(original) = original else {
        return Err(oracle.halted.expect("a run that returned nothing halted"));
    };
    if !original.violated(invariant) {
        return Ok(None);
    }
    let mut faults = original.faults.0.clone();
    let reproduced = oracle.fails(&faults);
    if let Some(halted) = oracle.halted.take() {
        return Err(halted);
    }
    assert!(
        reproduced,
        "replaying the recorded schedule must reproduce the run"
    );
    // Dropping and halving feed each other: a weaker fault can leave another one unneeded,
    // and with a fault gone another can halve further. So both repeat until a whole round
    // changes nothing; only then can no single fault be dropped or halved. Every change
    // removes a fault or halves one, so the rounds end.
    loop {
        let before = faults.clone();
        faults = drop_faults(&mut oracle, faults);
        faults = weaken_faults(&mut oracle, faults);
        if faults == before || oracle.halted.is_some() {
            break;
        }
    }
    // Keep only the faults that struck (a dropped fault can leave another's site unreached).
    let outcome = oracle.run(&faults, true);
    let outcome = match (outcome, oracle.halted.take()) {
        (Some(outcome), None) => outcome,
        (_, Some(halted)) => return Err(halted),
        (None, None) => unreachable!("a run that returned nothing halted"),
    };
    assert!(outcome.violated(invariant));
    let minimal = outcome.faults.clone();
    Ok(Some(Shrunk {
        invariant,
        original: original.faults,
        minimal,
        outcome,
        runs: oracle.runs,
    }))
}

/// ddmin, then single removals until 1-minimal.
fn drop_faults(oracle: &mut Oracle, mut faults: Vec<ScheduledFault>) -> Vec<ScheduledFault> {
    let mut chunks = 2;
    while faults.len() >= 2 {
        let size = faults.len().div_ceil(chunks);
        let mut removed = false;
        for start in (0..faults.len()).step_by(size) {
            let without: Vec<ScheduledFault> = faults[..start]
                .iter()
                .chain(faults[(start + size).min(faults.len())..].iter())
                .copied()
                .collect();
            if oracle.fails(&without) {
                faults = without;
                chunks = (chunks - 1).max(2);
                removed = true;
                break;
            }
        }
        if !removed {
            if chunks >= faults.len() {
                break;
            }
            chunks = (chunks * 2).min(faults.len());
        }
    }
    // One at a time, until no single fault can go.
    let mut i = 0;
    while i < faults.len() {
        let mut without = faults.clone();
        without.remove(i);
        if oracle.fails(&without) {
            faults = without;
        } else {
            i += 1;
        }
    }
    faults
}

/// The same fault at half the magnitude, if it has one to halve.
fn halved(fault: Fault) -> Option<Fault> {
    let half = |x: u64| (x > 1).then_some(x / 2);
    match fault {
        Fault::Delay { ms } => half(ms).map(|ms| Fault::Delay { ms }),
        Fault::LockHeld { ms } => half(ms).map(|ms| Fault::LockHeld { ms }),
        Fault::Stall { ms } => half(ms).map(|ms| Fault::Stall { ms }),
        Fault::Crash { restart_ms } => {
            half(restart_ms).map(|restart_ms| Fault::Crash { restart_ms })
        }
        Fault::Burst { plans } => (plans > 1).then_some(Fault::Burst { plans: plans / 2 }),
        Fault::ApiError => None,
    }
}

fn weaken_faults(oracle: &mut Oracle, mut faults: Vec<ScheduledFault>) -> Vec<ScheduledFault> {
    for i in 0..faults.len() {
        while let Some(weaker) = halved(faults[i].fault) {
            let mut trial = faults.clone();
            trial[i].fault = weaker;
            if !oracle.fails(&trial) {
                break;
            }
            faults = trial;
        }
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_magnitude_halves_down_to_one() {
        assert_eq!(halved(Fault::Stall { ms: 9 }), Some(Fault::Stall { ms: 4 }));
        assert_eq!(halved(Fault::Stall { ms: 1 }), None);
        assert_eq!(
            halved(Fault::Burst { plans: 3 }),
            Some(Fault::Burst { plans: 1 })
        );
        assert_eq!(halved(Fault::ApiError), None);
    }
}
