//! `dnsim hunt`: run every seed of a range (or a shard of it), streaming what it finds.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::output_dir;
use super::{
    design, process_start, BadInput, SweepArgs, Target, DEFAULT_SEEDS, EXIT_CLEAN, EXIT_VIOLATION,
};
use crate::hunt::{hunt_with, FoundViolation, HuntOptions, HuntSummary, SeedRange};
use crate::invariants::InvariantId;
use crate::run::Outcome;
use crate::scenario::Scenario;
use crate::seedfile::SeedFile;
use crate::sweep::{SeedResult, Seeds, SweepEnd};

#[derive(Args, Debug)]
pub(super) struct HuntArgs {
    #[command(flatten)]
    target: Target,
    /// Seeds to run, `A..B` (B excluded) or a single seed.
    #[arg(long, default_value = DEFAULT_SEEDS)]
    seeds: SeedRange,
    /// Print one JSON object (the report, for `dnsim merge`) instead of text.
    #[arg(long)]
    json: bool,
    /// Save each newly found failing run as a seed file in DIR (default: seeds).
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "seeds")]
    save: Option<PathBuf>,
    #[command(flatten)]
    sweep: SweepArgs,
}

/// The stop flag of the sweep in progress, for the Ctrl-C handler.
static CURRENT_STOP: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);

/// First Ctrl-C: stop the sweep cleanly (seeds in flight finish, the summary is printed).
/// Second Ctrl-C: exit at once.
fn stop_on_ctrl_c(stop: Arc<AtomicBool>) {
    *CURRENT_STOP.lock().expect("not poisoned") = Some(stop);
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let handler = || {
            let current = CURRENT_STOP.lock().expect("not poisoned").clone();
            match current {
                Some(stop) if !stop.swap(true, Ordering::Relaxed) => {
                    eprintln!(
                        "\ninterrupted: finishing the seeds in flight (Ctrl-C again to quit now)"
                    );
                }
                _ => std::process::exit(130),
            }
        };
        // Without a handler (some sandboxes refuse one), Ctrl-C just ends the process.
        let _ = ctrlc::set_handler(handler);
    });
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {human_pos}/{human_len} seeds, {rate} seeds/s, {msg}",
        )
        .expect("a valid template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}", state.per_sec());
            },
        )
        .progress_chars("=> "),
    );
    bar
}

pub(super) fn run(
    args: HuntArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.target.scenario)?;
    let design = design(&args.target.variant)?;
    let sweep = args.sweep.options()?;
    let shard = args.sweep.shard()?;
    if let Some(dir) = &args.save {
        output_dir("save directory", dir)?;
    }
    let options = HuntOptions {
        seeds: Seeds {
            range: args.seeds,
            shard,
        },
        strategy: args.target.strategy,
        sweep,
        started: process_start(),
    };
    let scenario_arg = &args.target.scenario;
    let replay = |seed: u64| {
        format!(
            "dnsim replay --scenario {scenario_arg} --variant {} --strategy {} --seed {seed} --trace",
            dnsim_model::designs::label(design),
            args.target.strategy
        )
    };
    let shard_label = shard.map_or(String::new(), |shard| format!(" shard={shard}"));
    if args.json {
        write!(out, "{{\"violations\":[")?;
    } else {
        writeln!(
            out,
            "hunt: scenario={scenario_arg} variant={} strategy={} seeds={}{shard_label} jobs={}",
            dnsim_model::designs::label(design),
            args.target.strategy,
            args.seeds,
            options.sweep.jobs
        )?;
    }
    out.flush()?;
    if options.seeds.is_empty() {
        let shard = shard.map_or(String::new(), |s| format!("shard {s} "));
        writeln!(
            err,
            "warning: {shard}holds no seed of {}: nothing to run",
            args.seeds
        )?;
    }
    stop_on_ctrl_c(options.sweep.stop.clone());
    let bar = progress_bar(options.seeds.len(), args.sweep.quiet);
    let mut first_json = true;
    let mut write_error = None;
    let mut saved = 0u64;
    let summary = hunt_with(
        &scenario,
        design,
        &options,
        |summary, seed, result| {
            bar.set_position(summary.seeds_run);
            bar.set_message(format!("{} failing", summary.failing_seeds));
            let written = bar.suspend(|| -> std::io::Result<()> {
                if args.json {
                    for violation in violations(seed, result) {
                        let comma = if first_json { "" } else { "," };
                        first_json = false;
                        write!(out, "{comma}\n{}", serde_json::to_string(&violation)?)?;
                    }
                    return Ok(());
                }
                let line = match result {
                    SeedResult::Done(outcome) if outcome.violations.is_empty() => return Ok(()),
                    SeedResult::Done(outcome) => {
                        let names: Vec<&str> = outcome
                            .violations
                            .iter()
                            .map(|v| v.invariant.as_str())
                            .collect();
                        names.join(", ")
                    }
                    SeedResult::Crashed { message } => format!("CRASH: {message}"),
                    SeedResult::Hung { reason } => format!("HANG: {reason}"),
                };
                writeln!(out, "seed {seed}: {line}\n    {}", replay(seed))
            });
            if let Err(error) = written {
                write_error.get_or_insert(error);
            }
            if let (Some(dir), SeedResult::Done(outcome)) = (&args.save, result) {
                match save(dir, scenario_arg, outcome) {
                    Ok(Some(path)) => {
                        saved += 1;
                        bar.suspend(|| {
                            let _ = writeln!(err, "saved: {}", path.display());
                        });
                    }
                    Ok(None) => {}
                    Err(message) => bar.suspend(|| {
                        let _ = writeln!(err, "warning: {message}");
                    }),
                }
            }
        },
        |summary| bar.set_position(summary.seeds_run),
    );
    bar.finish_and_clear();
    if let Some(error) = write_error {
        return Err(error.into());
    }
    if args.json {
        let rest = serde_json::to_string(&summary)?;
        writeln!(out, "\n],{}", &rest[1..])?;
    } else {
        write_summary(out, &summary, &args.seeds, saved, args.save.is_some())?;
    }
    Ok(if summary.found_anything() {
        EXIT_VIOLATION
    } else {
        EXIT_CLEAN
    })
}

fn violations(seed: u64, result: &SeedResult<Outcome>) -> Vec<FoundViolation> {
    match result {
        SeedResult::Done(outcome) => outcome
            .violations
            .iter()
            .map(|v| FoundViolation {
                seed,
                invariant: v.invariant,
                sim_time_ms: v.sim_time_ms,
                message: v.message.clone(),
                measures: outcome.measures,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Saves a failing run as `{variant}-{invariant}-{seed}.toml` in `dir`, for the first
/// invariant it violated. `Ok(None)` when it passed or is saved already.
fn save(
    dir: &std::path::Path,
    scenario_arg: &str,
    outcome: &Outcome,
) -> Result<Option<PathBuf>, String> {
    let Some(first) = outcome.violations.first() else {
        return Ok(None);
    };
    let file = SeedFile::from_outcome(outcome, scenario_arg, first.invariant);
    let path = dir.join(file.file_name());
    if path.exists() {
        return Ok(None);
    }
    file.save_new(&path).map(Some).map_err(|e| e.to_string())
}

fn write_summary(
    out: &mut dyn Write,
    summary: &HuntSummary,
    range: &SeedRange,
    saved: u64,
    saving: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} seeds in {:.2}s ({:.0} seeds/s, {:.2}M events/s); {} failing",
        summary.seeds_run,
        summary.wall_ms / 1e3,
        summary.seeds_per_sec,
        summary.events_per_sec / 1e6,
        summary.failing_seeds
    )?;
    // Seeds that crashed or hung never reached the end, so cannot be said to hold.
    let every = if summary.failures.is_empty() {
        "every seed"
    } else {
        "every seed that ran to the end"
    };
    for id in InvariantId::ALL {
        let tally = summary.tally(id);
        let plural = if tally.seeds == 1 { "" } else { "s" };
        match tally.first_seed {
            Some(seed) => writeln!(
                out,
                "  {:<20} violated in {:>5} seed{plural}, first seed {seed}",
                id.as_str(),
                tally.seeds
            )?,
            None if summary.seeds_run == 0 => {
                writeln!(out, "  {:<20} not checked: no seed ran", id.as_str())?
            }
            None => writeln!(out, "  {:<20} held in {every}", id.as_str())?,
        }
    }
    let crashes = summary
        .failures
        .iter()
        .filter(|f| f.kind == crate::hunt::FailureKind::Crash)
        .count();
    let hangs = summary.failures.len() - crashes;
    if !summary.failures.is_empty() {
        writeln!(out, "  {crashes} seeds crashed, {hangs} hung")?;
    }
    if saving {
        writeln!(out, "  {saved} new seed files saved")?;
    }
    match summary.end {
        SweepEnd::Completed => Ok(()),
        SweepEnd::TimeBudget => writeln!(
            out,
            "stopped at the time budget after {} of the seeds in {range}",
            summary.seeds_run
        ),
        SweepEnd::Interrupted => writeln!(
            out,
            "interrupted after {} of the seeds in {range}",
            summary.seeds_run
        ),
    }
}
