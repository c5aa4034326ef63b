//! From the records of the seeds a design ran to its row of cells: one code path for an
//! unsharded matrix and for the merge of a sharded one, so that the two cannot disagree.

use std::collections::BTreeMap;

use super::report::{Cell, DesignRow, SeedRecord};
use crate::checking::coverage::Mark;
use crate::checking::invariants::InvariantId;
use crate::checking::measures::{MeasureSpreads, Measures};
use crate::checking::verdict::Verdict;
use crate::exploring::hunt::Failure;

/// The 95% upper bound on a rate of `k` in `n` (rule of three for k = 0, else Wilson).
pub fn upper_95(k: u64, n: u64) -> f64 {
    assert!(n > 0 && k <= n);
    if k == 0 {
        return (3.0 / n as f64).min(1.0);
    }
    let (k, n, z) = (k as f64, n as f64, 1.96_f64);
    let p = k / n;
    let centre = p + z * z / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre + spread) / (1.0 + z * z / n)).min(1.0)
}

fn median(mut values: Vec<u64>) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2] as f64),
        _ => Some((values[n / 2 - 1] + values[n / 2]) as f64 / 2.0),
    }
}

/// The row of a design from its `records` (in seed order, at least one), out of the
/// `seeds_total` seeds the report covers, counting gaps from `start`; `first_messages` holds
/// each violated invariant's first violating seed and its message. Seeds that crashed or
/// hung are the row's `failures`, and its cells count only the seeds that finished.
pub fn design_row(
    variant: String,
    is_original: bool,
    records: &[SeedRecord],
    first_messages: &BTreeMap<InvariantId, (u64, String)>,
    seeds_total: u64,
    start: u64,
) -> DesignRow {
    assert!(!records.is_empty(), "a row has at least one seed");
    assert!(
        records.windows(2).all(|w| w[0].seed < w[1].seed),
        "records are in seed order, each seed once"
    );
    let failures: Vec<Failure> = (records.iter()).filter_map(|r| r.failure.clone()).collect();
    let partial = (records.len() as u64) < seeds_total;
    let records: Vec<&SeedRecord> = records.iter().filter(|r| r.failure.is_none()).collect();
    let n = records.len() as u64;
    let cells = InvariantId::ALL
        .into_iter()
        .map(|invariant| {
            let reached = records
                .iter()
                .filter(|r| r.reached.contains(&invariant))
                .count() as u64;
            let violating: Vec<u64> = records
                .iter()
                .filter(|r| r.violated.contains(&invariant))
                .map(|r| r.seed)
                .collect();
            let mut previous = start;
            let gaps = violating
                .iter()
                .map(|&seed| {
                    let gap = seed - previous + 1;
                    previous = seed + 1;
                    gap
                })
                .collect();
            let k = violating.len() as u64;
            let first = first_messages.get(&invariant);
            assert_eq!(
                first.map(|(seed, _)| *seed),
                violating.first().copied(),
                "the first message of {invariant} is its first violating seed's"
            );
            Cell {
                invariant,
                seeds_run: n,
                violating_seeds: k,
                // Every seed crashed or hung: nothing is known.
                rate: if n == 0 { 0.0 } else { k as f64 / n as f64 },
                upper_95: if n == 0 { 1.0 } else { upper_95(k, n) },
                // A violating seed reached the mark first (tests/coverage_marks.rs); `max`
                // keeps the bound defined should a mark ever miss one.
                upper_95_reached: match reached.max(k) {
                    0 => 1.0,
                    tested => upper_95(k, tested),
                },
                first_seed: violating.first().copied(),
                median_seeds_to_violation: median(gaps),
                first_message: first.map(|(_, message)| message.clone()),
                mark: Mark::of(invariant),
                reached,
                verdict: Verdict::of(k, reached),
                partial,
            }
        })
        .collect();
    let identical = records.iter().filter(|r| r.identical_to_original).count() as u64;
    let measures: Vec<Measures> = records.iter().map(|r| r.measures).collect();
    DesignRow {
        variant,
        cells,
        identical_to_original_seeds: identical,
        identical_to_original: !is_original && identical == seeds_total,
        measures: MeasureSpreads::of(&measures),
        failures,
        seeds: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upper_bound_is_the_rule_of_three_at_zero_and_wilson_otherwise() {
        assert_eq!(upper_95(0, 30_000), 1e-4);
        assert_eq!(upper_95(0, 2), 1.0);
        // Wilson 95% for 5/100 is about 0.1118.
        assert!(
            (upper_95(5, 100) - 0.1118).abs() < 1e-3,
            "{}",
            upper_95(5, 100)
        );
        assert_eq!(upper_95(10, 10), 1.0);
    }

    /// A `holds` is bounded over the seeds that met the danger, not over every seed: 100
    /// seeds, 40 of which reached the mark and none violated, bound the rate among those
    /// at 3/40, not 3/100.
    #[test]
    fn a_holds_is_bounded_over_the_seeds_that_reached_the_mark() {
        let records: Vec<SeedRecord> = (0..100)
            .map(|seed| SeedRecord {
                seed,
                violated: Vec::new(),
                reached: if seed < 40 {
                    vec![InvariantId::NoStaleOverwrite]
                } else {
                    Vec::new()
                },
                identical_to_original: false,
                measures: Measures::default(),
                failure: None,
            })
            .collect();
        let row = design_row("d".into(), false, &records, &BTreeMap::new(), 100, 0);
        let cell = row.cell(InvariantId::NoStaleOverwrite);
        assert_eq!((cell.verdict, cell.reached), (Verdict::Holds, 40));
        assert_eq!(cell.upper_95, 0.03);
        assert_eq!(cell.upper_95_reached, 0.075);
        let vacuous = row.cell(InvariantId::Converges);
        assert_eq!(
            (vacuous.verdict, vacuous.upper_95_reached),
            (Verdict::Vacuous, 1.0)
        );
    }

    #[test]
    fn median_of_even_and_odd_lists() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3, 1, 2]), Some(2.0));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2.5));
    }
}
