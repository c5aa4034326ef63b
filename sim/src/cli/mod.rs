//! The `dnsim` command line: one file per subcommand.
//!
//! Exit status: 0 when nothing failed, 1 when an invariant was violated (or a seed crashed or
//! hung), 2 on bad input (one line on stderr naming the input and the problem; nothing
//! written), 3 when a saved seed file no longer reproduces its run. Each subcommand's
//! `--help` ends with its own exit statuses (the README's table says the same).

use std::ffi::OsString;
use std::io::Write;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use dnsim_model::Design;

use crate::checking::invariants::InvariantId;
use crate::exploring::shard_env::ShardArg;
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{self, Shard};
use crate::running::scenario::{self, Scenario};
use crate::running::seedfile::SeedFile;

mod bench;
mod determinism;
mod exhaust;
mod explain;
mod hunt;
mod matrix;
mod merge;
mod progress;
mod replay;
mod sensitivity;
mod shrink;
mod strategies;

/// The default seed range of `hunt`: enough to find all four violations of the original
/// design in the default scenario (pinned by a test).
pub const DEFAULT_SEEDS: &str = "0..200";

/// The default seed range of `matrix`: 30,000 seeds, so that a design that holds has a 95%
/// upper bound (rule of three) of 1 in 10,000 on its violation rate.
pub const DEFAULT_MATRIX_SEEDS: &str = "0..30000";

/// Exit status: nothing failed.
pub const EXIT_CLEAN: i32 = 0;
/// Exit status: an invariant was violated, or a seed crashed or hung.
pub const EXIT_VIOLATION: i32 = 1;
/// Exit status: bad input (one line on stderr, nothing written).
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit status: a saved seed file no longer reproduces its run.
pub const EXIT_NOT_REPRODUCED: i32 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "dnsim",
    version,
    about = "Deterministic simulation of the October 2025 DynamoDB DNS race",
    after_help = "Exit status: 0 nothing failed, 1 an invariant was violated (or a seed crashed or hung), 2 bad input (bare `dnsim` too: it prints this help), 3 a seed file no longer reproduces.",
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
        after_help = "Exit status: 0 every seed held every invariant; 1 an invariant was violated, or a seed crashed or hung; 2 bad input."
    )]
    Hunt(hunt::HuntArgs),
    /// Re-run exactly one seed (or a saved seed file); optionally print its trace.
    #[command(
        after_help = "Exit status: with --seed, 0 the run violated nothing, 1 it violated an invariant; with --file, 0 the run reproduced as recorded (its invariant violated, the same trace hash and fault schedule), 3 it did not; 1 also when the run hung past --watchdog or crashed; 2 bad input (a malformed seed file too; nothing written)."
    )]
    Replay(replay::ReplayArgs),
    /// Cut a failing run down to its essential faults, and save the minimal run.
    #[command(
        after_help = "Exit status: 0 a minimal run was produced (and saved, unless --no-save); 1 a re-run hung past --watchdog or crashed (nothing saved); 2 bad input, or the seed does not violate the invariant."
    )]
    Shrink(shrink::ShrinkArgs),
    /// Tell the story of a run: stalls, stale writes, deleted live trees, stuck batches.
    #[command(
        after_help = "Exit status: 0 the run violated nothing; 1 it violated an invariant, or hung past --watchdog or crashed; 2 bad input."
    )]
    Explain(explain::ExplainArgs),
    /// Run every fault schedule of at most K faults from a menu: holds for all, or the
    /// first counterexample (fewest faults).
    Exhaust(exhaust::ExhaustArgs),
    /// Run every design against every invariant on the same seeds: the verdict matrix.
    #[command(
        after_help = "Exit status: 0 every design held every invariant; 1 some design violated an invariant (or a seed crashed or hung); 2 bad input (nothing written)."
    )]
    Matrix(matrix::MatrixArgs),
    /// Run the verdict matrix at each value of one scenario knob; draw the rates as a chart.
    #[command(
        after_help = "Exit status: 0 (it measures, it does not judge); 2 bad input: an unknown knob, or a value the scenario cannot take (nothing written)."
    )]
    Sensitivity(sensitivity::SensitivityArgs),
    /// Compare the fault strategies: seeds to the first violation of each invariant.
    #[command(after_help = "Exit status: 0 (it measures, it does not judge); 2 bad input.")]
    Strategies(strategies::StrategiesArgs),
    /// Merge the JSON reports of the shards of one hunt (or one matrix) into one report.
    #[command(
        after_help = "Exit status: 0 the merged hunt or matrix found nothing; 1 it found a violation, crash or hang; 2 bad input: a report that is malformed, not a shard, of another hunt or matrix, or whose seeds or totals do not add up (the error names the file)."
    )]
    Merge(merge::MergeArgs),
    /// Run each seed twice, on different worker threads, and compare trace hashes.
    #[command(
        after_help = "Exit status: 0 every seed was deterministic; 1 a seed was not; 2 bad input."
    )]
    CheckDeterminism(determinism::DeterminismArgs),
    /// Measure throughput, scaling, time to first violation and memory.
    #[command(after_help = "Exit status: 0 (it measures, it does not judge); 2 bad input.")]
    Bench(bench::BenchArgs),
    /// List the built-in scenarios, the designs, the strategies and the invariants.
    #[command(after_help = "Exit status: 0.")]
    List,
}

/// The scenario and design a command runs.
#[derive(Args, Debug)]
struct Target {
    /// A built-in scenario name or a scenario .toml file.
    #[arg(long, default_value = scenario::DEFAULT)]
    scenario: String,
    /// The design under test (see `dnsim list`).
    #[arg(long, default_value = "original")]
    variant: String,
    /// How each seed chooses its faults: uniform, swarm, bounded-delay[:DEPTH].
    #[arg(long, default_value_t = Strategy::default())]
    strategy: Strategy,
}

/// How a sweep over many seeds runs.
#[derive(Args, Debug)]
struct SweepArgs {
    /// Worker threads, 1 to 256 (default: every core). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only shard K of N of the seeds (round-robin), e.g. `--shard 2/4`; or `env`: the
    /// 0-based index from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or DNSIM_SHARD_INDEX
    /// (GitHub Actions matrix), the count from DNSIM_SHARD_COUNT.
    #[arg(long, value_name = "K/N|env")]
    shard: Option<ShardArg>,
    /// Stop cleanly after this much wall time (more than zero), e.g. `90s`, `10m`, `2h`.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    time_budget: Option<Duration>,
    #[command(flatten)]
    watchdog: WatchdogArg,
    /// No progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(long, short)]
    quiet: bool,
}

impl SweepArgs {
    /// The shard to run, if any (`--shard env` reads the environment).
    fn shard(&self) -> Result<Option<Shard>, BadInput> {
        self.shard
            .map(|arg| arg.resolve().map_err(BadInput))
            .transpose()
    }

    /// The sweep's options, with every number checked.
    fn options(&self) -> Result<sweep::SweepOptions, BadInput> {
        let mut options = sweep::SweepOptions::new(jobs(self.jobs)?);
        options.watchdog = self.watchdog.get()?;
        if self.time_budget.is_some_and(|budget| budget.is_zero()) {
            return Err(BadInput("--time-budget must be longer than zero".into()));
        }
        options.time_budget = self.time_budget;
        Ok(options)
    }
}

/// The wall-clock watchdog of a command that runs seeds: a run that spins without ever
/// sleeping never reaches its simulated-time limit, so only wall time can stop it.
#[derive(Args, Debug)]
struct WatchdogArg {
    /// Report a run still running after this much wall time as hung (exit status 1).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10s")]
    watchdog: Duration,
}

impl WatchdogArg {
    fn get(&self) -> Result<Duration, BadInput> {
        if self.watchdog.is_zero() {
            return Err(BadInput("--watchdog must be longer than zero".into()));
        }
        Ok(self.watchdog)
    }
}

/// Runs `spec` under the wall-clock watchdog. A run that hangs or crashes is told on `out`
/// in one line (`HANG: ...`, `CRASH: ...`); the command then exits with status 1 (`Err`).
fn run_watched(
    spec: &crate::running::run::RunSpec<'_>,
    watchdog: &WatchdogArg,
    out: &mut dyn Write,
) -> Result<Result<crate::running::run::Outcome, i32>, BadInput> {
    Ok(
        match crate::running::watched::run_watched(spec, watchdog.get()?) {
            sweep::SeedResult::Done(outcome) => Ok(outcome),
            sweep::SeedResult::Hung { reason } => {
                writeln!(out, "HANG: seed {}: {reason}", spec.seed)?;
                Err(EXIT_VIOLATION)
            }
            sweep::SeedResult::Crashed { message } => {
                writeln!(out, "CRASH: seed {}: {message}", spec.seed)?;
                Err(EXIT_VIOLATION)
            }
        },
    )
}

/// The run a command names: a seed of `target`, or a saved seed file (which then decides
/// the scenario, design and seed). Returns the file, if any, the scenario argument, the
/// design's name and the seed.
fn seed_or_file(
    target: &Target,
    seed: Option<u64>,
    file: Option<&std::path::Path>,
) -> Result<(Option<SeedFile>, String, String, u64), BadInput> {
    Ok(match file {
        Some(path) => {
            let saved = SeedFile::load(path)?;
            let (scenario, variant, seed) =
                (saved.scenario.clone(), saved.variant.clone(), saved.seed);
            (Some(saved), scenario, variant, seed)
        }
        None => (
            None,
            target.scenario.clone(),
            target.variant.clone(),
            seed_arg(seed)?,
        ),
    })
}

/// The environment variable madsim users reproduce a seed with; honoured wherever a seed is
/// expected. An explicit `--seed`, `--seeds` or `--file` wins over it.
pub const SEED_ENV: &str = "MADSIM_TEST_SEED";

/// With `MADSIM_TEST_SEED`, how many seeds from it `hunt` runs (default 1), as in madsim.
pub const SEED_COUNT_ENV: &str = "MADSIM_TEST_NUM";

/// `MADSIM_TEST_SEED`, if set: bad input if it is not a seed.
fn env_seed() -> Result<Option<u64>, BadInput> {
    env_number(SEED_ENV)
}

fn env_number(name: &str) -> Result<Option<u64>, BadInput> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| BadInput(format!("{name}={text}: not a number"))),
        Err(_) => Ok(None),
    }
}

/// The seed a command runs: `--seed N`, else `MADSIM_TEST_SEED`.
fn seed_arg(seed: Option<u64>) -> Result<u64, BadInput> {
    match seed {
        Some(seed) => Ok(seed),
        None => env_seed()?.ok_or_else(|| {
            BadInput(format!(
                "give --seed N (or set {SEED_ENV}=N), or --file SEED_FILE"
            ))
        }),
    }
}

/// The command that replays one seed, as every command prints it: the seed is given as
/// `MADSIM_TEST_SEED`, as madsim users reproduce failures.
pub fn replay_command(scenario: &str, variant: &str, strategy: Strategy, seed: u64) -> String {
    format!(
        "{SEED_ENV}={seed} dnsim replay --scenario {scenario} --variant {variant} --strategy {strategy} --trace"
    )
}

/// Checks an output path before any work is done, so that a bad path costs nothing and
/// writes nothing; the file itself is written whole at the end (see [`crate::output`]).
fn check_output(what: &str, path: &std::path::Path, must_be_new: bool) -> Result<(), BadInput> {
    crate::output::check_writable(what, path, must_be_new).map_err(BadInput)
}

/// Writes an output file whole, replacing any file there in one step.
fn write_output(what: &str, path: &std::path::Path, bytes: &[u8]) -> Result<(), BadInput> {
    crate::output::write_replacing(path, bytes)
        .map_err(|e| BadInput(format!("{what} {}: {e}", path.display())))
}

/// Checks an output directory before any work is done, without making it: it is made (with
/// its parents) only when something is saved in it.
fn check_output_dir(what: &str, path: &std::path::Path) -> Result<(), BadInput> {
    if path.exists() && !path.is_dir() {
        return Err(BadInput(format!(
            "{what} {}: not a directory",
            path.display()
        )));
    }
    Ok(())
}

/// An output directory, created (with its parents) before any work is done.
fn output_dir(what: &str, path: &std::path::Path) -> Result<(), BadInput> {
    if path.exists() && !path.is_dir() {
        return Err(BadInput(format!(
            "{what} {}: not a directory",
            path.display()
        )));
    }
    std::fs::create_dir_all(path).map_err(|e| BadInput(format!("{what} {}: {e}", path.display())))
}

/// Bad input: reported as one line, exit status 2.
struct BadInput(String);

impl<E: std::fmt::Display> From<E> for BadInput {
    fn from(error: E) -> BadInput {
        BadInput(error.to_string())
    }
}

/// The design a `--variant` names: `NAME` or `NAME:key=value[,key=value]`.
fn design(variant: &str) -> Result<&'static dyn Design, BadInput> {
    crate::registry::parse(variant).map_err(BadInput)
}

fn jobs(requested: Option<usize>) -> Result<usize, BadInput> {
    match requested {
        Some(0) => Err(BadInput("--jobs must be at least 1".into())),
        Some(jobs) if jobs > sweep::MAX_JOBS => Err(BadInput(format!(
            "--jobs {jobs} is too many: at most {} worker threads",
            sweep::MAX_JOBS
        ))),
        Some(jobs) => Ok(jobs),
        None => Ok(sweep::default_jobs()),
    }
}

/// When this process started (as near as the program can tell: its first instruction).
fn process_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
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
    process_start();
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
        Command::Matrix(args) => matrix::run(args, out),
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
        writeln!(out, "  {strategy}{default}")?;
    }
    writeln!(out, "invariants:")?;
    for id in InvariantId::ALL {
        writeln!(out, "  {:<28} {}", id.as_str(), id.claim())?;
    }
    Ok(EXIT_CLEAN)
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
