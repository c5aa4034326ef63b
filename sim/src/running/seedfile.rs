//! Saved failing runs (`seeds/*.toml`): enough to replay a run exactly and check that it
//! still fails the same way.
//!
//! A seed file names the scenario, design and seed, the invariant that failed, the trace
//! hash of the run and its whole fault schedule. Replaying the seed must give the same hash
//! and the same violation; replaying the schedule alone (no seeded faults) must too.

use std::fmt;
use std::path::{Path, PathBuf};

use dnsim_model::Fault;
use serde::{Deserialize, Serialize};

use crate::checking::invariants::InvariantId;
use crate::exploring::strategy::{Strategy, StrategyChoices};
use crate::reporting::plural;
use crate::running::faults::{FaultSchedule, FaultSource};
use crate::running::run::{Outcome, RunSpec};
use crate::running::scenario::Scenario;
use crate::running::toml_errors::toml_error_line;
use crate::running::trace::format_hash;

/// The environment variable madsim users reproduce a seed with; honoured wherever a seed is
/// expected. An explicit `--seed`, `--seeds` or `--file` wins over it.
pub const SEED_ENV: &str = "MADSIM_TEST_SEED";

/// The command that replays one seed, as every command prints it: the seed is given as
/// `MADSIM_TEST_SEED`, as madsim users reproduce failures.
pub fn replay_command(scenario: &str, variant: &str, strategy: Strategy, seed: u64) -> String {
    format!(
        "{SEED_ENV}={seed} dnsim replay --scenario {scenario} --variant {variant} --strategy {strategy} --trace"
    )
}

/// What a seed file's path holds already (see [`SeedFile::already_at`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlreadyThere {
    /// Nothing: the run can be saved there.
    Nothing,
    /// This very run (see [`SeedFile::same_run`]): it is saved already.
    ThisRun,
    /// Something else, as a phrase: `another run (trace hash H)`, with its scenario when
    /// that differs, or a file that is not a seed file.
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// A saved failing run: enough to replay it exactly, and to check that it still does what it
/// did.
pub struct SeedFile {
    /// A built-in scenario name or a scenario file path.
    pub scenario: String,
    /// The design's label.
    pub variant: String,
    /// The seed.
    pub seed: u64,
    /// The strategy the run was found with; files that predate strategies were `uniform`.
    #[serde(default = "uniform")]
    pub strategy: Strategy,
    /// The invariant the run violated.
    pub invariant: InvariantId,
    /// The trace hash of the run, as 16 hex digits.
    pub trace_hash: String,
    /// One line: what went wrong, in the incident's words.
    pub postmortem: String,
    /// Where the replay's faults come from: drawn from the seed (a run found by a sweep),
    /// or exactly the schedule below (a run whose faults were scripted: shrunk, found by
    /// `exhaust`, or replayed from a schedule file or with `--faults-from`).
    #[serde(default)]
    pub faults_source: FaultsSource,
    /// Every fault of the run, in order.
    #[serde(default)]
    pub faults: FaultSchedule,
}

/// Where a saved run's faults come from when it is replayed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultsSource {
    /// Drawn from the seed, as in the run that found it; `faults` is what was drawn.
    #[default]
    Seed,
    /// Exactly `faults`, and no others.
    Schedule,
}

/// A fault's magnitude: its field in a seed file, its value, and the scenario knob whose
/// range bounds it.
fn magnitude(fault: &Fault) -> Option<(&'static str, u64, &'static str)> {
    match *fault {
        Fault::Delay { ms } => Some(("ms", ms, "faults.api_delay.ms")),
        Fault::LockHeld { ms } => Some(("ms", ms, "faults.lock_held.ms")),
        Fault::Stall { ms } => Some(("ms", ms, "faults.stall.ms")),
        Fault::Crash { restart_ms } => Some(("restart_ms", restart_ms, "faults.crash.restart_ms")),
        Fault::Burst { plans } => Some(("plans", u64::from(plans), "faults.burst.plans")),
        Fault::ApiError => None,
    }
}

/// Whether `text` is a trace hash as [`format_hash`] writes it: 16 lowercase hex digits.
fn is_trace_hash(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn uniform() -> Strategy {
    Strategy::Uniform
}

/// Why a seed file could not be read or written.
#[derive(Debug)]
pub struct SeedFileError(pub String);

impl fmt::Display for SeedFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SeedFileError {}

impl SeedFile {
    /// The seed file for `invariant`'s violation in `outcome` (which must have violated it).
    /// A run whose faults were scripted (shrunk, found by `exhaust`, or replayed from a
    /// schedule file or with `--faults-from`; its `choices` say so) is saved as that
    /// schedule (`faults_source = "schedule"`): the seed alone would draw other faults, and
    /// the file would not replay the run. A seeded run is saved as its
    /// seed; a caller may still choose to save one as its schedule, which replays it too.
    pub fn from_outcome(outcome: &Outcome, scenario: &str, invariant: InvariantId) -> SeedFile {
        let violation = outcome
            .violation(invariant)
            .unwrap_or_else(|| panic!("seed {} did not violate {invariant}", outcome.seed));
        SeedFile {
            scenario: scenario.to_string(),
            variant: outcome.variant.clone(),
            seed: outcome.seed,
            strategy: outcome.strategy,
            invariant,
            trace_hash: format_hash(outcome.trace_hash),
            postmortem: format!(
                "{} ({} injected)",
                violation.message,
                plural(outcome.faults.len() as u64, "fault", "faults")
            ),
            faults_source: match outcome.choices {
                StrategyChoices::Scripted => FaultsSource::Schedule,
                StrategyChoices::Uniform
                | StrategyChoices::Swarm { .. }
                | StrategyChoices::BoundedDelay { .. } => FaultsSource::Seed,
            },
            faults: outcome.faults.clone(),
        }
    }

    /// How to run this saved run again: its design, strategy, seed and faults, on
    /// `scenario` (which must be the one this file names).
    pub fn spec<'a>(&self, scenario: &'a Scenario) -> Result<RunSpec<'a>, SeedFileError> {
        // `variant` is the design's label: its name and any parameters given.
        let design = crate::registry::parse(&self.variant)
            .map_err(|error| SeedFileError(format!("seed file: {error}")))?;
        let mut spec = RunSpec::seeded(scenario, design, self.seed).with_strategy(self.strategy);
        spec.faults = self.fault_source();
        Ok(spec)
    }

    /// The faults to replay this run with.
    pub fn fault_source(&self) -> FaultSource {
        match self.faults_source {
            FaultsSource::Seed => FaultSource::Seeded,
            FaultsSource::Schedule => FaultSource::Scripted(self.faults.clone()),
        }
    }

    /// The conventional file name: `{variant}[-{strategy}]-{invariant}-{seed}.toml`, with
    /// `-minimal` for a shrunk run.
    pub fn file_name(&self) -> String {
        let minimal = match self.faults_source {
            FaultsSource::Seed => "",
            FaultsSource::Schedule => "-minimal",
        };
        // The same seed is a different run under another strategy: name it (uniform, the
        // strategy of the first saved runs, goes unnamed).
        let strategy = match self.strategy {
            Strategy::Uniform => String::new(),
            other => format!("-{}", other.to_string().replace(':', "-")),
        };
        let variant = self.variant_in_file_name();
        format!(
            "{variant}{strategy}-{}-{}{minimal}.toml",
            self.invariant, self.seed
        )
    }

    /// The design's label as every saved file's name carries it: a variant with parameters
    /// (`leased-enactor:lease_ttl_ms=200`) keeps them, without the characters some file
    /// systems refuse (`leased-enactor+lease_ttl_ms=200`).
    pub fn variant_in_file_name(&self) -> String {
        self.variant.replace([':', ','], "+")
    }

    /// The command that replays this run, saved at `path`: from its seed (naming every
    /// choice, so that no default can change what it replays), or from the file itself when
    /// only the saved schedule reproduces it.
    pub fn replay_command(&self, path: &Path) -> String {
        match self.faults_source {
            FaultsSource::Seed => {
                replay_command(&self.scenario, &self.variant, self.strategy, self.seed)
            }
            FaultsSource::Schedule => format!("dnsim replay --file {} --trace", path.display()),
        }
    }

    /// Reads and checks a seed file.
    pub fn load(path: &Path) -> Result<SeedFile, SeedFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SeedFileError(format!("seed file {}: {e}", path.display())))?;
        let origin = format!("seed file {}", path.display());
        let file: SeedFile = toml::from_str(&text)
            .map_err(|e| SeedFileError(toml_error_line(&origin, &text, &e, &|_| None)))?;
        // The design is named here, so its error names the file and line too.
        if let Err(error) = crate::registry::parse(&file.variant) {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("variant"))
                .map_or(String::new(), |i| format!(":{}", i + 1));
            return Err(SeedFileError(format!("{origin}{line}: {error}")));
        }
        if !is_trace_hash(&file.trace_hash) {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("trace_hash"))
                .map_or(String::new(), |i| format!(":{}", i + 1));
            return Err(SeedFileError(format!(
                "{origin}{line}: trace_hash {:?} is not 16 lowercase hex digits",
                file.trace_hash
            )));
        }
        // A recorded fault is as bounded as a scenario's: no schedule can make a run endless
        // or its arithmetic overflow.
        for (i, scheduled) in file.faults.0.iter().enumerate() {
            let Some((field, value, knob)) = magnitude(&scheduled.fault) else {
                continue;
            };
            let (min, max) = crate::running::scenario::knob_range(knob);
            if !(min..=max).contains(&value) {
                let line = text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.trim() == "[[faults]]")
                    .nth(i)
                    .and_then(|(start, _)| {
                        let rest = text.lines().skip(start).position(|l| {
                            l.trim_start()
                                .strip_prefix(field)
                                .is_some_and(|r| r.trim_start().starts_with('='))
                        });
                        rest.map(|offset| format!(":{}", start + offset + 1))
                    })
                    .unwrap_or_default();
                return Err(SeedFileError(format!(
                    "{origin}{line}: fault {} ({}) {field} = {value} is out of range: allowed {min}..={max} (as {knob})",
                    i + 1,
                    scheduled.at
                )));
            }
        }
        Ok(file)
    }

    /// Whether `other` records the same run: scenario, design, seed, strategy, invariant,
    /// trace hash and faults. Not the postmortem, which is prose: its wording may change
    /// while the run stays the same.
    pub fn same_run(&self, other: &SeedFile) -> bool {
        (
            &self.scenario,
            &self.variant,
            self.seed,
            self.strategy,
            self.invariant,
        ) == (
            &other.scenario,
            &other.variant,
            other.seed,
            other.strategy,
            other.invariant,
        ) && (&self.trace_hash, self.faults_source, &self.faults)
            == (&other.trace_hash, other.faults_source, &other.faults)
    }

    /// What `path`, where this run is about to be saved, holds already. Every command that
    /// saves seed files asks, so that none reports a file of another run as saved.
    pub fn already_at(&self, path: &Path) -> AlreadyThere {
        if !path.exists() {
            return AlreadyThere::Nothing;
        }
        match SeedFile::load(path) {
            Ok(there) if there.same_run(self) => AlreadyThere::ThisRun,
            // A file name does not say its scenario: a clash across scenarios is named.
            Ok(there) if there.scenario != self.scenario => AlreadyThere::Other(format!(
                "another run (of scenario {}, trace hash {})",
                there.scenario, there.trace_hash
            )),
            Ok(there) => {
                AlreadyThere::Other(format!("another run (trace hash {})", there.trace_hash))
            }
            Err(error) => AlreadyThere::Other(format!("a file that is not this run ({error})")),
        }
    }

    /// The file's content, without the header comment `save_new` adds.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a seed file always serializes")
    }

    /// Writes the file atomically and never over an existing one (see [`crate::output`]):
    /// a reader never sees a partial file, and a saved file is never replaced.
    pub fn save_new(&self, path: &Path) -> Result<PathBuf, SeedFileError> {
        let error = |e: std::io::Error| SeedFileError(format!("seed file {}: {e}", path.display()));
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(error)?;
        }
        // A schedule's run is not the seed's under its strategy: said where a reader of the
        // fields would otherwise replay `seed` with `strategy` and get another run.
        let scripted = match self.faults_source {
            FaultsSource::Schedule => {
                "# Its faults are the [[faults]] below, and no others: `seed` keys only benign noise \
                 (latencies, back-off), and `strategy` is not used.\n"
            }
            FaultsSource::Seed => "",
        };
        let text = format!(
            "# dnsim saved run. Replay it: {}\n{scripted}{}",
            self.replay_command(path),
            self.to_toml()
        );
        crate::output::write_new(path, text.as_bytes()).map_err(error)?;
        Ok(path.to_path_buf())
    }
}
