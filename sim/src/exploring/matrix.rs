//! The verdict matrix: every design against every invariant, on the same seeds.
//!
//! For each design and invariant, a cell gives the seeds run, the seeds that violated it,
//! the rate, a 95% upper bound on the rate, the first violating seed and the median number
//! of seeds run before meeting a violation; and the seeds that reached the invariant's
//! coverage mark (see [`crate::coverage`]), from which its [`Verdict`]: `violated`, `holds`,
//! or `vacuous` when too few seeds put the invariant to the test.
//!
//! For each design it also counts the seeds whose trace is identical to `original`'s under
//! the same faults (a design identical on every seed changed nothing the scenario exercises),
//! and spreads the outage measures (see [`crate::measures`]) so that designs that both hold
//! can be ranked by how long endpoints answered with nothing and how long repair took.
//!
//! The upper bound is the rule of three (3/n) when no seed violated, and the Wilson score
//! interval's upper end (z = 1.96) otherwise.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use dnsim_model::Design;
use serde::{Deserialize, Serialize};

use crate::checking::coverage::Mark;
use crate::checking::invariants::{InvariantId, Violation};
use crate::checking::measures::{MeasureSpreads, Measures};
use crate::checking::verdict::{Verdict, REACHED_FOR_HOLDS};
use crate::exploring::hunt::SeedRange;
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{budget_left, run_seeds_until, SweepEnd, SweepOptions};
use crate::running::run::{run, RunSpec};
use crate::running::scenario::Scenario;

/// One design against one invariant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The invariant.
    pub invariant: InvariantId,
    /// Seeds run.
    pub seeds_run: u64,
    /// Seeds that violated the invariant.
    pub violating_seeds: u64,
    /// `violating_seeds / seeds_run`.
    pub rate: f64,
    /// 95% upper bound on the violation rate.
    pub upper_95: f64,
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
    /// The outage measures over every seed.
    pub measures: MeasureSpreads,
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
    /// How each seed chose its faults.
    pub strategy: Strategy,
    /// The seeds every design ran.
    pub seeds: SeedRange,
    /// One row per design reached, in the order given.
    pub designs: Vec<DesignRow>,
    /// Runs made (those of `original` too, when it was run only to compare with).
    pub runs: u64,
    /// Wall time (not deterministic).
    pub wall_ms: f64,
    /// How the matrix ended; when stopped early, the designs not reached have no row.
    #[serde(default = "completed")]
    pub end: SweepEnd,
}

fn completed() -> SweepEnd {
    SweepEnd::Completed
}

impl MatrixReport {
    /// The row of the design labelled `variant`, if it was reached.
    pub fn row(&self, variant: &str) -> Option<&DesignRow> {
        self.designs.iter().find(|row| row.variant == variant)
    }
}

/// The 95% upper bound on a rate of `k` in `n` (rule of three for k = 0, else Wilson).
pub fn upper_95(k: u64, n: u64) -> f64 {
    assert!(n > 0 && k <= n);
    if k == 0 {
        return (3.0 / n as f64).min(1.0);
    }
    let (k, n, z) = (k as f64, n as f64, 1.96_f64);
    let p = k / n;
    let centre = p + z * z / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre + spread) / (1.0 + z * z / n)).min(1.0)
}

fn median(mut values: Vec<u64>) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2] as f64),
        _ => Some((values[n / 2 - 1] + values[n / 2]) as f64 / 2.0),
    }
}

/// The design every other is compared with.
pub const ORIGINAL: &str = "original";

/// What the matrix keeps of one seed's run.
struct SeedSummary {
    violations: Vec<Violation>,
    coverage: Vec<Mark>,
    trace_hash: u64,
    measures: Measures,
}

/// Runs every design on every seed of `seeds`, on `jobs` threads (and `original` too, if it
/// is not among them, to tell which seeds a design left unchanged).
pub fn matrix(
    scenario: &Scenario,
    designs: &[&'static dyn Design],
    strategy: Strategy,
    seeds: SeedRange,
    jobs: usize,
) -> MatrixReport {
    let options = SweepOptions::new(jobs);
    matrix_with(scenario, designs, strategy, seeds, &options, |_| {})
}

/// [`matrix`] that stops cleanly on `options.stop` (Ctrl-C) or at `options.time_budget`
/// (read on `options.clock`), and calls `on_progress` with the runs done so far. A design
/// stopped part-way has its cells marked [`Cell::partial`]; designs not reached have no row.
pub fn matrix_with(
    scenario: &Scenario,
    designs: &[&'static dyn Design],
    strategy: Strategy,
    seeds: SeedRange,
    options: &SweepOptions,
    mut on_progress: impl FnMut(u64),
) -> MatrixReport {
    let started = Instant::now();
    let began = options.clock.now();
    let mut rows = Vec::new();
    let mut end = SweepEnd::Completed;
    let mut runs = 0;
    let scenario_arc = Arc::new(scenario.clone());
    let mut run_design = |design: &'static dyn Design, end: &mut SweepEnd| {
        let Some(these) = budget_left(options, began) else {
            *end = SweepEnd::TimeBudget;
            return Vec::new();
        };
        let scenario = scenario_arc.clone();
        let done_before = runs;
        let (outcomes, ended) = run_seeds_until(
            seeds,
            &these,
            move |seed| {
                let spec = RunSpec::seeded(&scenario, design, seed).with_strategy(strategy);
                let outcome = run(&spec);
                SeedSummary {
                    violations: outcome.violations,
                    coverage: outcome.coverage,
                    trace_hash: outcome.trace_hash,
                    measures: outcome.measures,
                }
            },
            |done| on_progress(done_before + done),
        );
        runs += outcomes.len() as u64;
        if ended != SweepEnd::Completed {
            *end = ended;
        }
        outcomes
    };
    let mut original_hashes: Option<Vec<u64>> = None;
    if !designs.iter().any(|d| d.name() == ORIGINAL) {
        let original = dnsim_model::designs::by_name(ORIGINAL).expect("original is registered");
        let outcomes = run_design(original, &mut end);
        original_hashes = Some(outcomes.iter().map(|s| s.trace_hash).collect());
    }
    for &design in designs {
        if end != SweepEnd::Completed {
            break;
        }
        let outcomes = run_design(design, &mut end);
        if outcomes.is_empty() {
            break;
        }
        if design.name() == ORIGINAL {
            original_hashes = Some(outcomes.iter().map(|s| s.trace_hash).collect());
        }
        let cells = InvariantId::ALL
            .into_iter()
            .map(|invariant| {
                let mark = Mark::of(invariant);
                let reached = outcomes
                    .iter()
                    .filter(|s| s.coverage.contains(&mark))
                    .count() as u64;
                let violating: Vec<(u64, &str)> = seeds
                    .seeds()
                    .zip(&outcomes)
                    .filter_map(|(seed, SeedSummary { violations, .. })| {
                        violations
                            .iter()
                            .find(|v| v.invariant == invariant)
                            .map(|v| (seed, v.message.as_str()))
                    })
                    .collect();
                let mut previous = seeds.start;
                let gaps = violating
                    .iter()
                    .map(|&(seed, _)| {
                        let gap = seed - previous + 1;
                        previous = seed + 1;
                        gap
                    })
                    .collect();
                let n = outcomes.len() as u64;
                let k = violating.len() as u64;
                Cell {
                    invariant,
                    seeds_run: n,
                    violating_seeds: k,
                    rate: k as f64 / n as f64,
                    upper_95: upper_95(k, n),
                    first_seed: violating.first().map(|(seed, _)| *seed),
                    median_seeds_to_violation: median(gaps),
                    first_message: violating.first().map(|(_, message)| message.to_string()),
                    mark,
                    reached,
                    verdict: Verdict::of(k, reached),
                    partial: n < seeds.len(),
                }
            })
            .collect();
        let original = original_hashes
            .as_ref()
            .expect("original ran first or is this design");
        let identical = outcomes
            .iter()
            .zip(original)
            .filter(|(s, hash)| s.trace_hash == **hash)
            .count() as u64;
        let measures: Vec<Measures> = outcomes.iter().map(|s| s.measures).collect();
        rows.push(DesignRow {
            variant: dnsim_model::designs::label(design),
            cells,
            identical_to_original_seeds: identical,
            identical_to_original: design.name() != ORIGINAL && identical == seeds.len(),
            measures: MeasureSpreads::of(&measures),
        });
    }
    MatrixReport {
        scenario: scenario.name.clone(),
        strategy,
        seeds,
        runs,
        designs: rows,
        wall_ms: started.elapsed().as_secs_f64() * 1e3,
        end,
    }
}

fn percent(rate: f64) -> String {
    if rate == 0.0 {
        "0".to_string()
    } else if rate >= 0.01 {
        format!("{:.1}%", rate * 100.0)
    } else {
        format!("{:.3}%", rate * 100.0)
    }
}

fn cell_text(cell: &Cell) -> String {
    let verdict = verdict_text(cell);
    if cell.partial {
        format!("{verdict} partial")
    } else {
        verdict
    }
}

fn verdict_text(cell: &Cell) -> String {
    match cell.verdict {
        Verdict::Violated => format!("VIOLATED {}", percent(cell.rate)),
        Verdict::Holds => format!(
            "holds <{}, reached {}",
            percent(cell.upper_95),
            cell.reached
        ),
        Verdict::Vacuous => format!("VACUOUS: reached {}", cell.reached),
    }
}

fn cell_markdown(cell: &Cell) -> String {
    match cell.verdict {
        Verdict::Violated => format!(
            "**violated** {}/{} ({})",
            cell.violating_seeds,
            cell.seeds_run,
            percent(cell.rate)
        ),
        Verdict::Holds => format!(
            "holds (95% ≤ {}; reached {})",
            percent(cell.upper_95),
            cell.reached
        ),
        Verdict::Vacuous => format!("*vacuous* (reached {})", cell.reached),
    }
}

/// The outage measures of a row: `median / p99 / max` in seconds.
fn spread_text(spread: &crate::checking::measures::Spread) -> String {
    let s = |ms: u64| format!("{:.1}", ms as f64 / 1e3);
    format!(
        "{} / {} / {}",
        s(spread.median),
        s(spread.p99),
        s(spread.max)
    )
}

fn identical_text(row: &DesignRow, seeds: u64) -> String {
    if row.variant == ORIGINAL {
        "-".to_string()
    } else if row.identical_to_original {
        format!("{seeds} of {seeds}: NO DIFFERENT FROM original")
    } else {
        format!("{} of {seeds}", row.identical_to_original_seeds)
    }
}

/// The plain-text tables `dnsim matrix` prints: verdicts, then measures.
pub fn render_text(report: &MatrixReport) -> String {
    let mut out = String::new();
    let width = report
        .designs
        .iter()
        .map(|row| row.variant.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = write!(out, "{:<width$}", "design");
    for id in InvariantId::ALL {
        let _ = write!(out, "  {:<28}", id.as_str());
    }
    let _ = writeln!(out);
    for row in &report.designs {
        let _ = write!(out, "{:<width$}", row.variant);
        for cell in &row.cells {
            let _ = write!(out, "  {:<28}", cell_text(cell));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "\n{:<width$}  {:<22}  {:<22}  {:<22}  {:<22}  {:<9}  identical to original",
        "seconds",
        "empty answer (total)",
        "empty answer (longest)",
        "stale plan served",
        "repair after faults",
        "no repair"
    );
    for row in &report.designs {
        let m = &row.measures;
        let _ = writeln!(
            out,
            "{:<width$}  {:<22}  {:<22}  {:<22}  {:<22}  {:<9}  {}",
            row.variant,
            spread_text(&m.empty_answer_ms),
            spread_text(&m.empty_answer_ms_longest),
            spread_text(&m.stale_ms),
            spread_text(&m.repair_ms),
            m.never_repaired,
            identical_text(row, report.seeds.len())
        );
    }
    let _ = writeln!(
        out,
        "{} seeds ({}) per design, scenario {}, strategy {}; \"holds <x, reached n\": no violation, x = 95% upper bound on the rate, n = seeds that reached the invariant's coverage mark (at least {REACHED_FOR_HOLDS} needed, else VACUOUS); measures are median / p99 / max",
        report.seeds.len(),
        report.seeds,
        report.scenario,
        report.strategy
    );
    out
}

/// The Markdown a reviewer pastes into a design review: the table, then the evidence.
pub fn render_markdown(report: &MatrixReport, scenario_arg: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Verdict matrix: scenario `{}`, strategy `{}`, seeds {} ({} per design)\n",
        report.scenario,
        report.strategy,
        report.seeds,
        report.seeds.len()
    );
    let _ = write!(out, "| design |");
    for id in InvariantId::ALL {
        let _ = write!(out, " `{id}` |");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "|---|{}", "---|".repeat(InvariantId::ALL.len()));
    for row in &report.designs {
        let _ = write!(out, "| `{}` |", row.variant);
        for cell in &row.cells {
            let _ = write!(out, " {} |", cell_markdown(cell));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "\n\"holds (95% ≤ x; reached n)\": no seed violated the invariant, x is the upper bound on its rate, and n seeds reached its coverage mark (the situation that puts it to the test). With fewer than {REACHED_FOR_HOLDS} such seeds the cell reads *vacuous*: the runs say nothing either way. Marks:\n");
    for id in InvariantId::ALL {
        let _ = writeln!(out, "- `{id}`: `{}`", Mark::of(id));
    }
    let _ = writeln!(out, "\n### Outage measures (seconds: median / p99 / max)\n");
    let _ = writeln!(out, "| design | empty answer, total | empty answer, longest | stale plan served | repair after faults | never repaired | identical to `original` |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for row in &report.designs {
        let m = &row.measures;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            row.variant,
            spread_text(&m.empty_answer_ms),
            spread_text(&m.empty_answer_ms_longest),
            spread_text(&m.stale_ms),
            spread_text(&m.repair_ms),
            m.never_repaired,
            identical_text(row, report.seeds.len())
        );
    }
    let _ = writeln!(out, "\n### Evidence\n");
    for row in &report.designs {
        for cell in row.cells.iter().filter(|cell| !cell.holds()) {
            let seed = cell.first_seed.expect("a violated cell has a first seed");
            let median = cell
                .median_seeds_to_violation
                .map_or("-".to_string(), |m| format!("{m}"));
            let _ = writeln!(
                out,
                "- `{}` violates `{}` in {} of {} seeds (95% ≤ {}); median seeds to a violation {median}; first seed {seed}: {}  \n  `MADSIM_TEST_SEED={seed} dnsim replay --scenario {scenario_arg} --variant {} --strategy {} --trace`",
                row.variant,
                cell.invariant,
                cell.violating_seeds,
                cell.seeds_run,
                percent(cell.upper_95),
                cell.first_message.as_deref().unwrap_or(""),
                row.variant,
                report.strategy,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upper_bound_is_the_rule_of_three_at_zero_and_wilson_otherwise() {
        assert_eq!(upper_95(0, 30_000), 1e-4);
        assert_eq!(upper_95(0, 2), 1.0);
        // Wilson 95% for 5/100 is about 0.1118.
        assert!(
            (upper_95(5, 100) - 0.1118).abs() < 1e-3,
            "{}",
            upper_95(5, 100)
        );
        assert_eq!(upper_95(10, 10), 1.0);
    }

    #[test]
    fn median_of_even_and_odd_lists() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3, 1, 2]), Some(2.0));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2.5));
    }
}
