//! `dnsim check-determinism`: the same seed must give the same run, whatever thread runs it
//! and whatever ran on that thread before.
//!
//! Two checks. First, every seed runs twice: once in a sweep in seed order, once in a sweep
//! in reverse order (fresh worker threads, each seed after different predecessors on a
//! reused thread: the trap for std's `HashMap` order and `thread_rng`); the trace hashes
//! must be equal. Second, madsim's own `Runtime::check_determinism` on the first few seeds:
//! it logs every draw from madsim's RNG in one run and checks the second run draws the same,
//! at the same simulated times.

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use clap::Args;
use dnsim_model::Design;
use madsim::runtime::Runtime;

use super::{design, jobs, BadInput, Target, EXIT_CLEAN, EXIT_VIOLATION};
use crate::exploring::hunt::SeedRange;
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{budget_left, run_shard_results_until, SeedResult, Seeds, SweepEnd};
use crate::running::run::{run as run_one, simulate, RunSpec};
use crate::running::scenario::Scenario;
use crate::running::trace::format_hash;

#[derive(Args, Debug)]
pub(super) struct DeterminismArgs {
    #[command(flatten)]
    target: Target,
    /// Seeds to check, `A..B` (B excluded).
    #[arg(long, default_value = "0..300")]
    seeds: SeedRange,
    /// Seeds (from the start of the range) also checked by madsim's check_determinism.
    #[arg(long, default_value_t = 3)]
    madsim_seeds: u64,
    /// Worker threads (default: every core).
    #[arg(long)]
    jobs: Option<usize>,
    #[command(flatten)]
    stop: super::progress::StopArgs,
    #[command(flatten)]
    watchdog: super::WatchdogArg,
    /// For the test suite only: make the second run of the range's first seed differ, as a
    /// nondeterministic run would, to prove the check compares what it says it does.
    #[arg(long, hide = true)]
    inject_nondeterminism: bool,
}

/// The run madsim's check_determinism repeats (it takes a plain `fn`, so it reads this).
static PROBE: Mutex<Option<Probe>> = Mutex::new(None);

/// The run madsim's check_determinism repeats.
#[derive(Clone)]
struct Probe {
    scenario: Scenario,
    design: &'static dyn Design,
    strategy: Strategy,
    seed: u64,
}

fn probe() -> Pin<Box<dyn Future<Output = u64>>> {
    let Probe {
        scenario,
        design,
        strategy,
        seed,
    } = PROBE
        .lock()
        .expect("not poisoned")
        .clone()
        .expect("set before use");
    Box::pin(async move {
        let spec = RunSpec::seeded(&scenario, design, seed).with_strategy(strategy);
        simulate(&spec).await.trace_hash
    })
}

pub(super) fn run(args: DeterminismArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.target.scenario)?;
    let design = design(&args.target.variant)?;
    let jobs = jobs(args.jobs)?;
    let mut options = args.stop.options(jobs)?;
    options.watchdog = args.watchdog.get()?;
    let began = options.clock.now();
    let strategy = args.target.strategy;
    writeln!(
        out,
        "check-determinism: scenario={} variant={} seeds={} jobs={jobs}",
        args.target.scenario,
        dnsim_model::designs::label(design),
        args.seeds
    )?;
    out.flush()?;
    let shared = Arc::new(scenario.clone());
    let bar = super::progress::progress_bar(2 * args.seeds.len(), args.stop.quiet, "runs");
    // Half the time budget for each direction, so that a stopped check still compares.
    let mut first_half = options.clone();
    first_half.time_budget = options.time_budget.map(|budget| budget / 2);
    let (forward, forward_end) = {
        let scenario = shared.clone();
        run_shard_results_until(
            Seeds::all(args.seeds),
            &first_half,
            move |seed| {
                let spec = RunSpec::seeded(&scenario, design, seed).with_strategy(strategy);
                run_one(&spec).trace_hash
            },
            |done| bar.set_position(done),
        )
    };
    // Stopped early: the seeds done in order are checked in reverse order too, if time allows.
    let done = SeedRange {
        start: args.seeds.start,
        end: args.seeds.start + forward.len() as u64,
    };
    let injected = args.inject_nondeterminism;
    // Its own stop flag: the first half's is set when it stopped, and Ctrl-C stops this one.
    let mut second_half = options.clone();
    second_half.stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    super::progress::stop_on_ctrl_c(second_half.stop.clone());
    let (backward, backward_end) = match budget_left(&second_half, began) {
        Some(these) => {
            let scenario = shared.clone();
            let forward_done = forward.len() as u64;
            // The i-th seed of this sweep is the i-th from the end of the range.
            run_shard_results_until(
                Seeds::all(done),
                &these,
                move |i| {
                    let seed = done.end - 1 - (i - done.start);
                    let spec = RunSpec::seeded(&scenario, design, seed).with_strategy(strategy);
                    run_one(&spec).trace_hash ^ u64::from(injected && seed == done.start)
                },
                |twice| bar.set_position(forward_done + twice),
            )
        }
        None => (Vec::new(), SweepEnd::TimeBudget),
    };
    bar.finish_and_clear();
    // A run that crashed or hung has no hash to compare: told, and the check fails.
    let mut failed = 0;
    let forward = hashes(forward, |seed| seed, "in seed order", &mut failed, out)?;
    let mut backward = hashes(
        backward,
        |i| done.end - 1 - (i - done.start),
        "in reverse order",
        &mut failed,
        out,
    )?;
    backward.reverse();
    let range = run_both_ways(done, backward.len() as u64);
    let forward = &forward[(range.start - done.start) as usize..];
    let stopped = [forward_end, backward_end]
        .into_iter()
        .find(|end| *end != SweepEnd::Completed);
    let pairs = || range.seeds().zip(forward.iter().zip(&backward));
    let differing: Vec<(u64, u64, u64)> = pairs()
        .filter_map(|(seed, pair)| match pair {
            (Some(a), Some(b)) if a != b => Some((seed, *a, *b)),
            _ => None,
        })
        .collect();
    let same = pairs().filter(|(_, (a, b))| a.is_some() && a == b).count();
    for &(seed, a, b) in differing.iter().take(10) {
        writeln!(
            out,
            "seed {seed}: trace hash {} in seed order, {} in reverse order",
            format_hash(a),
            format_hash(b)
        )?;
    }
    writeln!(
        out,
        "run twice on different threads, in opposite orders: {same} of {} seeds gave the same trace hash",
        range.len()
    )?;
    if let Some(why) = stopped.and_then(SweepEnd::stopped_words) {
        // Which seeds: the last of those the forward sweep did, so no prefix of the range.
        let which = match range.len() {
            0 => "none".to_string(),
            1 => format!("seed {}", range.start),
            _ => format!("seeds {range}"),
        };
        writeln!(
            out,
            "{why}: {} of the {} seeds in {} run twice ({which}); madsim's check_determinism not run",
            range.len(),
            args.seeds.len(),
            args.seeds
        )?;
    }
    let madsim_seeds = if stopped.is_some() {
        0
    } else {
        args.madsim_seeds
    };
    let mut madsim_failures = 0;
    for seed in range.seeds().take(madsim_seeds as usize) {
        if forward[(seed - range.start) as usize].is_none() {
            continue; // It crashed or hung: told above, nothing to repeat.
        }
        *PROBE.lock().expect("not poisoned") = Some(Probe {
            scenario: scenario.clone(),
            design,
            strategy,
            seed,
        });
        let checked = std::panic::catch_unwind(|| {
            Runtime::check_determinism(seed, madsim::Config::default(), probe)
        });
        match checked {
            Ok(hash) if Some(hash) == forward[(seed - range.start) as usize] => writeln!(
                out,
                "madsim check_determinism, seed {seed}: every RNG draw identical"
            )?,
            Ok(hash) => {
                madsim_failures += 1;
                writeln!(
                    out,
                    "madsim check_determinism, seed {seed}: trace hash {} differs from the sweep's",
                    format_hash(hash)
                )?
            }
            Err(_) => {
                madsim_failures += 1;
                writeln!(
                    out,
                    "madsim check_determinism, seed {seed}: NON-DETERMINISM (see the panic above)"
                )?
            }
        }
    }
    if failed > 0 {
        writeln!(
            out,
            "NOT checked: {failed} run{} crashed or hung (above)",
            if failed == 1 { "" } else { "s" }
        )?;
        Ok(EXIT_VIOLATION)
    } else if range.is_empty() {
        writeln!(out, "nothing checked: no seed ran twice")?;
        Ok(EXIT_CLEAN)
    } else if differing.is_empty() && madsim_failures == 0 {
        writeln!(out, "deterministic")?;
        Ok(EXIT_CLEAN)
    } else {
        writeln!(out, "NOT deterministic")?;
        Ok(EXIT_VIOLATION)
    }
}

/// Each result's trace hash, in order; `None` for a run that crashed or hung, told on
/// `out` (`CRASH: seed N in seed order: ...`) and counted in `failed`. `seed_of` maps the
/// sweep's seed to the seed run (the reverse sweep runs them back to front).
fn hashes(
    results: Vec<(u64, SeedResult<u64>)>,
    seed_of: impl Fn(u64) -> u64,
    order: &str,
    failed: &mut u64,
    out: &mut dyn Write,
) -> std::io::Result<Vec<Option<u64>>> {
    let mut hashes = Vec::with_capacity(results.len());
    for (i, result) in results {
        let seed = seed_of(i);
        let (what, message) = match result {
            SeedResult::Done(hash) => {
                hashes.push(Some(hash));
                continue;
            }
            SeedResult::Crashed { message } => ("CRASH", message),
            SeedResult::Hung { reason } => ("HANG", reason),
        };
        *failed += 1;
        let first_line = message.lines().next().unwrap_or("");
        writeln!(out, "{what}: seed {seed} {order}: {first_line}")?;
        hashes.push(None);
    }
    Ok(hashes)
}

/// The seeds run both ways, when the first sweep did `done` in seed order and the second
/// then ran `backward` of them from the end: the last `backward` of `done`, not its first.
fn run_both_ways(done: SeedRange, backward: u64) -> SeedRange {
    assert!(
        backward <= done.len(),
        "the second sweep runs only seeds the first did"
    );
    SeedRange {
        start: done.end - backward,
        end: done.end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_run_both_ways_are_the_last_the_first_sweep_did() {
        let done: SeedRange = "0..1164".parse().unwrap();
        assert_eq!(run_both_ways(done, 548).to_string(), "616..1164");
        assert_eq!(run_both_ways(done, 1164).to_string(), "0..1164");
        assert!(run_both_ways(done, 0).is_empty());
    }
}
