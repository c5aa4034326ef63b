//! `dnsim merge`: one report from the JSON reports of the shards of one hunt or one matrix.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::de::DeserializeOwned;

use super::hunt::Resume;
use super::{check_output, write_output, BadInput, EXIT_CLEAN, EXIT_VIOLATION};
use crate::exploring::hunt::HuntReport;
use crate::exploring::matrix::merge::merge_matrix_reports;
use crate::exploring::matrix::{render_markdown, render_text, MatrixReport};
use crate::exploring::merge::merge_reports;
use crate::exploring::sweep::Seeds;
use crate::reporting::plural;

#[derive(Args, Debug)]
pub(super) struct MergeArgs {
    /// The `hunt --json --shard K/N` or `matrix --json --shard K/N` reports, one per shard,
    /// in any order.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
    /// Print the merged report as `hunt` or `matrix` prints it (summary, or tables) instead
    /// of JSON.
    #[arg(long)]
    table: bool,
    /// A matrix only: also write its tables and evidence as Markdown to this file, as
    /// `matrix --markdown` does (replay lines name the scenario as the shards' --scenario
    /// gave it).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
}

/// What a shard's report is a part of: told apart by its top-level keys.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Hunt,
    Matrix,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Hunt => "hunt",
            Kind::Matrix => "matrix",
        }
    }
}

pub(super) fn run(args: MergeArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    if let Some(path) = &args.markdown {
        check_output("markdown file", path, false)?;
    }
    let texts = args
        .reports
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| BadInput(format!("report {name}: {e}")))?;
            let value: serde_json::Value = parse(&name, &text)?;
            let kind = if value.get("tallies").is_some() {
                Kind::Hunt
            } else if value.get("designs").is_some() {
                Kind::Matrix
            } else {
                return Err(BadInput(format!(
                    "report {name}: neither a hunt nor a matrix report (run hunt or matrix with --shard K/N --json)"
                )));
            };
            Ok((name, text, kind))
        })
        .collect::<Result<Vec<_>, BadInput>>()?;
    let (first_name, _, kind) = &texts[0];
    if let Some((name, _, other)) = texts.iter().find(|(_, _, k)| k != kind) {
        return Err(BadInput(format!(
            "report {name}: a {} report, but {first_name} is a {} report: merge the shards of one run",
            other.name(),
            kind.name()
        )));
    }
    match kind {
        Kind::Hunt if args.markdown.is_some() => Err(BadInput(
            "--markdown is for a matrix's shards; these are a hunt's (try --table)".into(),
        )),
        Kind::Hunt => {
            let reports = texts
                .iter()
                .map(|(name, text, _)| Ok((name.clone(), parse::<HuntReport>(name, text)?)))
                .collect::<Result<Vec<_>, BadInput>>()?;
            let shards = (reports.first()).and_then(|(_, report)| report.summary.shard);
            // Each shard that stopped part-way ran a prefix of its own seeds (a retried
            // shard given twice is one shard).
            let stopped: BTreeMap<Option<u64>, (Seeds, u64, &'static str)> = (reports.iter())
                .filter_map(|(_, report)| {
                    let s = &report.summary;
                    let words = s.end.stopped_words()?;
                    let seeds = Seeds {
                        range: s.seeds,
                        shard: s.shard,
                    };
                    Some((
                        s.shard.map(|shard| shard.index),
                        (seeds, s.seeds_run, words),
                    ))
                })
                .collect();
            let merged = merge_reports(reports).map_err(BadInput)?;
            if args.table {
                let s = &merged.summary;
                // What the summary is of, as `hunt`'s own first line says it.
                writeln!(
                    out,
                    "merged {} of hunt: scenario={} variant={} strategy={} seeds={}",
                    shards_merged(shards, texts.len()),
                    s.scenario,
                    s.variant,
                    s.strategy,
                    s.seeds
                )?;
                super::hunt::write_summary(out, s, None, None)?;
                for (seeds, ran, words) in stopped.values() {
                    let which = super::hunt::which_seeds_ran(seeds, *ran, Resume::Whole);
                    writeln!(out, "  {words} {which}")?;
                }
            } else {
                writeln!(out, "{}", serde_json::to_string_pretty(&merged)?)?;
            }
            Ok(if merged.summary.found_anything() {
                EXIT_VIOLATION
            } else {
                EXIT_CLEAN
            })
        }
        Kind::Matrix => {
            let reports = texts
                .iter()
                .map(|(name, text, _)| Ok((name.clone(), parse::<MatrixReport>(name, text)?)))
                .collect::<Result<Vec<_>, BadInput>>()?;
            let shards = (reports.first()).and_then(|(_, report)| report.shard);
            let merged = merge_matrix_reports(reports).map_err(BadInput)?;
            // Replay lines name the scenario as the shards were given it.
            let scenario = (merged.scenario_arg.as_ref()).unwrap_or(&merged.scenario);
            if let Some(path) = &args.markdown {
                let markdown = render_markdown(&merged, scenario);
                write_output("markdown file", path, markdown.as_bytes())?;
            }
            if args.table {
                writeln!(
                    out,
                    "merged {} of matrix: scenario={scenario} strategy={} seeds={} designs={}",
                    shards_merged(shards, texts.len()),
                    merged.strategy,
                    merged.seeds,
                    merged.variants.join(",")
                )?;
                write!(out, "{}", render_text(&merged, scenario))?;
                if let Some(path) = &args.markdown {
                    writeln!(out, "wrote {}", path.display())?;
                }
            } else {
                writeln!(out, "{}", serde_json::to_string_pretty(&merged)?)?;
            }
            let any_violation = merged
                .designs
                .iter()
                .any(|row| row.cells.iter().any(|cell| !cell.holds()))
                || merged.any_failure();
            Ok(if any_violation {
                EXIT_VIOLATION
            } else {
                EXIT_CLEAN
            })
        }
    }
}

/// A report parsed, or one line naming the file, line and column.
fn parse<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, BadInput> {
    serde_json::from_str(text).map_err(|e| {
        // What the file is, when it is not one report, before serde's words for where.
        let what = match e.classify() {
            // A report written twice into one file (`>>` on a retry).
            serde_json::error::Category::Syntax if e.to_string().starts_with("trailing") => {
                "more than one report (a shard appended twice, `>>`?): "
            }
            // A hunt's table, or a warning on stderr sent into the file (`2>&1`).
            serde_json::error::Category::Syntax => {
                "not one JSON report (write shards with --json, and keep stderr out of the file): "
            }
            serde_json::error::Category::Eof => "the report ends early (cut short?): ",
            _ => "",
        };
        BadInput(format!(
            "report {name}:{}:{}: {what}{e}",
            e.line(),
            e.column()
        ))
    })
}

/// "N shards" of a merge (every shard is there, or it was refused), and the reports given
/// when a retried shard was given more than once: it counts once.
fn shards_merged(shard: Option<crate::exploring::sweep::Shard>, reports: usize) -> String {
    let count = shard.map_or(reports as u64, |shard| shard.count);
    let shards = plural(count, "shard", "shards");
    if reports as u64 > count {
        format!("{shards} ({reports} reports: a retried shard counts once)")
    } else {
        shards
    }
}
