//! `dnsim explain`: the story of a run, in the incident's words.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{
    design, seed_or_file, BadInput, Target, EXIT_CLEAN, EXIT_NOT_REPRODUCED, EXIT_VIOLATION,
};
use crate::reporting::narrative::narrative;
use crate::running::run::RunSpec;

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    #[command(flatten)]
    target: Target,
    /// The seed to explain (default: MADSIM_TEST_SEED, if set).
    #[arg(long, conflicts_with = "file")]
    seed: Option<u64>,
    /// A saved seed file to explain (it decides the scenario, variant, strategy, seed and faults).
    #[arg(long, value_name = "SEED_FILE", conflicts_with_all = ["scenario", "variant", "strategy"])]
    file: Option<PathBuf>,
    #[command(flatten)]
    watchdog: super::WatchdogArg,
}

pub(super) fn run(args: ExplainArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    args.watchdog.get()?;
    let (saved, scenario_name, variant, seed) =
        seed_or_file(&args.target, args.seed, args.file.as_deref())?;
    let scenario = super::load_scenario(&scenario_name, args.file.as_deref())?;
    let design = design(&variant)?;
    let mut spec = match &saved {
        Some(file) => file.spec(&scenario)?,
        None => RunSpec::seeded(&scenario, design, seed).with_strategy(args.target.strategy),
    };
    spec.trace.keep = true;
    let outcome = match super::run_watched(&spec, &args.watchdog, out)? {
        Ok(outcome) => outcome,
        Err(status) => return Ok(status),
    };
    writeln!(
        out,
        "explain: SEED={seed} scenario={scenario_name} variant={} strategy={} ({} fault{} injected)",
        dnsim_model::designs::label(design),
        spec.strategy_label(),
        outcome.faults.len(),
        if outcome.faults.len() == 1 { "" } else { "s" }
    )?;
    // A file that no longer gives the run it recorded is said to, before any story is told:
    // the story below is of the run it gives now.
    let differences = saved
        .as_ref()
        .and_then(|file| super::replay::not_reproduced(file, &outcome));
    if let Some(differences) = &differences {
        writeln!(
            out,
            "NOT REPRODUCED: {differences}; the story below is of the run the file gives now, not the one it recorded"
        )?;
    }
    write!(
        out,
        "{}",
        narrative(&outcome.trace, scenario.system.endpoints)
    )?;
    writeln!(out, "outage: {}", outcome.measures)?;
    if differences.is_some() {
        return Ok(EXIT_NOT_REPRODUCED);
    }
    Ok(if outcome.violations.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_VIOLATION
    })
}
