//! Tests of the exhaustive column: its cells, its stop line and its legend, text and Markdown.

use super::*;

fn row(variant: &str, end: ExhaustEnd, schedules: u64, broken: Vec<String>) -> ExhaustiveRow {
    let unchecked = unchecked(end, broken.len());
    let stopped = matches!(end, ExhaustEnd::TimeBudget | ExhaustEnd::Interrupted);
    ExhaustiveRow {
        variant: variant.into(),
        max_faults: 2,
        schedules,
        end,
        broken,
        // Stopped in its last level: the levels below it ran whole.
        complete_up_to: Some(if stopped { 1 } else { 2 }),
        complete_schedules: if stopped { 35 } else { schedules },
        cells: InvariantId::ALL
            .iter()
            .map(|&id| {
                let violated = id == InvariantId::NoStaleOverwrite;
                let reached = u64::from(id == InvariantId::Converges);
                ExhaustiveCell {
                    invariant: id,
                    first_schedule: violated.then(|| vec!["enactor-2 pauses".to_string()]),
                    reached,
                    verdict: verdict(violated, reached, unchecked),
                }
            })
            .collect(),
    }
}

fn column(rows: Vec<ExhaustiveRow>, end: SweepEnd, not_run: &[&str]) -> ExhaustiveColumn {
    ExhaustiveColumn {
        max_faults: 2,
        rows,
        end,
        not_run: not_run.iter().map(|d| d.to_string()).collect(),
    }
}

/// A column stopped in a design keeps that design's counterexamples, says "no verdict"
/// at K for its other cells (nothing was proved at K, not even that the dangerous step
/// is out of reach), with what the levels that ran whole say, as such; and names the
/// designs after it as not run.
#[test]
fn a_stopped_column_gives_no_verdict_and_names_what_it_did_not_run() {
    let stopped = column(
        vec![
            row("original", ExhaustEnd::Completed, 35072, vec![]),
            row("fenced-and-protected", ExhaustEnd::Interrupted, 100, vec![]),
        ],
        SweepEnd::Interrupted,
        &["leased-enactor"],
    );
    let text = render_text(&stopped, "small");
    assert!(
        text.contains("    active_plan_exists     VACUOUS: none of the 35072 schedules")
            && text.contains("    converges              holds: all 35072 schedules"),
        "a design that finished is judged as before: {text}"
    );
    let rest = &text[text.find("  fenced-and-protected").unwrap()..];
    assert!(
        rest.contains("no_stale_overwrite     violated (1 fault)"),
        "{rest}"
    );
    // No verdict at K; what held below K, as `exhaust` reports it, said as such.
    assert!(
        rest.contains("converges              no verdict for at most 2 faults: stopped after 100 schedules; up to 1 fault holds: all 35 schedules (1 reached repair_needed)"),
        "{rest}"
    );
    assert!(
        rest.contains("active_plan_exists     no verdict for at most 2 faults: stopped after 100 schedules; up to 1 fault VACUOUS: none of their 35 schedules reached"),
        "{rest}"
    );
    let mut before_any_level = stopped.rows[1].clone();
    before_any_level.complete_up_to = None;
    let cell = &before_any_level.cells[4];
    assert_eq!(
        cell_text(&before_any_level, cell),
        "no verdict for at most 2 faults: stopped after 100 schedules"
    );
    assert!(
        text.contains("(exhaustive column interrupted in fenced-and-protected after 100 schedules: its cells without a violation have no verdict for at most 2 faults; not run: leased-enactor)"),
        "{text}"
    );
    let verdicts: Vec<CellVerdict> = stopped.rows[1].cells.iter().map(|c| c.verdict).collect();
    assert_eq!(verdicts[0], CellVerdict::Violated);
    assert!(
        verdicts[1..].iter().all(|v| *v == CellVerdict::NoVerdict),
        "{verdicts:?}"
    );
    let markdown = render_markdown(&stopped, "small");
    assert!(
        markdown.contains("| leased-enactor | not run |"),
        "{markdown}"
    );
    assert!(markdown.contains("not run: leased-enactor"), "{markdown}");
    let whole = column(
        vec![row("original", ExhaustEnd::Completed, 9, vec![])],
        SweepEnd::Completed,
        &[],
    );
    assert_eq!(stopped_text(&whole), None);
    let never = ExhaustiveColumn::not_run_at_all(2, &["original".into()], SweepEnd::TimeBudget);
    assert_eq!(
        stopped_text(&never).unwrap(),
        "exhaustive column stopped at the time budget before its first design; not run: original"
    );
}

/// A schedule that crashed or hung was not checked: no cell of its design holds, and
/// the run is listed.
#[test]
fn a_broken_schedule_leaves_no_hold_standing() {
    let broken = row(
        "original",
        ExhaustEnd::Completed,
        50,
        vec!["enactor-1 crashes: crashed: boom".into()],
    );
    assert!(!broken.holds());
    let text = render_text(&column(vec![broken], SweepEnd::Completed, &[]), "small");
    assert!(
        text.contains(
            "converges              no verdict: 1 schedule crashed or hung (BROKEN below)"
        ),
        "{text}"
    );
    assert!(
        text.contains("    BROKEN run: enactor-1 crashes: crashed: boom"),
        "{text}"
    );
    // The cells, below the legend (which names both words).
    let cells = &text[text.find("  original\n").unwrap()..];
    assert!(
        !cells.contains("holds") && !cells.contains("VACUOUS"),
        "{text}"
    );
    let stopped_too = row(
        "original",
        ExhaustEnd::TimeBudget,
        50,
        vec!["enactor-1 crashes: crashed: boom".into()],
    );
    let text = render_text(
        &column(vec![stopped_too], SweepEnd::TimeBudget, &[]),
        "small",
    );
    assert!(
        text.contains(
            "no verdict: 1 schedule crashed or hung (BROKEN below), and stopped after 50 schedules"
        ),
        "{text}"
    );
}

/// Stopped before it starts (Ctrl-C already pressed): no design runs, and every one is
/// named as not run.
#[test]
fn a_stop_ends_the_column_before_the_next_design() {
    let scenario = Scenario::load("small").unwrap();
    let designs = [
        crate::registry::parse("original").unwrap(),
        crate::registry::parse("fenced-and-protected").unwrap(),
    ];
    let options = SweepOptions::new(1);
    options.stop.store(true, Ordering::Relaxed);
    let column = exhaustive_column(&scenario, &designs, 1, &options);
    assert!(column.rows.is_empty(), "{:?}", column.rows);
    assert_eq!(column.end, SweepEnd::Interrupted);
    assert_eq!(column.not_run, vec!["original", "fenced-and-protected"]);
}
