//! Sensitivity curves: the verdict matrix at each value of one scenario knob.
//!
//! Several fixes only lower the odds: fewer plans, a larger clean-up age, a longer lock. One
//! matrix is one point; a reviewer needs the violation rate as a function of the knob, to see
//! where a fix stops helping. [`sensitivity`] runs the matrix (same seeds, same strategy) at
//! every value of one [`Knob`], and gathers, for each design and invariant, a [`Curve`]: the
//! rate, its 95% upper bound and the cell's verdict at each value. [`crate::chart`] draws it.
//!
//! Each value is applied to a copy of the scenario, which is then validated exactly as a
//! scenario file is (it is written out as TOML and read back), so a value the scenario
//! cannot take is bad input, reported before anything runs.
//!
//! [`sensitivity_with`] stops cleanly (Ctrl-C, time budget) as the matrix does: the values
//! that finished keep their points, the value stopped part-way has points marked
//! [`CurvePoint::partial`] for the designs it reached, and the values not reached have none.

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use dnsim_model::Design;
use serde::{Deserialize, Serialize};

use crate::checking::invariants::InvariantId;
use crate::checking::verdict::{Verdict, REACHED_FOR_HOLDS};
use crate::exploring::hunt::SeedRange;
use crate::exploring::matrix::{matrix_with, MatrixReport, ORIGINAL};
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{budget_left, SweepEnd, SweepOptions};
use crate::running::scenario::{Scenario, ScenarioError};

/// A scenario knob a sensitivity curve can vary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Knob {
    /// The longest injected stall, ms (`faults.stall.ms[1]`).
    StallMsMax,
    /// Clean-up's "significantly older" threshold (`system.cleanup_age_generations`).
    CleanupAgeGenerations,
    /// How long a lock record bars other writers (`system.lock_ttl_ms`).
    LockTtlMs,
    /// The largest planner burst, in plans (`faults.burst.plans[1]`).
    BurstPlansMax,
    /// How often the planner writes a plan (`system.planner_interval_ms`).
    PlannerIntervalMs,
    /// How many enactors race (`system.enactors`).
    Enactors,
}

impl Knob {
    /// Every knob.
    pub const ALL: [Knob; 6] = [
        Knob::StallMsMax,
        Knob::CleanupAgeGenerations,
        Knob::LockTtlMs,
        Knob::BurstPlansMax,
        Knob::PlannerIntervalMs,
        Knob::Enactors,
    ];

    /// The knob's name, as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Knob::StallMsMax => "stall_ms_max",
            Knob::CleanupAgeGenerations => "cleanup_age_generations",
            Knob::LockTtlMs => "lock_ttl_ms",
            Knob::BurstPlansMax => "burst_plans_max",
            Knob::PlannerIntervalMs => "planner_interval_ms",
            Knob::Enactors => "enactors",
        }
    }

    /// A copy of `scenario` with this knob set to `value`, validated as a scenario file is.
    pub fn apply(self, scenario: &Scenario, value: u64) -> Result<Scenario, ScenarioError> {
        let mut changed = scenario.clone();
        let narrow = |limit: u64| {
            (value <= limit)
                .then_some(value)
                .ok_or_else(|| ScenarioError(format!("{self} = {value}: at most {limit}")))
        };
        match self {
            Knob::StallMsMax => changed.faults.stall.ms[1] = value,
            Knob::CleanupAgeGenerations => changed.system.cleanup_age_generations = value,
            Knob::LockTtlMs => changed.system.lock_ttl_ms = value,
            Knob::BurstPlansMax => changed.faults.burst.plans[1] = narrow(u32::MAX.into())? as u32,
            Knob::PlannerIntervalMs => changed.system.planner_interval_ms = value,
            Knob::Enactors => changed.system.enactors = narrow(u8::MAX.into())? as u8,
        }
        changed.validate(&format!("{} with {self} = {value}", scenario.name), None)?;
        Ok(changed)
    }
}

impl fmt::Display for Knob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Knob {
    type Err = String;

    fn from_str(name: &str) -> Result<Knob, String> {
        Knob::ALL
            .into_iter()
            .find(|knob| knob.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<_> = Knob::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown knob {name:?}: knobs are {}", names.join(", "))
            })
    }
}

/// One value of the knob: a cell of the matrix run there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// The knob's value.
    pub value: u64,
    /// The violation rate there.
    pub rate: f64,
    /// Its 95% upper bound.
    pub upper_95: f64,
    /// Its 95% upper bound among the seeds that reached the invariant's coverage mark
    /// (see the matrix's [`crate::matrix::Cell::upper_95_reached`]).
    #[serde(default = "one")]
    pub upper_95_reached: f64,
    /// The cell's verdict there.
    pub verdict: Verdict,
    /// Seeds that reached the invariant's coverage mark there.
    pub reached: u64,
    /// The matrix at this value stopped (Ctrl-C, time budget) before every seed ran for
    /// this design: the point is over fewer seeds than the others.
    #[serde(default)]
    pub partial: bool,
    /// Seeds that crashed or hung here: the point counts only the others (see the
    /// matrix's [`crate::matrix::DesignRow::failures`]).
    #[serde(default)]
    pub failed: u64,
}

fn one() -> f64 {
    1.0
}

/// One design against one invariant, as the knob varies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The design's name.
    pub variant: String,
    /// The invariant.
    pub invariant: InvariantId,
    /// One point per value reached, in the order of the values.
    pub points: Vec<CurvePoint>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// The verdict matrix at each value of one knob, as curves.
pub struct SensitivityReport {
    /// The scenario's name.
    pub scenario: String,
    /// How each seed chose its faults.
    pub strategy: Strategy,
    /// The seeds run at every value.
    pub seeds: SeedRange,
    /// The knob varied.
    pub knob: Knob,
    /// Its values, in the order given.
    pub values: Vec<u64>,
    /// One curve per design and invariant.
    pub curves: Vec<Curve>,
    /// Runs made over every value.
    pub runs: u64,
    /// Runs of `original`, made only to compare traces with, that crashed or hung (those of
    /// the designs asked for are their points' `failed`).
    #[serde(default)]
    pub original_failed: u64,
    /// Wall time over every value (not deterministic).
    pub wall_ms: f64,
    /// How the curves ended; when stopped early, a curve has no point at the values not
    /// reached.
    #[serde(default = "completed")]
    pub end: SweepEnd,
}

fn completed() -> SweepEnd {
    SweepEnd::Completed
}

impl SensitivityReport {
    /// The curve of `variant` against `invariant`.
    pub fn curve(&self, variant: &str, invariant: InvariantId) -> Option<&Curve> {
        self.curves
            .iter()
            .find(|c| c.variant == variant && c.invariant == invariant)
    }

    /// The designs, in the order they ran.
    pub fn variants(&self) -> Vec<&str> {
        let mut variants: Vec<&str> = Vec::new();
        for curve in &self.curves {
            if !variants.contains(&curve.variant.as_str()) {
                variants.push(&curve.variant);
            }
        }
        variants
    }
}

/// The scenarios to run, one per value: checked before anything runs.
pub fn scenarios(
    scenario: &Scenario,
    knob: Knob,
    values: &[u64],
) -> Result<Vec<Scenario>, ScenarioError> {
    values
        .iter()
        .map(|&value| knob.apply(scenario, value))
        .collect()
}

/// Runs the matrix of `designs` at every value of `knob`.
pub fn sensitivity(
    scenario: &Scenario,
    knob: Knob,
    values: &[u64],
    designs: &[&'static dyn Design],
    strategy: Strategy,
    seeds: SeedRange,
    jobs: usize,
) -> Result<SensitivityReport, ScenarioError> {
    let options = SweepOptions::new(jobs);
    sensitivity_with(
        scenario,
        knob,
        values,
        designs,
        strategy,
        seeds,
        &options,
        |_| {},
    )
}

/// The runs [`sensitivity_with`] makes: every design (and `original`, which the matrix runs
/// anyway to compare traces) on every seed at every value.
pub fn runs_planned(values: &[u64], designs: &[&'static dyn Design], seeds: SeedRange) -> u64 {
    let original_too = u64::from(!designs.iter().any(|d| d.name() == ORIGINAL));
    values.len() as u64 * (designs.len() as u64 + original_too) * seeds.len()
}

/// [`sensitivity`] that stops cleanly on `options.stop` (Ctrl-C) or at
/// `options.time_budget` (read on `options.clock`, shared by every value), and calls
/// `on_progress` with the runs done so far (of [`runs_planned`]).
#[allow(clippy::too_many_arguments)]
pub fn sensitivity_with(
    scenario: &Scenario,
    knob: Knob,
    values: &[u64],
    designs: &[&'static dyn Design],
    strategy: Strategy,
    seeds: SeedRange,
    options: &SweepOptions,
    mut on_progress: impl FnMut(u64),
) -> Result<SensitivityReport, ScenarioError> {
    let varied = scenarios(scenario, knob, values)?;
    let began = options.clock.now();
    let mut end = SweepEnd::Completed;
    let mut runs_before = 0;
    let mut reports: Vec<MatrixReport> = Vec::new();
    for scenario in &varied {
        let Some(these) = budget_left(options, began) else {
            end = SweepEnd::TimeBudget;
            break;
        };
        let report = matrix_with(scenario, designs, strategy, seeds, &these, |done| {
            on_progress(runs_before + done)
        });
        runs_before += report.runs;
        end = report.end;
        reports.push(report);
        if end != SweepEnd::Completed {
            break;
        }
    }
    let mut curves = Vec::new();
    for design in designs {
        // Rows are by label: one design may run with several parameters.
        let label = dnsim_model::designs::label(*design);
        for invariant in InvariantId::ALL {
            let points = values
                .iter()
                .zip(&reports)
                .filter_map(|(&value, report)| {
                    let row = report.row(&label)?;
                    let cell = row.cell(invariant);
                    Some(CurvePoint {
                        value,
                        rate: cell.rate,
                        upper_95: cell.upper_95,
                        upper_95_reached: cell.upper_95_reached,
                        verdict: cell.verdict,
                        reached: cell.reached,
                        partial: cell.partial,
                        failed: row.failures.len() as u64,
                    })
                })
                .collect();
            curves.push(Curve {
                variant: label.clone(),
                invariant,
                points,
            });
        }
    }
    Ok(SensitivityReport {
        scenario: scenario.name.clone(),
        strategy,
        seeds,
        knob,
        values: values.to_vec(),
        curves,
        runs: reports.iter().map(|r| r.runs).sum(),
        original_failed: (reports.iter())
            .map(|r| r.baseline_failures.len() as u64)
            .sum(),
        wall_ms: reports.iter().map(|r| r.wall_ms).sum(),
        end,
    })
}

/// A curve's text at `value`: its point, or `-` where the run stopped before it.
fn cell_text(curve: &Curve, value: u64) -> String {
    curve
        .points
        .iter()
        .find(|point| point.value == value)
        .map_or("-".to_string(), point_text)
}

/// What the table says under it when the curves stopped early.
fn stopped_note(report: &SensitivityReport) -> Option<String> {
    let why = report.end.stopped_words()?;
    Some(format!(
        "{why} after {} runs: points marked * are partial (fewer than {} seeds), \"-\" was not run",
        report.runs,
        report.seeds.len()
    ))
}

/// What the table says under it when seeds crashed or hung somewhere.
fn failed_note(report: &SensitivityReport) -> Option<String> {
    let failed: u64 = (report.curves.iter())
        .filter(|curve| curve.invariant == InvariantId::ALL[0])
        .flat_map(|curve| &curve.points)
        .map(|point| point.failed)
        .sum::<u64>()
        + report.original_failed;
    (failed > 0).then(|| {
        format!(
            "{failed} run{} crashed or hung ({} of original's, run only to compare traces with): points marked ! count only the seeds that finished, and cannot be trusted until these are understood; `dnsim matrix` at that value (the scenario with the knob set, --watchdog to allow slow seeds) lists them",
            if failed == 1 { "" } else { "s" },
            report.original_failed
        )
    })
}

/// A point: the violation rate; `≤x` (the 95% upper bound on it, among the seeds that
/// reached the mark) where it holds;
/// `vac(n)` where it holds only vacuously; `*` if partial, `!` if seeds crashed or hung.
fn point_text(point: &CurvePoint) -> String {
    let percent = |rate: f64| {
        if rate >= 0.01 {
            format!("{:.1}%", rate * 100.0)
        } else {
            format!("{:.2}%", rate * 100.0)
        }
    };
    let mut text = match point.verdict {
        Verdict::Violated => percent(point.rate),
        Verdict::Holds => format!("≤{}", crate::matrix::percent_up(point.upper_95_reached)),
        Verdict::Vacuous => format!("vac({})", point.reached),
    };
    if point.partial {
        text.push('*');
    }
    if point.failed > 0 {
        text.push('!');
    }
    text
}

/// The plain-text table: one row per design and invariant, one column per value.
pub fn render_text(report: &SensitivityReport) -> String {
    let mut out = String::new();
    let width = report
        .variants()
        .iter()
        .map(|v| v.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = write!(out, "{:<width$}  {:<22}", "design", report.knob.as_str());
    for value in &report.values {
        let _ = write!(out, "  {value:>9}");
    }
    let _ = writeln!(out);
    for curve in &report.curves {
        let _ = write!(
            out,
            "{:<width$}  {:<22}",
            curve.variant,
            curve.invariant.as_str()
        );
        for &value in &report.values {
            let _ = write!(out, "  {:>9}", cell_text(curve, value));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "violation rate per design and invariant; \"≤x\": no violation, x = 95% upper bound on the rate among the seeds that reached the invariant's coverage mark (at least {REACHED_FOR_HOLDS} did); \"vac(n)\": no violation but the mark was reached in only n seeds; {} seed{} ({}) per point, scenario {}, strategy {}",
        report.seeds.len(),
        if report.seeds.len() == 1 { "" } else { "s" },
        report.seeds,
        report.scenario,
        report.strategy
    );
    for note in stopped_note(report).into_iter().chain(failed_note(report)) {
        let _ = writeln!(out, "{note}");
    }
    out
}

/// The same table in Markdown.
pub fn render_markdown(report: &SensitivityReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Sensitivity to `{}`: scenario `{}`, strategy `{}`, seeds {}\n",
        report.knob, report.scenario, report.strategy, report.seeds
    );
    let _ = write!(out, "| design | invariant |");
    for value in &report.values {
        let _ = write!(out, " {} = {value} |", report.knob);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "|---|---|{}", "---|".repeat(report.values.len()));
    for curve in &report.curves {
        let _ = write!(out, "| `{}` | `{}` |", curve.variant, curve.invariant);
        for &value in &report.values {
            let _ = write!(out, " {} |", cell_text(curve, value));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "\nViolation rate; \"≤x\": no violation, x is the 95% upper bound on the rate among the seeds that reached the invariant's coverage mark (at least {REACHED_FOR_HOLDS} did); \"vac(n)\": no violation, but the mark was reached in only n seeds (vacuous).");
    for note in stopped_note(report).into_iter().chain(failed_note(report)) {
        let _ = writeln!(out, "\n{note}.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_parse_and_apply_with_validation() {
        let scenario = Scenario::load("incident").unwrap();
        for knob in Knob::ALL {
            assert_eq!(knob.as_str().parse::<Knob>(), Ok(knob));
        }
        assert!("nope"
            .parse::<Knob>()
            .unwrap_err()
            .contains("cleanup_age_generations"));
        let aged = Knob::CleanupAgeGenerations.apply(&scenario, 40).unwrap();
        assert_eq!(aged.system.cleanup_age_generations, 40);
        let shorter = Knob::StallMsMax.apply(&scenario, 10_000).unwrap();
        assert_eq!(shorter.faults.stall.ms, [5000, 10_000]);
        // Below the stall's minimum: the scenario's own validation says no.
        let error = Knob::StallMsMax
            .apply(&scenario, 10)
            .unwrap_err()
            .to_string();
        assert!(error.contains("faults.stall.ms"), "{error}");
        assert!(Knob::Enactors.apply(&scenario, 0).is_err());
        assert!(Knob::Enactors.apply(&scenario, 300).is_err());
    }
}
