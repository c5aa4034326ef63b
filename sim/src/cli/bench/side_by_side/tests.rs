//! Tests of `bench`'s side-by-side comparison: ratios, rounds and how targets are judged.

use super::*;

fn judged(ratio: f64, timed_secs: f64, name: &'static str) -> String {
    let mut out = Vec::new();
    let ratio = Ratio {
        name,
        ratio,
        rounds: vec![ratio],
        per_entry: ratio,
        entries_per_event: (0.5, 0.5),
        timed_secs,
        shorter: "--seeds",
    };
    assert!(scale_targets(&mut out, &[ratio]).is_ok());
    String::from_utf8(out).unwrap()
}

#[test]
fn a_ratio_is_met_from_four_fifths_of_the_default_on_and_judged_only_if_timed() {
    assert!(judged(0.8, 1.0, "long").contains("0.80x  met; not a target: per trace entry"));
    assert!(judged(0.79, 1.0, "long").contains("0.79x  MISSED; not a target: per trace entry"));
    let short = judged(0.95, 0.1, "route53-scale");
    assert!(
        short.contains("0.95x  not judged: a run took 100 ms"),
        "{short}"
    );
    assert!(short.contains("more --seeds)"), "{short}");
    let untargeted = judged(0.5, 9.0, "incident-long");
    assert!(
        untargeted.contains("0.50x the default's  (no target"),
        "{untargeted}"
    );
    assert!(!untargeted.contains("MISSED") && !untargeted.contains("met"));
}

fn run(events_per_sec: f64) -> Run {
    Run {
        seeds: 1,
        events: 100,
        trace_entries: 50,
        events_per_sec,
        peak_rss_kib: None,
    }
}

/// A ratio is the median of each round's own: a round where load slowed both alike
/// moves nothing.
#[test]
fn a_ratio_is_the_median_of_each_rounds_own() {
    assert_eq!(median([3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median([4.0, 1.0]), 2.5);
    let rounds = vec![
        vec![run(100.0), run(90.0)],
        vec![run(50.0), run(45.0)], // a loaded round: both at half speed
        vec![run(100.0), run(80.0)],
    ];
    let ratios = ratios(&rounds);
    assert_eq!(ratios.len(), 1);
    assert!((ratios[0].ratio - 0.9).abs() < 1e-9, "{}", ratios[0].ratio);
    let own: Vec<f64> = ratios[0]
        .rounds
        .iter()
        .map(|r| (r * 1e9).round() / 1e9)
        .collect();
    assert_eq!(own, [0.9, 0.9, 0.8], "each round's own ratio, in order");
    assert_eq!(ratios[0].timed_secs, 1.0);
    assert_eq!(run(0.0).secs(), 0.0, "a run of nothing is not timed");
}

/// Per trace entry, a scenario whose events do twice the work at 0.6 of the default's
/// events/s does each entry at 1.2 of its speed: the two ratios are printed side by side.
#[test]
fn the_ratio_per_entry_weighs_what_the_events_did() {
    let busy = Run {
        trace_entries: 100,
        ..run(60.0)
    };
    let ratios = ratios(&[vec![run(100.0), busy]]);
    assert!((ratios[0].ratio - 0.6).abs() < 1e-9, "{}", ratios[0].ratio);
    assert!(
        (ratios[0].per_entry - 1.2).abs() < 1e-9,
        "{}",
        ratios[0].per_entry
    );
    assert_eq!(ratios[0].entries_per_event, (1.0, 0.5));
    let line = {
        let mut out = Vec::new();
        assert!(scale_targets(&mut out, &ratios).is_ok());
        String::from_utf8(out).unwrap()
    };
    assert!(
        line.contains("per trace entry 1.20x (1.00 entries per event, the default 0.50)"),
        "{line}"
    );
}

/// Rounds on both sides of the target give no verdict, whatever their median says; a
/// verdict needs every round to agree.
#[test]
fn a_target_is_judged_only_when_every_round_agrees() {
    let line = |rounds: &[f64]| {
        let ratio = Ratio {
            name: "route53-scale",
            ratio: median(rounds.iter().copied()),
            rounds: rounds.to_vec(),
            per_entry: 1.0,
            entries_per_event: (0.5, 0.5),
            timed_secs: 1.0,
            shorter: "--seeds",
        };
        let mut out = Vec::new();
        assert!(scale_targets(&mut out, &[ratio]).is_ok());
        String::from_utf8(out).unwrap()
    };
    let straddling = line(&[0.76, 0.84, 0.92]);
    assert!(
        straddling.contains(
            "0.84x (rounds 0.760 0.840 0.920)  UNSETTLED: 2 of 3 rounds met it, 1 did not"
        ),
        "{straddling}"
    );
    assert!(!straddling.contains(" met;") && !straddling.contains("MISSED"));
    let one_of_three = line(&[0.79, 0.7, 0.8]);
    assert!(
        one_of_three.contains("UNSETTLED: 1 of 3 rounds met it, 2 did not"),
        "{one_of_three}"
    );
    // A round just under the target shows as under it.
    let close = line(&[0.7996, 0.83, 0.86]);
    assert!(
        close.contains("(rounds 0.799 0.830 0.860)  UNSETTLED"),
        "{close}"
    );
    let met = line(&[0.81, 0.84, 0.92]);
    assert!(
        met.contains("0.84x (rounds 0.810 0.840 0.920)  met;"),
        "{met}"
    );
    assert!(line(&[0.8, 0.9]).contains("  met;"), "exactly 0.8 meets it");
    let missed = line(&[0.55, 0.61, 0.79]);
    assert!(
        missed.contains("0.61x (rounds 0.550 0.610 0.790)  MISSED;"),
        "{missed}"
    );
}

/// Rounds too short to time give no verdict, even when they disagree; a scenario with no
/// target gets none either.
#[test]
fn short_or_untargeted_rounds_are_not_judged() {
    let ratio = |name, timed_secs| Ratio {
        name,
        ratio: 0.84,
        rounds: vec![0.76, 0.84, 0.92],
        per_entry: 1.0,
        entries_per_event: (0.5, 0.5),
        timed_secs,
        shorter: "--scale-seeds",
    };
    let mut out = Vec::new();
    let ratios = [ratio("route53-scale", 0.1), ratio("incident-long", 9.0)];
    assert!(scale_targets(&mut out, &ratios).is_ok());
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("not judged: a run took 100 ms"), "{out}");
    assert!(
        !out.contains("UNSETTLED") && !out.contains("MISSED"),
        "{out}"
    );
    assert!(!out.contains(" met"), "{out}");
}

#[test]
fn a_later_round_must_run_what_the_first_ran() {
    let first = vec![run(1.0), run(1.0)];
    let mut later = first.clone();
    assert!(same_runs(&first, &later).is_ok());
    later[1].events += 1;
    assert!(same_runs(&first, &later).is_err());
    let mut later = first.clone();
    later[1].trace_entries += 1;
    assert!(same_runs(&first, &later).is_err());
}
