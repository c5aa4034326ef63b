//! A sweep survives what a seed can do to it: a panic in model code is a crash with its
//! seed, a task that spins without sleeping is a hang with its seed, and the sweep goes on.
//!
//! The misbehaving designs below exist only here: each wraps the original design and
//! misbehaves at one step of some runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dnsim::hunt::{hunt_with, FailureKind, HuntOptions};
use dnsim::strategy::Strategy;
use dnsim::sweep::{Seeds, SweepEnd, SweepOptions};
use dnsim_model::design::Design;
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

    fn cleanup_victims(
        &self,
        applied: Generation,
        age: u64,
        zone: &ZoneSnapshot,
    ) -> Vec<Generation> {
        design("original").cleanup_victims(applied, age, zone)
    }
}

/// Spins without ever sleeping (until released) when about to write a stale plan to fips.
struct SpinsWithoutSleeping;

static RELEASE_SPINNERS: AtomicBool = AtomicBool::new(false);

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
            while !RELEASE_SPINNERS.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        }
        design("original").apply_changes(plan, endpoint, zone)
    }

    fn cleanup_victims(
        &self,
        applied: Generation,
        age: u64,
        zone: &ZoneSnapshot,
    ) -> Vec<Generation> {
        design("original").cleanup_victims(applied, age, zone)
    }
}

fn options(seeds: &str, watchdog: Duration) -> HuntOptions {
    let mut sweep = SweepOptions::new(2);
    sweep.watchdog = watchdog;
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
        &options("0..60", Duration::from_secs(30)),
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
        &options("0..30", Duration::from_secs(30)),
        |_, _, _| {},
        |_| {},
    )
    .failures
    .iter()
    .map(|f| f.seed)
    .collect();
    assert!(!crashing.is_empty());
    let started = Instant::now();
    let summary = hunt_with(
        &incident(),
        &SpinsWithoutSleeping,
        &options("0..30", Duration::from_millis(500)),
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
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the sweep did not hang"
    );
}
