//! `bench`'s throughput: the default scenario's hunt on one job, then on every job, in
//! rounds.
//!
//! One pair of sweeps on a shared machine can mislead: load that comes and goes slows one
//! sweep and not the other (seen here: speed-ups of 1.60x and 2.63x on 2 cores within the
//! hour). So the pair runs `--rounds` times; the figures printed are the medians of whole
//! rounds, beside each round's own, and each target is judged on every round (see
//! [`super::fresh::agreement`]). A round stopped part-way (Ctrl-C, `--time-budget`) is left
//! out, and said so; stopped in the first, its figures are printed, marked partial.

use std::io::Write;

use super::fresh::{agreement, cut, mark_partial, possible};
use super::side_by_side::median;
use crate::cli::BadInput;
use crate::exploring::hunt::HuntSummary;
use crate::exploring::sweep::{budget_left, SweepEnd, SweepOptions};

/// What the throughput rounds measured: per whole round, events/s on one job and the
/// speed-up of every job over one.
pub(super) struct Throughput {
    pub(super) per_core: Vec<f64>,
    pub(super) speedups: Vec<f64>,
    /// `Completed`, or why a round stopped part-way.
    pub(super) end: SweepEnd,
}

/// Runs `rounds` rounds of `sweep(1)` then `sweep(jobs)`, each sweep on the phase's budget
/// left, and prints them. A round is whole when both its sweeps ran every seed.
pub(super) fn throughput(
    out: &mut dyn Write,
    options: &SweepOptions,
    seeds: u64,
    jobs: usize,
    rounds: u64,
    sweep: impl Fn(usize, &SweepOptions) -> HuntSummary,
) -> Result<Throughput, BadInput> {
    let began = options.clock.now();
    let mut whole: Vec<(HuntSummary, HuntSummary)> = Vec::new();
    // The round stopped part-way: its one-job sweep, and its every-job sweep if begun.
    let mut stopped: Option<(HuntSummary, Option<HuntSummary>)> = None;
    let mut end = SweepEnd::Completed;
    'rounds: for _ in 0..rounds {
        let mut pair = Vec::new();
        for these in [1, jobs] {
            let Some(left) = budget_left(options, began) else {
                end = SweepEnd::TimeBudget;
                break 'rounds;
            };
            let summary = sweep(these, &left);
            if summary.end != SweepEnd::Completed {
                end = summary.end;
                let mut ran = pair.into_iter().chain([summary]);
                let one = ran.next().expect("the one-job sweep ran");
                stopped = Some((one, ran.next()));
                break 'rounds;
            }
            pair.push(summary);
        }
        let every = pair.pop().expect("two sweeps");
        let one = pair.pop().expect("two sweeps");
        whole.push((one, every));
    }
    let speedup = |one: &HuntSummary, every: &HuntSummary| {
        every.seeds_per_sec / one.seeds_per_sec.max(f64::MIN_POSITIVE)
    };
    let measured = Throughput {
        per_core: whole.iter().map(|(one, _)| one.events_per_sec).collect(),
        speedups: whole
            .iter()
            .map(|(one, every)| speedup(one, every))
            .collect(),
        end,
    };
    let shown: Vec<(HuntSummary, Option<HuntSummary>)> = match (&stopped, whole.is_empty()) {
        (Some(partial), true) => vec![partial.clone()],
        _ => (whole.iter().cloned())
            .map(|(one, every)| (one, Some(every)))
            .collect(),
    };
    let Some((first, _)) = shown.first() else {
        return Ok(measured); // stopped before any sweep began
    };
    let is_possible = |speedup: f64| possible(&[speedup], jobs).len() == 1;
    writeln!(
        out,
        "\nthroughput ({seeds} seeds each, one job then {jobs}, {}; every invariant checked after every event):",
        match whole.len() {
            0 => "round 1 only, stopped part-way".to_string(),
            1 => "1 round".to_string(),
            n => format!("the median of {n} rounds"),
        }
    )?;
    let ones: Vec<&HuntSummary> = shown.iter().map(|(one, _)| one).collect();
    let everys: Vec<&HuntSummary> = shown
        .iter()
        .filter_map(|(_, every)| every.as_ref())
        .collect();
    // Each round's figure, cut to two decimals, when there are several.
    let rounds_of = |values: &[f64], show: &dyn Fn(f64) -> String| match values.len() {
        0 | 1 => String::new(),
        _ => (values.iter().map(|&v| show(v)))
            .collect::<Vec<_>>()
            .join(" "),
    };
    let per_core = median(ones.iter().map(|s| s.events_per_sec));
    writeln!(
        out,
        "  1 job:   {:>7.0} seeds/s  {:>5.2}M simulated events/s{}",
        median(ones.iter().map(|s| s.seeds_per_sec)),
        cut(per_core / 1e6, 2),
        match rounds_of(&measured.per_core, &|v| format!("{:.2}M", cut(v / 1e6, 2))) {
            rounds if rounds.is_empty() => rounds,
            rounds => format!("  (rounds {rounds})"),
        }
    )?;
    // Whole rounds' speed-ups, or a stopped round's if its every-job sweep ran.
    let speedups: Vec<f64> = (shown.iter())
        .filter_map(|(one, every)| Some(speedup(one, every.as_ref()?)))
        .collect();
    if !everys.is_empty() {
        let judged = possible(&speedups, jobs).len();
        writeln!(
            out,
            "  {jobs} jobs:  {:>7.0} seeds/s  {:>5.2}M simulated events/s  ({:.2}x one job{}{})",
            median(everys.iter().map(|s| s.seeds_per_sec)),
            median(everys.iter().map(|s| s.events_per_sec)) / 1e6,
            cut(shown_speedup(&speedups, jobs), 2),
            match judged {
                n if n == speedups.len() || n == 0 => String::new(),
                n => format!(", the median of the {n} rounds judged"),
            },
            match rounds_of(&speedups, &|v| match is_possible(v) {
                true => format!("{:.2}", cut(v, 2)),
                false => format!("{:.2} (left out)", cut(v, 2)),
            }) {
                rounds if rounds.is_empty() => rounds,
                rounds => format!("; rounds {rounds}"),
            }
        )?;
    }
    writeln!(
        out,
        "  {:.0} simulated events per seed; {:.2} us per event on one core",
        first.events as f64 / first.seeds_run.max(1) as f64,
        1e6 / per_core.max(f64::MIN_POSITIVE)
    )?;
    match (&stopped, whole.len()) {
        (Some(_), 0) => mark_partial(out, end, "a throughput sweep")?,
        (Some(_), n) => writeln!(out, "  (round {} stopped part-way: left out)", n + 1)?,
        (None, _) => {}
    }
    Ok(measured)
}

/// The speed-up printed: the median of the rounds that can be judged (those not above
/// what the jobs can give), or of all when none can.
pub(super) fn shown_speedup(speedups: &[f64], jobs: usize) -> f64 {
    let judged = possible(speedups, jobs);
    match (judged.is_empty(), speedups.is_empty()) {
        (_, true) => 0.0,
        (true, false) => median(speedups.iter().copied()),
        (false, false) => median(judged),
    }
}

/// The per-core target's line end: at least 1.5M events/s on one job in every round.
pub(super) fn judge_per_core(per_core: &[f64]) -> String {
    let met = per_core.iter().filter(|&&rate| rate >= 1.5e6).count();
    agreement(met, per_core.len() - met, "this machine's speed moved")
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::exploring::clock::ManualClock;
    use crate::running::scenario::Scenario;

    /// A real summary of one seed, its speeds and end then set as a test needs.
    fn summary(seeds_per_sec: f64, end: SweepEnd) -> HuntSummary {
        let scenario = Scenario::load("small").unwrap();
        let real =
            super::super::sweep(&scenario, "0..1".parse().unwrap(), 1, &SweepOptions::new(1));
        HuntSummary {
            seeds_per_sec,
            events_per_sec: seeds_per_sec * 1000.0,
            end,
            ..real
        }
    }

    fn run(
        rounds: u64,
        options: &SweepOptions,
        answer: impl Fn(usize, usize, &SweepOptions) -> HuntSummary,
    ) -> (Throughput, String, usize) {
        let calls = RefCell::new(0);
        let mut out = Vec::new();
        let measured = throughput(&mut out, options, 10, 2, rounds, |jobs, left| {
            *calls.borrow_mut() += 1;
            answer(*calls.borrow(), jobs, left)
        })
        .ok()
        .expect("printing to a Vec");
        (
            measured,
            String::from_utf8(out).unwrap(),
            calls.into_inner(),
        )
    }

    /// Each round's speed-up is printed and judged; the figures are medians of whole
    /// rounds, a speed-up above what the jobs can give left out of the one printed.
    #[test]
    fn every_round_is_printed_and_the_target_judged_on_all() {
        // Rounds of one job then two: speed-ups 1.95, 1.60, 2.63 (impossible on 2 jobs).
        let rates = [1000.0, 1950.0, 2000.0, 3200.0, 1500.0, 3945.0];
        let (measured, text, calls) = run(3, &SweepOptions::new(2), |call, _, _| {
            summary(rates[call - 1], SweepEnd::Completed)
        });
        assert_eq!(calls, 6);
        assert_eq!(measured.end, SweepEnd::Completed);
        assert_eq!(measured.speedups.len(), 3);
        assert!(text.contains("the median of 3 rounds"), "{text}");
        assert!(text.contains("(rounds 1.00M 2.00M 1.50M)"), "{text}");
        assert!(
            text.contains("0.67 us per event"),
            "the median round's: {text}"
        );
        assert!(
            text.contains(
                "(1.77x one job, the median of the 2 rounds judged; rounds 1.95 1.60 2.63 (left out))"
            ),
            "{text}"
        );
        let judged = super::super::fresh::judge_speedups(&measured.speedups, 2);
        assert!(
            judged.starts_with("UNSETTLED: 1 of 2 rounds met it, 1 did not"),
            "{judged}"
        );
        assert!(judged.contains("1 round left out"), "{judged}");
        let per_core = judge_per_core(&measured.per_core);
        assert!(
            per_core.starts_with("UNSETTLED: 2 of 3 rounds met it, 1 did not"),
            "1.0M, 2.0M and 1.5M events/s: {per_core}"
        );
    }

    /// A round stopped part-way is left out of the figures; stopped in the first round's
    /// one-job sweep, the every-job sweep never starts, and the figures say partial.
    #[test]
    fn a_round_stopped_part_way_is_left_out() {
        let (measured, text, calls) = run(3, &SweepOptions::new(2), |call, _, _| {
            let end = if call == 4 {
                SweepEnd::Interrupted
            } else {
                SweepEnd::Completed
            };
            summary(1000.0 * call as f64, end)
        });
        assert_eq!(calls, 4, "nothing starts after the stop");
        assert_eq!(measured.end, SweepEnd::Interrupted);
        assert_eq!(measured.speedups, [2.0], "round 1 only");
        assert!(
            text.contains("(round 2 stopped part-way: left out)"),
            "{text}"
        );
        assert!(text.contains("1 round;"), "{text}");

        let (measured, text, calls) = run(3, &SweepOptions::new(2), |_, _, _| {
            summary(500.0, SweepEnd::TimeBudget)
        });
        assert_eq!(calls, 1, "the every-job sweep never starts");
        assert!(measured.speedups.is_empty() && measured.per_core.is_empty());
        assert!(text.contains("round 1 only, stopped part-way"), "{text}");
        assert!(
            text.contains("(partial: a throughput sweep stopped"),
            "{text}"
        );
        assert!(!text.contains("2 jobs:"), "{text}");
    }

    /// Every sweep gets the budget left, not the whole budget again; spent, no sweep starts.
    #[test]
    fn each_sweep_runs_on_the_budget_left() {
        static CLOCK: ManualClock = ManualClock::new();
        let mut options = SweepOptions::new(2);
        options.clock = Arc::new(&CLOCK);
        options.time_budget = Some(Duration::from_secs(10));
        let budgets = RefCell::new(Vec::new());
        let (measured, _, calls) = run(3, &options, |_, _, left| {
            budgets
                .borrow_mut()
                .push(left.time_budget.unwrap().as_secs());
            CLOCK.advance(Duration::from_secs(3));
            summary(1000.0, SweepEnd::Completed)
        });
        assert_eq!(budgets.into_inner(), [10, 7, 4, 1]);
        assert_eq!(calls, 4);
        assert_eq!(measured.end, SweepEnd::TimeBudget);
        assert_eq!(measured.speedups.len(), 2);
    }
}
