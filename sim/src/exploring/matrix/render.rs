//! The matrix as a reviewer reads it: plain-text tables for the terminal, Markdown for a
//! design review.

use std::fmt::Write as _;

use super::report::{Cell, DesignRow, MatrixReport, ORIGINAL};
use crate::checking::coverage::Mark;
use crate::checking::invariants::InvariantId;
use crate::checking::verdict::{Verdict, REACHED_FOR_HOLDS};
use crate::exploring::hunt;

fn percent(rate: f64) -> String {
    if rate == 0.0 {
        "0".to_string()
    } else if rate >= 0.01 {
        format!("{:.1}%", rate * 100.0)
    } else {
        format!("{:.3}%", rate * 100.0)
    }
}

/// An upper bound as a percentage, rounded up at the digits shown: a bound printed lower
/// than it is would claim more than the runs show.
pub fn percent_up(bound: f64) -> String {
    let up = |digits: i32| {
        let scale = 10f64.powi(digits);
        // The bound's digits, less a hair, so that 1.2% exactly stays 1.2%.
        ((bound * 100.0 * scale) - 1e-9).ceil() / scale
    };
    if bound == 0.0 {
        "0".to_string()
    } else if bound >= 0.01 {
        format!("{:.1}%", up(1))
    } else {
        format!("{:.3}%", up(3))
    }
}

/// A cell's text, marked `*` when its row has seeds that crashed or hung.
fn cell_text(cell: &Cell, row: &DesignRow) -> String {
    let verdict = verdict_text(cell);
    let verdict = if cell.partial {
        format!("{verdict} partial")
    } else {
        verdict
    };
    if row.failures.is_empty() {
        verdict
    } else {
        format!("{verdict} *")
    }
}

/// The seeds that crashed or hung, as lines after a table: for each design (and for
/// `original` when it ran only to compare traces with) what each failed with, how to replay
/// it, and what the failures take from the table. Empty if no seed failed.
fn failures_text(report: &MatrixReport, scenario_arg: &str) -> String {
    let mut out = String::new();
    for row in report.designs.iter().filter(|row| !row.failures.is_empty()) {
        let finished = row.cells.first().map_or(0, |cell| cell.seeds_run);
        let _ = writeln!(
            out,
            "* {}: {} of {} crashed or hung, so its cells count only the {finished} that finished. No verdict of this row can be trusted until these are understood: a crash is a bug in the model or the harness; a hang may be a seed slower than --watchdog.",
            row.variant,
            row.failures.len(),
            seeds(finished + row.failures.len() as u64),
        );
        let failures = &row.failures;
        out.push_str(&hunt::failures_text(
            failures,
            scenario_arg,
            &row.variant,
            report.strategy,
        ));
    }
    if !report.baseline_failures.is_empty() {
        let _ = writeln!(
            out,
            "* {ORIGINAL} (run only to compare traces with): {} of {} crashed or hung, so no design's \"identical to original\" counts them. A crash is a bug in the model or the harness; a hang may be a seed slower than --watchdog.",
            report.baseline_failures.len(),
            seeds(report.seeds_covered()),
        );
        let failures = &report.baseline_failures;
        out.push_str(&hunt::failures_text(
            failures,
            scenario_arg,
            ORIGINAL,
            report.strategy,
        ));
    }
    out
}

/// `n seed(s)`.
fn seeds(n: u64) -> String {
    format!("{n} seed{}", if n == 1 { "" } else { "s" })
}

fn verdict_text(cell: &Cell) -> String {
    match cell.verdict {
        Verdict::Violated => format!("VIOLATED {}", percent(cell.rate)),
        Verdict::Holds => format!(
            "holds 0/{} ≤{}",
            cell.reached,
            percent_up(cell.upper_95_reached)
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
            "holds: 0 of {} tested (95% ≤ {})",
            cell.reached,
            percent_up(cell.upper_95_reached)
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

/// The seeds on which a design's trace was compared with `original`'s: every seed the
/// design ran (those that crashed or hung too: they count as not identical). `original` ran
/// on each of them, since a design starts only once `original` has run every seed of its
/// shard. Fewer than the report covers when the matrix stopped part-way through the design
/// (or, merged, some shard did).
fn compared_seeds(row: &DesignRow) -> u64 {
    row.cells.first().map_or(0, |cell| cell.seeds_run) + row.failures.len() as u64
}

/// "identical to original": `k of n`, where n is the seeds compared, said to be the seeds
/// the design ran when they are fewer than the `covered` ones the report is for.
fn identical_text(row: &DesignRow, covered: u64) -> String {
    let compared = compared_seeds(row);
    let of = if compared < covered {
        format!("{compared} (the seeds it ran, of {covered})")
    } else {
        compared.to_string()
    };
    if row.variant == ORIGINAL {
        "-".to_string()
    } else if row.identical_to_original {
        format!("{compared} of {of}: NO DIFFERENT FROM original")
    } else {
        format!("{} of {of}", row.identical_to_original_seeds)
    }
}

/// For a matrix stopped before every run (Ctrl-C, time budget; merged: any shard so
/// stopped), one line saying so: the runs made of those planned, what partial means and
/// the designs never reached. `None` for a matrix that ran to the end.
pub fn stopped_text(report: &MatrixReport) -> Option<String> {
    let why = report.end.stopped_words()?;
    // The designs asked for (reports of older versions name only those that ran), and
    // `original` run first to compare with when it is not the first of them.
    let asked: Vec<String> = if report.variants.is_empty() {
        report
            .designs
            .iter()
            .map(|row| row.variant.clone())
            .collect()
    } else {
        report.variants.clone()
    };
    // `original` runs once, first, whether or not it is asked for.
    let runs_original = !asked.iter().any(|variant| variant == ORIGINAL);
    let planned = report.seeds_covered() * (asked.len() as u64 + u64::from(runs_original));
    if report.designs.is_empty() {
        return Some(format!(
            "{why} after {} of {planned} runs, before any design asked for had run: NO VERDICT \
             for any design (the runs were of {ORIGINAL}, which runs first so that every design's \
             traces can be compared with its own); give it more time",
            report.runs
        ));
    }
    let not_run: Vec<&str> = (asked.iter())
        .filter(|variant| report.row(variant).is_none())
        .map(String::as_str)
        .collect();
    Some(format!(
        "{why} after {} of {planned} runs: cells marked partial ran fewer than {} seeds; not run: {}",
        report.runs,
        report.seeds_covered(),
        if not_run.is_empty() {
            "none".to_string()
        } else {
            not_run.join(", ")
        }
    ))
}

/// The plain-text tables `dnsim matrix` prints: verdicts, then measures, then the seeds that
/// crashed or hung, if any (`scenario_arg`: the scenario as given, for their replay lines).
pub fn render_text(report: &MatrixReport, scenario_arg: &str) -> String {
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
            let _ = write!(out, "  {:<28}", cell_text(cell, row));
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
            identical_text(row, report.seeds_covered())
        );
    }
    let _ = writeln!(
        out,
        "{} seeds ({}{}) per design, scenario {}, strategy {}; \"holds 0/n ≤x\": no violation in the n seeds that reached the invariant's coverage mark (the situation that puts it to the test; at least {REACHED_FOR_HOLDS} needed, else VACUOUS), x = 95% upper bound on the violation rate among such seeds; measures are median / p99 / max",
        report.seeds_covered(),
        report.seeds,
        report
            .shard
            .map_or(String::new(), |shard| format!(", shard {shard}")),
        report.scenario,
        report.strategy
    );
    out.push_str(&failures_text(report, scenario_arg));
    if let Some(stopped) = stopped_text(report) {
        let _ = writeln!(out, "{stopped}");
    }
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
        report.seeds_covered()
    );
    if let Some(stopped) = stopped_text(report) {
        let _ = writeln!(out, "**{stopped}**\n");
    }
    let _ = write!(out, "| design |");
    for id in InvariantId::ALL {
        let _ = write!(out, " `{id}` |");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "|---|{}", "---|".repeat(InvariantId::ALL.len()));
    for row in &report.designs {
        let _ = write!(out, "| `{}` |", row.variant);
        for cell in &row.cells {
            let partial = if cell.partial { " partial" } else { "" };
            let mark = if row.failures.is_empty() { "" } else { " *" };
            let _ = write!(out, " {}{partial}{mark} |", cell_markdown(cell));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "\n\"holds: 0 of n tested (95% ≤ x)\": n seeds reached the invariant's coverage mark (the situation that puts it to the test) and none violated it; x is the 95% upper bound on the violation rate among such seeds (seeds that never met the situation test nothing, so they are not counted). With fewer than {REACHED_FOR_HOLDS} such seeds the cell reads *vacuous*: the runs say nothing either way. Marks:\n");
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
            identical_text(row, report.seeds_covered())
        );
    }
    let failures = failures_text(report, scenario_arg);
    if !failures.is_empty() {
        let _ = writeln!(out, "\n### Seeds that crashed or hung (cells marked *)\n");
        let _ = writeln!(out, "```text\n{failures}```");
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
                percent_up(cell.upper_95),
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

    /// A bound is never printed below what it is: 3/244 is 1.2295%, shown as 1.3%.
    #[test]
    fn a_bound_is_rounded_up_at_the_digits_shown() {
        assert_eq!(percent_up(3.0 / 244.0), "1.3%");
        assert_eq!(percent(3.0 / 244.0), "1.2%", "a rate is rounded to nearest");
        assert_eq!(percent_up(0.012), "1.2%", "exact stays exact");
        assert_eq!(percent_up(3.0 / 1677.0), "0.179%");
        assert_eq!(percent_up(3.0 / 445.0), "0.675%");
        assert_eq!(percent_up(1.0), "100.0%");
        assert_eq!(percent_up(0.0), "0");
    }
}
