//! Sweeps: run every seed in a range and collect the violations.

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use dnsim_model::Design;
use serde::{Deserialize, Serialize};

use crate::invariants::InvariantId;
use crate::run::{run, RunSpec};
use crate::scenario::Scenario;
use crate::sweep::run_seeds;

/// A half-open range of seeds, written `A..B` (or `N` for the single seed N).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    pub start: u64,
    pub end: u64,
}

impl SeedRange {
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn seeds(&self) -> std::ops::Range<u64> {
        self.start..self.end
    }
}

impl fmt::Display for SeedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl FromStr for SeedRange {
    type Err = String;

    fn from_str(text: &str) -> Result<SeedRange, String> {
        let number = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("bad seed range {text:?}: {s:?} is not a whole number (expected A..B, e.g. 0..1000)"))
        };
        let range = match text.split_once("..") {
            Some((start, end)) => SeedRange {
                start: number(start)?,
                end: number(end)?,
            },
            None => {
                let seed = number(text)?;
                SeedRange {
                    start: seed,
                    end: seed.checked_add(1).ok_or("seed too large")?,
                }
            }
        };
        if range.start >= range.end {
            return Err(format!(
                "bad seed range {text:?}: it is empty (A..B runs A up to but not including B)"
            ));
        }
        Ok(range)
    }
}

/// One violation found by a sweep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundViolation {
    pub seed: u64,
    pub invariant: InvariantId,
    pub sim_time_ms: u64,
    pub message: String,
}

/// What a sweep found, as `hunt --json` prints it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HuntReport {
    pub scenario: String,
    pub variant: String,
    pub seeds: SeedRange,
    pub seeds_run: u64,
    pub failing_seeds: u64,
    pub violations: Vec<FoundViolation>,
    /// Trace entries (events, faults, violations) over all seeds.
    pub events: u64,
    pub wall_ms: f64,
    pub seeds_per_sec: f64,
    pub events_per_sec: f64,
}

impl HuntReport {
    /// The first seed (lowest) that violated `invariant`, if any.
    pub fn first_seed(&self, invariant: InvariantId) -> Option<u64> {
        self.violations
            .iter()
            .filter(|v| v.invariant == invariant)
            .map(|v| v.seed)
            .min()
    }

    /// How many seeds violated `invariant`.
    pub fn seeds_violating(&self, invariant: InvariantId) -> u64 {
        self.violations
            .iter()
            .filter(|v| v.invariant == invariant)
            .count() as u64
    }
}

/// Runs every seed of `seeds` on `jobs` threads. The report does not depend on `jobs`.
pub fn hunt(
    scenario: &Scenario,
    design: &'static dyn Design,
    seeds: SeedRange,
    jobs: usize,
) -> HuntReport {
    let started = Instant::now();
    let outcomes = run_seeds(seeds, jobs, |seed| {
        let outcome = run(&RunSpec::seeded(scenario, design, seed));
        (outcome.events, outcome.violations)
    });
    let wall = started.elapsed().as_secs_f64();
    let mut report = HuntReport {
        scenario: scenario.name.clone(),
        variant: design.name().to_string(),
        seeds,
        seeds_run: outcomes.len() as u64,
        failing_seeds: 0,
        violations: Vec::new(),
        events: 0,
        wall_ms: wall * 1e3,
        seeds_per_sec: 0.0,
        events_per_sec: 0.0,
    };
    for (seed, (events, violations)) in seeds.seeds().zip(outcomes) {
        report.events += events;
        report.failing_seeds += u64::from(!violations.is_empty());
        report
            .violations
            .extend(violations.into_iter().map(|v| FoundViolation {
                seed,
                invariant: v.invariant,
                sim_time_ms: v.sim_time_ms,
                message: v.message,
            }));
    }
    report.seeds_per_sec = report.seeds_run as f64 / wall.max(1e-9);
    report.events_per_sec = report.events as f64 / wall.max(1e-9);
    report
}
