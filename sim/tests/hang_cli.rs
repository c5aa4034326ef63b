//! A run that never finishes, met on the command line: `replay --trace` prints `HANG: seed
//! N ...` and exits 1, in-process through `dnsim::cli::main`, with a design of the test's own (as
//! a user's binary registers it for `main_with`).
//!
//! The watchdog reads the process clock, which this test owns (a manual clock, set once for
//! this test binary): the design moves it two days on when it blocks, far past the
//! `--watchdog 24h` the command is given. So the hang is told at once, and never by
//! waiting on real time: with the real clock, this test would wait a day.

use std::sync::Arc;
use std::time::Duration;

use dnsim::clock::{set_process_clock, ManualClock};
use dnsim_model::design::Design;
use dnsim_model::dns::{Change, EndpointId, ZoneSnapshot};
use dnsim_model::Plan;

static CLOCK: ManualClock = ManualClock::new();

/// At its first batch, moves the test's clock past the watchdog, then blocks its worker
/// thread for good (sleeping the OS thread, never yielding to madsim).
struct BlocksForever;

impl Design for BlocksForever {
    fn name(&self) -> &'static str {
        "blocks-forever"
    }

    fn apply_changes(
        &self,
        _plan: &Plan,
        _endpoint: EndpointId,
        _zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        CLOCK.advance(Duration::from_secs(2 * 24 * 3600));
        loop {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn replay_of_a_run_that_blocks_forever_prints_hang_and_exits_1() {
    set_process_clock(Arc::new(&CLOCK)).unwrap();
    dnsim::registry::register(&[&BlocksForever]).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = dnsim::cli::main(
        [
            "dnsim",
            "replay",
            "--variant",
            "blocks-forever",
            "--seed",
            "7",
            "--watchdog",
            "24h",
            // Printed as it runs: the watchdog's clock leaves out the printing, not the
            // block (the trace goes to the test's own standard output).
            "--trace",
        ],
        &mut out,
        &mut err,
    );
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert_eq!(code, 1, "stdout: {out}\nstderr: {err}");
    assert!(
        out.lines().any(|line| line
            .starts_with("HANG: seed 7: still running after the 86400s wall-clock watchdog")),
        "stdout: {out}"
    );
}
