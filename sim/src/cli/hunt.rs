//! `dnsim hunt`: run every seed of a range (or a shard of it), streaming what it finds.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::output_dir;
use super::progress::{progress_bar, stop_on_ctrl_c};
use super::{
    design, process_start, BadInput, SweepArgs, Target, DEFAULT_SEEDS, EXIT_CLEAN, EXIT_VIOLATION,
};
use crate::checking::coverage::Mark;
use crate::checking::invariants::InvariantId;
use crate::checking::verdict::REACHED_FOR_HOLDS;
use crate::exploring::hunt::{hunt_with, FoundViolation, HuntOptions, HuntSummary, SeedRange};
use crate::exploring::sweep::{SeedResult, Seeds};
use crate::reporting::plural;
use crate::running::run::Outcome;
use crate::running::scenario::Scenario;
use crate::running::seedfile::{AlreadyThere, SeedFile};

#[derive(Args, Debug)]
pub(super) struct HuntArgs {
    #[command(flatten)]
    target: Target,
    /// Seeds to run, `A..B` (B excluded) or a single seed [default: 0..200, or
    /// MADSIM_TEST_SEED (and the MADSIM_TEST_NUM seeds from it, default 1) when set].
    #[arg(long)]
    seeds: Option<SeedRange>,
    /// Print one JSON object (the report, for `dnsim merge`) instead of text.
    #[arg(long, conflicts_with_all = ["jsonl", "all"])]
    json: bool,
    /// Stream one JSON object per failing seed (one per line, for tools); the summary goes
    /// to stderr.
    #[arg(long, conflicts_with = "all")]
    jsonl: bool,
    /// List every failing seed (by default, the first 10 of each invariant, then the
    /// summary).
    #[arg(long, conflicts_with = "quiet")]
    all: bool,
    /// Save each newly found failing run as a seed file in DIR (default: seeds; made if
    /// missing).
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "seeds")]
    save: Option<PathBuf>,
    #[command(flatten)]
    sweep: SweepArgs,
}

pub(super) fn run(
    args: HuntArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, BadInput> {
    let scenario = Scenario::load(&args.target.scenario)?;
    let design = design(&args.target.variant)?;
    let sweep = args.sweep.options()?;
    let seeds = seeds_arg(args.seeds)?;
    let shard = args.sweep.shard()?;
    if let Some(dir) = &args.save {
        output_dir("save directory", dir)?;
    }
    let swept = Seeds {
        range: seeds,
        shard,
    };
    let options = HuntOptions {
        seeds: swept,
        strategy: args.target.strategy,
        sweep,
        started: process_start(),
    };
    let scenario_arg = &args.target.scenario;
    let watchdog = args.sweep.watchdog.flag();
    let replay = |seed: u64| {
        let command = super::replay_command(
            scenario_arg,
            &dnsim_model::designs::label(design),
            args.target.strategy,
            seed,
        );
        format!("{command}{watchdog}")
    };
    let shard_label = shard.map_or(String::new(), |shard| format!(" shard={shard}"));
    if args.json {
        write!(out, "{{\"violations\":[")?;
    } else if !args.jsonl && !args.sweep.quiet {
        writeln!(
            out,
            "hunt: scenario={scenario_arg} variant={} strategy={} seeds={}{shard_label} jobs={}",
            dnsim_model::designs::label(design),
            args.target.strategy,
            seeds,
            options.sweep.jobs
        )?;
    }
    out.flush()?;
    if options.seeds.is_empty() {
        let shard = shard.map_or(String::new(), |s| format!("shard {s} "));
        writeln!(
            err,
            "warning: {shard}holds no seed of {}: nothing to run",
            seeds
        )?;
    }
    stop_on_ctrl_c(options.sweep.stop.clone());
    let bar = progress_bar(options.seeds.len(), args.sweep.quiet, "seeds");
    let mut first_json = true;
    let mut listing = Listing::new(if args.all {
        u64::MAX
    } else {
        LISTED_PER_INVARIANT
    });
    let mut write_error = None;
    let mut saves = Saves::default();
    let summary = hunt_with(
        &scenario,
        design,
        &options,
        |summary, seed, result| {
            bar.set_position(summary.seeds_run);
            bar.set_message(format!("{} failing", summary.failing_seeds));
            let written = bar.suspend(|| -> std::io::Result<()> {
                if args.json {
                    for violation in violations(seed, result) {
                        let comma = if first_json { "" } else { "," };
                        first_json = false;
                        write!(out, "{comma}\n{}", serde_json::to_string(&violation)?)?;
                    }
                    return Ok(());
                }
                if args.jsonl {
                    return match failing_seed_json(seed, result, &replay(seed)) {
                        Some(object) => writeln!(out, "{object}"),
                        None => Ok(()),
                    };
                }
                let line = match result {
                    SeedResult::Done(outcome) if outcome.violations.is_empty() => return Ok(()),
                    SeedResult::Done(outcome) => {
                        let ids: Vec<InvariantId> =
                            outcome.violations.iter().map(|v| v.invariant).collect();
                        if !listing.lists(&ids) || args.sweep.quiet {
                            return Ok(());
                        }
                        let names: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
                        names.join(", ")
                    }
                    SeedResult::Crashed { .. } | SeedResult::Hung { .. } if args.sweep.quiet => {
                        return Ok(())
                    }
                    SeedResult::Crashed { message } => format!("CRASH: {message}"),
                    SeedResult::Hung { reason } => format!("HANG: {reason}"),
                };
                writeln!(out, "seed {seed}: {line}\n    {}", replay(seed))
            });
            if let Err(error) = written {
                write_error.get_or_insert(error);
            }
            if let (Some(dir), SeedResult::Done(outcome)) = (&args.save, result) {
                match save(dir, scenario_arg, outcome) {
                    Ok(Some(path)) => {
                        saves.saved += 1;
                        bar.suspend(|| {
                            let _ = writeln!(err, "saved: {}", path.display());
                        });
                    }
                    Ok(None) => {}
                    Err(message) => {
                        saves.not_saved += 1;
                        bar.suspend(|| {
                            let _ = writeln!(err, "warning: {message}");
                        });
                    }
                }
            }
        },
        |summary| bar.set_position(summary.seeds_run),
    );
    bar.finish_and_clear();
    if let Some(error) = write_error {
        return Err(error.into());
    }
    if args.json {
        let rest = serde_json::to_string(&summary)?;
        writeln!(out, "\n],{}", &rest[1..])?;
    } else if args.jsonl {
        write_summary(
            err,
            &summary,
            Some(&swept),
            args.save.as_ref().map(|_| saves),
        )?;
    } else {
        if listing.unlisted > 0 && !args.sweep.quiet {
            writeln!(
                out,
                "({} more failing seeds not listed: --all lists every one, --jsonl streams them)",
                listing.unlisted
            )?;
        }
        write_summary(
            out,
            &summary,
            Some(&swept),
            args.save.as_ref().map(|_| saves),
        )?;
    }
    Ok(if summary.found_anything() {
        EXIT_VIOLATION
    } else {
        EXIT_CLEAN
    })
}

/// How many failing seeds of each invariant `hunt` lists without `--all`.
pub const LISTED_PER_INVARIANT: u64 = 10;

/// Which failing seeds the text output lists: a seed is listed while one of the invariants
/// it violates has fewer than `limit` seeds listed, so every invariant's first seeds show.
struct Listing {
    limit: u64,
    listed: std::collections::BTreeMap<InvariantId, u64>,
    unlisted: u64,
}

impl Listing {
    fn new(limit: u64) -> Listing {
        Listing {
            limit,
            listed: Default::default(),
            unlisted: 0,
        }
    }

    /// Whether to list a seed that violated `ids`; counts it either way.
    fn lists(&mut self, ids: &[InvariantId]) -> bool {
        let wanted = ids
            .iter()
            .any(|id| self.listed.get(id).copied().unwrap_or(0) < self.limit);
        if wanted {
            for id in ids {
                *self.listed.entry(*id).or_insert(0) += 1;
            }
        } else {
            self.unlisted += 1;
        }
        wanted
    }
}

/// One failing seed as one line of JSON (`--jsonl`); `None` for a seed that held.
fn failing_seed_json(seed: u64, result: &SeedResult<Outcome>, replay: &str) -> Option<String> {
    let object = match result {
        SeedResult::Done(outcome) if outcome.violations.is_empty() => return None,
        SeedResult::Done(outcome) => serde_json::json!({
            "seed": seed,
            "violations": outcome.violations,
            "trace_hash": crate::running::trace::format_hash(outcome.trace_hash),
            "replay": replay,
        }),
        SeedResult::Crashed { message } => {
            serde_json::json!({ "seed": seed, "crash": message, "replay": replay })
        }
        SeedResult::Hung { reason } => {
            serde_json::json!({ "seed": seed, "hang": reason, "replay": replay })
        }
    };
    Some(object.to_string())
}

/// The seeds a hunt runs: `--seeds`, else `MADSIM_TEST_SEED` (and `MADSIM_TEST_NUM` seeds
/// from it), else the default range.
fn seeds_arg(given: Option<SeedRange>) -> Result<SeedRange, BadInput> {
    if let Some(seeds) = given {
        return Ok(seeds);
    }
    match super::env_seed()? {
        Some(first) => {
            let count = super::env_number(super::SEED_COUNT_ENV)?.unwrap_or(1);
            if count == 0 {
                return Err(BadInput(format!(
                    "{}=0: the number of seeds to run must be at least 1",
                    super::SEED_COUNT_ENV
                )));
            }
            Ok(format!("{first}..{}", first.saturating_add(count)).parse()?)
        }
        None => Ok(DEFAULT_SEEDS.parse()?),
    }
}

fn violations(seed: u64, result: &SeedResult<Outcome>) -> Vec<FoundViolation> {
    match result {
        SeedResult::Done(outcome) => outcome
            .violations
            .iter()
            .map(|v| FoundViolation {
                seed,
                invariant: v.invariant,
                sim_time_ms: v.sim_time_ms,
                message: v.message.clone(),
                measures: outcome.measures,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Saves a failing run as `{variant}-{invariant}-{seed}.toml` in `dir`, for the first
/// invariant it violated. `Ok(None)` when it passed or is saved already; an error when the
/// file of that name holds another run (of another scenario, say: the name does not say
/// which), which is left as it is.
fn save(
    dir: &std::path::Path,
    scenario_arg: &str,
    outcome: &Outcome,
) -> Result<Option<PathBuf>, String> {
    let Some(first) = outcome.violations.first() else {
        return Ok(None);
    };
    let file = SeedFile::from_outcome(outcome, scenario_arg, first.invariant);
    let path = dir.join(file.file_name());
    match file.already_at(&path) {
        AlreadyThere::Nothing => file.save_new(&path).map(Some).map_err(|e| e.to_string()),
        AlreadyThere::ThisRun => Ok(None),
        AlreadyThere::Other(what) => Err(format!(
            "seed {} not saved: {} holds {what}",
            outcome.seed,
            path.display()
        )),
    }
}

/// What `--save` did: the seed files it wrote, and the failing runs it could not save.
#[derive(Clone, Copy, Default)]
pub(super) struct Saves {
    saved: u64,
    not_saved: u64,
}

/// The hunt's summary; `swept`, the seeds of the one sweep it is of (`None` for a merge of
/// shards, whose seeds run are no prefix); `saves`, if the hunt saved failing runs.
pub(super) fn write_summary(
    out: &mut dyn Write,
    summary: &HuntSummary,
    swept: Option<&Seeds>,
    saves: Option<Saves>,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} seed{} in {:.2}s ({:.0} seeds/s, {:.2}M events/s); {} failing",
        summary.seeds_run,
        if summary.seeds_run == 1 { "" } else { "s" },
        summary.wall_ms / 1e3,
        summary.seeds_per_sec,
        summary.events_per_sec / 1e6,
        summary.failing_seeds
    )?;
    // Seeds that crashed or hung never reached the end, so cannot be said to hold.
    let every = if summary.failures.is_empty() {
        "every seed"
    } else {
        "every seed that ran to the end"
    };
    for id in InvariantId::ALL {
        let tally = summary.tally(id);
        let plural = if tally.seeds == 1 { "" } else { "s" };
        let name = id.as_str();
        match (tally.first_seed, tally.reached) {
            (Some(seed), _) => writeln!(
                out,
                "  {name:<22} violated in {:>5} seed{plural}, first seed {seed}",
                tally.seeds
            )?,
            _ if summary.seeds_run == 0 => writeln!(out, "  {name:<22} not checked: no seed ran")?,
            // Held, but was it put to the test? The same rule as the matrix's verdicts.
            (None, Some(reached)) if reached >= REACHED_FOR_HOLDS => writeln!(
                out,
                "  {name:<22} held in {every}; {reached} reached {}, the situation that tests it",
                Mark::of(id)
            )?,
            (None, Some(reached)) => writeln!(
                out,
                "  {name:<22} VACUOUS: held, but only {reached} seed{} reached {} (the situation that tests it; {REACHED_FOR_HOLDS} needed): this says nothing either way",
                if reached == 1 { "" } else { "s" },
                Mark::of(id)
            )?,
            (None, None) => writeln!(
                out,
                "  {name:<22} held in {every} (whether it was put to the test is unknown: a report without coverage counts)"
            )?,
        }
    }
    let crashes = summary
        .failures
        .iter()
        .filter(|f| f.kind == crate::exploring::hunt::FailureKind::Crash)
        .count();
    let hangs = summary.failures.len() - crashes;
    if !summary.failures.is_empty() {
        writeln!(
            out,
            "  {} crashed, {hangs} hung",
            plural(crashes as u64, "seed", "seeds")
        )?;
    }
    if let Some(Saves { saved, not_saved }) = saves {
        write!(
            out,
            "  {} saved",
            plural(saved, "new seed file", "new seed files")
        )?;
        if not_saved > 0 {
            let runs = if not_saved == 1 { "run" } else { "runs" };
            write!(
                out,
                "; {not_saved} failing {runs} not saved (see the warnings)"
            )?;
        }
        writeln!(out)?;
    }
    let Some(stopped) = summary.end.stopped_words() else {
        return Ok(());
    };
    match swept {
        Some(seeds) => writeln!(
            out,
            "{stopped} {}",
            which_seeds_ran(seeds, summary.seeds_run, Resume::Rest)
        ),
        // Merged shards: each stopped shard ran a prefix of its own seeds, and may have
        // stopped for its own reason (merge names them, shard by shard).
        None => writeln!(
            out,
            "stopped part-way after {} of the seeds in {}, in all",
            summary.seeds_run, summary.seeds
        ),
    }
}

/// What a stopped sweep's line tells the user to run next.
#[derive(Clone, Copy)]
pub(super) enum Resume {
    /// The seeds not run: a hunt's own summary (its report covers only what ran).
    Rest,
    /// The whole shard again: a shard merged with others, whose report `merge` takes only
    /// for the shard's whole range.
    Whole,
}

/// Which seeds a stopped sweep of `seeds` ran, given that `ran` of them did, and the
/// command that runs what `resume` says. A sweep reports results in seed order, so those
/// that ran are its first `ran`.
pub(super) fn which_seeds_ran(seeds: &Seeds, ran: u64, resume: Resume) -> String {
    let (range, len) = (seeds.range, seeds.len());
    let of = match seeds.shard {
        None => format!("the seeds in {range}"),
        Some(shard) => format!("the {len} seeds of shard {shard} of {range}"),
    };
    if ran >= len {
        // Only a report edited by hand says it stopped with every seed run.
        return format!("after all {of} ran");
    }
    let whole = match seeds.shard {
        None => format!("--seeds {range}"),
        Some(shard) => format!("--seeds {range} --shard {shard}"),
    };
    if ran == 0 {
        return format!("before any of {of} ran; {whole} runs them");
    }
    let (first, last, next) = (seeds.nth(0), seeds.nth(ran - 1), seeds.nth(ran));
    let which = match (seeds.shard, ran) {
        (None, 1) => format!("seed {first} ran"),
        (None, _) => format!("seeds {first}..{next} ran"),
        (Some(_), 1) => format!("its first seed, {first}, ran"),
        (Some(_), _) => format!("its first {ran} ran, {first} to {last}"),
    };
    let next_step = match (resume, seeds.shard) {
        (Resume::Rest, None) => format!("--seeds {next}..{} runs the rest", range.end),
        // The rest of shard K/N: every N-th seed from the next one, shard 1/N of them.
        (Resume::Rest, Some(shard)) => format!(
            "--seeds {next}..{} --shard 1/{} runs the rest",
            range.end, shard.count
        ),
        (Resume::Whole, _) => format!("{whole} runs it again whole, for a report merge takes"),
    };
    format!("after {ran} of {of}: {which}; {next_step}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exploring::sweep::Shard;

    /// A stopped hunt names the seeds it ran, not only how many: a user resumes from there.
    #[test]
    fn a_stopped_hunt_names_the_seeds_it_ran_and_how_to_run_the_rest() {
        let range: SeedRange = "100..200".parse().unwrap();
        let all = Seeds::all(range);
        let shard = Seeds {
            range,
            shard: Some("2/4".parse::<Shard>().unwrap()),
        };
        for (seeds, ran, said) in [
            (all, 7, "after 7 of the seeds in 100..200: seeds 100..107 ran; --seeds 107..200 runs the rest"),
            (all, 1, "after 1 of the seeds in 100..200: seed 100 ran; --seeds 101..200 runs the rest"),
            (all, 0, "before any of the seeds in 100..200 ran; --seeds 100..200 runs them"),
            (all, 100, "after all the seeds in 100..200 ran"),
            (shard, 3, "after 3 of the 25 seeds of shard 2/4 of 100..200: its first 3 ran, 101 to 109; --seeds 113..200 --shard 1/4 runs the rest"),
            (shard, 1, "after 1 of the 25 seeds of shard 2/4 of 100..200: its first seed, 101, ran; --seeds 105..200 --shard 1/4 runs the rest"),
            (shard, 0, "before any of the 25 seeds of shard 2/4 of 100..200 ran; --seeds 100..200 --shard 2/4 runs them"),
        ] {
            assert_eq!(which_seeds_ran(&seeds, ran, Resume::Rest), said);
        }
        // Merged with other shards, a stopped shard is run again whole: `merge` takes a
        // shard's report only for the range the other shards swept.
        assert_eq!(
            which_seeds_ran(&shard, 3, Resume::Whole),
            "after 3 of the 25 seeds of shard 2/4 of 100..200: its first 3 ran, 101 to 109; --seeds 100..200 --shard 2/4 runs it again whole, for a report merge takes"
        );
    }

    /// The command a stopped shard names runs exactly the seeds of the shard it did not run.
    #[test]
    fn the_rest_of_a_stopped_shard_is_shard_one_of_the_seeds_after_it() {
        let range: SeedRange = "100..200".parse().unwrap();
        for (k, ran) in [(1, 0), (2, 3), (4, 24), (3, 1)] {
            let shard = Seeds {
                range,
                shard: Some(Shard { index: k, count: 4 }),
            };
            let rest = Seeds {
                range: SeedRange {
                    start: shard.nth(ran),
                    end: range.end,
                },
                shard: Some(Shard { index: 1, count: 4 }),
            };
            let all: Vec<u64> = shard.iter().collect();
            let after: Vec<u64> = rest.iter().collect();
            assert_eq!(all[ran as usize..], after[..], "shard {k}/4 after {ran}");
        }
    }
}
