//! `dnsim replay`: re-run one seed exactly, print its trace, draw it, save it, or compare it
//! with another design's run on the same faults.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{
    check_output, design, seed_or_file, write_output, BadInput, Target, EXIT_CLEAN,
    EXIT_NOT_REPRODUCED, EXIT_VIOLATION,
};
use crate::checking::invariants::InvariantId;
use crate::reporting::diagram::{render_svg, Lanes};
use crate::reporting::narrative::describe_fault;
use crate::reporting::plural;
use crate::running::faults::FaultSource;
use crate::running::run::{Outcome, RunSpec};
use crate::running::schedule::ScheduledFault;
use crate::running::seedfile::{FaultsSource, SeedFile};
use crate::running::trace::{format_hash, format_time, TraceEntry, TraceMode};
use crate::running::trace_filter::{with_printed_trace, Only};
use dnsim_model::event::EventKind::BatchRejected;
use dnsim_model::Actor;

#[derive(Args, Debug)]
pub(super) struct ReplayArgs {
    #[command(flatten)]
    target: Target,
    /// The seed to replay (default: MADSIM_TEST_SEED, if set).
    #[arg(long, conflicts_with = "file")]
    seed: Option<u64>,
    /// A saved seed file to replay and check (it decides the scenario, variant, strategy, seed and faults).
    #[arg(long, value_name = "SEED_FILE", conflicts_with_all = ["scenario", "variant", "strategy"])]
    file: Option<PathBuf>,
    /// Print the run as readable lines in simulated time (RUST_LOG narrows them: `warn`
    /// prints only violations, `info` leaves out retries; see the README).
    #[arg(long)]
    trace: bool,
    /// With --trace, print only the lines of this actor, endpoint or kind, e.g.
    /// `actor=enactor-3,endpoint=regional,kind=apply` (violations are always printed).
    #[arg(long, value_name = "KEY=VALUE,...", requires = "trace")]
    only: Option<Only>,
    /// Save the run as a seed file for this invariant (the file must not exist).
    #[arg(long, value_name = "SEED_FILE", requires = "invariant")]
    save: Option<PathBuf>,
    /// The invariant to save the run for (with --save).
    #[arg(long, requires = "save")]
    invariant: Option<InvariantId>,
    /// Replay the faults injected into this design's run of the seed (the same named
    /// faults, and no others), and show where the two runs part.
    #[arg(long, value_name = "DESIGN", conflicts_with = "file")]
    faults_from: Option<String>,
    /// Draw the run as a space-time diagram (SVG) into this file.
    #[arg(long, value_name = "FILE.svg")]
    diagram: Option<PathBuf>,
    #[command(flatten)]
    watchdog: super::WatchdogArg,
}

pub(super) fn run(args: ReplayArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    args.watchdog.get()?;
    if args.trace {
        crate::running::trace_filter::env_filter().map_err(BadInput)?;
    }
    let (saved, scenario_name, variant, seed) =
        seed_or_file(&args.target, args.seed, args.file.as_deref())?;
    // Every input and output path is checked before anything runs or is written.
    let scenario = super::load_scenario(&scenario_name, args.file.as_deref())?;
    let chosen = design(&variant)?;
    if let Some(only) = &args.only {
        // The trace printed is the replayed design's, whatever --faults-from names.
        let extra: Vec<Actor> = chosen.extra_actors().iter().map(|a| a.actor).collect();
        let system = &scenario.system;
        (only.check(system.enactors, system.endpoints, &extra)).map_err(BadInput)?;
    }
    // The design as given, parameters and all: what a printed command must name to run it.
    let label = dnsim_model::designs::label(chosen);
    let faults_from = args.faults_from.as_deref().map(design).transpose()?;
    if faults_from.is_some_and(|other| dnsim_model::designs::label(other) == label) {
        return Err(BadInput(format!(
            "--faults-from names the design replayed ({label}): its faults are this run's own; name another design to compare with"
        )));
    }
    if let Some(path) = &args.diagram {
        super::check_svg_output("diagram file", path)?;
    }
    if let Some(path) = &args.save {
        check_output("seed file", path, true)?;
    }
    let strategy = saved
        .as_ref()
        .map_or(args.target.strategy, |file| file.strategy);
    // With --faults-from, first run the other design on this seed, keeping its trace.
    let source = match faults_from {
        Some(other) => {
            let mut spec = RunSpec::seeded(&scenario, other, seed).with_strategy(strategy);
            spec.trace.keep = true;
            match super::run_watched(&spec, &args.watchdog, out)? {
                Ok(outcome) => Some(outcome),
                Err(status) => return Ok(status),
            }
        }
        None => None,
    };
    // A seed file replays as it says; otherwise this seed, with the other design's faults
    // under --faults-from.
    let mut spec = match &saved {
        Some(file) => file.spec(&scenario)?,
        None => RunSpec::seeded(&scenario, chosen, seed).with_strategy(strategy),
    };
    if let Some(source) = &source {
        spec.faults = FaultSource::Scripted(source.faults.clone());
    }
    spec.trace = TraceMode {
        keep: source.is_some() || args.diagram.is_some(),
        print: args.trace,
    };
    let faults = match (&source, &saved) {
        (Some(source), _) => format!("from-{}", source.variant),
        (None, Some(file)) if file.faults_source == FaultsSource::Schedule => {
            format!("schedule-of-{}", file.faults.len())
        }
        _ => "seeded".to_string(),
    };
    writeln!(
        out,
        "replay: SEED={seed} scenario={scenario_name} variant={label} strategy={} faults={faults}",
        // Under --faults-from the faults are those the strategy drew in the other design's run.
        match source {
            Some(_) => strategy.to_string(),
            None => spec.strategy_label(),
        }
    )?;
    out.flush()?;
    let outcome = if args.trace {
        let only = args.only.clone().unwrap_or_default();
        with_printed_trace(only, || super::run_watched(&spec, &args.watchdog, out))
            .map_err(BadInput)?
    } else {
        super::run_watched(&spec, &args.watchdog, out)
    }?;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(status) => return Ok(status),
    };
    write_summary(out, &outcome)?;
    if let Some(source) = &source {
        write_comparison(out, source, &outcome)?;
    }
    let faults_from = args
        .faults_from
        .as_ref()
        .map_or(String::new(), |name| format!(" --faults-from {name}"));
    let watchdog = args.watchdog.flag();
    match &args.file {
        Some(path) => writeln!(
            out,
            "reproduce: dnsim replay --file {} --trace{watchdog}",
            path.display()
        )?,
        None => writeln!(
            out,
            "reproduce: {}{faults_from}{watchdog}",
            super::replay_command(&scenario_name, &label, strategy, seed)
        )?,
    }
    // A run that cannot be saved writes nothing, not even its diagram.
    let save = match (&args.save, args.invariant) {
        (Some(path), Some(invariant)) => {
            if !outcome.violated(invariant) {
                return Err(BadInput(format!(
                    "seed {seed} does not violate {invariant}; nothing saved"
                )));
            }
            // Faults that were scripted (a schedule file's, or another design's under
            // --faults-from) are saved as a schedule: `from_outcome` sees they were.
            let file = SeedFile::from_outcome(&outcome, &scenario_name, invariant);
            Some((path, file))
        }
        _ => None,
    };
    if let Some(path) = &args.diagram {
        let title = match &args.file {
            Some(path) => format!("dnsim replay --file {}", path.display()),
            None => format!(
                "dnsim replay --scenario {scenario_name} --variant {label} --strategy {strategy} --seed {seed}{faults_from}",
            ),
        };
        let svg = render_svg(&outcome.trace, &Lanes::of(&scenario), &title);
        write_output("diagram file", path, svg.as_bytes())?;
        writeln!(out, "diagram: {}", path.display())?;
    }
    if let Some((path, file)) = save {
        file.save_new(path)?;
        writeln!(out, "saved: {}", path.display())?;
    }
    if let Some(file) = &saved {
        if let Some(differences) = not_reproduced(file, &outcome) {
            writeln!(out, "NOT REPRODUCED: {differences}")?;
            return Ok(EXIT_NOT_REPRODUCED);
        }
        writeln!(
            out,
            "reproduced: {} with trace hash {} and its {}, as saved",
            file.invariant,
            file.trace_hash,
            plural(
                file.faults.len() as u64,
                "recorded fault",
                "recorded faults"
            )
        )?;
        return Ok(EXIT_CLEAN);
    }
    Ok(if outcome.violations.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_VIOLATION
    })
}

/// How the run of a saved seed file differs from what the file recorded (its invariant
/// violated, its faults, its trace hash), if it does: `None` when it reproduced.
pub(super) fn not_reproduced(file: &SeedFile, outcome: &Outcome) -> Option<String> {
    let hash = format_hash(outcome.trace_hash);
    let mut differences = Vec::new();
    if !outcome.violated(file.invariant) {
        differences.push(format!("the run no longer violates {}", file.invariant));
    }
    if outcome.faults != file.faults {
        differences.push(schedule_difference(&file.faults, &outcome.faults));
    }
    if hash != file.trace_hash {
        differences.push(format!(
            "its trace hash is {hash}, not the saved {}",
            file.trace_hash
        ));
    }
    (!differences.is_empty()).then(|| differences.join("; "))
}

/// How the faults of a re-run differ from the `[[faults]]` a seed file records.
fn schedule_difference(
    recorded: &crate::running::faults::FaultSchedule,
    replayed: &crate::running::faults::FaultSchedule,
) -> String {
    let first = recorded
        .0
        .iter()
        .zip(&replayed.0)
        .position(|(a, b)| a != b)
        .unwrap_or(recorded.len().min(replayed.len()));
    let (was, is) = (recorded.0.get(first), replayed.0.get(first));
    let story = |fault: Option<&ScheduledFault>| fault.map_or("none".to_string(), describe_fault);
    // Two faults told alike differ in what the story leaves out (the site, a magnitude
    // rounded away): then give each exactly too, as its site and its fault.
    let alike = story(was) == story(is);
    let tell = |fault: Option<&ScheduledFault>| match fault {
        Some(fault) if alike => {
            format!(
                "\"{}\" ({}: {})",
                describe_fault(fault),
                fault.at,
                fault.fault
            )
        }
        _ => format!("\"{}\"", story(fault)),
    };
    format!(
        "its faults are not the recorded [[faults]] ({} recorded, {} in the re-run; they part at fault {}: recorded {}, re-run {})",
        recorded.len(),
        replayed.len(),
        first + 1,
        tell(was),
        tell(is)
    )
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
    // The variant names in a column, with room for the longest (and a gap after it).
    let width = source.variant.len().max(outcome.variant.len()).max(24) + 2;
    writeln!(out, "the runs agree for {agree} trace entries, then part:")?;
    writeln!(
        out,
        "  {:<width$}{}",
        source.variant,
        line(source.trace.get(agree))
    )?;
    writeln!(
        out,
        "  {:<width$}{}",
        outcome.variant,
        line(outcome.trace.get(agree))
    )?;
    // For each invariant the source run violated, what this run did instead: at the step that
    // broke it (the same actor, endpoint and plan, nearest in time), or, for `converges`,
    // which is judged when the run ends, how this run ended.
    for (i, (at, entry)) in source.trace.iter().enumerate() {
        let TraceEntry::Violation(violation) = entry else {
            continue;
        };
        writeln!(
            out,
            "{} violated {} at {}:",
            source.variant,
            violation.invariant,
            format_time(*at).trim_start()
        )?;
        if violation.invariant == InvariantId::Converges {
            writeln!(out, "  {:<width$}{}", source.variant, violation.message)?;
            let ended = match outcome.violation(InvariantId::Converges) {
                Some(theirs) => theirs.message.clone(),
                None => "converged: every endpoint serves the last plan".to_string(),
            };
            writeln!(out, "  {:<width$}{ended}", outcome.variant)?;
            continue;
        }
        let Some(cause) = source.trace[..i].iter().rev().find_map(|(at, e)| match e {
            TraceEntry::Event(event) => Some((*at, event)),
            _ => None,
        }) else {
            continue;
        };
        writeln!(
            out,
            "  {:<width$}{}  {}",
            source.variant,
            format_time(cause.0),
            cause.1
        )?;
        // The step's outcome (written, skipped, clean-up done) if this run has one, else any
        // attempt at it; of those, the nearest in time.
        let nearest = |outcome_only: bool| {
            outcome
                .trace
                .iter()
                .filter(|(_, e)| match e {
                    TraceEntry::Event(event) => {
                        same_step(event, cause.1)
                            && (!outcome_only || !matches!(event.kind, BatchRejected { .. }))
                    }
                    _ => false,
                })
                .min_by_key(|(at, _)| at.abs_diff(cause.0))
        };
        match nearest(true).or_else(|| nearest(false)) {
            Some(entry) => writeln!(out, "  {:<width$}{}", outcome.variant, line(Some(entry)))?,
            None => writeln!(out, "  {:<width$}(never takes that step)", outcome.variant)?,
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
    writeln!(out, "strategy chose: {}", outcome.choices)?;
    writeln!(out, "faults injected: {}", outcome.faults.len())?;
    if outcome.violations.is_empty() {
        writeln!(out, "violations: none")?;
    } else {
        writeln!(out, "violations:")?;
        for v in &outcome.violations {
            let at = format_time(std::time::Duration::from_millis(v.sim_time_ms));
            writeln!(
                out,
                "  {:<22} at {}  {}",
                v.invariant.as_str(),
                at.trim_start(),
                v.message
            )?;
        }
    }
    writeln!(out, "outage: {}", outcome.measures)?;
    writeln!(
        out,
        "trace hash: {}  ({} trace entries, {} simulated events)",
        format_hash(outcome.trace_hash),
        outcome.trace_entries,
        outcome.events
    )
}
