//! What a matrix finds, as it is printed, saved as JSON and merged: a row per design, a cell
//! per invariant, and (in a shard's report) a record per seed.

use serde::{Deserialize, Serialize};

use crate::checking::coverage::Mark;
use crate::checking::invariants::InvariantId;
use crate::checking::measures::{MeasureSpreads, Measures};
use crate::checking::verdict::Verdict;
use crate::exploring::hunt::{Failure, SeedRange};
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{Seeds, Shard, SweepEnd};

/// The design every other is compared with.
pub const ORIGINAL: &str = "original";

/// One design against one invariant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The invariant.
    pub invariant: InvariantId,
    /// Seeds run to the end (those that crashed or hung are not counted: see
    /// [`DesignRow::failures`]).
    pub seeds_run: u64,
    /// Seeds that violated the invariant.
    pub violating_seeds: u64,
    /// `violating_seeds / seeds_run`.
    pub rate: f64,
    /// 95% upper bound on the violation rate, over every seed run.
    pub upper_95: f64,
    /// 95% upper bound on the violation rate among the seeds that reached the invariant's
    /// coverage mark (a violating seed reaches it first): what a `holds` claims, since a
    /// seed that never met the danger tests nothing. 1 when none reached it.
    #[serde(default = "one")]
    pub upper_95_reached: f64,
    /// The lowest seed that violated it.
    pub first_seed: Option<u64>,
    /// Median, over the violations found, of how many seeds a sweep runs to meet the next
    /// one (seeds from the start of the range, or from the previous violating seed).
    pub median_seeds_to_violation: Option<f64>,
    /// What the first violation looked like.
    pub first_message: Option<String>,
    /// The invariant's coverage mark, and the seeds that reached it.
    pub mark: Mark,
    /// Seeds that reached the mark.
    pub reached: u64,
    /// Violated, holds, or vacuous.
    pub verdict: Verdict,
    /// The sweep stopped (Ctrl-C, time budget) before every seed ran: `seeds_run` is fewer.
    #[serde(default)]
    pub partial: bool,
}

impl Cell {
    /// No seed violated the invariant (whether or not it was put to the test).
    pub fn holds(&self) -> bool {
        self.violating_seeds == 0
    }
}

/// One design against every invariant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignRow {
    /// The design's label.
    pub variant: String,
    /// One cell per invariant, in [`InvariantId::ALL`]'s order.
    pub cells: Vec<Cell>,
    /// Seeds whose trace equals `original`'s under the same faults.
    pub identical_to_original_seeds: u64,
    /// Identical to `original` on every seed: the design changed nothing these runs exercise.
    pub identical_to_original: bool,
    /// The outage measures over every seed that finished.
    pub measures: MeasureSpreads,
    /// Seeds that crashed (a bug in the model or the harness, such as an oracle
    /// disagreement) or hung (past the watchdog): the cells count only the other seeds, so
    /// every verdict of the row is over fewer seeds than the report's, and none can be
    /// trusted until these are understood.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
    /// A shard's report only: every seed's record, from which `merge` rebuilds the row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seeds: Vec<SeedRecord>,
}

impl DesignRow {
    /// The cell of `invariant`.
    pub fn cell(&self, invariant: InvariantId) -> &Cell {
        self.cells
            .iter()
            .find(|cell| cell.invariant == invariant)
            .expect("a cell per invariant")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// Every design against every invariant on the same seeds.
pub struct MatrixReport {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's digest: shards of one matrix must have run the same scenario.
    #[serde(default)]
    pub scenario_digest: String,
    /// The scenario as `--scenario` gave it (a built-in name, or a file's path), for the
    /// replay lines a merged matrix prints: a file's `name` is no scenario `replay` knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_arg: Option<String>,
    /// How each seed chose its faults.
    pub strategy: Strategy,
    /// The seeds every design ran.
    pub seeds: SeedRange,
    /// The shard of `seeds` this report covers (`matrix --shard K/N`); `None` for all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// One row per design reached, in the order given.
    pub designs: Vec<DesignRow>,
    /// Every design asked for, in order: the rows stop short of it only when the matrix
    /// stopped early. It lets `merge` tell a shard run with other `--variants`, even one
    /// that holds no seed and so has no row. (Absent from reports of older versions.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// Seeds that crashed or hung in `original` when it ran only to compare traces with
    /// (it was not among the designs asked for): no row shows them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub baseline_failures: Vec<Failure>,
    /// Runs made (those of `original` too, when it was run only to compare with).
    pub runs: u64,
    /// Wall time (not deterministic).
    pub wall_ms: f64,
    /// How the matrix ended; when stopped early, the designs not reached have no row.
    #[serde(default = "completed")]
    pub end: SweepEnd,
}

fn one() -> f64 {
    1.0
}

fn completed() -> SweepEnd {
    SweepEnd::Completed
}

impl MatrixReport {
    /// Whether any seed crashed or hung, in a design's row or in `original` run to compare.
    pub fn any_failure(&self) -> bool {
        !self.baseline_failures.is_empty() || self.designs.iter().any(|r| !r.failures.is_empty())
    }

    /// The row of the design labelled `variant`, if it ran.
    pub fn row(&self, variant: &str) -> Option<&DesignRow> {
        self.designs.iter().find(|row| row.variant == variant)
    }

    /// How many seeds the report covers: its shard's, or the whole range's.
    pub fn seeds_covered(&self) -> u64 {
        Seeds {
            range: self.seeds,
            shard: self.shard,
        }
        .len()
    }
}

/// What the matrix keeps of one design's run on one seed: all a cell needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRecord {
    /// The seed.
    pub seed: u64,
    /// The invariants the run violated, in [`InvariantId::ALL`] order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violated: Vec<InvariantId>,
    /// The invariants whose coverage mark the run reached, in the same order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reached: Vec<InvariantId>,
    /// The run's trace equals `original`'s under the same faults.
    pub identical_to_original: bool,
    /// How long the run hurt.
    pub measures: Measures,
    /// The run crashed or hung: it violated and reached nothing that counts, and its
    /// measures are empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

impl SeedRecord {
    /// The record of a seed whose run crashed or hung.
    pub fn failed(failure: Failure) -> SeedRecord {
        SeedRecord {
            seed: failure.seed,
            violated: Vec::new(),
            reached: Vec::new(),
            identical_to_original: false,
            measures: Measures::default(),
            failure: Some(failure),
        }
    }
}
