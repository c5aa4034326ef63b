//! What `bench`'s measurements share: a hunt in a fresh process, and how a figure is judged.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cli::BadInput;
use crate::exploring::hunt::HuntReport;
use crate::exploring::sweep::SweepEnd;

/// A measurement stopped part-way says so under its figures.
pub(super) fn mark_partial(out: &mut dyn Write, end: SweepEnd, what: &str) -> Result<(), BadInput> {
    if end != SweepEnd::Completed {
        writeln!(out, "  (partial: {what} stopped before every seed ran)")?;
    }
    Ok(())
}

/// How a target's line ends: `met` or `MISSED`.
pub(super) fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// Runs `dnsim ARGS --json --quiet` in a fresh process, with the time budget left, if any:
/// its wall time from spawn to exit, and its report. (Ctrl-C reaches the child too: it
/// stops as this process does, and reports what it ran.)
pub(super) fn run_fresh(
    args: &[&str],
    budget: Option<Duration>,
) -> Result<(f64, HuntReport), BadInput> {
    let exe =
        std::env::current_exe().map_err(|e| BadInput(format!("cannot find this program: {e}")))?;
    let spawned = Instant::now();
    let child = Command::new(exe)
        .args(args)
        .args(["--json", "--quiet"])
        .args(budget.map(|left| format!("--time-budget={}ns", left.as_nanos().max(1))))
        .output()
        .map_err(|e| BadInput(format!("cannot run `dnsim {}`: {e}", args.join(" "))))?;
    let process_ms = spawned.elapsed().as_secs_f64() * 1e3;
    let report: HuntReport = serde_json::from_slice(&child.stdout)?;
    Ok((process_ms, report))
}
