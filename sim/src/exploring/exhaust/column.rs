//! The matrix's exhaustive column (`dnsim matrix --exhaustive K`): per design and
//! invariant, "all N schedules with at most K faults: holds", or the first schedule that
//! violates it.

use dnsim_model::Design;
use serde::{Deserialize, Serialize};

use crate::checking::coverage::Mark;
use crate::checking::invariants::InvariantId;
use crate::exploring::hunt::SeedRange;
use crate::exploring::sweep::SweepOptions;
use crate::reporting::narrative::describe_fault;
use crate::running::scenario::Scenario;

use super::{exhaust, ExhaustEnd, ExhaustSpec, Menu};

/// One design's exhaustive verdicts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExhaustiveRow {
    /// The design's label.
    pub variant: String,
    /// K: every schedule of at most this many faults.
    pub max_faults: u32,
    /// Schedules run (all of them when `end` is `completed`).
    pub schedules: u64,
    /// How the enumeration ended.
    pub end: ExhaustEnd,
    /// One cell per invariant.
    pub cells: Vec<ExhaustiveCell>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
/// One design against one invariant, exhaustively.
pub struct ExhaustiveCell {
    /// The invariant.
    pub invariant: InvariantId,
    /// The first schedule that violates it, each fault described; `None`: it holds (or
    /// holds vacuously, when `reached` is 0).
    pub first_schedule: Option<Vec<String>>,
    /// Schedules that reached the invariant's coverage mark.
    #[serde(default)]
    pub reached: u64,
}

impl ExhaustiveRow {
    /// No schedule violated any invariant.
    pub fn holds(&self) -> bool {
        self.cells.iter().all(|c| c.first_schedule.is_none())
    }
}

/// Every schedule of at most `max_faults` faults of the default menu, on noise seed 0, for
/// each design (stopping early for a design once every invariant has a counterexample).
pub fn exhaustive_column(
    scenario: &Scenario,
    designs: &[&'static dyn Design],
    max_faults: u32,
    jobs: usize,
) -> Vec<ExhaustiveRow> {
    designs
        .iter()
        .map(|&design| {
            let spec = ExhaustSpec {
                scenario: scenario.clone(),
                design,
                menu: Menu::default_for(scenario),
                max_faults,
                noise_seeds: SeedRange { start: 0, end: 1 },
                stop_when_all_violated: true,
            };
            let report = exhaust(&spec, &SweepOptions::new(jobs), &mut |_, _, _, _| {});
            ExhaustiveRow {
                variant: dnsim_model::designs::label(design),
                max_faults,
                schedules: report.ran(),
                end: report.end,
                cells: InvariantId::ALL
                    .iter()
                    .map(|&invariant| ExhaustiveCell {
                        invariant,
                        first_schedule: report
                            .counterexamples
                            .get(&invariant)
                            .map(|c| c.faults.0.iter().map(describe_fault).collect()),
                        reached: report.reached(invariant),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn cell_text(row: &ExhaustiveRow, cell: &ExhaustiveCell) -> String {
    match &cell.first_schedule {
        None if cell.reached == 0 => format!(
            "VACUOUS: none of the {} schedules reached {}",
            row.schedules,
            Mark::of(cell.invariant)
        ),
        None if row.end == ExhaustEnd::Completed => format!(
            "holds: all {} schedules with at most {} faults ({} reached {})",
            row.schedules,
            row.max_faults,
            cell.reached,
            Mark::of(cell.invariant)
        ),
        None => format!(
            "holds for the {} schedules run ({} reached {})",
            row.schedules,
            cell.reached,
            Mark::of(cell.invariant)
        ),
        Some(faults) if faults.is_empty() => "violated with no fault".into(),
        Some(faults) => format!("violated ({} faults): {}", faults.len(), faults.join("; ")),
    }
}

/// The column as text, one block per design.
pub fn render_text(rows: &[ExhaustiveRow]) -> String {
    let mut text = String::new();
    if let Some(first) = rows.first() {
        text.push_str(&format!(
            "exhaustive (default menu, noise seed 0, at most {} faults):\n",
            first.max_faults
        ));
    }
    for row in rows {
        text.push_str(&format!("  {}\n", row.variant));
        for cell in &row.cells {
            text.push_str(&format!(
                "    {:<22} {}\n",
                cell.invariant.as_str(),
                cell_text(row, cell)
            ));
        }
    }
    text
}

/// The column as a Markdown table (designs down, invariants across).
pub fn render_markdown(rows: &[ExhaustiveRow]) -> String {
    let mut text =
        String::from("\n## Exhaustive: every schedule of the default menu\n\n| design |");
    for id in InvariantId::ALL {
        text.push_str(&format!(" {id} |"));
    }
    text.push_str("\n|---|");
    for _ in InvariantId::ALL {
        text.push_str("---|");
    }
    text.push('\n');
    for row in rows {
        text.push_str(&format!("| {} |", row.variant));
        for cell in &row.cells {
            text.push_str(&format!(" {} |", cell_text(row, cell)));
        }
        text.push('\n');
    }
    text
}
