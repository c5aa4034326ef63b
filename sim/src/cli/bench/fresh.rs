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

/// `value` cut (not rounded) to `decimals` decimals, for printing beside a verdict: a
/// figure under its target (1.796 against 1.8) must never print as meeting it (1.80).
pub(super) fn cut(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).floor() / scale
}

/// How a target judged on every round ends its line: met if every round met it, MISSED if
/// none did, else UNSETTLED, no verdict (`why`: what moved the rounds). On a shared machine
/// a median of rounds on both sides of a target calls it either way: a wrong verdict is
/// worse than none.
pub(super) fn agreement(met: usize, missed: usize, why: &str) -> String {
    match (met, missed) {
        (0, 0) => "not judged: no round to judge".to_string(),
        (_, 0) => verdict(true).to_string(),
        (0, _) => verdict(false).to_string(),
        _ => format!(
            "UNSETTLED: {met} of {} rounds met it, {missed} did not ({why}: no verdict; run \
             `bench` again on a quieter machine)",
            met + missed
        ),
    }
}

/// How far above the job count a speed-up may be and still be timing's noise (5%); a
/// round above it was not what the jobs did (its one-job sweep was slowed by other load).
const SPEEDUP_MARGIN: f64 = 1.05;

/// The speed-ups that `jobs` jobs can give (see [`SPEEDUP_MARGIN`]), in order.
pub(super) fn possible(speedups: &[f64], jobs: usize) -> Vec<f64> {
    (speedups.iter().copied())
        .filter(|&speedup| speedup <= jobs as f64 * SPEEDUP_MARGIN)
        .collect()
}

/// How the scaling target's line ends, from each round's speed-up of `jobs` jobs over one:
/// at least 1.8x in every round is met, in none MISSED, in some UNSETTLED (no verdict: as
/// for the side-by-side targets, a wrong verdict is worse than none). A round's speed-up
/// above `jobs` (with a margin of 5% for timing) is not what the jobs did: its one-job
/// sweep was slowed by other load, and the round is left out. No verdict either on a
/// machine whose jobs cannot give 1.8x (one core).
pub(super) fn judge_speedups(speedups: &[f64], jobs: usize) -> String {
    assert!(
        !speedups.is_empty(),
        "a speed-up comes from at least one round"
    );
    if (jobs as f64) < 1.8 {
        return format!("not judged: {jobs} job cannot give 1.8x (one core)");
    }
    let possible = possible(speedups, jobs);
    let left_out = match speedups.len() - possible.len() {
        0 => String::new(),
        n => format!(
            " ({n} round{} left out: more than {jobs} jobs can give, other load slowed its one-job sweep)",
            if n == 1 { "" } else { "s" }
        ),
    };
    let met = possible.iter().filter(|&&speedup| speedup >= 1.8).count();
    let judgement = match possible.len() {
        0 => "not judged: no round's speed-up was possible; run `bench` again".to_string(),
        n => agreement(met, n - met, "this machine's speed moved"),
    };
    format!("{judgement}{left_out}")
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
    fn a_speed_up_is_judged_only_when_every_possible_round_agrees() {
        assert_eq!(judge_speedups(&[1.95], 2), "met");
        assert_eq!(judge_speedups(&[1.7], 2), "MISSED");
        assert_eq!(
            judge_speedups(&[1.95, 2.05, 1.9], 2),
            "met",
            "within timing's margin"
        );
        assert_eq!(judge_speedups(&[1.7, 1.6, 1.79], 2), "MISSED");
        let straddling = judge_speedups(&[1.95, 1.6, 1.97], 2);
        assert!(
            straddling.starts_with("UNSETTLED: 2 of 3 rounds met it, 1 did not"),
            "{straddling}"
        );
        // A round above what the jobs can give is left out, and said so.
        let impossible = judge_speedups(&[1.95, 2.63, 1.9], 2);
        assert!(
            impossible.starts_with("met (1 round left out: more than 2 jobs"),
            "{impossible}"
        );
        let only_impossible = judge_speedups(&[2.63], 2);
        assert!(
            only_impossible.starts_with("not judged: no round's"),
            "{only_impossible}"
        );
        assert_eq!(judge_speedups(&[2.63], 4), "met");
        assert!(judge_speedups(&[1.0], 1).starts_with("not judged: 1 job cannot give 1.8x"));
    }
}
