//! `dnsim sensitivity`: the verdict matrix at each value of one scenario knob.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use dnsim_model::{designs, Design};

use super::progress::{progress_bar, StopArgs};
use super::{check_output, jobs, variant_list, write_output, BadInput, EXIT_CLEAN, EXIT_VIOLATION};
use crate::exploring::hunt::SeedRange;
use crate::exploring::sensitivity::{
    render_markdown, render_text, runs_planned, scenarios, sensitivity_with, Knob,
};
use crate::exploring::strategy::Strategy;
use crate::reporting::chart::render_svg;
use crate::running::scenario::{self, Scenario};

#[derive(Args, Debug)]
pub(super) struct SensitivityArgs {
    /// The knob to vary: stall_ms_max, cleanup_age_generations, lock_ttl_ms,
    /// burst_plans_max, planner_interval_ms, enactors.
    #[arg(long)]
    knob: Knob,
    /// The values to run it at, comma-separated whole numbers in the knob's unit (ms,
    /// generations, plans or enactors), each once.
    #[arg(long, value_delimiter = ',', required = true, value_parser = knob_value)]
    values: Vec<u64>,
    /// A built-in scenario name or a scenario .toml file.
    #[arg(long, default_value = scenario::DEFAULT)]
    scenario: String,
    /// Seeds to run for every design at every value, `A..B` (B excluded).
    #[arg(long, default_value = "0..1000")]
    seeds: SeedRange,
    /// Designs to compare, comma-separated, each NAME or NAME:key=value[,key=value]: an
    /// item with `=` is a parameter of the variant before it (default: every design).
    #[arg(long)]
    variants: Vec<String>,
    /// Print one JSON object (the report) instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write the table as Markdown to this file.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Also draw the chart (rate against value, one line per design) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    svg: Option<PathBuf>,
    /// How each seed chooses its faults: uniform, swarm, bounded-delay[:DEPTH].
    #[arg(long, default_value_t = Strategy::default())]
    strategy: Strategy,
    /// Worker threads (default: every core). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    #[command(flatten)]
    stop: StopArgs,
    #[command(flatten)]
    watchdog: super::WatchdogArg,
}

pub(super) fn run(args: SensitivityArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.scenario)?;
    let chosen: Vec<&'static dyn Design> = if args.variants.is_empty() {
        designs::ALL.to_vec()
    } else {
        variant_list(&args.variants)?
    };
    let jobs = jobs(args.jobs)?;
    let mut options = args.stop.options(jobs)?;
    options.watchdog = args.watchdog.get()?;
    // Every value must make a valid scenario before anything runs or is written, once: a
    // value given twice would run its matrix twice and draw it twice.
    if let Some(twice) =
        (args.values.iter()).find(|v| args.values.iter().filter(|w| w == v).count() > 1)
    {
        return Err(BadInput(format!(
            "--values gives {twice} more than once: give each value once"
        )));
    }
    scenarios(&scenario, args.knob, &args.values)?;
    if let Some(path) = &args.markdown {
        check_output("markdown file", path, false)?;
    }
    if let Some(path) = &args.svg {
        super::check_svg_output("svg file", path)?;
    }
    if !args.json {
        let values: Vec<String> = args.values.iter().map(u64::to_string).collect();
        writeln!(
            out,
            "sensitivity: scenario={} strategy={} seeds={} knob={} values={} designs={} jobs={jobs}",
            args.scenario,
            args.strategy,
            args.seeds,
            args.knob,
            values.join(","),
            chosen.len()
        )?;
        out.flush()?;
    }
    let bar = progress_bar(
        runs_planned(&args.values, &chosen, args.seeds),
        args.stop.quiet,
        "runs",
    );
    let report = sensitivity_with(
        &scenario,
        args.knob,
        &args.values,
        &chosen,
        args.strategy,
        args.seeds,
        &options,
        |done| bar.set_position(done),
    )?;
    bar.finish_and_clear();
    if let Some(path) = &args.markdown {
        write_output("markdown file", path, render_markdown(&report).as_bytes())?;
    }
    if let Some(path) = &args.svg {
        write_output("svg file", path, render_svg(&report).as_bytes())?;
    }
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", render_text(&report))?;
        writeln!(out, "{} runs in {:.1}s", report.runs, report.wall_ms / 1e3)?;
        for path in args.markdown.iter().chain(&args.svg) {
            writeln!(out, "wrote {}", path.display())?;
        }
    }
    // It measures, it does not judge: only a seed that crashed or hung fails it.
    let failed = report.original_failed > 0
        || (report.curves.iter()).any(|curve| curve.points.iter().any(|p| p.failed > 0));
    Ok(if failed { EXIT_VIOLATION } else { EXIT_CLEAN })
}

/// One of `--values`: a whole number, said so when it is not (not Rust's parse error).
fn knob_value(text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| {
        format!("{text:?} is not a whole number 0 or more (a knob's value is in its unit: ms, generations, plans or enactors)")
    })
}
