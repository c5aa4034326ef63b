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

/// How the scaling target's line ends: `jobs` jobs against one, at least 1.8x. A speed-up
/// above `jobs` (with a margin of 5% for timing) is not what the jobs did: the one-job
/// sweep was slowed by other load on the machine, and no verdict is given. Nor on a machine
/// whose jobs cannot give 1.8x (one core).
pub(super) fn judge_speedup(speedup: f64, jobs: usize) -> String {
    if (jobs as f64) < 1.8 {
        format!("not judged: {jobs} job cannot give 1.8x (one core)")
    } else if speedup > jobs as f64 * 1.05 {
        format!(
            "not judged: more than {jobs} jobs can give (other load slowed the one-job sweep; run `bench` again)"
        )
    } else {
        verdict(speedup >= 1.8).to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_speed_up_beyond_the_jobs_is_not_judged() {
        assert_eq!(judge_speedup(1.95, 2), "met");
        assert_eq!(judge_speedup(1.7, 2), "MISSED");
        assert_eq!(judge_speedup(2.05, 2), "met", "within timing's margin");
        let impossible = judge_speedup(2.63, 2);
        assert!(
            impossible.starts_with("not judged: more than 2 jobs can give"),
            "{impossible}"
        );
        assert_eq!(judge_speedup(2.63, 4), "met");
        assert_eq!(judge_speedup(2.1, 2), "met", "at the margin, 2 x 1.05");
        assert!(judge_speedup(1.0, 1).starts_with("not judged: 1 job cannot give 1.8x"));
    }
}
