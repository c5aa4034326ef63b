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
use crate::exploring::matrix::{matrix_shard, render_markdown, render_text, ORIGINAL};
use crate::exploring::shard_env::ShardArg;
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{budget_left, Seeds, SweepEnd};
use crate::reporting::plural;
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
    /// Run only shard K of N of the seeds, for every design (round-robin), e.g. `--shard
    /// 2/4`; or `env`, as for `hunt`. With `--json`, the report keeps every seed's record, and
    /// `dnsim merge` makes the whole matrix from every shard's report.
    #[arg(long, value_name = "K/N|env")]
    shard: Option<ShardArg>,
    #[command(flatten)]
    stop: StopArgs,
    #[command(flatten)]
    watchdog: super::WatchdogArg,
    /// Also run every fault schedule of at most K faults (as `dnsim exhaust`, default
    /// menu, noise seed 0) for each design: the exhaustive column. Meant for small
    /// scenarios (`--scenario small`). It runs after the seeds, design by design, on what
    /// is left of --time-budget; that or Ctrl-C stops it: the design it stopped in shows its
    /// counterexamples and "no verdict" elsewhere, and the designs after it are named as
    /// not run (a matrix stopped before the column runs none).
    #[arg(long, value_name = "K")]
    exhaustive: Option<u32>,
}

pub(super) fn run(
    args: MatrixArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.scenario)?;
    let chosen: Vec<&'static dyn Design> = if args.variants.is_empty() {
        crate::registry::all()
    } else {
        variant_list(&args.variants)?
    };
    let shard = args
        .shard
        .map(|arg| arg.resolve().map_err(BadInput))
        .transpose()?;
    let seeds = Seeds {
        range: args.seeds,
        shard,
    };
    if shard.is_some() && args.exhaustive.is_some() {
        return Err(BadInput(
            "--exhaustive cannot be sharded: it enumerates every schedule, not seeds; run it without --shard".into(),
        ));
    }
    let jobs = jobs(args.jobs)?;
    let mut options = args.stop.options(jobs)?;
    options.watchdog = args.watchdog.get()?;
    if let Some(path) = &args.markdown {
        check_output("markdown file", path, false)?;
    }
    if !args.json {
        writeln!(
            out,
            "matrix: scenario={} strategy={} seeds={}{} designs={} jobs={jobs}",
            args.scenario,
            args.strategy,
            args.seeds,
            shard.map_or(String::new(), |shard| format!(" shard={shard}")),
            chosen.len()
        )?;
        out.flush()?;
    }
    // As `hunt`: an empty shard (more shards than seeds) runs nothing and writes a report
    // that merges, so that an engine's pod for it succeeds rather than retries.
    if let (true, Some(shard)) = (seeds.is_empty(), shard) {
        writeln!(
            err,
            "warning: shard {shard} holds no seed of {}: nothing to run",
            args.seeds
        )?;
    }
    // `original` runs too when it is not asked for, to tell which seeds a design left
    // unchanged (once, first: when asked for, its row is made of those runs).
    let runs_original = !chosen.iter().any(|d| d.name() == ORIGINAL);
    let runs = seeds.len() * (chosen.len() + usize::from(runs_original)) as u64;
    let began = options.clock.now();
    let bar = progress_bar(runs, args.stop.quiet, "runs");
    let mut report = matrix_shard(&scenario, &chosen, args.strategy, seeds, &options, |done| {
        bar.set_position(done)
    });
    report.scenario_arg = Some(args.scenario.clone());
    bar.finish_and_clear();
    // The column runs after the seeds, on what is left of the time budget; Ctrl-C stops it
    // too. A matrix stopped before it runs none, and says so.
    let labels: Vec<String> = chosen
        .iter()
        .map(|&d| dnsim_model::designs::label(d))
        .collect();
    let column_began = options.clock.now();
    let exhaustive = args.exhaustive.map(|k| {
        let left = match report.end {
            SweepEnd::Completed => budget_left(&options, began).ok_or(SweepEnd::TimeBudget),
            stopped => Err(stopped),
        };
        match left {
            Ok(left) => exhaust::column::exhaustive_column(&scenario, &chosen, k, &left),
            Err(why) => exhaust::column::ExhaustiveColumn::not_run_at_all(k, &labels, why),
        }
    });
    let column_secs = (options.clock.now().saturating_sub(column_began)).as_secs_f64();
    if let Some(path) = &args.markdown {
        let mut markdown = render_markdown(&report, &args.scenario);
        if let Some(column) = &exhaustive {
            markdown.push_str(&exhaust::column::render_markdown(column, &args.scenario));
        }
        write_output("markdown file", path, markdown.as_bytes())?;
    }
    if args.json {
        let mut json = serde_json::to_value(&report)?;
        if let (Some(column), Some(object)) = (&exhaustive, json.as_object_mut()) {
            // Every cell carries its verdict; the designs never run have no row.
            object.insert("exhaustive".into(), serde_json::to_value(&column.rows)?);
            object.insert("exhaustive_end".into(), serde_json::to_value(column.end)?);
            let not_run = serde_json::to_value(&column.not_run)?;
            object.insert("exhaustive_not_run".into(), not_run);
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    } else {
        write!(out, "{}", render_text(&report, &args.scenario))?;
        if let Some(column) = &exhaustive {
            write!(
                out,
                "{}",
                exhaust::column::render_text(column, &args.scenario)
            )?;
        }
        // The seeds' runs, and the column's schedules apart: neither is counted in the
        // other's time.
        let column = match &exhaustive {
            Some(column) if !column.rows.is_empty() => format!(
                "; exhaustive column: {} in {column_secs:.1}s",
                plural(
                    column.rows.iter().map(|row| row.schedules).sum::<u64>(),
                    "schedule",
                    "schedules"
                )
            ),
            _ => String::new(),
        };
        writeln!(
            out,
            "{} seed runs in {:.1}s ({:.0} runs/s){column}",
            report.runs,
            report.wall_ms / 1e3,
            report.runs as f64 / (report.wall_ms / 1e3).max(1e-9)
        )?;
        if let Some(path) = &args.markdown {
            writeln!(out, "wrote {}", path.display())?;
        }
        if let Some(shard) = shard {
            writeln!(
                out,
                "this is shard {shard} only: run every shard with --json and join them with `dnsim merge`"
            )?;
        }
    }
    let any_violation = report
        .designs
        .iter()
        .any(|row| row.cells.iter().any(|cell| !cell.holds()))
        || report.any_failure()
        || exhaustive
            .iter()
            .flat_map(|column| &column.rows)
            .any(|row| !row.holds());
    Ok(if any_violation {
        EXIT_VIOLATION
    } else {
        EXIT_CLEAN
    })
}
