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
use crate::hunt::SeedRange;
use crate::run::{run as run_one, simulate, RunSpec};
use crate::scenario::Scenario;
use crate::strategy::Strategy;
use crate::sweep::run_seeds;
use crate::trace::format_hash;

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
    let forward = {
        let scenario = shared.clone();
        run_seeds(args.seeds, jobs, move |seed| {
            run_one(&RunSpec::seeded(&scenario, design, seed).with_strategy(strategy)).trace_hash
        })
    };
    let range = args.seeds;
    let injected = args.inject_nondeterminism;
    let mut backward = {
        let scenario = shared.clone();
        // The i-th seed of this sweep is the i-th from the end of the range.
        run_seeds(range, jobs, move |i| {
            let seed = range.end - 1 - (i - range.start);
            let hash = run_one(&RunSpec::seeded(&scenario, design, seed).with_strategy(strategy))
                .trace_hash;
            hash ^ u64::from(injected && seed == range.start)
        })
    };
    backward.reverse();
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
    let mut madsim_failures = 0;
    for seed in range.seeds().take(args.madsim_seeds as usize) {
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
    if differing.is_empty() && madsim_failures == 0 {
        writeln!(out, "deterministic")?;
        Ok(EXIT_CLEAN)
    } else {
        writeln!(out, "NOT deterministic")?;
        Ok(EXIT_VIOLATION)
    }
}
