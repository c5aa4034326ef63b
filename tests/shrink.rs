//! `shrink`'s minimal run is 1-minimal, as its output ("essential faults") claims: dropping
//! any single fault, or halving any one, makes the invariant hold again.
//!
//! The cases are runs whose first drop-then-halve pass left faults that could still go or
//! halve (a halved fault had made another unneeded): shrinking must repeat until nothing
//! changes.

use std::time::Duration;

use dnsim::faults::{FaultSchedule, FaultSource, ScheduledFault};
use dnsim::shrink::shrink;
use dnsim::strategy::Strategy;
use dnsim::{InvariantId, RunSpec, Scenario};
use dnsim_model::{Design, Fault};
use dnsim_tests::{design, incident};

const WATCHDOG: Duration = Duration::from_secs(600);

/// The fault at half its magnitude, if it has one above 1 (written here, not borrowed from
/// `shrink`, so that the check does not share its code).
fn halved(fault: Fault) -> Option<Fault> {
    match fault {
        Fault::Delay { ms } if ms > 1 => Some(Fault::Delay { ms: ms / 2 }),
        Fault::LockHeld { ms } if ms > 1 => Some(Fault::LockHeld { ms: ms / 2 }),
        Fault::Stall { ms } if ms > 1 => Some(Fault::Stall { ms: ms / 2 }),
        Fault::Crash { restart_ms } if restart_ms > 1 => Some(Fault::Crash {
            restart_ms: restart_ms / 2,
        }),
        Fault::Burst { plans } if plans > 1 => Some(Fault::Burst { plans: plans / 2 }),
        _ => None,
    }
}

fn violates(
    scenario: &Scenario,
    design: &'static dyn Design,
    strategy: Strategy,
    seed: u64,
    invariant: InvariantId,
    faults: Vec<ScheduledFault>,
) -> bool {
    let mut spec = RunSpec::seeded(scenario, design, seed).with_strategy(strategy);
    spec.faults = FaultSource::Scripted(FaultSchedule(faults));
    dnsim::run(&spec).violated(invariant)
}

/// Every way the minimal schedule of `seed` could still shrink by one step.
fn one_step_shrinks(strategy: Strategy, seed: u64, invariant: InvariantId) -> Vec<String> {
    let scenario = incident();
    let original = design("original");
    let shrunk = shrink(&scenario, original, strategy, seed, invariant, WATCHDOG)
        .expect("no re-run hangs or crashes")
        .expect("the seed violates the invariant");
    let minimal = shrunk.minimal.0;
    assert!(violates(
        &scenario,
        original,
        strategy,
        seed,
        invariant,
        minimal.clone()
    ));
    let mut shrinkable = Vec::new();
    for i in 0..minimal.len() {
        let mut without = minimal.clone();
        let dropped = without.remove(i);
        if violates(&scenario, original, strategy, seed, invariant, without) {
            shrinkable.push(format!("seed {seed} {invariant}: can drop {dropped:?}"));
        }
        if let Some(weaker) = halved(minimal[i].fault) {
            let mut trial = minimal.clone();
            trial[i].fault = weaker;
            if violates(&scenario, original, strategy, seed, invariant, trial) {
                shrinkable.push(format!(
                    "seed {seed} {invariant}: can halve {:?}",
                    minimal[i]
                ));
            }
        }
    }
    shrinkable
}

#[test]
fn no_fault_of_a_shrunk_run_can_be_dropped_or_halved() {
    let cases = [
        (105, InvariantId::Converges),
        (127, InvariantId::Converges),
        (127, InvariantId::EndpointResolves),
        (127, InvariantId::RollbackTargetExists),
        (62, InvariantId::RollbackTargetExists),
    ];
    let shrinkable: Vec<String> = cases
        .into_iter()
        .flat_map(|(seed, invariant)| one_step_shrinks(Strategy::Swarm, seed, invariant))
        .collect();
    assert!(shrinkable.is_empty(), "{shrinkable:#?}");
}
