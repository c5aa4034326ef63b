//! `dnsim exhaust`: run every fault schedule of at most K faults from a menu, and say
//! whether each invariant holds for all of them or give its first (fewest-fault)
//! counterexample, saved as a seed file.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::progress::StopArgs;
use super::{design, jobs, output_dir, BadInput, EXIT_CLEAN, EXIT_VIOLATION};
use crate::checking::invariants::InvariantId;
use crate::exploring::exhaust::{
    exhaust, Counterexample, ExhaustEnd, ExhaustReport, ExhaustSpec, Menu,
};
use crate::exploring::hunt::SeedRange;
use crate::reporting::narrative::describe_fault;
use crate::reporting::plural;
use crate::running::scenario::Scenario;
use crate::running::seedfile::{AlreadyThere, FaultsSource, SeedFile};
use crate::running::trace::format_hash;

#[derive(Args, Debug)]
pub(super) struct ExhaustArgs {
    /// A built-in scenario name or a scenario .toml file.
    #[arg(long, default_value = "small")]
    scenario: String,
    /// The design under test (see `dnsim list`).
    #[arg(long, default_value = "original")]
    variant: String,
    /// The most faults in one schedule (K).
    #[arg(long, value_name = "K", default_value_t = crate::exploring::exhaust::DEFAULT_MAX_FAULTS)]
    max_faults: u32,
    /// The menu of faults, comma-separated, from: stall-short, stall-long, crash, api-error,
    /// lock-short, lock-long, burst, delay-short, delay-long (magnitudes from the scenario).
    #[arg(long, value_delimiter = ',', default_values_t = crate::exploring::exhaust::menu::DEFAULT.map(String::from))]
    menu: Vec<String>,
    /// Repeat the enumeration on each of these seeds (they fix latencies, jitter and
    /// madsim's order among simultaneous events), `A..B` or a single seed.
    #[arg(long, default_value = "0..1")]
    noise_seeds: SeedRange,
    /// Worker threads (default: every core). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Report a schedule still running after this much wall time as hung.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10s")]
    watchdog: Duration,
    /// Go on after every invariant has a counterexample (to count every schedule).
    #[arg(long)]
    all: bool,
    /// Print the report as one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Where to save each counterexample (default: a scratch directory, dnsim-exhaust in
    /// the system's temporary directory; made if missing).
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
    /// Do not save the counterexamples.
    #[arg(long, conflicts_with = "save")]
    no_save: bool,
    // `--time-budget` (more than zero, checked as every command checks it) and `--quiet`.
    #[command(flatten)]
    stop: StopArgs,
}

/// The scratch directory counterexamples go to by default.
pub fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join("dnsim-exhaust")
}

pub(super) fn run(args: ExhaustArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.scenario)?;
    let design = design(&args.variant)?;
    let menu = Menu::new(&scenario, &args.menu).map_err(|e| BadInput(format!("--menu: {e}")))?;
    if args.noise_seeds.is_empty() {
        return Err(BadInput("--noise-seeds: the range is empty".into()));
    }
    if args.watchdog.is_zero() {
        return Err(BadInput("--watchdog must be longer than zero".into()));
    }
    // The budget, checked as every command checks it; Ctrl-C sets the options' stop flag.
    let mut options = args.stop.options(jobs(args.jobs)?)?;
    options.watchdog = args.watchdog;
    let save = (!args.no_save).then(|| args.save.clone().unwrap_or_else(scratch_dir));
    if let Some(dir) = &save {
        output_dir("save directory", dir)?;
    }
    let spec = ExhaustSpec {
        scenario,
        design,
        menu,
        max_faults: args.max_faults,
        noise_seeds: args.noise_seeds,
        stop_when_all_violated: !args.all,
    };
    if !args.json {
        writeln!(
            out,
            "exhaust: scenario={} variant={} max-faults={} noise-seeds={}",
            args.scenario,
            dnsim_model::designs::label(design),
            args.max_faults,
            args.noise_seeds
        )?;
        writeln!(out, "menu: {}", spec.menu)?;
        out.flush()?;
    }
    let started = Instant::now();
    let bar = progress_bar(args.stop.quiet);
    let report = exhaust(&spec, &options, &mut |seed, faults, ran, total| {
        bar.set_length(total);
        bar.set_position(ran);
        bar.set_message(format!("noise seed {seed}, {faults} faults"));
    });
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let mut saved: Vec<(InvariantId, PathBuf)> = Vec::new();
    if let Some(dir) = &save {
        for counterexample in report.counterexamples.values() {
            let path = save_counterexample(dir, &args.scenario, counterexample)?;
            saved.push((counterexample.invariant, path));
        }
    }
    let violated = !report.counterexamples.is_empty() || !report.broken.is_empty();
    if args.json {
        let json = serde_json::json!({
            "scenario": args.scenario,
            "variant": dnsim_model::designs::label(design),
            "menu": spec.menu.names(),
            "max_faults": args.max_faults,
            "noise_seeds": args.noise_seeds.to_string(),
            "elapsed_s": elapsed.as_secs_f64(),
            "schedules": report.ran(),
            "levels": report.levels,
            "decisions_fault_free": report.decisions_fault_free,
            // Each noise seed's fault-free run has its own count: this is the first's.
            "fault_free_noise_seed": args.noise_seeds.start,
            "end": report.end,
            "complete_up_to": report.complete_up_to,
            "verdicts": InvariantId::ALL.iter().map(|id| {
                let counterexample = report.counterexamples.get(id);
                serde_json::json!({
                    "invariant": id.as_str(),
                    "verdict": match (counterexample.is_some(), report.reached(*id)) {
                        (true, _) => "violated",
                        (false, 0) => "vacuous",
                        (false, _) => "holds",
                    },
                    "reached": report.reached(*id),
                    "faults": counterexample.map(|c| c.faults.clone()),
                    "noise_seed": counterexample.map(|c| c.noise_seed),
                    "saved": saved.iter().find(|(i, _)| i == id).map(|(_, p)| p.display().to_string()),
                })
            }).collect::<Vec<_>>(),
            "broken": report.broken.iter().map(|b| &b.problem).collect::<Vec<_>>(),
        });
        writeln!(out, "{json}")?;
    } else {
        print_text(out, &spec, &report, &saved, elapsed)?;
    }
    Ok(if violated { EXIT_VIOLATION } else { EXIT_CLEAN })
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {human_pos}/{human_len} schedules, {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar
}

/// Saves a counterexample as a seed file that replays exactly its schedule. The name
/// carries the trace hash, so two different counterexamples never share a file, and the
/// same one found again is recognised.
fn save_counterexample(
    dir: &Path,
    scenario: &str,
    counterexample: &Counterexample,
) -> Result<PathBuf, BadInput> {
    let invariant = counterexample.invariant;
    let outcome = &counterexample.outcome;
    let violation = outcome
        .violation(invariant)
        .expect("a counterexample fails");
    let mut file = SeedFile::from_outcome(outcome, scenario, invariant);
    assert_eq!(
        file.faults_source,
        FaultsSource::Schedule,
        "exhaust's runs are scripted"
    );
    let faults: Vec<String> = outcome.faults.0.iter().map(describe_fault).collect();
    file.postmortem = if faults.is_empty() {
        format!("with no fault at all, {}", violation.message)
    } else {
        format!("{}; so {}", faults.join("; "), violation.message)
    };
    // The variant as `SeedFile::file_name` writes it (no `:` or `,`).
    let path = dir.join(format!(
        "{}-{invariant}-exhaust-{}faults-{}.toml",
        file.variant_in_file_name(),
        outcome.faults.len(),
        format_hash(outcome.trace_hash)
    ));
    // The same counterexample found again is saved already; anything else under its name
    // (a file edited by hand, say) is left alone, and said so, not reported as saved.
    match file.already_at(&path) {
        AlreadyThere::Nothing => {
            file.save_new(&path)?;
        }
        AlreadyThere::ThisRun => {}
        AlreadyThere::Other(what) => {
            return Err(BadInput(format!(
            "not saved: {} exists and holds {what}; remove it, or save elsewhere with --save DIR",
            path.display()
        )))
        }
    }
    Ok(path)
}

fn print_text(
    out: &mut dyn Write,
    spec: &ExhaustSpec,
    report: &ExhaustReport,
    saved: &[(InvariantId, PathBuf)],
    elapsed: Duration,
) -> Result<(), BadInput> {
    // The count is the first noise seed's: each noise seed's run has its own.
    let which = if spec.noise_seeds.len() > 1 {
        format!(" of noise seed {}", spec.noise_seeds.start)
    } else {
        String::new()
    };
    writeln!(
        out,
        "fault-free run{which}: {} in the fault phase",
        plural(report.decisions_fault_free, "decision", "decisions")
    )?;
    for level in &report.levels {
        let ran = if level.ran == level.schedules {
            String::new()
        } else {
            format!(" ({} ran)", level.ran)
        };
        writeln!(
            out,
            "  noise seed {}: {}{ran}",
            level.noise_seed,
            plural(
                level.schedules,
                &format!(
                    "schedule with {}",
                    plural(level.faults.into(), "fault", "faults")
                ),
                &format!(
                    "schedules with {}",
                    plural(level.faults.into(), "fault", "faults")
                )
            )
        )?;
    }
    let clipped: u64 = report.levels.iter().map(|l| l.clipped).sum();
    writeln!(
        out,
        "pruned: faults only at decisions reached, each set of faults run once (not once per order), {clipped} stalls equal after clipping"
    )?;
    let scope = match report.complete_up_to {
        Some(k) => format!(
            "all {} with at most {}",
            plural(
                report
                    .levels
                    .iter()
                    .filter(|l| l.faults <= k)
                    .map(|l| l.schedules)
                    .sum(),
                "schedule",
                "schedules"
            ),
            plural(u64::from(k), "fault", "faults")
        ),
        None => "no complete level".into(),
    };
    for id in InvariantId::ALL {
        match report.counterexamples.get(&id) {
            None if report.reached(id) == 0 => writeln!(
                out,
                "{:<22} VACUOUS: holds for {scope}, but no schedule reached {}",
                id.as_str(),
                crate::checking::coverage::Mark::of(id)
            )?,
            None => writeln!(
                out,
                "{:<22} holds for {scope} ({} reached {})",
                id.as_str(),
                report.reached(id),
                crate::checking::coverage::Mark::of(id)
            )?,
            Some(c) => {
                let faults: Vec<String> = c.faults.0.iter().map(describe_fault).collect();
                let faults = if faults.is_empty() {
                    "no fault".to_string()
                } else {
                    faults.join("; ")
                };
                writeln!(
                    out,
                    "{:<22} VIOLATED with {} (schedule #{}, noise seed {}; none with fewer faults): {faults}",
                    id.as_str(),
                    plural(c.faults.len() as u64, "fault", "faults"),
                    c.index + 1,
                    c.noise_seed
                )?;
                if let Some((_, path)) = saved.iter().find(|(i, _)| *i == id) {
                    writeln!(out, "    saved: {}", path.display())?;
                    writeln!(
                        out,
                        "    replay: dnsim replay --file {} --trace",
                        path.display()
                    )?;
                    writeln!(out, "    explain: dnsim explain --file {}", path.display())?;
                }
            }
        }
    }
    for broken in &report.broken {
        let faults: Vec<String> = broken.faults.0.iter().map(describe_fault).collect();
        writeln!(
            out,
            "BROKEN run (noise seed {}, faults: {}): {}",
            broken.noise_seed,
            faults.join("; "),
            broken.problem
        )?;
    }
    let end = match report.end {
        ExhaustEnd::Completed => "every schedule ran",
        ExhaustEnd::AllViolated => "stopped: every invariant has a counterexample (--all to go on)",
        ExhaustEnd::TimeBudget => "partial: the time budget ran out",
        ExhaustEnd::Interrupted => "partial: interrupted",
    };
    writeln!(
        out,
        "{end}; {} in {:.1}s on {}",
        plural(report.ran(), "schedule", "schedules"),
        elapsed.as_secs_f64(),
        plural(spec.noise_seeds.len(), "noise seed", "noise seeds")
    )?;
    Ok(())
}
