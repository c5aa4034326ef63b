//! The command line itself: every subcommand parsed with clap and dispatched to its file,
//! `dnsim list`, and the entry points ([`main`], [`accepts`], [`main_with`]).

use std::ffi::OsString;
use std::io::Write;

use clap::{Parser, Subcommand};
use dnsim_model::Design;

use super::{
    bench, determinism, exhaust, explain, hunt, matrix, merge, replay, sensitivity, shrink,
    strategies, BadInput, EXIT_BAD_INPUT, EXIT_CLEAN,
};
use crate::checking::invariants::InvariantId;
use crate::exploring::strategy::Strategy;
use crate::output::PipeSafeStdout;
use crate::running::scenario::{self, Scenario};

#[derive(Parser, Debug)]
#[command(
    name = "dnsim",
    version,
    about = "Deterministic simulation of the October 2025 DynamoDB DNS race",
    after_help = "Exit status: 0 nothing failed, 1 an invariant was violated (or a seed crashed or hung), 2 bad input (bare `dnsim` too: it prints this help), 3 a seed file no longer reproduces; every command: 141 it wrote after the reader of its output went away (`| head`), so no verdict.",
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every seed in a range; list each failing seed with a command to replay it.
    #[command(
        after_help = "Exit status: 0 no seed run violated an invariant, crashed or hung: not a verdict that the design holds (a hold nothing tested is VACUOUS in the output; a sweep stopped early by --time-budget or Ctrl-C says so, names the seeds that ran and the --seeds that runs the rest, and its JSON's end says so too); 1 an invariant was violated, or a seed crashed or hung; 2 bad input."
    )]
    Hunt(hunt::HuntArgs),
    /// Re-run exactly one seed (or a saved seed file); optionally print its trace.
    #[command(
        after_help = "Exit status: with --seed, 0 the run violated nothing, 1 it violated an invariant; with --file, 0 the run reproduced as recorded (its invariant violated, the same trace hash and fault schedule), 3 it did not; 1 also when the run hung past --watchdog or crashed; 2 bad input (a malformed seed file too; nothing written)."
    )]
    Replay(replay::ReplayArgs),
    /// Cut a failing run down to its essential faults, and save the minimal run.
    #[command(
        after_help = "Exit status: 0 a minimal run was produced (and saved, unless --no-save, or found saved already); 1 a re-run hung past --watchdog or crashed (nothing saved); 2 bad input, the seed does not violate the invariant, or the file to save, outside the scratch directory, exists and holds another run (nothing saved)."
    )]
    Shrink(shrink::ShrinkArgs),
    /// Tell the story of a run: stalls, stale writes, deleted live trees, stuck batches.
    #[command(
        after_help = "Exit status: 0 the run violated nothing; 1 it violated an invariant, or hung past --watchdog or crashed; 2 bad input; 3 (with --file) the run did not reproduce as recorded (its story is still told, after a NOT REPRODUCED line)."
    )]
    Explain(explain::ExplainArgs),
    /// Run every fault schedule of at most K faults from a menu: holds for all, or the
    /// first counterexample (fewest faults).
    #[command(
        after_help = "Exit status: 0 every schedule run held every invariant, if only vacuously (a run stopped early by --time-budget or Ctrl-C says so, `partial:`, and its holds cover only the levels that ran whole); 1 an invariant was violated (its counterexample saved, unless --no-save), or a schedule crashed or hung (BROKEN run); 2 bad input."
    )]
    Exhaust(exhaust::ExhaustArgs),
    /// Run every design against every invariant on the same seeds: the verdict matrix.
    #[command(
        after_help = "Exit status: 0 no design violated an invariant, and no seed crashed or hung: not a verdict that every design holds (a cell nothing tested is VACUOUS, one stopped early partial, and a matrix stopped before any design asked for had run says NO VERDICT for any design; in the exhaustive column, one stopped early or beside a crashed schedule says no verdict); 1 some design violated an invariant (or a seed, or a schedule of the exhaustive column, crashed or hung); 2 bad input (nothing written)."
    )]
    Matrix(matrix::MatrixArgs),
    /// Run the verdict matrix at each value of one scenario knob; draw the rates as a chart.
    #[command(
        after_help = "Exit status: 0 (it measures, it does not judge); 1 a seed crashed or hung (its points are marked !); 2 bad input: an unknown knob, or a value the scenario cannot take (nothing written)."
    )]
    Sensitivity(sensitivity::SensitivityArgs),
    /// Compare the fault strategies: seeds to the first violation of each invariant.
    #[command(
        after_help = "Exit status: 0 (it measures, it does not judge); 1 a seed crashed or hung (listed under the table); 2 bad input."
    )]
    Strategies(strategies::StrategiesArgs),
    /// Merge the JSON reports of the shards of one hunt (or one matrix) into one report.
    #[command(
        after_help = "Exit status: 0 the merged hunt or matrix found nothing; 1 it found a violation, crash or hang; 2 bad input: a report that is malformed, not a shard, of another hunt or matrix, or whose seeds or totals do not add up (the error names the file)."
    )]
    Merge(merge::MergeArgs),
    /// Run each seed twice, on different worker threads, and compare trace hashes.
    #[command(
        after_help = "Exit status: 0 every seed was deterministic; 1 a seed was not, or a run crashed or hung (told as CRASH: or HANG:); 2 bad input."
    )]
    CheckDeterminism(determinism::DeterminismArgs),
    /// Measure throughput, scaling, time to first violation and memory.
    #[command(
        after_help = "Exit status: 0 whatever its targets' verdicts (met, MISSED, UNSETTLED, not judged: it measures); 2 bad input."
    )]
    Bench(bench::BenchArgs),
    /// List the built-in scenarios, the designs, the strategies and the invariants.
    #[command(after_help = "Exit status: 0.")]
    List,
}

/// Runs the command line `args` (program name first); returns the exit status.
/// Whether dnsim accepts the command line `args` (program name first), parsed as [`main`]
/// parses it, without running anything: for checking commands written in `deploy/` files.
pub fn accepts<I, T>(args: I) -> Result<(), String>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(args)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Runs the command line `args` (program name first), writing to `out` and `err`; returns the
/// exit status.
pub fn main<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    super::process_start();
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // Bare `dnsim`: the help, on stderr, and exit status 2 (no command was given).
        Err(error)
            if error.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            let _ = write!(err, "{}", error.render());
            return EXIT_BAD_INPUT;
        }
        Err(error) if error.use_stderr() => {
            // Bad input is one line, like every other error: clap's message without its
            // usage and "try --help" lines.
            let rendered = error.render().to_string();
            let message: Vec<&str> = rendered
                .lines()
                .map(str::trim)
                .take_while(|line| {
                    !line.starts_with("Usage:") && !line.starts_with("For more information")
                })
                .filter(|line| !line.is_empty())
                .collect();
            let _ = writeln!(err, "{} (see --help)", message.join(" "));
            return EXIT_BAD_INPUT;
        }
        Err(help_or_version) => {
            let _ = write!(out, "{}", help_or_version.render());
            return EXIT_CLEAN;
        }
    };
    let result = match cli.command {
        Command::Hunt(args) => hunt::run(args, out, err),
        Command::Replay(args) => replay::run(args, out),
        Command::Shrink(args) => shrink::run(args, out),
        Command::Explain(args) => explain::run(args, out),
        Command::Exhaust(args) => exhaust::run(args, out),
        Command::Matrix(args) => matrix::run(args, out, err),
        Command::Sensitivity(args) => sensitivity::run(args, out),
        Command::Strategies(args) => strategies::run(args, out),
        Command::Merge(args) => merge::run(args, out),
        Command::CheckDeterminism(args) => determinism::run(args, out),
        Command::Bench(args) => bench::run(args, out),
        Command::List => list(out),
    };
    match result {
        Ok(code) => code,
        Err(BadInput(message)) => {
            let _ = writeln!(err, "error: {message}");
            EXIT_BAD_INPUT
        }
    }
}

fn list(out: &mut dyn Write) -> Result<i32, BadInput> {
    writeln!(out, "scenarios:")?;
    for (name, _) in scenario::BUILT_IN {
        let scenario = Scenario::load(name)?;
        writeln!(out, "  {name:<28} {}", scenario.description)?;
    }
    writeln!(out, "designs (--variant):")?;
    for design in crate::registry::all() {
        writeln!(out, "  {:<28} {}", design.name(), design.summary())?;
    }
    writeln!(out, "strategies (--strategy):")?;
    for strategy in Strategy::ALL {
        let default = if strategy == Strategy::default() {
            " (default)"
        } else {
            ""
        };
        // The one with a parameter shows its form and default.
        let form = match strategy {
            Strategy::BoundedDelay { depth } => {
                format!("bounded-delay[:DEPTH]  (DEPTH 1 to 16, default {depth})")
            }
            _ => strategy.to_string(),
        };
        writeln!(out, "  {form}{default}")?;
    }
    writeln!(out, "invariants:")?;
    for id in InvariantId::ALL {
        writeln!(out, "  {:<28} {}", id.as_str(), id.claim())?;
    }
    Ok(EXIT_CLEAN)
}

/// The `main` of a user's own binary: every `dnsim` command, on the built-in designs and
/// on `designs` (a seed file or `--variant` may name them). Reads the process's arguments
/// and exits with the command's status.
///
/// ```no_run
/// # use dnsim_model::Design;
/// struct MyDesign;
/// impl Design for MyDesign {
///     fn name(&self) -> &'static str {
///         "my-design"
///     }
/// }
///
/// fn main() {
///     dnsim::cli::main_with(&[&MyDesign]);
/// }
/// ```
pub fn main_with(designs: &[&'static dyn Design]) -> ! {
    if let Err(message) = crate::registry::register(designs) {
        eprintln!("error: {message}");
        std::process::exit(EXIT_BAD_INPUT);
    }
    let code = main(
        std::env::args_os(),
        &mut PipeSafeStdout,
        &mut std::io::stderr(),
    );
    std::process::exit(code)
}
