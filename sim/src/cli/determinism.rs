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
use crate::exploring::sweep::{budget_left, run_seeds_until, SweepEnd};
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
    let options = args.stop.options(jobs)?;
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
        run_seeds_until(
            args.seeds,
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
    let (mut backward, backward_end) = match budget_left(&second_half, began) {
        Some(these) => {
            let scenario = shared.clone();
            let forward_done = forward.len() as u64;
            // The i-th seed of this sweep is the i-th from the end of the range.
            run_seeds_until(
                done,
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
    backward.reverse();
    // The seeds run both ways: the last `backward.len()` of `done`.
    let range = SeedRange {
        start: done.end - backward.len() as u64,
        end: done.end,
    };
    let forward = &forward[(range.start - done.start) as usize..];
    let stopped = [forward_end, backward_end]
        .into_iter()
        .find(|end| *end != SweepEnd::Completed);
    let differing: Vec<u64> = range
        .seeds()
        .zip(forward.iter().zip(&backward))
        .filter(|(_, (a, b))| a != b)
        .map(|(seed, _)| seed)
        .collect();
    for &seed in differing.iter().take(10) {
        let i = (seed - range.start) as usize;
        writeln!(
            out,
            "seed {seed}: trace hash {} in seed order, {} in reverse order",
            format_hash(forward[i]),
            format_hash(backward[i])
        )?;
    }
    writeln!(
        out,
        "run twice on different threads, in opposite orders: {} of {} seeds gave the same trace hash",
        range.len() - differing.len() as u64,
        range.len()
    )?;
    if let Some(end) = stopped {
        let why = if end == SweepEnd::TimeBudget {
            "stopped at the time budget"
        } else {
            "interrupted"
        };
        writeln!(
            out,
            "{why}: {} of the {} seeds in {} run twice; madsim's check_determinism not run",
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
            Ok(hash) if hash == forward[(seed - range.start) as usize] => writeln!(
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
    if range.is_empty() {
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
