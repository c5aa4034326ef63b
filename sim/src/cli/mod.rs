//! The `dnsim` command line: one file per subcommand.
//!
//! Exit status: 0 when nothing failed, 1 when an invariant was violated (or a seed crashed or
//! hung), 2 on bad input (one line on stderr naming the input and the problem; nothing
//! written), 3 when a saved seed file no longer reproduces its run, and 141 when the reader
//! of standard output went away (`crate::output::EXIT_OUTPUT_CUT`). Each subcommand's
//! `--help` ends with its own exit statuses (the README's table says the same).

use std::io::Write;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use clap::Args;
use dnsim_model::Design;

use crate::exploring::shard_env::ShardArg;
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{self, Shard};
use crate::running::scenario;
use crate::running::seedfile::SeedFile;

mod bench;
mod command;
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

pub use crate::output::PipeSafeStdout;
pub use crate::running::seedfile::{replay_command, SEED_ENV};
pub use command::{accepts, main, main_with};

/// The default seed range of `hunt`: enough to find all four violations of the original
/// design in the default scenario (pinned by a test).
pub const DEFAULT_SEEDS: &str = "0..200";

/// The default seed range of `matrix`: 30,000 seeds. A cell that holds is bounded over the
/// seeds that reached its coverage mark (3/n for n of them), so more seeds, more reach it.
pub const DEFAULT_MATRIX_SEEDS: &str = "0..30000";

/// Exit status: nothing failed.
pub const EXIT_CLEAN: i32 = 0;
/// Exit status: an invariant was violated, or a seed crashed or hung.
pub const EXIT_VIOLATION: i32 = 1;
/// Exit status: bad input (one line on stderr, nothing written).
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit status: a saved seed file no longer reproduces its run.
pub const EXIT_NOT_REPRODUCED: i32 = 3;

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
    /// Only the summary: no list of failing seeds, and no progress bar (it is shown only
    /// when stderr is a terminal anyway).
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
    /// ` --watchdog D` if it is not the default, for a printed replay command: a seed that
    /// needed a longer watchdog in a sweep needs it when replayed too.
    fn flag(&self) -> String {
        if self.watchdog == Duration::from_secs(10) {
            return String::new();
        }
        format!(" --watchdog {}", one_word(self.watchdog))
    }

    fn get(&self) -> Result<Duration, BadInput> {
        if self.watchdog.is_zero() {
            return Err(BadInput("--watchdog must be longer than zero".into()));
        }
        Ok(self.watchdog)
    }
}

/// A duration as one word `--watchdog` reads back: its largest exact unit (`90s`, `10m`,
/// `1500ms`), never `humantime`'s `1m 30s`, which a shell splits in two.
fn one_word(duration: Duration) -> String {
    let ms = duration.as_millis();
    let nanos = duration.subsec_nanos();
    if !nanos.is_multiple_of(1_000_000) {
        return format!("{}ns", duration.as_nanos());
    }
    for (unit, per) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms.is_multiple_of(per) {
            return format!("{}{unit}", ms / per);
        }
    }
    format!("{ms}ms")
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
                // Its thread, abandoned, may still be printing its trace: not below this.
                crate::running::trace_filter::silence();
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
            seed_arg(seed, ", or --file SEED_FILE")?,
        ),
    })
}

/// The scenario a run names: from a seed file (`file`), errors name the file too, since the
/// scenario's path in it may be relative to where it was saved.
fn load_scenario(
    name: &str,
    file: Option<&std::path::Path>,
) -> Result<scenario::Scenario, BadInput> {
    let error = match scenario::Scenario::load(name) {
        Ok(scenario) => return Ok(scenario),
        Err(error) => error,
    };
    let Some(file) = file else {
        return Err(error.into());
    };
    // A relative path was relative to where the file was saved: if not from here, then
    // from beside the seed file, where a scenario it was saved with often sits.
    let relative = scenario::Scenario::is_path(name) && std::path::Path::new(name).is_relative();
    if relative {
        let beside = file.parent().unwrap_or(std::path::Path::new("")).join(name);
        if let Ok(scenario) = scenario::Scenario::load(&beside.to_string_lossy()) {
            return Ok(scenario);
        }
    }
    Err(BadInput(format!(
        "seed file {}: {error}{}",
        file.display(),
        if relative {
            " (a relative path is looked for from the current directory, then from the seed file's directory)"
        } else {
            ""
        }
    )))
}

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

/// The seed a command runs: `--seed N`, else `MADSIM_TEST_SEED`. With neither, the error
/// ends with `or_else`: the command's other way to name a run, if it has one.
fn seed_arg(seed: Option<u64>, or_else: &str) -> Result<u64, BadInput> {
    match seed {
        Some(seed) => Ok(seed),
        None => env_seed()?
            .ok_or_else(|| BadInput(format!("give --seed N (or set {SEED_ENV}=N){or_else}"))),
    }
}

/// Checks an output path before any work is done, so that a bad path costs nothing and
/// writes nothing; the file itself is written whole at the end (see [`crate::output`]).
fn check_output(what: &str, path: &std::path::Path, must_be_new: bool) -> Result<(), BadInput> {
    crate::output::check_writable(what, path, must_be_new).map_err(BadInput)
}

/// Checks an SVG output path as [`check_output`] does, and that it is named `.svg`: dnsim
/// draws nothing else, and an SVG named `x.png` opens as a broken image.
fn check_svg_output(what: &str, path: &std::path::Path) -> Result<(), BadInput> {
    check_output(what, path, false)?;
    if !path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
    {
        return Err(BadInput(format!(
            "{what} {}: dnsim draws SVG only; name the file .svg",
            path.display()
        )));
    }
    Ok(())
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

/// The designs a `--variants` list names. Variants are separated by commas, each `NAME` or
/// `NAME:key=value`; an item holding `=` (a design name never does) is one more parameter
/// of the variant before it, so `leased-enactor:lease_ttl_ms=250,x=1,original` is two
/// variants. The flag may be given more than once. A variant may appear once (by label).
fn variant_list(given: &[String]) -> Result<Vec<&'static dyn Design>, BadInput> {
    let mut variants: Vec<String> = Vec::new();
    for item in given.iter().flat_map(|list| list.split(',')).map(str::trim) {
        let parameter = item.contains('=') && !item.contains(':');
        match variants.last_mut() {
            _ if item.is_empty() => {
                return Err(BadInput(format!(
                    "--variants {:?}: an empty variant between commas",
                    given.join(",")
                )))
            }
            Some(variant) if parameter && variant.contains(':') => {
                variant.push(',');
                variant.push_str(item);
            }
            _ if parameter => {
                return Err(BadInput(format!(
                    "--variants: parameter {item:?} must follow a variant NAME:key=value"
                )))
            }
            _ => variants.push(item.to_string()),
        }
    }
    let mut chosen: Vec<&'static dyn Design> = Vec::new();
    for variant in &variants {
        let design = design(variant)?;
        let label = dnsim_model::designs::label(design);
        if chosen
            .iter()
            .any(|other| dnsim_model::designs::label(*other) == label)
        {
            return Err(BadInput(format!(
                "--variants names {label} twice: name each variant once"
            )));
        }
        chosen.push(design);
    }
    Ok(chosen)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A replay line's `--watchdog` is one word that reads back as the same duration.
    #[test]
    fn a_watchdog_prints_as_one_word_that_reads_back() {
        for text in [
            "90s", "10m", "1h", "1500ms", "2h", "61m", "3s", "1ms", "10500us",
        ] {
            let duration = humantime::parse_duration(text).unwrap();
            let word = one_word(duration);
            assert!(!word.contains(' '), "{text}: {word}");
            assert_eq!(
                humantime::parse_duration(&word),
                Ok(duration),
                "{text}: {word}"
            );
        }
        assert_eq!(one_word(Duration::from_secs(90)), "90s");
        assert_eq!(one_word(Duration::from_secs(7200)), "2h");
    }
}
