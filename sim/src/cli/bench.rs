//! `dnsim bench`: the numbers the README quotes, measured on this machine.
//!
//! Wall-clock time is read outside madsim runtimes (inside one, clocks read simulated time).
//! A "simulated event" is a timer wake-up of a simulated actor (every sleep), the unit of
//! work of madsim's scheduler; every invariant is checked after every model event, as in
//! any run.
//!
//! The measurements run as [`Phases`] under one `--time-budget` and one Ctrl-C: stopped,
//! bench prints what finished (a measurement stopped part-way is marked partial), names the
//! phases that never ran, and judges no target.

use std::io::Write;
use std::time::Instant;

use clap::Args;

use super::progress::{Phases, StopArgs};
use super::{design, BadInput, EXIT_CLEAN};
use crate::checking::invariants::InvariantId;
use crate::exploring::hunt::{
    hunt_with, peak_rss_kib, HuntOptions, HuntReport, HuntSummary, SeedRange,
};
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{budget_left, default_jobs, Seeds, SweepEnd, SweepOptions};
use crate::running::scenario::{self, Scenario};

mod fresh;
mod side_by_side;
mod throughput;
use fresh::{cut, judge_speedups, mark_partial, run_fresh, verdict};
use side_by_side::median;
use side_by_side::{scale_targets, side_by_side, SideBySideSeeds};
use throughput::{judge_per_core, shown_speedup, throughput};

#[derive(Args, Debug)]
pub(super) struct BenchArgs {
    /// Seeds of the default scenario: for each throughput measurement, and its row in the
    /// side-by-side comparison.
    #[arg(long, default_value_t = 4000)]
    seeds: u64,
    /// Skip the memory measurement (10,000 then 100,000 seeds: about a minute on 2 cores).
    #[arg(long)]
    no_memory: bool,
    /// Seeds of `route53-scale` and of `long` in the side-by-side comparison (each seed of
    /// those is hundreds of thousands to millions of events).
    #[arg(long, default_value_t = 4)]
    scale_seeds: u64,
    /// Seeds of `incident-long` in the side-by-side comparison (each is tens of thousands of
    /// events).
    #[arg(long, default_value_t = 100)]
    incident_long_seeds: u64,
    /// Rounds of the throughput sweeps (one job then every job) and of the side-by-side
    /// comparison (the scenarios in turn, once per round). Figures are medians over whole
    /// rounds (a round stopped part-way is left out); a ratio is the median of the rounds'
    /// own ratios; every round is printed. Every target measured in rounds (events/s per
    /// core, every job against one, `route53-scale`, `long`) is met or MISSED only if every
    /// round agrees, else UNSETTLED: one round judges on one sample, and more rounds make
    /// UNSETTLED likelier near a target.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=99))]
    rounds: u64,
    /// Only the side-by-side comparison of the scenarios.
    #[arg(long)]
    only_scale: bool,
    /// Skip the exhaust figures (on `small`: a few seconds on 2 cores).
    #[arg(long)]
    no_exhaust: bool,
    #[command(flatten)]
    stop: StopArgs,
}

/// The phases of a bench, as its summary names them when it stops early.
const MEMORY: &str = "memory";
const THROUGHPUT: &str = "throughput";
const SIDE_BY_SIDE_PHASE: &str = "side by side";
const FIRST_VIOLATION: &str = "time to first violation";
const EXHAUST: &str = "exhaust";

/// A hunt of the original design on `jobs` threads, under `options`' stop flag and budget.
fn sweep(
    scenario: &Scenario,
    seeds: SeedRange,
    jobs: usize,
    options: &SweepOptions,
) -> HuntSummary {
    let mut sweep = options.clone();
    sweep.jobs = jobs;
    let options = HuntOptions {
        seeds: Seeds::all(seeds),
        strategy: Strategy::default(),
        sweep,
        started: Instant::now(),
    };
    hunt_with(
        scenario,
        design("original").ok().expect("original exists"),
        &options,
        |_, _, _| {},
        |_| {},
    )
}

pub(super) fn run(args: BenchArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    if args.seeds == 0 {
        return Err(BadInput("--seeds must be at least 1".into()));
    }
    if args.scale_seeds == 0 {
        return Err(BadInput("--scale-seeds must be at least 1".into()));
    }
    if args.incident_long_seeds == 0 {
        return Err(BadInput("--incident-long-seeds must be at least 1".into()));
    }
    let side_by_side_seeds = SideBySideSeeds {
        default: args.seeds,
        incident_long: args.incident_long_seeds,
        scale: args.scale_seeds,
        rounds: args.rounds,
    };
    let scenario = Scenario::load(scenario::DEFAULT)?;
    let all = default_jobs();
    let planned = if args.only_scale {
        vec![SIDE_BY_SIDE_PHASE]
    } else {
        [
            MEMORY,
            THROUGHPUT,
            SIDE_BY_SIDE_PHASE,
            FIRST_VIOLATION,
            EXHAUST,
        ]
        .into_iter()
        .filter(|&phase| {
            (phase != MEMORY || !args.no_memory) && (phase != EXHAUST || !args.no_exhaust)
        })
        .collect()
    };
    let mut phases = Phases::new(args.stop.options(all)?, planned, args.stop.quiet);
    // Stopped: what finished is printed above; say so, and judge no target.
    let stopped = |out: &mut dyn Write, phases: &Phases| -> Result<Option<i32>, BadInput> {
        Ok(match phases.stopped_summary() {
            Some(summary) => {
                writeln!(out, "\n{summary}; no target is judged on a partial bench")?;
                Some(EXIT_CLEAN)
            }
            None => None,
        })
    };
    if args.only_scale {
        writeln!(
            out,
            "bench: variant=original strategy={}",
            Strategy::default()
        )?;
        if phases.start(SIDE_BY_SIDE_PHASE).is_some() {
            let (ratios, end) = side_by_side(out, &phases, side_by_side_seeds)?;
            phases.finish(SIDE_BY_SIDE_PHASE, end);
            if let Some(code) = stopped(out, &phases)? {
                return Ok(code);
            }
            scale_targets(out, &ratios)?;
        }
        return Ok(stopped(out, &phases)?.unwrap_or(EXIT_CLEAN));
    }
    writeln!(
        out,
        "bench: scenario={} variant=original strategy={}, {} cores",
        scenario.name,
        Strategy::default(),
        all
    )?;

    let mut memory = None;
    if !args.no_memory {
        let Some(options) = phases.start(MEMORY) else {
            return Ok(stopped(out, &phases)?.unwrap_or(EXIT_CLEAN));
        };
        // First, so that the peaks measured are this sweep's, not an earlier one's.
        let began = options.clock.now();
        let small = sweep(
            &scenario,
            "0..10000".parse().expect("a range"),
            all,
            &options,
        );
        let peak_small = peak_rss_kib();
        // The second sweep on the budget left, and only after a whole first one.
        let large = match (small.end, budget_left(&options, began)) {
            (SweepEnd::Completed, Some(left)) => Some(sweep(
                &scenario,
                "0..100000".parse().expect("a range"),
                all,
                &left,
            )),
            _ => None,
        };
        let peak_large = peak_rss_kib();
        let (large_seeds, end) = match &large {
            Some(large) => (large.seeds_run, large.end),
            None if small.end != SweepEnd::Completed => (0, small.end),
            None => (0, SweepEnd::TimeBudget),
        };
        memory = Some((small.seeds_run, peak_small, large_seeds, peak_large));
        phases.finish(MEMORY, end);
        if let Some(code) = stopped(out, &phases)? {
            writeln!(
                out,
                "(partial: peak memory measured over {} then {} seeds, not 10,000 then 100,000)",
                small.seeds_run, large_seeds
            )?;
            return Ok(code);
        }
    }

    let range = SeedRange {
        start: 0,
        end: args.seeds,
    };
    let Some(options) = phases.start(THROUGHPUT) else {
        return Ok(stopped(out, &phases)?.unwrap_or(EXIT_CLEAN));
    };
    let measured = throughput(out, &options, args.seeds, all, args.rounds, |jobs, left| {
        sweep(&scenario, range, jobs, left)
    })?;
    let end = measured.end;
    phases.finish(THROUGHPUT, end);

    if phases.start(SIDE_BY_SIDE_PHASE).is_none() {
        return Ok(stopped(out, &phases)?.unwrap_or(EXIT_CLEAN));
    }
    let (ratios, end) = side_by_side(out, &phases, side_by_side_seeds)?;
    phases.finish(SIDE_BY_SIDE_PHASE, end);

    if phases.start(FIRST_VIOLATION).is_none() {
        return Ok(stopped(out, &phases)?.unwrap_or(EXIT_CLEAN));
    }

    // Time to first violation: hunts in a fresh process, from spawn to exit.
    let (process_ms, report) =
        fresh_hunt(out, &phases, "the default hunt (`dnsim hunt`)", &["hunt"])?;
    if report.summary.end != SweepEnd::Completed {
        // Stopped (Ctrl-C reaches the child too, or the budget ran out in it): no second hunt.
        phases.finish(FIRST_VIOLATION, report.summary.end);
        return Ok(stopped(out, &phases)?.unwrap_or(EXIT_CLEAN));
    }
    let slowest_first = InvariantId::ALL
        .iter()
        .filter_map(|id| report.summary.tally(*id).first_found_ms)
        .fold(0.0, f64::max);
    let (realistic_ms, realistic) = fresh_hunt(
        out,
        &phases,
        "the realistic scenario on one core (`dnsim hunt --scenario realistic --jobs 1 --seeds 0..500`)",
        &["hunt", "--scenario", "realistic", "--jobs", "1", "--seeds", "0..500"],
    )?;
    let realistic_first = realistic
        .summary
        .tally(InvariantId::ActivePlanExists)
        .first_found_ms;

    phases.finish(FIRST_VIOLATION, realistic.summary.end);

    if !args.no_exhaust {
        let Some(options) = phases.start(EXHAUST) else {
            return Ok(stopped(out, &phases)?.unwrap_or(EXIT_CLEAN));
        };
        let end = crate::exploring::exhaust::timing::bench(out, &options)?;
        phases.finish(EXHAUST, end);
    }
    if let Some(code) = stopped(out, &phases)? {
        return Ok(code);
    }

    writeln!(out, "\ntargets:")?;
    // Stopped in the throughput rounds, the bench ended above: every round here is whole.
    assert!(
        !measured.per_core.is_empty(),
        "a whole throughput round ran"
    );
    writeln!(
        out,
        "  >= 1.5M simulated events/s per core (1 job, throughput): {:.2}M  {}",
        cut(median(measured.per_core.iter().copied()) / 1e6, 2),
        judge_per_core(&measured.per_core)
    )?;
    writeln!(
        out,
        "  {all} jobs >= 1.8x one job:                   {:.2}x  {}",
        cut(shown_speedup(&measured.speedups, all), 2),
        judge_speedups(&measured.speedups, all)
    )?;
    let all_found = InvariantId::ALL
        .iter()
        .all(|id| report.summary.tally(*id).first_seed.is_some());
    writeln!(
        out,
        "  first violation of each invariant < 1 s:   {:.0} ms (whole process {:.0} ms)  {}",
        cut(slowest_first, 0),
        cut(process_ms, 0),
        verdict(all_found && slowest_first < 1000.0 && process_ms < 1000.0)
    )?;
    writeln!(
        out,
        "  realistic, one core: first active_plan_exists < 1 s: {} (whole process {:.0} ms)  {}",
        realistic_first.map_or("not found".to_string(), |ms| format!(
            "{:.0} ms",
            cut(ms, 0)
        )),
        cut(realistic_ms, 0),
        verdict(realistic_first.is_some_and(|ms| ms < 1000.0))
    )?;
    scale_targets(out, &ratios)?;
    if let Some((small_seeds, Some(small), large_seeds, Some(large))) = memory {
        let growth = (large as f64 - small as f64) / small as f64 * 100.0;
        // Rounded up for an upper bound: a growth of 10.04% must not print as 10.0%.
        writeln!(
            out,
            "  peak memory +<= 10% from {small_seeds} to {large_seeds} seeds: {:.1} MiB -> {:.1} MiB ({:+.1}%)  {}",
            small as f64 / 1024.0,
            large as f64 / 1024.0,
            -cut(-growth, 1),
            verdict(growth <= 10.0)
        )?;
    }
    Ok(EXIT_CLEAN)
}

/// Runs `dnsim ARGS --json --quiet` in a fresh process; prints when it found each invariant
/// and returns its wall time from spawn to exit, and its report.
fn fresh_hunt(
    out: &mut dyn Write,
    phases: &Phases,
    what: &str,
    args: &[&str],
) -> Result<(f64, HuntReport), BadInput> {
    let (process_ms, report) = run_fresh(args, phases.budget_left())?;
    writeln!(
        out,
        // Cut, as on the target's line below: the two must print the same figure.
        "\n{what} in a fresh process: {:.0} ms from spawn to exit",
        cut(process_ms, 0)
    )?;
    for id in InvariantId::ALL {
        let tally = report.summary.tally(id);
        match (tally.first_seed, tally.first_found_ms) {
            (Some(seed), Some(ms)) => writeln!(
                out,
                "  {:<22} first violation at seed {seed}, {ms:.1} ms after the process started",
                id.as_str()
            )?,
            _ => writeln!(out, "  {:<22} not found", id.as_str())?,
        }
    }
    mark_partial(out, report.summary.end, "this hunt")?;
    Ok((process_ms, report))
}
