//! `merge`: the report of a whole hunt from the JSON reports of its shards.
//!
//! A report is read from a file anyone can edit, so nothing in it is trusted: every report
//! must be a shard of the same hunt (scenario and its digest, design, strategy, seed range,
//! shard count), every shard must appear (a retried shard may appear twice if both reports
//! found exactly the same, see [`findings`]), every seed a report lists must belong to its
//! shard, and its totals must add up (seeds run, failing seeds, each invariant's count and
//! first seed). Every error names the report's file.

use std::collections::BTreeSet;

use crate::checking::invariants::InvariantId;
use crate::exploring::hunt::{HuntReport, HuntSummary, Tally};
use crate::exploring::sweep::{Shard, SweepEnd};

/// Merges the shard reports `(file name, report)` of one hunt into the report of its whole
/// seed range; an error is one line naming the file at fault.
pub fn merge_reports(reports: Vec<(String, HuntReport)>) -> Result<HuntReport, String> {
    let (first_name, first) = reports.first().ok_or("no reports to merge")?.clone();
    let (first_name, first) = (&first_name, &first);
    let first_shard = check_report(first_name, first)?;
    let count = first_shard.count;
    let mut seen = BTreeSet::new();
    let mut unique: Vec<(String, HuntReport)> = Vec::new();
    for (name, report) in reports {
        let shard = check_report(&name, &report)?;
        let (a, b) = (
            hunt_of(&first.summary, count),
            hunt_of(&report.summary, shard.count),
        );
        if a != b {
            return Err(format!(
                "report {name}: a shard of a different hunt: {b}, but {first_name} is of {a}"
            ));
        }
        if !seen.insert(shard.index) {
            // A retried shard (a pod restarted, a job re-run): the same findings are the same
            // shard run twice, and count once; different findings mean something is wrong.
            let (earlier, kept) = unique
                .iter()
                .find(|(_, kept)| kept.summary.shard == Some(shard))
                .expect("a shard seen is kept");
            if findings(kept) != findings(&report) {
                return Err(format!(
                    "report {name}: shard {shard} appears twice with different results (see {earlier}){}",
                    partial_note(kept.summary.end, report.summary.end)
                ));
            }
            continue;
        }
        unique.push((name, report));
    }
    // The shards given are distinct and each within 1..=count: list the first few missing.
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.contains(k))
        .take(10)
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shards: {}", missing.join(", ")));
    }
    Ok(combine(unique.into_iter().map(|(_, report)| report)))
}

/// A report without its wall-clock measurements (times, rates, peak memory): what a run of
/// the same shard finds again, whatever the machine and its load. Two reports of one shard
/// are the same run if their findings are equal.
pub fn findings(report: &HuntReport) -> HuntReport {
    let mut report = report.clone();
    let s = &mut report.summary;
    (s.wall_ms, s.seeds_per_sec, s.events_per_sec, s.peak_rss_kib) = (0.0, 0.0, 0.0, None);
    for tally in &mut s.tallies {
        tally.first_found_ms = None;
    }
    report
}

/// What makes two shard reports parts of one hunt.
fn hunt_of(s: &HuntSummary, count: u64) -> String {
    format!(
        "scenario {} (digest {}), variant {}, strategy {}, seeds {} in {count} shards",
        s.scenario, s.scenario_digest, s.variant, s.strategy, s.seeds
    )
}

/// Checks one report on its own: a valid shard of a valid range, whose every listed seed
/// belongs to the shard and whose totals add up. Returns its shard.
fn check_report(name: &str, report: &HuntReport) -> Result<Shard, String> {
    let bad = |problem: String| Err(format!("report {name}: {problem}"));
    let s = &report.summary;
    let Some(shard) = s.shard else {
        return bad("not a shard (run hunt with --shard K/N --json)".into());
    };
    if shard.count == 0 || shard.index == 0 || shard.index > shard.count {
        return bad(format!("bad shard {shard}: expected K/N with 1 <= K <= N"));
    }
    if s.seeds.start >= s.seeds.end {
        return bad(format!("empty seed range {}", s.seeds));
    }
    let belongs = |seed: u64| {
        s.seeds.seeds().contains(&seed) && (seed - s.seeds.start) % shard.count == shard.index - 1
    };
    let listed = report
        .violations
        .iter()
        .map(|v| v.seed)
        .chain(s.failures.iter().map(|f| f.seed))
        .chain(s.tallies.iter().filter_map(|t| t.first_seed));
    for seed in listed {
        if !belongs(seed) {
            return bad(format!(
                "lists seed {seed}, which is not in shard {shard} of seeds {}",
                s.seeds
            ));
        }
    }
    let order: Vec<InvariantId> = s.tallies.iter().map(|t| t.invariant).collect();
    if order != InvariantId::ALL {
        return bad("its tallies are not one per invariant, in the usual order".into());
    }
    // Seeds start + i with i % count == index - 1, counted without overflow (whatever the
    // file says the count is).
    let offset = shard.index - 1;
    let expected = match s.seeds.len().checked_sub(offset) {
        Some(rest) if rest > 0 => (rest - 1) / shard.count + 1,
        _ => 0,
    };
    if s.seeds_run > expected || (s.end == SweepEnd::Completed && s.seeds_run != expected) {
        return bad(format!(
            "seeds_run is {}, but shard {shard} of seeds {} holds {expected} seeds (end: {:?})",
            s.seeds_run, s.seeds, s.end
        ));
    }
    // A seed crashes or hangs once: a second entry would be counted twice.
    let failed: BTreeSet<u64> = s.failures.iter().map(|f| f.seed).collect();
    if failed.len() != s.failures.len() {
        return bad("it lists a crash or hang twice for one seed".into());
    }
    let failing: BTreeSet<u64> = report
        .violations
        .iter()
        .map(|v| v.seed)
        .chain(failed)
        .collect();
    if s.failing_seeds != failing.len() as u64 || s.failing_seeds > s.seeds_run {
        return bad(format!(
            "failing_seeds is {}, but it lists {} failing seeds of {} run",
            s.failing_seeds,
            failing.len(),
            s.seeds_run
        ));
    }
    for tally in &s.tallies {
        let listed: Vec<u64> = report
            .violations
            .iter()
            .filter(|v| v.invariant == tally.invariant)
            .map(|v| v.seed)
            .collect();
        let found: BTreeSet<u64> = listed.iter().copied().collect();
        // A seed violates an invariant once: a second entry would be counted twice.
        if found.len() != listed.len() {
            return bad(format!(
                "it lists a violation of {} twice for one seed",
                tally.invariant
            ));
        }
        // Seeds that reached a mark ran (the count decides whether "held" is vacuous).
        if let Some(reached) = tally.reached.filter(|&n| n > s.seeds_run) {
            return bad(format!(
                "{} seeds reached the mark of {}, but only {} seeds ran",
                reached, tally.invariant, s.seeds_run
            ));
        }
        if tally.seeds != found.len() as u64 || tally.first_seed != found.first().copied() {
            return bad(format!(
                "the tally of {} ({} seeds, first {:?}) does not match its violations ({} seeds, first {:?})",
                tally.invariant,
                tally.seeds,
                tally.first_seed,
                found.len(),
                found.first()
            ));
        }
    }
    Ok(shard)
}

/// Adds up checked shard reports of one hunt.
fn combine(reports: impl Iterator<Item = HuntReport>) -> HuntReport {
    let mut merged: Option<HuntReport> = None;
    for report in reports {
        let merged = merged.get_or_insert_with(|| HuntReport {
            violations: Vec::new(),
            summary: HuntSummary {
                shard: None,
                seeds_run: 0,
                failing_seeds: 0,
                failures: Vec::new(),
                events: 0,
                trace_entries: Some(0),
                wall_ms: 0.0,
                end: SweepEnd::Completed,
                peak_rss_kib: None,
                tallies: InvariantId::ALL
                    .into_iter()
                    .map(|invariant| Tally {
                        invariant,
                        seeds: 0,
                        first_seed: None,
                        first_found_ms: None,
                        reached: Some(0),
                    })
                    .collect(),
                ..report.summary.clone()
            },
        });
        let s = report.summary;
        let m = &mut merged.summary;
        m.seeds_run += s.seeds_run;
        m.failing_seeds += s.failing_seeds;
        m.events = m.events.saturating_add(s.events);
        // Unknown in one shard (an older dnsim's report): unknown in all, not undercounted.
        m.trace_entries = (m.trace_entries.zip(s.trace_entries)).map(|(a, b)| a.saturating_add(b));
        // Shards run side by side: the merged hunt took as long as the slowest shard.
        m.wall_ms = m.wall_ms.max(s.wall_ms);
        m.peak_rss_kib = m.peak_rss_kib.max(s.peak_rss_kib);
        if s.end != SweepEnd::Completed {
            m.end = s.end;
        }
        m.failures.extend(s.failures);
        for (total, tally) in m.tallies.iter_mut().zip(s.tallies) {
            total.seeds += tally.seeds;
            // Unknown in one shard: unknown in all, as for trace entries.
            total.reached = (total.reached.zip(tally.reached)).map(|(a, b)| a + b);
            total.first_seed = total.first_seed.into_iter().chain(tally.first_seed).min();
            total.first_found_ms = total
                .first_found_ms
                .into_iter()
                .chain(tally.first_found_ms)
                .reduce(f64::min);
        }
        merged.violations.extend(report.violations);
    }
    let mut merged = merged.expect("at least one report");
    let m = &mut merged.summary;
    m.failures.sort_by_key(|f| f.seed);
    m.seeds_per_sec = m.seeds_run as f64 / (m.wall_ms / 1e3).max(1e-9);
    m.events_per_sec = m.events as f64 / (m.wall_ms / 1e3).max(1e-9);
    // Stable: within a seed, violations stay in the order they happened.
    merged.violations.sort_by_key(|v| v.seed);
    merged
}

/// Why two runs of one shard may differ: one of them stopped part-way (a pod killed, a time
/// budget spent). Empty if both ran every seed.
pub(crate) fn partial_note(earlier: SweepEnd, this: SweepEnd) -> String {
    let partial = |end: SweepEnd| end != SweepEnd::Completed;
    match (partial(earlier), partial(this)) {
        (false, false) => String::new(),
        (true, true) => "; both stopped part-way: run the shard again to its end".into(),
        (true, false) => "; the earlier one stopped part-way: merge only this one".into(),
        (false, true) => "; this one stopped part-way: merge only the earlier one".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two runs of one shard that differ because one stopped part-way say which to keep.
    #[test]
    fn a_partial_duplicate_says_which_run_to_merge() {
        use SweepEnd::{Completed, Interrupted, TimeBudget};
        assert_eq!(partial_note(Completed, Completed), "");
        assert!(partial_note(Completed, TimeBudget).contains("merge only the earlier one"));
        assert!(partial_note(Interrupted, Completed).contains("merge only this one"));
        assert!(partial_note(TimeBudget, TimeBudget).contains("run the shard again"));
    }
}
