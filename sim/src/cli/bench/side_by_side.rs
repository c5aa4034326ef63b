//! `bench`'s comparison per core: each scenario beside the default, in turn, in rounds.
//!
//! Issue 12 asks that real size (`route53-scale`) and hours of simulated time (`long`) each
//! cost, per simulated event, within 20% of the default scenario. Each scenario runs as
//! `hunt --jobs 1` in a fresh process (so its peak memory is its own), the scenarios in turn,
//! once per round; a row is the median round, with every round printed beside it, so that a
//! moment of load on a shared machine shows as a spread rather than moving a ratio. A ratio
//! from rounds too short to time is printed and not judged: a wrong verdict is worse than
//! none. `route53-long` (both at once) is measured beside them, and said to have no target.

use std::io::Write;

use super::fresh::{mark_partial, run_fresh, verdict};
use crate::cli::progress::Phases;
use crate::cli::BadInput;
use crate::exploring::sweep::SweepEnd;
use crate::running::scenario;

/// A scenario's events per second per core over the default's.
pub(super) struct Ratio {
    name: &'static str,
    ratio: f64,
    /// How long the shorter of the two median rounds (the scenario's and the default's) ran,
    /// in seconds: a run too short to time is not judged.
    timed_secs: f64,
}

/// A round shorter than this is not timed well enough to judge a target on: process start,
/// the first seeds' allocations and a moment of load weigh too much in it.
const MIN_TIMED_SECS: f64 = 0.5;

/// The scenarios `bench` compares per core, the default first.
const SIDE_BY_SIDE: [&str; 4] = [scenario::DEFAULT, "route53-scale", "long", "route53-long"];

/// The scenarios whose events/s per core must come within 20% of the default's (issue 12):
/// real size (`route53-scale`) and hours of simulated time (`long`). `route53-long`, both at
/// once, is measured beside them with no target: see the README's Benchmark section.
const TARGETED: [&str; 2] = ["route53-scale", "long"];

/// How many seeds each side-by-side scenario runs.
#[derive(Clone, Copy, Debug)]
pub(super) struct SideBySideSeeds {
    pub(super) default: u64,
    pub(super) long: u64,
    pub(super) scale: u64,
    pub(super) rounds: u64,
}

impl SideBySideSeeds {
    fn of(&self, name: &str) -> u64 {
        match name {
            scenario::DEFAULT => self.default,
            "long" => self.long,
            _ => self.scale,
        }
    }
}

/// One scenario's numbers, from a hunt on one job in a fresh process, once per round.
struct PerCore {
    name: &'static str,
    seeds: u64,
    events: u64,
    /// Events per second of each round run, in the order run.
    rounds: Vec<f64>,
    peak_rss_kib: Option<u64>,
}

impl PerCore {
    /// The median round's events per second (the lower middle one of an even count).
    fn events_per_sec(&self) -> f64 {
        let mut sorted = self.rounds.clone();
        sorted.sort_by(f64::total_cmp);
        sorted[(sorted.len() - 1) / 2]
    }

    /// How long the median round ran, in seconds.
    fn median_secs(&self) -> f64 {
        self.events as f64 / self.events_per_sec()
    }
}

/// Runs each of [`SIDE_BY_SIDE`] on one job, each in its own fresh process (so that its peak
/// memory is its own: seeds run one at a time, so it is the peak of one seed, plus the
/// program), in turn, `rounds` times, and prints them side by side. Returns the ratios of each
/// to the default's median events per second.
pub(super) fn side_by_side(
    out: &mut dyn Write,
    phases: &Phases,
    seeds: SideBySideSeeds,
) -> Result<(Vec<Ratio>, SweepEnd), BadInput> {
    let mut rows: Vec<PerCore> = Vec::new();
    let mut end = SweepEnd::Completed;
    'rounds: for _ in 0..seeds.rounds {
        for (at, name) in SIDE_BY_SIDE.into_iter().enumerate() {
            if end != SweepEnd::Completed {
                break 'rounds;
            }
            let range = format!("0..{}", seeds.of(name));
            let args = [
                "hunt",
                "--scenario",
                name,
                "--jobs",
                "1",
                "--seeds",
                &range,
                "--watchdog",
                "24h",
            ];
            let (_, report) = run_fresh(&args, phases.budget_left())?;
            let s = report.summary;
            end = s.end;
            if end != SweepEnd::Completed && !rows.is_empty() {
                break 'rounds; // a round stopped part-way measures nothing comparable
            }
            match rows.get_mut(at) {
                Some(row) => {
                    assert_eq!(row.events, s.events, "{name}: a round is the same runs");
                    row.rounds.push(s.events_per_sec);
                    row.peak_rss_kib = row.peak_rss_kib.max(s.peak_rss_kib);
                }
                None => rows.push(PerCore {
                    name,
                    seeds: s.seeds_run,
                    events: s.events,
                    rounds: vec![s.events_per_sec],
                    peak_rss_kib: s.peak_rss_kib,
                }),
            }
        }
    }
    let base = rows[0].events_per_sec();
    let rounds = rows[0].rounds.len();
    writeln!(
        out,
        "\nper core, side by side (`hunt --jobs 1`, each scenario in a fresh process, in turn; \
         the median of {rounds} round{}):",
        if rounds == 1 { "" } else { "s" }
    )?;
    writeln!(
        out,
        "  {:<14} {:>5} {:>12} {:>14} {:>8} {:>9} {:>16}  rounds (M events/s)",
        "scenario",
        "seeds",
        "events/seed",
        "events/s/core",
        "ratio",
        "us/event",
        "peak memory/seed",
    )?;
    for row in &rows {
        let events_per_sec = row.events_per_sec();
        writeln!(
            out,
            "  {:<14} {:>5} {:>12.0} {:>13.2}M {:>8.2} {:>9.3} {:>16}  {}",
            row.name,
            row.seeds,
            row.events as f64 / row.seeds.max(1) as f64,
            events_per_sec / 1e6,
            events_per_sec / base,
            1e6 / events_per_sec,
            row.peak_rss_kib.map_or("-".to_string(), |kib| format!(
                "{:.1} MiB",
                kib as f64 / 1024.0
            )),
            row.rounds
                .iter()
                .map(|r| format!("{:.2}", r / 1e6))
                .collect::<Vec<_>>()
                .join(" "),
        )?;
    }
    mark_partial(out, end, "the last round")?;
    Ok((
        rows.iter()
            .skip(1)
            .map(|row| Ratio {
                name: row.name,
                ratio: row.events_per_sec() / base,
                timed_secs: row.median_secs().min(rows[0].median_secs()),
            })
            .collect(),
        end,
    ))
}

/// The per-core targets: [`TARGETED`] within 20% of the default's events/s; the other
/// scenarios side by side are reported beside them, said to have no target. A ratio from
/// rounds too short to time ([`MIN_TIMED_SECS`]) is printed and not judged.
pub(super) fn scale_targets(out: &mut dyn Write, ratios: &[Ratio]) -> Result<(), BadInput> {
    for Ratio {
        name,
        ratio,
        timed_secs,
    } in ratios
    {
        let judgement = if *timed_secs < MIN_TIMED_SECS {
            format!(
                "not judged: a round ran {:.0} ms, too short to time (at least {:.1} s: more seeds)",
                timed_secs * 1000.0,
                MIN_TIMED_SECS
            )
        } else {
            verdict(*ratio >= 0.8).to_string()
        };
        if TARGETED.contains(name) {
            writeln!(
                out,
                "  {name} events/s per core within 20% of the default's: {ratio:.2}x  {judgement}"
            )?;
        } else {
            writeln!(
                out,
                "  {name} events/s per core: {ratio:.2}x the default's  (no target; README: Benchmark)"
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(ratio: f64, timed_secs: f64, name: &'static str) -> String {
        let mut out = Vec::new();
        let ratio = Ratio {
            name,
            ratio,
            timed_secs,
        };
        assert!(scale_targets(&mut out, &[ratio]).is_ok());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_ratio_is_met_from_four_fifths_of_the_default_on_and_judged_only_if_timed() {
        assert!(judged(0.8, 1.0, "long").ends_with("0.80x  met\n"));
        assert!(judged(0.79, 1.0, "long").ends_with("0.79x  MISSED\n"));
        let short = judged(0.95, 0.2, "route53-scale");
        assert!(
            short.contains("0.95x  not judged: a round ran 200 ms"),
            "{short}"
        );
        let untargeted = judged(0.5, 9.0, "route53-long");
        assert!(
            untargeted.contains("0.50x the default's  (no target"),
            "{untargeted}"
        );
        assert!(!untargeted.contains("MISSED") && !untargeted.contains("met"));
    }

    #[test]
    fn a_row_is_its_median_round() {
        let row = |rounds: Vec<f64>| PerCore {
            name: "long",
            seeds: 1,
            events: 100,
            rounds,
            peak_rss_kib: None,
        };
        assert_eq!(row(vec![3.0, 1.0, 2.0]).events_per_sec(), 2.0);
        assert_eq!(row(vec![4.0, 1.0]).events_per_sec(), 1.0);
        assert_eq!(row(vec![50.0, 1.0, 2.0]).median_secs(), 50.0);
    }
}
