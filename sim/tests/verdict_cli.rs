//! `dnsim matrix --json` and `dnsim sensitivity` as a user runs them.

mod common;
use common::{dnsim, text};

#[test]
fn matrix_json_carries_verdicts_reached_identical_seeds_and_measures() {
    let out = dnsim(&[
        "matrix",
        "--json",
        "--seeds",
        "0..40",
        "--variants",
        "generation-fencing,repoint-missing-rollback",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let designs = report["designs"].as_array().unwrap();
    assert_eq!(designs.len(), 2);
    for row in designs {
        assert!(row["identical_to_original_seeds"].is_u64(), "{row}");
        assert!(row["identical_to_original"].is_boolean(), "{row}");
        for measure in [
            "empty_answer_ms",
            "empty_answer_ms_longest",
            "stale_ms",
            "repair_ms",
        ] {
            for stat in ["median", "p99", "max"] {
                assert!(
                    row["measures"][measure][stat].is_u64(),
                    "{measure}.{stat}: {row}"
                );
            }
        }
        for cell in row["cells"].as_array().unwrap() {
            let verdict = cell["verdict"].as_str().unwrap();
            assert!(
                ["violated", "holds", "vacuous"].contains(&verdict),
                "{cell}"
            );
            assert!(cell["reached"].is_u64(), "{cell}");
        }
    }
    // original ran as the baseline: 3 designs' worth of runs.
    assert_eq!(report["runs"], 120);
}

#[test]
fn matrix_runs_one_design_with_several_parameters_and_original_anywhere_in_the_list() {
    let out = dnsim(&[
        "matrix",
        "--json",
        "--seeds",
        "0..3",
        "--variants",
        "leased-enactor:lease_ttl_ms=250,leased-enactor",
        "--variants",
        "original",
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let rows: Vec<&str> = report["designs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["variant"].as_str().unwrap())
        .collect();
    assert_eq!(
        rows,
        [
            "leased-enactor:lease_ttl_ms=250",
            "leased-enactor",
            "original"
        ]
    );
    // original, not first in the list, ran once, first, as the baseline; its row is those
    // runs (it used to run again for its row: 12).
    assert_eq!(report["runs"], 9);
}

#[test]
fn sensitivity_prints_rates_per_value_and_draws_a_chart() {
    let dir = std::env::temp_dir().join(format!("dnsim-sensitivity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("age.svg");
    let out = dnsim(&[
        "sensitivity",
        "--knob",
        "cleanup_age_generations",
        "--values",
        "5,30",
        "--seeds",
        "0..150",
        "--variants",
        "original,protect-referenced-cleanup",
        "--json",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["knob"], "cleanup_age_generations");
    let curve = report["curves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["variant"] == "original" && c["invariant"] == "active_plan_exists")
        .expect("a curve per design and invariant");
    let rates: Vec<f64> = curve["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rate"].as_f64().unwrap())
        .collect();
    // A larger clean-up age lowers the odds of deleting a live tree (it does not remove them).
    assert!(rates[0] > rates[1] && rates[1] > 0.0, "{rates:?}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&chart).expect("well-formed SVG");
    let panels = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("panel"))
        .count();
    assert_eq!(panels, 5, "one panel per invariant");
    let lines = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("curve"))
        .count();
    assert_eq!(lines, 2 * 5, "one line per design in every panel");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sensitivity_rejects_a_bad_knob_or_value_in_one_line_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("dnsim-sensitivity-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("never.svg");
    for args in [
        vec!["--knob", "nope", "--values", "1"],
        vec!["--knob", "stall_ms_max", "--values", "90000,10"],
    ] {
        let mut all = vec![
            "sensitivity",
            "--seeds",
            "0..2",
            "--svg",
            svg.to_str().unwrap(),
        ];
        all.extend(args);
        let out = dnsim(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!svg.exists(), "{all:?} wrote the chart");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
