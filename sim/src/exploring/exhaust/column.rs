//! The matrix's exhaustive column (`dnsim matrix --exhaustive K`): per design and
//! invariant, "all N schedules with at most K faults: holds", or the first schedule that
//! violates it.
//!
//! The column stops as the matrix does, on Ctrl-C or at the end of `--time-budget`: the
//! design it stopped in keeps its counterexamples (each a real violation), its other cells
//! say "no verdict", and the designs after it are not run, and named as such.

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

impl ExhaustiveRow {
    /// Whether the enumeration was stopped (Ctrl-C, time budget) before it was done.
    pub fn stopped(&self) -> bool {
        matches!(self.end, ExhaustEnd::TimeBudget | ExhaustEnd::Interrupted)
    }
}

/// Every schedule of at most `max_faults` faults of the default menu, on noise seed 0, for
/// each design in turn (stopping early for a design once every invariant has a
/// counterexample), on `options`' jobs, stop flag and clock; `options.time_budget` is
/// what is left for the whole column. A design stopped part-way is the last row: the
/// designs after it are not run (see [`not_run`]).
pub fn exhaustive_column(
    scenario: &Scenario,
    designs: &[&'static dyn Design],
    max_faults: u32,
    options: &SweepOptions,
) -> Vec<ExhaustiveRow> {
    let began = options.clock.now();
    let mut rows: Vec<ExhaustiveRow> = Vec::new();
    for &design in designs {
        if rows.last().is_some_and(ExhaustiveRow::stopped) {
            break;
        }
        let mut design_options = options.clone();
        design_options.time_budget = options
            .time_budget
            .map(|budget| budget.saturating_sub(options.clock.now() - began));
        rows.push({
            let spec = ExhaustSpec {
                scenario: scenario.clone(),
                design,
                menu: Menu::default_for(scenario),
                max_faults,
                noise_seeds: SeedRange { start: 0, end: 1 },
                stop_when_all_violated: true,
            };
            let report = exhaust(&spec, &design_options, &mut |_, _, _, _| {});
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
        });
    }
    rows
}

/// The designs of `designs` (labels) the column has no row for: it stopped before them.
pub fn not_run<'a>(rows: &[ExhaustiveRow], designs: &'a [String]) -> Vec<&'a str> {
    designs
        .iter()
        .filter(|design| !rows.iter().any(|row| &row.variant == *design))
        .map(String::as_str)
        .collect()
}

/// For a column stopped part-way, one line saying so: where it stopped, what its cells then
/// mean and the designs never run. `None` for a column that ran to the end.
pub fn stopped_text(rows: &[ExhaustiveRow], designs: &[String]) -> Option<String> {
    let last = rows.last().filter(|row| row.stopped())?;
    let why = match last.end {
        ExhaustEnd::TimeBudget => "stopped at the time budget",
        _ => "interrupted",
    };
    let not_run = not_run(rows, designs);
    Some(format!(
        "exhaustive column {why} in {} after {} schedules: its cells without a violation have no verdict; not run: {}",
        last.variant,
        last.schedules,
        if not_run.is_empty() {
            "none".to_string()
        } else {
            not_run.join(", ")
        }
    ))
}

fn cell_text(row: &ExhaustiveRow, cell: &ExhaustiveCell) -> String {
    match &cell.first_schedule {
        // Stopped part-way: what ran neither proves nor (for want of the mark) voids anything.
        None if row.stopped() => format!("no verdict: stopped after {} schedules", row.schedules),
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

/// The column as text, one block per design, and the stop line if it stopped part-way
/// (`designs`: the labels of every design the column was asked for).
pub fn render_text(rows: &[ExhaustiveRow], designs: &[String]) -> String {
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
    if let Some(line) = stopped_text(rows, designs) {
        text.push_str(&format!("  ({line})\n"));
    }
    text
}

/// The column as a Markdown table (designs down, invariants across), and the stop line if
/// it stopped part-way.
pub fn render_markdown(rows: &[ExhaustiveRow], designs: &[String]) -> String {
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
    if let Some(line) = stopped_text(rows, designs) {
        text.push_str(&format!("\n{line}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    fn cell(invariant: InvariantId, violated: bool) -> ExhaustiveCell {
        ExhaustiveCell {
            invariant,
            first_schedule: violated.then(|| vec!["enactor-2 pauses".to_string()]),
            reached: 0,
        }
    }

    fn row(variant: &str, end: ExhaustEnd, schedules: u64) -> ExhaustiveRow {
        ExhaustiveRow {
            variant: variant.into(),
            max_faults: 2,
            schedules,
            end,
            cells: InvariantId::ALL
                .iter()
                .map(|&id| cell(id, id == InvariantId::NoStaleOverwrite))
                .collect(),
        }
    }

    /// A column stopped in a design keeps that design's counterexamples, says "no verdict"
    /// for its other cells (never VACUOUS or holds: nothing was proved, not even that the
    /// dangerous step is out of reach), and names the designs after it as not run.
    #[test]
    fn a_stopped_column_gives_no_verdict_and_names_what_it_did_not_run() {
        let designs: Vec<String> = ["original", "fenced-and-protected", "leased-enactor"]
            .map(String::from)
            .to_vec();
        let rows = vec![
            row("original", ExhaustEnd::Completed, 35072),
            row("fenced-and-protected", ExhaustEnd::Interrupted, 100),
        ];
        let text = render_text(&rows, &designs);
        assert!(
            text.contains("    no_stale_overwrite     violated (1 faults): enactor-2 pauses\n    active_plan_exists     VACUOUS"),
            "a design that finished is judged as before: {text}"
        );
        let stopped = &text[text.find("  fenced-and-protected").unwrap()..];
        assert!(
            stopped.contains("no_stale_overwrite     violated (1 faults)"),
            "{stopped}"
        );
        assert!(
            stopped.contains("converges              no verdict: stopped after 100 schedules"),
            "{stopped}"
        );
        assert!(
            !stopped.contains("VACUOUS") && !stopped.contains("holds"),
            "{stopped}"
        );
        assert!(
            text.contains("(exhaustive column interrupted in fenced-and-protected after 100 schedules: its cells without a violation have no verdict; not run: leased-enactor)"),
            "{text}"
        );
        assert!(render_markdown(&rows, &designs).contains("not run: leased-enactor"));
        let whole = vec![row("original", ExhaustEnd::Completed, 35072)];
        assert_eq!(stopped_text(&whole, &designs[..1]), None);
    }

    /// Stopped before it starts (Ctrl-C already pressed): the first design is the last row,
    /// stopped, and no later design runs.
    #[test]
    fn a_stop_ends_the_column_at_the_design_it_stopped_in() {
        let scenario = Scenario::load("small").unwrap();
        let designs = [
            crate::registry::parse("original").unwrap(),
            crate::registry::parse("fenced-and-protected").unwrap(),
        ];
        let options = SweepOptions::new(1);
        options.stop.store(true, Ordering::Relaxed);
        let rows = exhaustive_column(&scenario, &designs, 1, &options);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].end, ExhaustEnd::Interrupted);
        assert!(rows[0].stopped());
        let labels = ["original".to_string(), "fenced-and-protected".to_string()];
        assert_eq!(not_run(&rows, &labels), vec!["fenced-and-protected"]);
    }
}
