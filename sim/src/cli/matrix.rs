//! `dnsim matrix`: every design against every invariant on the same seeds.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use dnsim_model::Design;

use super::progress::{progress_bar, StopArgs};
use super::{
    check_output, jobs, variant_list, write_output, BadInput, DEFAULT_MATRIX_SEEDS, EXIT_CLEAN,
    EXIT_VIOLATION,
};
use crate::exploring::exhaust;
use crate::exploring::hunt::SeedRange;
use crate::exploring::matrix::{matrix_with, render_markdown, render_text};
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::SweepEnd;
use crate::running::scenario::{self, Scenario};

#[derive(Args, Debug)]
pub(super) struct MatrixArgs {
    /// A built-in scenario name or a scenario .toml file.
    #[arg(long, default_value = scenario::DEFAULT)]
    scenario: String,
    /// Seeds to run for every design, `A..B` (B excluded).
    #[arg(long, default_value = DEFAULT_MATRIX_SEEDS)]
    seeds: SeedRange,
    /// Designs to compare, comma-separated, each NAME or NAME:key=value[,key=value]: an
    /// item with `=` is a parameter of the variant before it (default: every design).
    #[arg(long)]
    variants: Vec<String>,
    /// Print one JSON object (the report) instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write the table and its evidence as Markdown to this file.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// How each seed chooses its faults: uniform, swarm, bounded-delay[:DEPTH].
    #[arg(long, default_value_t = Strategy::default())]
    strategy: Strategy,
    /// Worker threads (default: every core). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    #[command(flatten)]
    stop: StopArgs,
    /// Also run every fault schedule of at most K faults (as `dnsim exhaust`, default
    /// menu, noise seed 0) for each design: the exhaustive column. Meant for small
    /// scenarios (`--scenario small`).
    #[arg(long, value_name = "K")]
    exhaustive: Option<u32>,
}

pub(super) fn run(args: MatrixArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.scenario)?;
    let chosen: Vec<&'static dyn Design> = if args.variants.is_empty() {
        crate::registry::all()
    } else {
        variant_list(&args.variants)?
    };
    let jobs = jobs(args.jobs)?;
    let options = args.stop.options(jobs)?;
    if let Some(path) = &args.markdown {
        check_output("markdown file", path, false)?;
    }
    if !args.json {
        writeln!(
            out,
            "matrix: scenario={} strategy={} seeds={} designs={} jobs={jobs}",
            args.scenario,
            args.strategy,
            args.seeds,
            chosen.len()
        )?;
        out.flush()?;
    }
    let runs = args.seeds.len() * chosen.len() as u64;
    let bar = progress_bar(runs, args.stop.quiet, "runs");
    let report = matrix_with(
        &scenario,
        &chosen,
        args.strategy,
        args.seeds,
        &options,
        |done| bar.set_position(done),
    );
    bar.finish_and_clear();
    let exhaustive = args
        .exhaustive
        .filter(|_| report.end == SweepEnd::Completed)
        .map(|k| exhaust::column::exhaustive_column(&scenario, &chosen, k, jobs));
    if let Some(path) = &args.markdown {
        let mut markdown = render_markdown(&report, &args.scenario);
        if let Some(rows) = &exhaustive {
            markdown.push_str(&exhaust::column::render_markdown(rows));
        }
        write_output("markdown file", path, markdown.as_bytes())?;
    }
    if args.json {
        let mut json = serde_json::to_value(&report)?;
        if let (Some(rows), Some(object)) = (&exhaustive, json.as_object_mut()) {
            object.insert("exhaustive".into(), serde_json::to_value(rows)?);
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    } else {
        write!(out, "{}", render_text(&report))?;
        if let Some(rows) = &exhaustive {
            write!(out, "{}", exhaust::column::render_text(rows))?;
        }
        writeln!(
            out,
            "{} runs in {:.1}s ({:.0} runs/s)",
            report.runs,
            report.wall_ms / 1e3,
            report.runs as f64 / (report.wall_ms / 1e3).max(1e-9)
        )?;
        if let Some(path) = &args.markdown {
            writeln!(out, "wrote {}", path.display())?;
        }
        let not_run: Vec<String> = chosen
            .iter()
            .filter(|design| report.row(&dnsim_model::designs::label(**design)).is_none())
            .map(|design| dnsim_model::designs::label(*design))
            .collect();
        let why = match report.end {
            SweepEnd::Completed => None,
            SweepEnd::TimeBudget => Some("stopped at the time budget"),
            SweepEnd::Interrupted => Some("interrupted"),
        };
        if let Some(why) = why {
            writeln!(
                out,
                "{why} after {} of {runs} runs: cells marked partial ran fewer than {} seeds; not run: {}",
                report.runs,
                args.seeds.len(),
                if not_run.is_empty() { "none".to_string() } else { not_run.join(", ") }
            )?;
        }
    }
    let any_violation = report
        .designs
        .iter()
        .any(|row| row.cells.iter().any(|cell| !cell.holds()))
        || exhaustive.iter().flatten().any(|row| !row.holds());
    Ok(if any_violation {
        EXIT_VIOLATION
    } else {
        EXIT_CLEAN
    })
}
