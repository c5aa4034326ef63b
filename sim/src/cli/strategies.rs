//! `dnsim strategies`: which fault strategy finds each violation in the fewest seeds.

use std::io::Write;

use clap::Args;

use super::{design, jobs, BadInput, EXIT_CLEAN, EXIT_VIOLATION};
use crate::exploring::compare::{compare_with, render_text};
use crate::exploring::strategy::Strategy;
use crate::running::scenario::{self, Scenario};

#[derive(Args, Debug)]
pub(super) struct StrategiesArgs {
    /// A built-in scenario name or a scenario .toml file.
    #[arg(long, default_value = scenario::DEFAULT)]
    scenario: String,
    /// The design under test.
    #[arg(long, default_value = "original")]
    variant: String,
    /// Independent trials per strategy, each a hunt from its own starting seed.
    #[arg(long, default_value_t = 30)]
    trials: u32,
    /// A trial stops after this many seeds even if some invariant held throughout.
    #[arg(long, default_value_t = 500)]
    cap: u64,
    /// Worker threads (default: every core). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    #[command(flatten)]
    stop: super::progress::StopArgs,
    #[command(flatten)]
    watchdog: super::WatchdogArg,
}

pub(super) fn run(args: StrategiesArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.scenario)?;
    let design = design(&args.variant)?;
    if args.trials == 0 || args.cap == 0 {
        return Err(BadInput("--trials and --cap must be at least 1".into()));
    }
    let jobs = jobs(args.jobs)?;
    let mut options = args.stop.options(jobs)?;
    options.watchdog = args.watchdog.get()?;
    let total = u64::from(args.trials) * Strategy::ALL.len() as u64;
    let bar = super::progress::progress_bar(total, args.stop.quiet, "trials");
    let report = compare_with(
        &scenario,
        design,
        &Strategy::ALL,
        args.trials,
        args.cap,
        &options,
        |done| bar.set_position(done),
    );
    bar.finish_and_clear();
    write!(out, "{}", render_text(&report))?;
    // It measures, it does not judge: only a seed that crashed or hung fails it.
    let failed = report.rows.iter().any(|row| !row.failures.is_empty());
    Ok(if failed { EXIT_VIOLATION } else { EXIT_CLEAN })
}
