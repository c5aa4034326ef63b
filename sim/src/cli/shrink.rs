//! `dnsim shrink`: cut a failing run down to its essential faults, and save it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{check_output_dir, design, BadInput, Target, EXIT_CLEAN};
use crate::checking::invariants::InvariantId;
use crate::exploring::shrink::shrink;
use crate::reporting::narrative::describe_fault;
use crate::running::run::RunSpec;
use crate::running::scenario::Scenario;
use crate::running::seedfile::{AlreadyThere, FaultsSource, SeedFile};
use crate::running::trace::{format_hash, format_time, TraceEntry};

/// Where `shrink` saves minimal runs unless told otherwise: a scratch directory, not the
/// regression corpus in `seeds/` (a file there is checked by `cargo test` from then on).
pub const DEFAULT_SAVE_DIR: &str = "target/dnsim-shrunk";

#[derive(Args, Debug)]
pub(super) struct ShrinkArgs {
    #[command(flatten)]
    target: Target,
    /// The failing seed (default: MADSIM_TEST_SEED, if set).
    #[arg(long)]
    seed: Option<u64>,
    /// The invariant that must still fail (default: the run's first violation).
    #[arg(long)]
    invariant: Option<InvariantId>,
    /// Where to save the minimal run: a scratch directory by default; `--save seeds` adds it
    /// to the regression corpus. Made if missing.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_SAVE_DIR)]
    save: PathBuf,
    /// Do not save the minimal run.
    #[arg(long, conflicts_with = "save")]
    no_save: bool,
    #[command(flatten)]
    watchdog: super::WatchdogArg,
}

pub(super) fn run(args: ShrinkArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.target.scenario)?;
    let design = design(&args.target.variant)?;
    let watchdog = args.watchdog.get()?;
    // The directory is made only when the minimal run is saved (`save_new`), so that bad
    // input, or a seed with nothing to shrink, leaves nothing behind.
    if !args.no_save {
        check_output_dir("save directory", &args.save)?;
    }
    let seed = super::seed_arg(args.seed, "")?;
    let invariant = match args.invariant {
        Some(invariant) => invariant,
        None => {
            let spec = RunSpec::seeded(&scenario, design, seed).with_strategy(args.target.strategy);
            match super::run_watched(&spec, &args.watchdog, out)? {
                Ok(outcome) => outcome,
                Err(code) => return Ok(code),
            }
            .violations
            .first()
            .map(|v| v.invariant)
            .ok_or_else(|| {
                BadInput(format!(
                    "seed {seed} violates no invariant: nothing to shrink"
                ))
            })?
        }
    };
    writeln!(
        out,
        "shrink: SEED={seed} scenario={} variant={} strategy={} invariant={invariant}",
        args.target.scenario,
        dnsim_model::designs::label(design),
        args.target.strategy
    )?;
    out.flush()?;
    let shrunk = match shrink(
        &scenario,
        design,
        args.target.strategy,
        seed,
        invariant,
        watchdog,
    ) {
        Ok(shrunk) => shrunk.ok_or_else(|| {
            BadInput(format!(
                "seed {seed} does not violate {invariant}: nothing to shrink"
            ))
        })?,
        Err(halted) => {
            let kind = halted.kind.to_uppercase();
            writeln!(out, "{kind}: seed {seed}: {}", halted.reason)?;
            writeln!(
                out,
                "shrink stopped: a re-run did not finish; nothing saved"
            )?;
            return Ok(super::EXIT_VIOLATION);
        }
    };
    writeln!(
        out,
        "faults: {} -> {} ({} runs)",
        shrunk.original.len(),
        shrunk.minimal.len(),
        shrunk.runs
    )?;
    writeln!(out, "essential faults:")?;
    for (at, entry) in &shrunk.outcome.trace {
        if let TraceEntry::Fault(fault) = entry {
            writeln!(out, "  {}  {}", format_time(*at), describe_fault(fault))?;
        }
    }
    let violation = shrunk
        .outcome
        .violation(invariant)
        .expect("the minimal run fails");
    writeln!(
        out,
        "still violates {invariant} at {}: {}",
        format_time(std::time::Duration::from_millis(violation.sim_time_ms)).trim_start(),
        violation.message
    )?;
    writeln!(
        out,
        "trace hash: {}",
        format_hash(shrunk.outcome.trace_hash)
    )?;
    if !args.no_save {
        let essentials: Vec<String> = shrunk.minimal.0.iter().map(describe_fault).collect();
        let mut file = SeedFile::from_outcome(&shrunk.outcome, &args.target.scenario, invariant);
        assert_eq!(
            file.faults_source,
            FaultsSource::Schedule,
            "a shrunk run is scripted"
        );
        file.postmortem = format!("{}; so {}", essentials.join("; "), violation.message);
        let path = args.save.join(file.file_name());
        // The replay line below must replay this run, not whatever the file held. A file in
        // the scratch directory is replaced; one elsewhere (the regression corpus, say)
        // never is.
        match file.already_at(&path) {
            AlreadyThere::Nothing => {
                file.save_new(&path)?;
                writeln!(out, "saved: {}", path.display())?;
            }
            AlreadyThere::ThisRun => {
                writeln!(out, "already saved: {} (this very run)", path.display())?;
            }
            AlreadyThere::Other(what) => {
                // The scratch directory however it is spelled (`./target/dnsim-shrunk`, its
                // absolute path): the same directory, not the same text. Both exist here.
                let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
                if !same(&args.save, Path::new(DEFAULT_SAVE_DIR)) {
                    // The one bad input found only after the work: the file's run is known
                    // only now.
                    return Err(BadInput(format!(
                        "not saved: {} exists and holds {what}; remove it, or save elsewhere with --save DIR",
                        path.display()
                    )));
                }
                std::fs::remove_file(&path)?;
                file.save_new(&path)?;
                writeln!(
                    out,
                    "saved: {} (replacing {what}: {DEFAULT_SAVE_DIR} is scratch)",
                    path.display()
                )?;
            }
        }
        writeln!(
            out,
            "replay: dnsim replay --file {} --trace",
            path.display()
        )?;
    }
    Ok(EXIT_CLEAN)
}
