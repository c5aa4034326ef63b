//! The commands that run one seed (`replay`, `explain`, `shrink`) run it under the sweep's
//! wall-clock watchdog: a run that never yields to the simulator is reported as a hang
//! instead of never returning.
//!
//! The design below never lets its run finish: it blocks its worker thread at its first
//! batch, for good. So the hang verdict does not depend on how fast the machine is: only
//! *when* the watchdog says so does. (The abandoned thread sleeps until the test process
//! exits.)

use std::time::Duration;

use dnsim::shrink::shrink;
use dnsim::strategy::Strategy;
use dnsim::sweep::SeedResult;
use dnsim::watched::run_watched;
use dnsim::{InvariantId, RunSpec};
use dnsim_model::design::{Design, Victims};
use dnsim_model::dns::{Change, EndpointId, ZoneSnapshot};
use dnsim_model::{Generation, Plan};
use dnsim_tests::{design, incident};

/// Blocks at its first batch for good, sleeping the OS thread and never yielding to
/// madsim, so simulated time stands still.
struct NeverFinishes;

impl Design for NeverFinishes {
    fn name(&self) -> &'static str {
        "never-finishes"
    }

    fn apply_changes(
        &self,
        _plan: &Plan,
        _endpoint: EndpointId,
        _zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        loop {
            std::thread::sleep(Duration::from_millis(50));
        }
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

const WATCHDOG: Duration = Duration::from_millis(200);

#[test]
fn a_single_run_that_never_finishes_is_a_hang_not_a_wait_forever() {
    let scenario = incident();
    let spec = RunSpec::seeded(&scenario, &NeverFinishes, 0);
    let result = run_watched(&spec, WATCHDOG);
    match result {
        SeedResult::Hung { reason } => {
            assert!(reason.contains("wall-clock watchdog"), "{reason}");
        }
        SeedResult::Done(_) => panic!("a run blocked forever finished"),
        SeedResult::Crashed { message } => panic!("crashed: {message}"),
    }
}

#[test]
fn a_shrink_whose_run_never_finishes_halts_with_a_hang() {
    let scenario = incident();
    let halted = shrink(
        &scenario,
        &NeverFinishes,
        Strategy::Uniform,
        0,
        InvariantId::NoStaleOverwrite,
        WATCHDOG,
    )
    .err()
    .expect("a shrink whose runs never finish halts");
    assert_eq!(halted.kind, "hang");
    assert!(halted.reason.contains("wall-clock watchdog"), "{halted:?}");
}

#[test]
fn a_watched_run_that_finishes_is_the_run() {
    let scenario = incident();
    let original = design("original");
    let spec = RunSpec::seeded(&scenario, original, 1);
    let SeedResult::Done(watched) = run_watched(&spec, Duration::from_secs(3600)) else {
        panic!("an ordinary run under an hour-long watchdog finishes");
    };
    assert_eq!(watched.trace_hash, dnsim::run(&spec).trace_hash);
}
