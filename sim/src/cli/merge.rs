//! `dnsim merge`: one report from the JSON reports of the shards of one hunt.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{BadInput, EXIT_CLEAN, EXIT_VIOLATION};
use crate::exploring::hunt::HuntReport;
use crate::exploring::merge::merge_reports;

#[derive(Args, Debug)]
pub(super) struct MergeArgs {
    /// The `hunt --json --shard K/N` reports, one per shard, in any order.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
}

pub(super) fn run(args: MergeArgs, out: &mut dyn Write) -> Result<i32, BadInput> {
    let reports = args
        .reports
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| BadInput(format!("report {}: {e}", path.display())))?;
            let report = serde_json::from_str::<HuntReport>(&text).map_err(|e| {
                BadInput(format!(
                    "report {}:{}:{}: {e}",
                    path.display(),
                    e.line(),
                    e.column()
                ))
            })?;
            Ok::<_, BadInput>((path.display().to_string(), report))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let merged = merge_reports(reports).map_err(BadInput)?;
    writeln!(out, "{}", serde_json::to_string_pretty(&merged)?)?;
    Ok(if merged.summary.found_anything() {
        EXIT_VIOLATION
    } else {
        EXIT_CLEAN
    })
}
