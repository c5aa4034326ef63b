//! The `dnsim` command line.
//!
//! Exit status, for every subcommand: 0 when no invariant was violated, 1 when one was,
//! 2 on bad input (one line on stderr naming the input and the problem), 3 when a saved
//! seed file no longer reproduces its run.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use dnsim_model::{designs, Design};

use crate::faults::FaultSource;
use crate::hunt::{hunt, SeedRange};
use crate::invariants::InvariantId;
use crate::run::{run, Outcome, RunSpec};
use crate::scenario::{self, Scenario};
use crate::seedfile::SeedFile;
use crate::strategy::Strategy;
use crate::trace::TraceEntry;
use crate::trace::{format_hash, format_time, TraceFormat, TraceMode};
use crate::{matrix, sweep};

/// The default seed range of `hunt`: enough to find all four violations of the original
/// design in the default scenario (pinned by a test).
pub const DEFAULT_SEEDS: &str = "0..200";

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_VIOLATION: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
pub const EXIT_NOT_REPRODUCED: i32 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "dnsim",
    version,
    about = "Deterministic simulation of the October 2025 DynamoDB DNS race",
    after_help = "Exit status: 0 no violation, 1 an invariant was violated, 2 bad input, 3 a seed file no longer reproduces."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every seed in a range; list each failing seed with a command to replay it.
    Hunt(HuntArgs),
    /// Re-run exactly one seed (or a saved seed file); optionally print its trace.
    Replay(ReplayArgs),
    /// Run every design against every invariant on the same seeds: the verdict matrix.
    Matrix(MatrixArgs),
    /// List the built-in scenarios, the designs and the invariants.
    List,
}

#[derive(Args, Debug)]
struct Target {
    /// A built-in scenario name or a scenario .toml file.
    #[arg(long, default_value = scenario::DEFAULT)]
    scenario: String,
    /// The design under test (see `dnsim list`).
    #[arg(long, default_value = "original")]
    variant: String,
}

#[derive(Args, Debug)]
struct HuntArgs {
    #[command(flatten)]
    target: Target,
    /// Seeds to run, `A..B` (B excluded) or a single seed.
    #[arg(long, default_value = DEFAULT_SEEDS)]
    seeds: SeedRange,
    /// Print one JSON object (the report) instead of text.
    #[arg(long)]
    json: bool,
    /// Worker threads (default: every core). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
}

/// The default seed range of `matrix`: 30,000 seeds, so that a design that holds has a 95%
/// upper bound (rule of three) of 1 in 10,000 on its violation rate.
pub const DEFAULT_MATRIX_SEEDS: &str = "0..30000";

#[derive(Args, Debug)]
struct MatrixArgs {
    /// A built-in scenario name or a scenario .toml file.
    #[arg(long, default_value = scenario::DEFAULT)]
    scenario: String,
    /// Seeds to run for every design, `A..B` (B excluded).
    #[arg(long, default_value = DEFAULT_MATRIX_SEEDS)]
    seeds: SeedRange,
    /// Designs to compare, comma-separated (default: every design).
    #[arg(long, value_delimiter = ',')]
    variants: Vec<String>,
    /// Print one JSON object (the report) instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write the table and its evidence as Markdown to this file.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Worker threads (default: every core). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(Args, Debug)]
struct ReplayArgs {
    #[command(flatten)]
    target: Target,
    /// The seed to replay.
    #[arg(long, required_unless_present = "file", conflicts_with = "file")]
    seed: Option<u64>,
    /// A saved seed file to replay and check (its scenario, variant and seed).
    #[arg(long, value_name = "SEED_FILE")]
    file: Option<PathBuf>,
    /// Print the run as readable lines in simulated time.
    #[arg(long)]
    trace: bool,
    /// Save the run as a seed file for this invariant (the file must not exist).
    #[arg(long, value_name = "SEED_FILE", requires = "invariant")]
    save: Option<PathBuf>,
    /// The invariant to save the run for (with --save).
    #[arg(long)]
    invariant: Option<InvariantId>,
    /// Replay the faults injected into this design's run of the seed (the same named
    /// faults, and no others), and show where the two runs part.
    #[arg(long, value_name = "DESIGN", conflicts_with = "file")]
    faults_from: Option<String>,
}

/// Bad input: reported as one line, exit status 2.
struct BadInput(String);

impl<E: std::fmt::Display> From<E> for BadInput {
    fn from(error: E) -> BadInput {
        BadInput(error.to_string())
    }
}

fn design(name: &str) -> Result<&'static dyn Design, BadInput> {
    designs::by_name(name).ok_or_else(|| {
        BadInput(format!(
            "unknown variant {name:?}: designs are {}",
            designs::names().join(", ")
        ))
    })
}

/// Runs the command line `args` (program name first); returns the exit status.
pub fn main<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let is_error = error.use_stderr();
            let rendered = error.render().to_string();
            let _ = if is_error {
                write!(err, "{rendered}")
            } else {
                write!(out, "{rendered}")
            };
            return if is_error { EXIT_BAD_INPUT } else { EXIT_CLEAN };
        }
    };
    let result = match cli.command {
        Command::Hunt(args) => hunt_command(args, out),
        Command::Replay(args) => replay_command(args, out),
        Command::Matrix(args) => matrix_command(args, out),
        Command::List => list_command(out),
    };
    match result {
        Ok(code) => code,
        Err(BadInput(message)) => {
            let _ = writeln!(err, "error: {message}");
            EXIT_BAD_INPUT
        }
    }
}

fn list_command(out: &mut dyn Write) -> Result<i32, BadInput> {
    writeln!(out, "scenarios:")?;
    for (name, _) in scenario::BUILT_IN {
        let scenario = Scenario::load(name)?;
        writeln!(out, "  {name:<28} {}", scenario.description)?;
    }
    writeln!(out, "variants:")?;
    for design in designs::ALL {
        writeln!(out, "  {}", design.name())?;
    }
    writeln!(out, "invariants:")?;
    for id in InvariantId::ALL {
        writeln!(out, "  {:<28} {}", id.as_str(), id.claim())?;
    }
    Ok(EXIT_CLEAN)
}

fn jobs(requested: Option<usize>) -> Result<usize, BadInput> {
    match requested {
        Some(0) => Err(BadInput("--jobs must be at least 1".into())),
        Some(jobs) => Ok(jobs),
        None => Ok(sweep::default_jobs()),
    }
}

fn matrix_command(args: MatrixArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.scenario)?;
    let chosen: Vec<&'static dyn Design> = if args.variants.is_empty() {
        designs::ALL.to_vec()
    } else {
        args.variants
            .iter()
            .map(|name| design(name.trim()))
            .collect::<Result<_, _>>()?
    };
    let jobs = jobs(args.jobs)?;
    if !args.json {
        writeln!(
            out,
            "matrix: scenario={} seeds={} designs={} jobs={jobs}",
            args.scenario,
            args.seeds,
            chosen.len()
        )?;
        out.flush()?;
    }
    let report = matrix::matrix(&scenario, &chosen, args.seeds, jobs);
    if let Some(path) = &args.markdown {
        std::fs::write(path, matrix::render_markdown(&report, &args.scenario))
            .map_err(|e| BadInput(format!("markdown file {}: {e}", path.display())))?;
    }
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", matrix::render_text(&report))?;
        writeln!(
            out,
            "{} runs in {:.1}s ({:.0} runs/s)",
            report.runs,
            report.wall_ms / 1e3,
            report.runs as f64 / (report.wall_ms / 1e3).max(1e-9)
        )?;
        if let Some(path) = &args.markdown {
            writeln!(out, "wrote {}", path.display())?;
        }
    }
    let any_violation = report
        .designs
        .iter()
        .any(|row| row.cells.iter().any(|c| !c.holds()));
    Ok(if any_violation {
        EXIT_VIOLATION
    } else {
        EXIT_CLEAN
    })
}

fn hunt_command(args: HuntArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.target.scenario)?;
    let design = design(&args.target.variant)?;
    let jobs = jobs(args.jobs)?;
    let replay = |seed: u64| {
        format!(
            "dnsim replay --scenario {} --variant {} --seed {seed} --trace",
            args.target.scenario,
            design.name()
        )
    };
    if !args.json {
        writeln!(
            out,
            "hunt: scenario={} variant={} seeds={}",
            args.target.scenario,
            design.name(),
            args.seeds
        )?;
    }
    let report = hunt(&scenario, design, args.seeds, jobs);
    let mut failing: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
    for violation in &report.violations {
        failing
            .entry(violation.seed)
            .or_default()
            .push(violation.invariant.as_str());
    }
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        for (seed, invariants) in &failing {
            writeln!(
                out,
                "seed {seed}: {}\n    {}",
                invariants.join(", "),
                replay(*seed)
            )?;
        }
        writeln!(
            out,
            "{} seeds in {:.2}s ({:.0} seeds/s, {:.0} events/s); {} failing",
            report.seeds_run,
            report.wall_ms / 1e3,
            report.seeds_per_sec,
            report.events_per_sec,
            report.failing_seeds
        )?;
        for id in InvariantId::ALL {
            match report.first_seed(id) {
                Some(seed) => writeln!(
                    out,
                    "  {:<20} violated in {:>5} seeds, first seed {seed}",
                    id.as_str(),
                    report.seeds_violating(id)
                )?,
                None => writeln!(out, "  {:<20} held in every seed", id.as_str())?,
            }
        }
    }
    Ok(if report.violations.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_VIOLATION
    })
}

fn replay_command(args: ReplayArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let saved = args.file.as_deref().map(SeedFile::load).transpose()?;
    let (scenario_name, variant, seed) = match &saved {
        Some(file) => (file.scenario.clone(), file.variant.clone(), file.seed),
        None => (
            args.target.scenario.clone(),
            args.target.variant.clone(),
            args.seed.expect("clap requires --seed without --file"),
        ),
    };
    let scenario = Scenario::load(&scenario_name)?;
    let design = design(&variant)?;
    // With --faults-from, first run the other design on this seed, keeping its trace.
    let source = match &args.faults_from {
        Some(name) => {
            let mut spec = RunSpec::seeded(&scenario, self::design(name)?, seed);
            spec.trace.keep = true;
            Some(run(&spec))
        }
        None => None,
    };
    let spec = RunSpec {
        scenario: &scenario,
        design,
        seed,
        faults: source.as_ref().map_or(FaultSource::Seeded, |source| {
            FaultSource::Scripted(source.faults.clone())
        }),
        // A saved run replays with the strategy it was found with (--strategy: not yet).
        strategy: saved
            .as_ref()
            .map_or(Strategy::Uniform, |file| file.strategy),
        trace: TraceMode {
            keep: source.is_some(),
            print: args.trace,
        },
    };
    let faults = match &source {
        Some(source) => format!("from-{}", source.variant),
        None => "seeded".to_string(),
    };
    writeln!(
        out,
        "replay: SEED={seed} scenario={scenario_name} variant={} faults={faults}",
        design.name()
    )?;
    out.flush()?;
    let outcome = if args.trace {
        let subscriber = tracing_subscriber::fmt()
            .event_format(TraceFormat)
            .with_writer(|| PipeSafeStdout)
            .finish();
        tracing::subscriber::with_default(subscriber, || run(&spec))
    } else {
        run(&spec)
    };
    write_summary(out, &outcome)?;
    if let Some(source) = &source {
        write_comparison(out, source, &outcome)?;
    }
    let faults_from = args
        .faults_from
        .as_ref()
        .map_or(String::new(), |name| format!(" --faults-from {name}"));
    writeln!(
        out,
        "reproduce: dnsim replay --scenario {scenario_name} --variant {} --seed {seed}{faults_from} --trace",
        design.name()
    )?;
    if let Some(path) = &args.save {
        let invariant = args
            .invariant
            .expect("clap requires --invariant with --save");
        if !outcome.violated(invariant) {
            return Err(BadInput(format!(
                "seed {seed} does not violate {invariant}; nothing saved"
            )));
        }
        let file = SeedFile::from_outcome(&outcome, &scenario_name, invariant);
        file.save_new(path)?;
        writeln!(out, "saved: {}", path.display())?;
    }
    if let Some(file) = &saved {
        let hash = format_hash(outcome.trace_hash);
        if hash != file.trace_hash || !outcome.violated(file.invariant) {
            writeln!(
                out,
                "NOT REPRODUCED: the seed file expects {} with trace hash {}, the run gave trace hash {hash}",
                file.invariant, file.trace_hash
            )?;
            return Ok(EXIT_NOT_REPRODUCED);
        }
        writeln!(
            out,
            "reproduced: {} with trace hash {hash}, as saved",
            file.invariant
        )?;
    }
    Ok(if outcome.violations.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_VIOLATION
    })
}

/// Standard output for a command-line tool: when the reader goes away (`dnsim ... | head`),
/// exit quietly instead of reporting a broken pipe at every line.
pub struct PipeSafeStdout;

impl Write for PipeSafeStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        quiet_on_broken_pipe(std::io::stdout().write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        quiet_on_broken_pipe(std::io::stdout().flush())
    }
}

fn quiet_on_broken_pipe<T>(result: std::io::Result<T>) -> std::io::Result<T> {
    match result {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other,
    }
}

/// Where a run on replayed faults parts from the run the faults came from.
fn write_comparison(
    out: &mut dyn Write,
    source: &Outcome,
    outcome: &Outcome,
) -> std::io::Result<()> {
    writeln!(
        out,
        "faults replayed from {}: {} recorded, {} struck in this run (the others' sites were never reached)",
        source.variant,
        source.faults.len(),
        outcome.faults.len()
    )?;
    let names = |o: &Outcome| -> String {
        let names: Vec<&str> = o.violations.iter().map(|v| v.invariant.as_str()).collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    writeln!(
        out,
        "violations: {} {}; {} {}",
        source.variant,
        names(source),
        outcome.variant,
        names(outcome)
    )?;
    let agree = source
        .trace
        .iter()
        .zip(&outcome.trace)
        .take_while(|(a, b)| a == b)
        .count();
    let line = |entry: Option<&(std::time::Duration, TraceEntry)>| match entry {
        Some((at, entry)) => format!("{}  {entry}", format_time(*at)),
        None => "(the run ended)".to_string(),
    };
    if agree == source.trace.len() && agree == outcome.trace.len() {
        return writeln!(out, "the two runs are identical ({agree} trace entries)");
    }
    writeln!(out, "the runs agree for {agree} trace entries, then part:")?;
    writeln!(
        out,
        "  {:<26}{}",
        source.variant,
        line(source.trace.get(agree))
    )?;
    writeln!(
        out,
        "  {:<26}{}",
        outcome.variant,
        line(outcome.trace.get(agree))
    )?;
    // For each invariant the source run violated after an event, the same step (same actor,
    // endpoint and plan) in this run.
    for (i, (_, entry)) in source.trace.iter().enumerate() {
        let TraceEntry::Violation(violation) = entry else {
            continue;
        };
        let Some(cause) = source.trace[..i].iter().rev().find_map(|(at, e)| match e {
            TraceEntry::Event(event) => Some((*at, event)),
            _ => None,
        }) else {
            continue;
        };
        writeln!(
            out,
            "{} violated {} at:",
            source.variant, violation.invariant
        )?;
        writeln!(
            out,
            "  {:<26}{}  {}",
            source.variant,
            format_time(cause.0),
            cause.1
        )?;
        let same_step = outcome.trace.iter().find(|(_, e)| match e {
            TraceEntry::Event(event) => same_step(event, cause.1),
            _ => false,
        });
        match same_step {
            Some(entry) => writeln!(out, "  {:<26}{}", outcome.variant, line(Some(entry)))?,
            None => writeln!(out, "  {:<26}(never takes that step)", outcome.variant)?,
        }
    }
    Ok(())
}

/// Whether two events are the same step of the same actor: the same plan written (or
/// skipped, or rejected) at the same endpoint, or clean-up of the same endpoint.
fn same_step(a: &dnsim_model::Event, b: &dnsim_model::Event) -> bool {
    use dnsim_model::event::EventKind::*;
    let write = |kind: &dnsim_model::event::EventKind| match kind {
        Applied {
            endpoint,
            generation,
            ..
        }
        | EndpointSkipped {
            endpoint,
            generation,
            ..
        }
        | BatchRejected {
            endpoint,
            generation,
            ..
        } => Some((*endpoint, *generation)),
        _ => None,
    };
    let clean_up = |kind: &dnsim_model::event::EventKind| match kind {
        TreesDeleted {
            endpoint,
            generations,
            ..
        } => Some((*endpoint, generations.clone())),
        _ => None,
    };
    a.actor == b.actor
        && ((write(&a.kind).is_some() && write(&a.kind) == write(&b.kind))
            || (clean_up(&a.kind).is_some()
                && clean_up(&a.kind).map(|c| c.0) == clean_up(&b.kind).map(|c| c.0)))
}

fn write_summary(out: &mut dyn Write, outcome: &Outcome) -> std::io::Result<()> {
    writeln!(out, "faults injected: {}", outcome.faults.len())?;
    if outcome.violations.is_empty() {
        writeln!(out, "violations: none")?;
    } else {
        writeln!(out, "violations:")?;
        for v in &outcome.violations {
            let at = format_time(std::time::Duration::from_millis(v.sim_time_ms));
            writeln!(
                out,
                "  {:<20} at {}  {}",
                v.invariant.as_str(),
                at.trim_start(),
                v.message
            )?;
        }
    }
    writeln!(
        out,
        "trace hash: {}  ({} events)",
        format_hash(outcome.trace_hash),
        outcome.events
    )
}
