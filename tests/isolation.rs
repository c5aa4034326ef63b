//! A sweep survives what a seed can do to it: a panic in model code is a crash with its
//! seed, a task that spins without sleeping is a hang with its seed, and the sweep goes on.
//! The watchdog reads a manual clock that the spinning design moves: no verdict here
//! depends on how fast the machine is.
//!
//! The misbehaving designs below exist only here: each wraps the original design and
//! misbehaves at one step of some runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dnsim::clock::{Clock, ManualClock};

use dnsim::hunt::{hunt_with, FailureKind, HuntOptions};
use dnsim::strategy::Strategy;
use dnsim::sweep::{Seeds, SweepEnd, SweepOptions};
use dnsim_model::design::{Design, Victims};
use dnsim_model::dns::{Change, EndpointId, ZoneSnapshot};
use dnsim_model::{Generation, Plan};
use dnsim_tests::{design, incident};

/// Panics when about to write a stale plan to fips (in some runs only).
struct PanicsInModelCode;

impl Design for PanicsInModelCode {
    fn name(&self) -> &'static str {
        "panics-in-model-code"
    }

    fn apply_changes(
        &self,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        let fips: EndpointId = "fips".parse().unwrap();
        assert!(
            !(endpoint == fips && zone.root > Some(plan.generation)),
            "model bug: a stale write to fips"
        );
        design("original").apply_changes(plan, endpoint, zone)
    }

    fn cleanup_victims<'z>(
        &self,
        applied: Generation,
        age: u64,
        zone: &'z ZoneSnapshot,
    ) -> Victims<'z> {
        design("original").cleanup_victims(applied, age, zone)
    }
}

/// Spins without ever sleeping (until released) when about to write a stale plan to fips,
/// after moving the sweep's clock an hour on (as an hour of spinning would).
struct SpinsWithoutSleeping;

static RELEASE_SPINNERS: AtomicBool = AtomicBool::new(false);
static SPIN_CLOCK: ManualClock = ManualClock::new();

impl Design for SpinsWithoutSleeping {
    fn name(&self) -> &'static str {
        "spins-without-sleeping"
    }

    fn apply_changes(
        &self,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        let fips: EndpointId = "fips".parse().unwrap();
        if endpoint == fips && zone.root > Some(plan.generation) {
            SPIN_CLOCK.advance(Duration::from_secs(3600));
            while !RELEASE_SPINNERS.load(Ordering::Relaxed) {
                std::thread::yield_now();
            }
        }
        design("original").apply_changes(plan, endpoint, zone)
    }

    fn cleanup_victims<'z>(
        &self,
        applied: Generation,
        age: u64,
        zone: &'z ZoneSnapshot,
    ) -> Victims<'z> {
        design("original").cleanup_victims(applied, age, zone)
    }
}

/// Options for a sweep of `seeds` whose watchdog reads `clock`: the spinners' clock, or
/// one that never moves.
fn options(seeds: &str, jobs: usize, clock: Arc<dyn Clock>) -> HuntOptions {
    let mut sweep = SweepOptions::new(jobs);
    sweep.watchdog = Duration::from_secs(60);
    sweep.clock = clock;
    HuntOptions {
        seeds: Seeds::all(seeds.parse().unwrap()),
        strategy: Strategy::Uniform,
        sweep,
        started: Instant::now(),
    }
}

#[test]
fn a_panic_in_model_code_is_a_crash_with_its_seed_and_the_sweep_goes_on() {
    let mut reported = Vec::new();
    let summary = hunt_with(
        &incident(),
        &PanicsInModelCode,
        &options("0..60", 2, Arc::new(ManualClock::new())),
        |_, seed, _| reported.push(seed),
        |_| {},
    );
    assert_eq!(summary.end, SweepEnd::Completed);
    assert_eq!(
        reported,
        (0..60).collect::<Vec<_>>(),
        "every seed reported once, in order"
    );
    let crashes: Vec<_> = summary
        .failures
        .iter()
        .filter(|f| f.kind == FailureKind::Crash)
        .collect();
    assert!(
        !crashes.is_empty(),
        "no seed reached the panic: pick another step"
    );
    assert!(
        crashes.len() < 60,
        "every seed crashed: the panic is not a rare model bug"
    );
    for crash in crashes {
        assert!(
            crash.message.contains("model bug: a stale write to fips"),
            "{}",
            crash.message
        );
        assert!(
            crash.message.contains("tests/isolation.rs"),
            "the panic's location: {}",
            crash.message
        );
    }
}

#[test]
fn a_task_spinning_without_sleeping_is_a_hang_with_its_seed_and_the_sweep_goes_on() {
    // Which seeds reach the spin: the same runs that panic in the design above.
    let crashing: Vec<u64> = hunt_with(
        &incident(),
        &PanicsInModelCode,
        &options("0..30", 2, Arc::new(ManualClock::new())),
        |_, _, _| {},
        |_| {},
    )
    .failures
    .iter()
    .map(|f| f.seed)
    .collect();
    assert!(!crashing.is_empty());
    // One job: only the spinning seed is running when it moves the clock.
    let summary = hunt_with(
        &incident(),
        &SpinsWithoutSleeping,
        &options("0..30", 1, Arc::new(&SPIN_CLOCK)),
        |_, _, _| {},
        |_| {},
    );
    RELEASE_SPINNERS.store(true, Ordering::Relaxed);
    assert_eq!(summary.end, SweepEnd::Completed);
    assert_eq!(summary.seeds_run, 30);
    let hung: Vec<u64> = summary
        .failures
        .iter()
        .filter(|f| f.kind == FailureKind::Hang)
        .map(|f| f.seed)
        .collect();
    assert_eq!(hung, crashing, "exactly the seeds that reach the spin hang");
}
