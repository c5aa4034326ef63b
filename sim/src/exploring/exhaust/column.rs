//! The matrix's exhaustive column (`dnsim matrix --exhaustive K`): per design and
//! invariant, "all N schedules with at most K faults: holds", or the first schedule that
//! violates it.
//!
//! Every cell carries its verdict ([`CellVerdict`]), so that no reader, of the text or of
//! the JSON, takes the absence of a counterexample for a hold:
//! - a counterexample is a violation, however the enumeration ended;
//! - the column stops as the matrix does, on Ctrl-C or at the end of `--time-budget`: the
//!   design it stopped in says "no verdict" at K where it found no violation (and what the
//!   levels that ran whole say: holds or VACUOUS up to fewer faults, as `exhaust` reports),
//!   and the designs after it are not run, and named as such
//!   ([`ExhaustiveColumn::not_run`]);
//! - a schedule that crashed or hung was not checked: its design's cells without a
//!   violation say "no verdict" too, and the schedule is listed as `BROKEN`;
//! - a hold that no schedule put to the test (none reached the invariant's coverage mark)
//!   is VACUOUS.

use std::sync::atomic::Ordering;

use dnsim_model::Design;
use serde::{Deserialize, Serialize};

use crate::checking::coverage::Mark;
use crate::checking::invariants::InvariantId;
use crate::exploring::hunt::SeedRange;
use crate::exploring::sweep::{budget_left, SweepEnd, SweepOptions};
use crate::reporting::narrative::describe_fault;
use crate::reporting::plural;
use crate::running::scenario::Scenario;

use super::{exhaust, ExhaustEnd, ExhaustSpec, Menu};

/// The whole column: a row per design it ran, and how it ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExhaustiveColumn {
    /// K: every schedule of at most this many faults.
    pub max_faults: u32,
    /// One row per design run, in the order asked.
    pub rows: Vec<ExhaustiveRow>,
    /// `Completed` if every design asked for ran to its end; else why the column stopped.
    pub end: SweepEnd,
    /// The designs asked for that have no row: the column stopped before them.
    pub not_run: Vec<String>,
}

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
    /// Schedules that crashed or hung, each as "faults: problem" (not checked: no hold
    /// stands beside one).
    #[serde(default)]
    pub broken: Vec<String>,
    /// Every schedule of at most this many faults ran (`None`: not even the fault-free
    /// run). Below `max_faults` only when the enumeration stopped early: its cells then
    /// have no verdict at `max_faults`, but say what held in the levels that ran whole.
    /// Schedules that crashed or hung count as run here: see `broken`, beside which no
    /// hold stands.
    #[serde(default)]
    pub complete_up_to: Option<u32>,
    /// Schedules in those complete levels.
    #[serde(default)]
    pub complete_schedules: u64,
    /// One cell per invariant.
    pub cells: Vec<ExhaustiveCell>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
/// One design against one invariant, exhaustively.
pub struct ExhaustiveCell {
    /// The invariant.
    pub invariant: InvariantId,
    /// The first schedule that violates it, each fault described; `None`: no schedule run
    /// violated it (see `verdict` for what that is worth).
    pub first_schedule: Option<Vec<String>>,
    /// Schedules that reached the invariant's coverage mark, in the levels that ran whole
    /// (see `ExhaustiveRow::complete_up_to`).
    #[serde(default)]
    pub reached: u64,
    /// What the cell says.
    #[serde(default)]
    pub verdict: CellVerdict,
}

/// What one cell of the column says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellVerdict {
    /// A schedule violated the invariant (`first_schedule`).
    Violated,
    /// Every schedule of at most K faults ran, none violated it, and some reached its mark.
    Holds,
    /// Every schedule ran and none violated it, but none reached its mark: nothing tested.
    Vacuous,
    /// No schedule run violated it, but not every schedule was checked: the enumeration was
    /// stopped, or a schedule crashed or hung.
    #[default]
    NoVerdict,
}

impl ExhaustiveRow {
    /// No schedule violated any invariant, and none crashed or hung.
    pub fn holds(&self) -> bool {
        self.broken.is_empty() && self.cells.iter().all(|c| c.first_schedule.is_none())
    }

    /// Whether the enumeration was stopped (Ctrl-C, time budget) before it was done.
    pub fn stopped(&self) -> bool {
        matches!(self.end, ExhaustEnd::TimeBudget | ExhaustEnd::Interrupted)
    }
}

impl ExhaustiveColumn {
    /// A column that did not run at all: the matrix stopped (`end`) before it, in its seeds
    /// or as they ended.
    pub fn not_run_at_all(max_faults: u32, designs: &[String], end: SweepEnd) -> Self {
        ExhaustiveColumn {
            max_faults,
            rows: Vec::new(),
            end,
            not_run: designs.to_vec(),
        }
    }
}

/// Whether a design's enumeration left schedules unchecked: it was stopped (`end`), or
/// `broken` schedules crashed or hung.
fn unchecked(end: ExhaustEnd, broken: usize) -> bool {
    matches!(end, ExhaustEnd::TimeBudget | ExhaustEnd::Interrupted) || broken > 0
}

/// The verdict of a cell: `violated` or not, `reached` by how many schedules, in a design
/// where some schedules went `unchecked` (the enumeration was stopped, or a schedule
/// crashed or hung).
fn verdict(violated: bool, reached: u64, unchecked: bool) -> CellVerdict {
    if violated {
        CellVerdict::Violated
    } else if unchecked {
        CellVerdict::NoVerdict
    } else if reached == 0 {
        CellVerdict::Vacuous
    } else {
        CellVerdict::Holds
    }
}

/// Every schedule of at most `max_faults` faults of the default menu, on noise seed 0, for
/// each design in turn (stopping early for a design once every invariant has a
/// counterexample), on `options`' jobs, stop flag and clock; `options.time_budget` is
/// what is left for the whole column. Stopped in a design or between two, the column ends
/// there: the designs after it are not run.
pub fn exhaustive_column(
    scenario: &Scenario,
    designs: &[&'static dyn Design],
    max_faults: u32,
    options: &SweepOptions,
) -> ExhaustiveColumn {
    let began = options.clock.now();
    let mut rows: Vec<ExhaustiveRow> = Vec::new();
    let mut end = SweepEnd::Completed;
    for &design in designs {
        if options.stop.load(Ordering::Relaxed) {
            end = SweepEnd::Interrupted;
            break;
        }
        let Some(these) = budget_left(options, began) else {
            end = SweepEnd::TimeBudget;
            break;
        };
        let spec = ExhaustSpec {
            scenario: scenario.clone(),
            design,
            menu: Menu::default_for(scenario),
            max_faults,
            noise_seeds: SeedRange { start: 0, end: 1 },
            stop_when_all_violated: true,
        };
        let report = exhaust(&spec, &these, &mut |_, _, _, _| {});
        let stopped = match report.end {
            ExhaustEnd::TimeBudget => Some(SweepEnd::TimeBudget),
            ExhaustEnd::Interrupted => Some(SweepEnd::Interrupted),
            ExhaustEnd::Completed | ExhaustEnd::AllViolated => None,
        };
        let unchecked = unchecked(report.end, report.broken.len());
        rows.push(ExhaustiveRow {
            variant: dnsim_model::designs::label(design),
            max_faults,
            schedules: report.ran(),
            end: report.end,
            complete_up_to: report.complete_up_to,
            complete_schedules: (report.levels.iter())
                .filter(|level| report.complete_up_to.is_some_and(|k| level.faults <= k))
                .map(|level| level.schedules)
                .sum(),
            broken: (report.broken.iter())
                .map(|broken| {
                    let faults: Vec<String> = broken.faults.0.iter().map(describe_fault).collect();
                    format!("{}: {}", faults.join("; "), broken.problem)
                })
                .collect(),
            cells: InvariantId::ALL
                .iter()
                .map(|&invariant| {
                    let counterexample = report.counterexamples.get(&invariant);
                    let reached = report.reached(invariant);
                    ExhaustiveCell {
                        invariant,
                        first_schedule: counterexample
                            .map(|c| c.faults.0.iter().map(describe_fault).collect()),
                        reached,
                        verdict: verdict(counterexample.is_some(), reached, unchecked),
                    }
                })
                .collect(),
        });
        if let Some(why) = stopped {
            end = why;
            break;
        }
    }
    let not_run = (designs.iter())
        .map(|&design| dnsim_model::designs::label(design))
        .filter(|label| !rows.iter().any(|row| &row.variant == label))
        .collect();
    ExhaustiveColumn {
        max_faults,
        rows,
        end,
        not_run,
    }
}

/// For a column stopped part-way, one line saying so: where it stopped, what its cells then
/// mean and the designs never run. `None` for a column that ran to the end.
pub fn stopped_text(column: &ExhaustiveColumn) -> Option<String> {
    let why = column.end.stopped_words()?;
    let place = match column.rows.last() {
        None => " before its first design".to_string(),
        Some(row) if row.stopped() => format!(
            " in {} after {}: its cells without a violation have no verdict for at most {}",
            row.variant,
            plural(row.schedules, "schedule", "schedules"),
            plural(column.max_faults.into(), "fault", "faults")
        ),
        Some(row) => format!(" after {}", row.variant),
    };
    let not_run = if column.not_run.is_empty() {
        "none".to_string()
    } else {
        column.not_run.join(", ")
    };
    Some(format!(
        "exhaustive column {why}{place}; not run: {not_run}"
    ))
}

fn cell_text(row: &ExhaustiveRow, cell: &ExhaustiveCell) -> String {
    match (&cell.first_schedule, cell.verdict) {
        (Some(faults), _) if faults.is_empty() => "violated with no fault".into(),
        (Some(faults), _) => format!(
            "violated ({}): {}",
            plural(faults.len() as u64, "fault", "faults"),
            faults.join("; ")
        ),
        (None, CellVerdict::NoVerdict) if !row.broken.is_empty() => format!(
            "no verdict: {} crashed or hung (BROKEN below){}",
            plural(row.broken.len() as u64, "schedule", "schedules"),
            if row.stopped() {
                format!(
                    ", and stopped after {}",
                    plural(row.schedules, "schedule", "schedules")
                )
            } else {
                String::new()
            }
        ),
        // Stopped: no verdict at K, and what the levels that ran whole say, as `exhaust`
        // reports them.
        (None, CellVerdict::NoVerdict) => {
            let stopped = format!(
                "no verdict for at most {}: stopped after {}",
                plural(row.max_faults.into(), "fault", "faults"),
                plural(row.schedules, "schedule", "schedules")
            );
            match row.complete_up_to {
                None => stopped,
                Some(complete) if cell.reached == 0 => format!(
                    "{stopped}; up to {} VACUOUS: none of their {} reached {}",
                    plural(complete.into(), "fault", "faults"),
                    plural(row.complete_schedules, "schedule", "schedules"),
                    Mark::of(cell.invariant)
                ),
                Some(complete) => format!(
                    "{stopped}; up to {} holds: all {} ({} reached {})",
                    plural(complete.into(), "fault", "faults"),
                    plural(row.complete_schedules, "schedule", "schedules"),
                    cell.reached,
                    Mark::of(cell.invariant)
                ),
            }
        }
        (None, CellVerdict::Vacuous) => format!(
            "VACUOUS: none of the {} reached {}",
            plural(row.schedules, "schedule", "schedules"),
            Mark::of(cell.invariant)
        ),
        (None, _) => format!(
            "holds: all {} with at most {} ({} reached {})",
            plural(row.schedules, "schedule", "schedules"),
            plural(row.max_faults.into(), "fault", "faults"),
            cell.reached,
            Mark::of(cell.invariant)
        ),
    }
}

/// What a cell's words mean here, where they differ from the seed columns': every schedule
/// is run, so one that reaches the mark is enough for a hold (the seed columns' sample needs
/// [`crate::checking::verdict::REACHED_FOR_HOLDS`]).
fn legend(column: &ExhaustiveColumn) -> String {
    format!(
        "every schedule of at most {} is run, none sampled: \"holds\" means none violated the \
         invariant and at least one reached its mark (the seed columns need {} seeds for a \
         sample); VACUOUS, that none reached it",
        plural(column.max_faults.into(), "fault", "faults"),
        crate::checking::verdict::REACHED_FOR_HOLDS
    )
}

/// The command that runs a design's enumeration again, and saves, replays and explains its
/// counterexamples (the column's own menu and noise seed are `exhaust`'s defaults).
fn exhaust_command(row: &ExhaustiveRow, scenario_arg: &str) -> String {
    format!(
        "dnsim exhaust --scenario {scenario_arg} --variant {} --max-faults {}",
        row.variant, row.max_faults
    )
}

/// The column as text, one block per design (its `BROKEN` schedules under it, and the
/// command that saves its counterexamples), and the stop line if it stopped part-way.
/// `scenario_arg`: the scenario as given, for those commands.
pub fn render_text(column: &ExhaustiveColumn, scenario_arg: &str) -> String {
    let mut text = format!(
        "exhaustive (default menu, noise seed 0, at most {}):\n  ({})\n",
        plural(column.max_faults.into(), "fault", "faults"),
        legend(column)
    );
    for row in &column.rows {
        text.push_str(&format!("  {}\n", row.variant));
        for cell in &row.cells {
            text.push_str(&format!(
                "    {:<22} {}\n",
                cell.invariant.as_str(),
                cell_text(row, cell)
            ));
        }
        if row.cells.iter().any(|cell| cell.first_schedule.is_some()) {
            text.push_str(&format!(
                "    save and replay its counterexamples: {}\n",
                exhaust_command(row, scenario_arg)
            ));
        }
        for broken in &row.broken {
            text.push_str(&format!("    BROKEN run: {broken}\n"));
        }
    }
    if let Some(line) = stopped_text(column) {
        text.push_str(&format!("  ({line})\n"));
    }
    text
}

/// The column as a Markdown table (designs down, invariants across; a design not run has a
/// row saying so), the commands that save the counterexamples, and the stop line if it
/// stopped part-way. `scenario_arg`: the scenario as given, for those commands.
pub fn render_markdown(column: &ExhaustiveColumn, scenario_arg: &str) -> String {
    let mut text = format!(
        "\n## Exhaustive: every schedule of the default menu\n\n{}.\n\n| design |",
        legend(column)
    );
    for id in InvariantId::ALL {
        text.push_str(&format!(" {id} |"));
    }
    text.push_str("\n|---|");
    for _ in InvariantId::ALL {
        text.push_str("---|");
    }
    text.push('\n');
    for row in &column.rows {
        text.push_str(&format!("| {} |", row.variant));
        for cell in &row.cells {
            text.push_str(&format!(" {} |", cell_text(row, cell)));
        }
        text.push('\n');
    }
    for design in &column.not_run {
        text.push_str(&format!("| {design} |"));
        for _ in InvariantId::ALL {
            text.push_str(" not run |");
        }
        text.push('\n');
    }
    for row in &column.rows {
        if row.cells.iter().any(|cell| cell.first_schedule.is_some()) {
            text.push_str(&format!(
                "\n`{}`'s counterexamples, saved and replayable: `{}`\n",
                row.variant,
                exhaust_command(row, scenario_arg)
            ));
        }
        for broken in &row.broken {
            text.push_str(&format!("\n{}: BROKEN run: {broken}\n", row.variant));
        }
    }
    if let Some(line) = stopped_text(column) {
        text.push_str(&format!("\n{line}\n"));
    }
    text
}

#[cfg(test)]
mod tests;
