//! One run under the sweep's wall-clock watchdog, for the commands that run a single seed
//! (`replay`, `explain`, `shrink`): a run that spins without ever sleeping never reaches
//! its simulated-time limit, and would otherwise never return.

use std::sync::Arc;
use std::time::Duration;

use crate::exploring::clock::LessPrinting;
use crate::exploring::hunt::SeedRange;
use crate::exploring::sweep::{sweep, SeedResult, Seeds, SweepOptions};
use crate::running::run::{run, Outcome, RunSpec};

/// Runs `spec` on a worker thread of a one-seed sweep: its outcome, or `Hung` when it is
/// still running after `watchdog` of wall time (its thread is then abandoned), or
/// `Crashed` with the panic's message and location. Trace lines go to the caller's
/// `tracing` subscriber, as if the run were on the calling thread.
pub fn run_watched(spec: &RunSpec<'_>, watchdog: Duration) -> SeedResult<Outcome> {
    let scenario = Arc::new(spec.scenario.clone());
    let (design, seed, faults, strategy, trace) = (
        spec.design,
        spec.seed,
        spec.faults.clone(),
        spec.strategy,
        spec.trace,
    );
    let dispatch = tracing::dispatcher::get_default(|current| current.clone());
    let run_one = Arc::new(move |_| {
        let spec = RunSpec {
            scenario: &scenario,
            design,
            seed,
            faults: faults.clone(),
            strategy,
            trace,
        };
        tracing::dispatcher::with_default(&dispatch, || run(&spec))
    });
    let mut options = SweepOptions::new(1);
    options.watchdog = watchdog;
    // The run prints its trace as it goes: the time spent formatting and writing it (a slow
    // reader blocks the writes) is not the run being slow.
    options.clock = LessPrinting::shared();
    let mut outcome = None;
    sweep(
        Seeds::all(SeedRange { start: 0, end: 1 }),
        &options,
        run_one,
        |_, result| outcome = Some(result),
        || {},
    );
    outcome.expect("a sweep that is never stopped reports its one seed")
}
