//! The schedule tree: every fault schedule of at most K faults, each exactly once.
//!
//! A schedule is a *set* of faults, each a (decision site, menu entry) pair. Its run is the
//! scripted run of exactly those faults (same design, same noise seed). The tree:
//!
//! - the root is the empty schedule (the fault-free run);
//! - the children of a schedule S are S plus one fault at a decision the run of S asks for
//!   *after the last fault of S struck* (and never asked for before it), one child per menu
//!   entry of that decision's kind.
//!
//! Why every schedule appears, and only once. Take any schedule C whose faults all strike,
//! and let f be the one that strikes last. Dropping f leaves the run unchanged up to f's
//! decision (the model is deterministic and nothing differs before it), so every other
//! fault of C struck earlier in the run of C - f, and f's decision is asked there after
//! them: C is a child of C - f. It is a child of no other C - g: the run of C - g is the run
//! of C up to g's decision, so g's decision comes before f's, never after every fault of
//! C - g. And every child's faults all strike, by the same argument. So the tree holds every
//! schedule whose faults all strike, once each, with no table of the schedules seen.
//!
//! That is also the pruning, and how equivalent schedules are told apart:
//!
//! 1. **Unreached sites**: a fault is only placed at a decision the run actually asks for.
//!    A fault at a site never reached leaves the run as it was: not a new schedule.
//! 2. **Order**: a schedule is a set, built from its parent without its last fault; the k!
//!    orders in which k faults could be added are one schedule, run once.
//! 3. **Equal after clipping**: a stall is cut short to end with the fault phase (as in every
//!    run), so near its end `stall-short` and `stall-long` can inject the same stall; the
//!    second is the same schedule, and is not run.
//! 4. **After the fault phase** the model is not asked (faults stop when the phase ends).

use std::collections::BTreeSet;
use std::time::Duration;

use dnsim_model::{Design, Fault, FaultKind, Site};

use crate::running::faults::{Decision, DecisionLog, FaultSchedule, FaultSource, ScheduledFault};
use crate::running::run::{run, Outcome, RunSpec};
use crate::running::scenario::Scenario;

use super::menu::Menu;

/// What the run of one schedule showed.
#[derive(Clone, Debug)]
pub struct Explored {
    /// The run (without its trace).
    pub outcome: Outcome,
    /// Decisions asked for, in the fault phase, after the schedule's last fault.
    pub open_decisions: u64,
    /// The schedule's children, in enumeration order (empty when not asked for).
    pub children: Vec<FaultSchedule>,
    /// Children not made because a shorter stall on the menu injects the same stall.
    pub clipped: u64,
}

/// Runs `schedule` on `noise_seed` and, if `expand`, lists its children.
///
/// Panics if a fault of the schedule did not strike: by construction of the tree every one
/// does, so that would be a bug in the harness (a sweep reports it as a crash).
pub fn explore(
    scenario: &Scenario,
    design: &'static dyn Design,
    menu: &Menu,
    noise_seed: u64,
    schedule: &FaultSchedule,
    expand: bool,
) -> Explored {
    let log = DecisionLog::default();
    let mut spec = RunSpec::seeded(scenario, design, noise_seed);
    spec.faults = FaultSource::Logged(schedule.clone(), log.clone());
    let outcome = run(&spec);
    let decisions = log.take();
    assert_eq!(
        outcome.faults.len(),
        schedule.len(),
        "every fault of a schedule in the tree strikes: {schedule:?}"
    );
    let open = open_decisions(&decisions);
    let faults_end = Duration::from_millis(scenario.phases.faults_ms);
    let mut children = Vec::new();
    let mut clipped = 0;
    if expand {
        for decision in &open {
            let mut offered: Vec<Fault> = Vec::new();
            for entry in menu.for_kind(decision.kind) {
                let fault = as_injected(entry.fault, faults_end.saturating_sub(decision.at));
                if offered.contains(&fault) {
                    clipped += 1;
                    continue;
                }
                offered.push(fault);
                let mut child = outcome.faults.clone();
                child.0.push(ScheduledFault {
                    at: decision.site,
                    fault,
                });
                children.push(child);
            }
        }
    }
    Explored {
        outcome,
        open_decisions: open.len() as u64,
        children,
        clipped,
    }
}

/// The decisions first asked for after the last one at which a fault struck.
pub fn open_decisions(decisions: &[Decision]) -> Vec<Decision> {
    let after = decisions
        .iter()
        .rposition(|d| d.struck)
        .map_or(0, |last| last + 1);
    let mut seen: BTreeSet<(Site, FaultKind)> = BTreeSet::new();
    let mut open = Vec::new();
    for (i, decision) in decisions.iter().enumerate() {
        // A site asked for again later is still the first occurrence's decision: a fault
        // scheduled there strikes at the first one.
        if seen.insert((decision.site, decision.kind)) && i >= after {
            open.push(*decision);
        }
    }
    open
}

/// The fault as it would strike with `left` of the fault phase to go: a stall is cut short
/// to end with the phase (as [`crate::running::faults::Injector`] does).
fn as_injected(fault: Fault, left: Duration) -> Fault {
    match fault {
        Fault::Stall { ms } => Fault::Stall {
            ms: ms.min(left.as_millis() as u64).max(1),
        },
        other => other,
    }
}
