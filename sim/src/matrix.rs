//! The verdict matrix: every design against every invariant, on the same seeds.
//!
//! For each design and invariant, a cell gives the seeds run, the seeds that violated it,
//! the rate, a 95% upper bound on the rate, the first violating seed and the median number
//! of seeds run before meeting a violation. For each design it also gives how often the
//! dangerous interleaving was reached at all (see [`crate::coverage`]), so that a design
//! that held can be told from one that was never put to the test.
//!
//! The upper bound is the rule of three (3/n) when no seed violated, and the Wilson score
//! interval's upper end (z = 1.96) otherwise.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use dnsim_model::Design;
use serde::{Deserialize, Serialize};

use crate::coverage::Mark;
use crate::hunt::SeedRange;
use crate::invariants::InvariantId;
use crate::run::{run, RunSpec};
use crate::scenario::Scenario;
use crate::strategy::Strategy;
use crate::sweep::{budget_left, run_seeds_until, SweepEnd, SweepOptions};

/// One design against one invariant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub invariant: InvariantId,
    pub seeds_run: u64,
    pub violating_seeds: u64,
    pub rate: f64,
    /// 95% upper bound on the violation rate.
    pub upper_95: f64,
    pub first_seed: Option<u64>,
    /// Median, over the violations found, of how many seeds a sweep runs to meet the next
    /// one (seeds from the start of the range, or from the previous violating seed).
    pub median_seeds_to_violation: Option<f64>,
    /// What the first violation looked like.
    pub first_message: Option<String>,
    /// The sweep stopped (Ctrl-C, time budget) before every seed ran: `seeds_run` is fewer.
    #[serde(default)]
    pub partial: bool,
}

impl Cell {
    pub fn holds(&self) -> bool {
        self.violating_seeds == 0
    }
}

/// How many seeds reached a dangerous situation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    pub mark: Mark,
    pub seeds: u64,
}

/// One design against every invariant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignRow {
    pub variant: String,
    pub cells: Vec<Cell>,
    pub reached: Vec<Reached>,
}

impl DesignRow {
    pub fn cell(&self, invariant: InvariantId) -> &Cell {
        self.cells
            .iter()
            .find(|cell| cell.invariant == invariant)
            .expect("a cell per invariant")
    }

    pub fn reached(&self, mark: Mark) -> u64 {
        self.reached
            .iter()
            .find(|r| r.mark == mark)
            .map_or(0, |r| r.seeds)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixReport {
    pub scenario: String,
    /// How each seed chose its faults.
    pub strategy: Strategy,
    pub seeds: SeedRange,
    pub designs: Vec<DesignRow>,
    pub runs: u64,
    pub wall_ms: f64,
    /// How the matrix ended; when stopped early, the designs not reached have no row.
    #[serde(default = "completed")]
    pub end: SweepEnd,
}

fn completed() -> SweepEnd {
    SweepEnd::Completed
}

impl MatrixReport {
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

/// Runs every design on every seed of `seeds`, on `jobs` threads.
pub fn matrix(
    scenario: &Scenario,
    designs: &[&'static dyn Design],
    strategy: Strategy,
    seeds: SeedRange,
    jobs: usize,
) -> MatrixReport {
    matrix_with(
        scenario,
        designs,
        strategy,
        seeds,
        &SweepOptions::new(jobs),
        |_| {},
    )
}

/// [`matrix`] that stops cleanly on `options.stop` or at `options.time_budget`, and calls
/// `on_progress` with the runs done so far. A design stopped part-way has its cells marked
/// [`Cell::partial`]; designs not reached have no row.
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
    for &design in designs {
        let Some(these) = budget_left(options, began) else {
            end = SweepEnd::TimeBudget;
            break;
        };
        let scenario = Arc::new(scenario.clone());
        let (outcomes, ended) = run_seeds_until(
            seeds,
            &these,
            move |seed| {
                let spec = RunSpec::seeded(&scenario, design, seed).with_strategy(strategy);
                let outcome = run(&spec);
                (outcome.violations, outcome.coverage)
            },
            |done| on_progress(runs + done),
        );
        runs += outcomes.len() as u64;
        if outcomes.is_empty() {
            end = ended;
            break;
        }
        let cells = InvariantId::ALL
            .into_iter()
            .map(|invariant| {
                let violating: Vec<(u64, &str)> = seeds
                    .seeds()
                    .zip(&outcomes)
                    .filter_map(|(seed, (violations, _))| {
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
                    partial: n < seeds.len(),
                }
            })
            .collect();
        let reached = Mark::ALL
            .into_iter()
            .map(|mark| Reached {
                mark,
                seeds: outcomes
                    .iter()
                    .filter(|(_, marks)| marks.contains(&mark))
                    .count() as u64,
            })
            .collect();
        rows.push(DesignRow {
            variant: dnsim_model::designs::label(design),
            cells,
            reached,
        });
        if ended != SweepEnd::Completed {
            end = ended;
            break;
        }
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
    let verdict = if cell.holds() {
        format!("holds (<{})", percent(cell.upper_95))
    } else {
        format!("VIOLATED {}", percent(cell.rate))
    };
    if cell.partial {
        format!("{verdict} partial")
    } else {
        verdict
    }
}

/// The plain-text table `dnsim matrix` prints.
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
        let _ = write!(out, "  {:<22}", id.as_str());
    }
    let _ = writeln!(out, "  reached: stale write / clean-up race");
    for row in &report.designs {
        let _ = write!(out, "{:<width$}", row.variant);
        for cell in &row.cells {
            let _ = write!(out, "  {:<22}", cell_text(cell));
        }
        let seeds = row.cells.first().map_or(1, |cell| cell.seeds_run).max(1) as f64;
        let _ = writeln!(
            out,
            "  {} / {}",
            percent(row.reached(Mark::StaleWriteAttempted) as f64 / seeds),
            percent(row.reached(Mark::CleanupRacedStaleEnactor) as f64 / seeds)
        );
    }
    let _ = writeln!(
        out,
        "{} seeds ({}) per design, scenario {}, strategy {}; \"holds (<x)\": no violation, x = 95% upper bound on the rate",
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
    let _ = writeln!(out, " reached stale write | reached clean-up race |");
    let _ = writeln!(
        out,
        "|---|{}---|---|",
        "---|".repeat(InvariantId::ALL.len())
    );
    let seeds = report.seeds.len() as f64;
    for row in &report.designs {
        let _ = write!(out, "| `{}` |", row.variant);
        for cell in &row.cells {
            let text = if cell.holds() {
                format!("holds (95% ≤ {})", percent(cell.upper_95))
            } else {
                format!(
                    "**violated** {}/{} ({})",
                    cell.violating_seeds,
                    cell.seeds_run,
                    percent(cell.rate)
                )
            };
            let _ = write!(out, " {text} |");
        }
        let _ = writeln!(
            out,
            " {} | {} |",
            percent(row.reached(Mark::StaleWriteAttempted) as f64 / seeds),
            percent(row.reached(Mark::CleanupRacedStaleEnactor) as f64 / seeds)
        );
    }
    let _ = writeln!(out, "\n\"holds (95% ≤ x)\": no seed violated the invariant; x is the rule-of-three upper bound on its rate. \"reached\": share of seeds in which the dangerous interleaving happened at all (a stale write attempted; clean-up started while another enactor held a plan old enough to be deleted).\n");
    let _ = writeln!(out, "### Evidence\n");
    for row in &report.designs {
        for cell in row.cells.iter().filter(|cell| !cell.holds()) {
            let seed = cell.first_seed.expect("a violated cell has a first seed");
            let median = cell
                .median_seeds_to_violation
                .map_or("-".to_string(), |m| format!("{m}"));
            let _ = writeln!(
                out,
                "- `{}` violates `{}` in {} of {} seeds (95% ≤ {}); median seeds to a violation {median}; first seed {seed}: {}  \n  `dnsim replay --scenario {scenario_arg} --variant {} --strategy {} --seed {seed} --trace`",
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
