//! `merge` for matrices: the report of a whole matrix from the JSON reports of its shards.
//!
//! As with a hunt's shards (see [`crate::merge`]), nothing in a report is trusted. Every
//! report must be a shard of the same matrix (scenario and its digest, strategy, seed range,
//! shard count, designs in the same order: each report names those it was asked for, so
//! that a shard with no seed, and so no row, is checked too), every shard must appear (a
//! retried shard may appear twice if both reports found exactly the same), every row's seed
//! records must be its shard's seeds in order, and its cells must be what those records
//! say. Every error names the report's file.
//!
//! The merged rows are rebuilt from every shard's records by [`cells::design_row`], the
//! code an unsharded matrix uses, so the merged report equals the unsharded one (apart from
//! wall-clock time: shards run side by side, so the merged matrix took its slowest shard's).

use std::collections::{BTreeMap, BTreeSet};

use super::cells;
use super::report::{DesignRow, MatrixReport, SeedRecord, ORIGINAL};
use crate::checking::invariants::InvariantId;
use crate::exploring::merge::partial_note;
use crate::exploring::sweep::{Seeds, Shard, SweepEnd};

/// Merges the shard reports `(file name, report)` of one matrix into the report of its whole
/// seed range; an error is one line naming the file at fault.
pub fn merge_matrix_reports(reports: Vec<(String, MatrixReport)>) -> Result<MatrixReport, String> {
    let (first_name, first) = reports.first().ok_or("no reports to merge")?.clone();
    let count = check_report(&first_name, &first)?.count;
    let mut unique: Vec<(String, MatrixReport)> = Vec::new();
    for (name, report) in reports {
        let shard = check_report(&name, &report)?;
        let (a, b) = (matrix_of(&first, count), matrix_of(&report, shard.count));
        if a != b {
            return Err(format!(
                "report {name}: a shard of a different matrix: {b}, but {first_name} is of {a}"
            ));
        }
        if let Some((earlier, kept)) = unique.iter().find(|(_, kept)| kept.shard == Some(shard)) {
            // A retried shard: the same findings count once; different ones are an error.
            if findings(kept) != findings(&report) {
                return Err(format!(
                    "report {name}: shard {shard} appears twice with different results (see {earlier}){}",
                    partial_note(kept.end, report.end)
                ));
            }
            continue;
        }
        unique.push((name, report));
    }
    let seen: BTreeSet<u64> = unique
        .iter()
        .filter_map(|(_, r)| r.shard.map(|s| s.index))
        .collect();
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.contains(k))
        .take(10)
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shards: {}", missing.join(", ")));
    }
    // Every shard names the designs it was asked for (reports of older versions do not):
    // they must be the same, and a shard that ran every seed has a row for each.
    let declared = (unique.iter())
        .map(|(_, r)| r.variants.clone())
        .find(|v| !v.is_empty());
    for (name, report) in &unique {
        let Some(declared) = &declared else { break };
        let rows = variants_of(report);
        let complete = report.end == SweepEnd::Completed && !report.designs.is_empty();
        if (!report.variants.is_empty() && report.variants != *declared)
            || (complete && rows != *declared)
        {
            return Err(format!(
                "report {name}: designs {} are not those of the other shards ({})",
                if report.variants.is_empty() {
                    rows
                } else {
                    report.variants.clone()
                }
                .join(","),
                declared.join(",")
            ));
        }
    }
    // A shard stopped early (Ctrl-C, time budget) has only the first designs' rows: the
    // others' lists must be a prefix of the longest.
    let variants: Vec<String> = unique
        .iter()
        .map(|(_, r)| variants_of(r))
        .max_by_key(Vec::len)
        .expect("at least one report");
    for (name, report) in &unique {
        let these = variants_of(report);
        if these[..] != variants[..these.len()] {
            return Err(format!(
                "report {name}: designs {} are not those of the other shards ({})",
                these.join(","),
                variants.join(",")
            ));
        }
    }
    Ok(combine(&unique, &variants, declared.unwrap_or_default()))
}

/// A report without its wall-clock time: what a run of the same shard finds again.
pub fn findings(report: &MatrixReport) -> MatrixReport {
    MatrixReport {
        wall_ms: 0.0,
        ..report.clone()
    }
}

fn variants_of(report: &MatrixReport) -> Vec<String> {
    report.designs.iter().map(|r| r.variant.clone()).collect()
}

/// What makes two shard reports parts of one matrix.
fn matrix_of(report: &MatrixReport, count: u64) -> String {
    format!(
        "scenario {} (digest {}), strategy {}, seeds {} in {count} shards",
        report.scenario, report.scenario_digest, report.strategy, report.seeds
    )
}

/// Checks one report on its own: a shard whose every row holds its shard's seeds, in
/// order, and cells that are what its records say. Returns its shard.
fn check_report(name: &str, report: &MatrixReport) -> Result<Shard, String> {
    let bad = |problem: String| Err(format!("report {name}: {problem}"));
    let Some(shard) = report.shard else {
        return bad("not a shard (run matrix with --shard K/N --json)".into());
    };
    if shard.count == 0 || shard.index == 0 || shard.index > shard.count {
        return bad(format!("bad shard {shard}: expected K/N with 1 <= K <= N"));
    }
    if report.seeds.start >= report.seeds.end {
        return bad(format!("empty seed range {}", report.seeds));
    }
    let seeds = Seeds {
        range: report.seeds,
        shard: Some(shard),
    };
    for (i, row) in report.designs.iter().enumerate() {
        let complete = report.end == SweepEnd::Completed || i + 1 < report.designs.len();
        let n = row.seeds.len() as u64;
        if n == 0 || n > seeds.len() || (complete && n != seeds.len()) {
            return bad(format!(
                "design {} has {n} seed records, but shard {shard} of seeds {} holds {}",
                row.variant,
                report.seeds,
                seeds.len()
            ));
        }
        if let Some((i, record)) =
            (row.seeds.iter().enumerate()).find(|(i, r)| r.seed != seeds.nth(*i as u64))
        {
            return bad(format!(
                "design {}: seed record {i} is seed {}, which is not the shard's seed {} of seeds {}",
                row.variant,
                record.seed,
                seeds.nth(i as u64),
                report.seeds
            ));
        }
        for cell in &row.cells {
            let first = row
                .seeds
                .iter()
                .find(|r| r.violated.contains(&cell.invariant));
            if cell.first_seed != first.map(|r| r.seed) {
                return bad(format!(
                    "design {}: the first violating seed of {} is {}, but its seed records say {}",
                    row.variant,
                    cell.invariant,
                    seed_or_none(cell.first_seed),
                    seed_or_none(first.map(|r| r.seed))
                ));
            }
        }
        if row.cells.iter().map(|c| c.invariant).ne(InvariantId::ALL) {
            return bad(format!(
                "design {}: its cells are not one per invariant, in the usual order",
                row.variant
            ));
        }
        let rebuilt = rebuild(
            row,
            &row.seeds,
            &first_messages(row),
            seeds.len(),
            report.seeds.start,
        );
        if counts(&rebuilt) != counts(row) {
            return bad(format!(
                "design {}: its cells do not match its seed records",
                row.variant
            ));
        }
    }
    Ok(shard)
}

/// Each violated invariant's first seed and message, from a row's cells.
fn first_messages(row: &DesignRow) -> BTreeMap<InvariantId, (u64, String)> {
    row.cells
        .iter()
        .filter_map(|cell| {
            let seed = cell.first_seed?;
            Some((
                cell.invariant,
                (seed, cell.first_message.clone().unwrap_or_default()),
            ))
        })
        .collect()
}

fn rebuild(
    row: &DesignRow,
    records: &[SeedRecord],
    first_messages: &BTreeMap<InvariantId, (u64, String)>,
    seeds_total: u64,
    start: u64,
) -> DesignRow {
    cells::design_row(
        row.variant.clone(),
        row.variant == ORIGINAL,
        records,
        first_messages,
        seeds_total,
        start,
    )
}

/// A row's whole-number findings (counts, seeds, verdicts, measures): what must match.
/// Rates and bounds are left out: they follow from the counts, and a float read back from
/// JSON need not be bit-identical to the one written.
fn counts(row: &DesignRow) -> impl PartialEq + '_ {
    let cells: Vec<_> = row
        .cells
        .iter()
        .map(|c| {
            (
                c.invariant,
                c.seeds_run,
                c.violating_seeds,
                c.first_seed,
                &c.mark,
                c.reached,
                c.verdict,
                c.partial,
            )
        })
        .collect();
    (
        cells,
        row.identical_to_original_seeds,
        row.identical_to_original,
        &row.measures,
        &row.failures,
    )
}

/// Rebuilds every design's row from the records of every (checked, distinct) shard.
fn combine(
    reports: &[(String, MatrixReport)],
    variants: &[String],
    declared: Vec<String>,
) -> MatrixReport {
    let (_, first) = &reports[0];
    let mut rows = Vec::new();
    for variant in variants {
        let shard_rows: Vec<&DesignRow> = reports
            .iter()
            .filter_map(|(_, r)| r.designs.iter().find(|row| &row.variant == variant))
            .collect();
        let mut records: Vec<SeedRecord> = shard_rows
            .iter()
            .flat_map(|row| row.seeds.iter().cloned())
            .collect();
        records.sort_by_key(|r| r.seed);
        let mut messages: BTreeMap<InvariantId, (u64, String)> = BTreeMap::new();
        for row in &shard_rows {
            for (invariant, (seed, message)) in first_messages(row) {
                let earliest = messages.entry(invariant).or_insert((seed, message.clone()));
                if seed < earliest.0 {
                    *earliest = (seed, message);
                }
            }
        }
        rows.push(rebuild(
            shard_rows[0],
            &records,
            &messages,
            first.seeds.len(),
            first.seeds.start,
        ));
    }
    MatrixReport {
        scenario: first.scenario.clone(),
        scenario_digest: first.scenario_digest.clone(),
        scenario_arg: first.scenario_arg.clone(),
        strategy: first.strategy,
        seeds: first.seeds,
        shard: None,
        designs: rows,
        variants: declared,
        baseline_failures: {
            let mut failures: Vec<_> = (reports.iter())
                .flat_map(|(_, r)| r.baseline_failures.iter().cloned())
                .collect();
            failures.sort_by_key(|f| f.seed);
            failures
        },
        runs: reports.iter().map(|(_, r)| r.runs).sum(),
        // Shards run side by side: the whole matrix took as long as the slowest shard.
        wall_ms: reports.iter().map(|(_, r)| r.wall_ms).fold(0.0, f64::max),
        end: reports
            .iter()
            .map(|(_, r)| r.end)
            .find(|end| *end != SweepEnd::Completed)
            .unwrap_or(SweepEnd::Completed),
    }
}

/// A seed, or `none`, as a message says it.
fn seed_or_none(seed: Option<u64>) -> String {
    seed.map_or("none".to_string(), |seed| seed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exploring::matrix::matrix_shard;
    use crate::exploring::strategy::Strategy;
    use crate::exploring::sweep::SweepOptions;
    use crate::running::scenario::Scenario;

    fn shard(index: u64) -> (String, MatrixReport) {
        let scenario = Scenario::load("incident").unwrap();
        let original = dnsim_model::designs::by_name(ORIGINAL).unwrap();
        let seeds = Seeds {
            range: "0..6".parse().unwrap(),
            shard: Some(Shard { index, count: 2 }),
        };
        let report = matrix_shard(
            &scenario,
            &[original],
            Strategy::default(),
            seeds,
            &SweepOptions::new(1),
            |_| {},
        );
        (format!("shard-{index}.json"), report)
    }

    #[test]
    fn a_forged_first_seed_is_one_line_naming_the_file_not_a_panic() {
        let (name, mut forged) = shard(1);
        let cell = &mut forged.designs[0].cells[0];
        assert!(cell.first_seed.is_some(), "original violates on seeds 0..6");
        cell.first_seed = Some(4);
        let error = merge_matrix_reports(vec![(name, forged), shard(2)]).unwrap_err();
        assert!(
            error.starts_with("report shard-1.json: design original: the first violating seed"),
            "{error}"
        );
    }

    #[test]
    fn records_out_of_their_shard_are_refused() {
        let (name, mut forged) = shard(2);
        forged.designs[0].seeds[0].seed = 0;
        let error = merge_matrix_reports(vec![shard(1), (name, forged)]).unwrap_err();
        assert!(error.contains("which is not the shard's seed 1"), "{error}");
    }
}
