//! The exhaust figures of `dnsim bench`: on `small`, how soon the enumeration finds the
//! first counterexample of each invariant in the original design, and how long the full
//! verdict for `fenced-and-protected` takes, beside the public Spin model's figures.

use std::io::Write;

use dnsim_model::designs;

use crate::checking::invariants::InvariantId;
use crate::exploring::hunt::SeedRange;
use crate::exploring::sweep::{budget_left, SweepEnd, SweepOptions};
use crate::reporting::plural;
use crate::running::scenario::Scenario;

use super::{exhaust, ExhaustEnd, ExhaustSpec, Menu, DEFAULT_MAX_FAULTS};

/// The public Spin/Promela model of the race (2 enactors, 5 plans, atomic apply), as quoted
/// in the issue that asked for `exhaust`: its whole state space and its first counterexample.
pub const SPIN_FIGURES: &str = "Spin model: about 17,900 states, a counterexample in about 0.02 s";

fn spec(scenario: &Scenario, variant: &str, stop_when_all_violated: bool) -> ExhaustSpec {
    ExhaustSpec {
        scenario: scenario.clone(),
        design: designs::by_name(variant).expect("a built-in design"),
        menu: Menu::default_for(scenario),
        max_faults: DEFAULT_MAX_FAULTS,
        noise_seeds: SeedRange { start: 0, end: 1 },
        stop_when_all_violated,
    }
}

/// What a figure measured over a stopped enumeration says of itself.
const PARTIAL: &str = "(partial: the enumeration was stopped before it finished)";

/// How an enumeration's end reads as a sweep's: stopped (partial), or not.
fn sweep_end(end: ExhaustEnd) -> SweepEnd {
    match end {
        ExhaustEnd::Completed | ExhaustEnd::AllViolated => SweepEnd::Completed,
        ExhaustEnd::TimeBudget => SweepEnd::TimeBudget,
        ExhaustEnd::Interrupted => SweepEnd::Interrupted,
    }
}

/// Measures and prints the figures, on `options.jobs` threads, under its stop flag and time
/// budget. Returns how it ended: stopped part-way, the figures printed are marked partial.
pub fn bench(out: &mut dyn Write, options: &SweepOptions) -> std::io::Result<SweepEnd> {
    let jobs = options.jobs;
    let began = options.clock.now();
    let scenario = Scenario::load("small").expect("the small scenario is built in");
    let k = DEFAULT_MAX_FAULTS;
    writeln!(
        out,
        "\nexhaust on small (default menu, at most {k} faults, noise seed 0, {jobs} jobs; {SPIN_FIGURES}):"
    )?;
    let original = exhaust(
        &spec(&scenario, "original", true),
        options,
        &mut |_, _, _, _| {},
    );
    for id in InvariantId::ALL {
        match original.counterexamples.get(&id) {
            Some(c) => writeln!(
                out,
                "  original {:<22} first counterexample ({}) after {}, {:.1} ms",
                id.as_str(),
                plural(c.faults.len() as u64, "fault", "faults"),
                plural(c.index + 1, "schedule", "schedules"),
                c.found_ms
            )?,
            None => writeln!(out, "  original {:<22} holds", id.as_str())?,
        }
    }
    let end = sweep_end(original.end);
    if end != SweepEnd::Completed {
        writeln!(out, "  {PARTIAL}")?;
        return Ok(end);
    }
    let Some(rest) = budget_left(options, began) else {
        return Ok(SweepEnd::TimeBudget);
    };
    let fenced = exhaust(
        &spec(&scenario, "fenced-and-protected", false),
        &rest,
        &mut |_, _, _, _| {},
    );
    let end = sweep_end(fenced.end);
    if end != SweepEnd::Completed {
        writeln!(
            out,
            "  fenced-and-protected: {} schedules ran, no verdict {PARTIAL}",
            fenced.ran()
        )?;
        return Ok(end);
    }
    let holds = fenced.end == ExhaustEnd::Completed && fenced.counterexamples.is_empty();
    writeln!(
        out,
        "  fenced-and-protected: {} for all {} schedules with at most {k} faults, in {:.1} s",
        if holds { "holds" } else { "DOES NOT HOLD" },
        fenced.ran(),
        fenced.wall_ms / 1e3
    )?;
    Ok(SweepEnd::Completed)
}
