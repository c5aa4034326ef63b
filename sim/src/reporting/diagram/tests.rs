//! Tests of the diagram: well-formed XML, every lane in order, the marks a run must show.

use dnsim_model::designs;
use roxmltree::{Document, Node};

use dnsim_model::event::EventKind;
use dnsim_model::{Actor, Event, Generation};

use super::layout::violation_text;
use super::*;
use crate::checking::invariants::InvariantId;
use crate::checking::invariants::Violation;
use crate::exploring::strategy::Strategy;
use crate::running::run::{run, Outcome, RunSpec};
use crate::running::scenario::Scenario;

/// A seeded run of the incident scenario on the original design, with its trace kept.
fn incident_run(seed: u64) -> (Lanes, Outcome) {
    let scenario = Scenario::load("incident").unwrap();
    let design = designs::by_name("original").unwrap();
    let mut spec = RunSpec::seeded(&scenario, design, seed).with_strategy(Strategy::Uniform);
    spec.trace.keep = true;
    (Lanes::of(&scenario), run(&spec))
}

fn class_of<'a>(node: &Node<'a, '_>) -> &'a str {
    node.attribute("class").unwrap_or("")
}

/// The `data-lane` of every lane name, top to bottom; each name's text must be its lane.
fn lane_names(doc: &Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| class_of(n) == "lane")
        .map(|n| {
            let lane = n.attribute("data-lane").expect("a lane name has data-lane");
            assert_eq!(n.text(), Some(lane), "the lane name shows its lane");
            lane.to_string()
        })
        .collect()
}

/// The hover text of every element whose class is exactly `class`.
fn titles(doc: &Document, class: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| class_of(n) == class)
        .map(|n| {
            let title = n.children().find(|c| c.has_tag_name("title"));
            title
                .and_then(|t| t.text())
                .expect("every mark has hover text")
                .to_string()
        })
        .collect()
}

#[test]
fn seed_49_diagram_is_well_formed_xml_with_every_lane_in_order() {
    let (lanes, outcome) = incident_run(49);
    let svg = render_svg(&outcome.trace, &lanes, "incident / original / seed 49");
    let doc = Document::parse(&svg).expect("the diagram is well-formed XML");
    assert!(doc
        .root_element()
        .has_tag_name(("http://www.w3.org/2000/svg", "svg")));
    let expected = [
        "planner",
        "enactor-1",
        "enactor-2",
        "enactor-3",
        "clean-up",
        "other-writer",
        "regional",
        "fips",
        "ipv6",
        "account-1",
        "account-2",
    ];
    assert_eq!(lane_names(&doc), expected);
}

#[test]
fn seed_49_diagram_marks_the_first_violation_of_each_invariant() {
    let (lanes, outcome) = incident_run(49);
    // Every invariant but rollback_target_exists: seed 49's rollback records stay valid.
    assert_eq!(
        outcome.violations.len(),
        InvariantId::ALL.len() - 1,
        "seed 49 violates four invariants"
    );
    let svg = render_svg(&outcome.trace, &lanes, "seed 49");
    let doc = Document::parse(&svg).unwrap();
    let drawn: Vec<&str> = doc
        .descendants()
        .filter(|n| class_of(n) == "violation")
        .map(|n| n.attribute("data-invariant").expect("data-invariant"))
        .collect();
    let violated: Vec<&str> = outcome
        .violations
        .iter()
        .map(|v| v.invariant.as_str())
        .collect();
    assert_eq!(
        drawn, violated,
        "one line per violated invariant, in time order"
    );
    for violation in &outcome.violations {
        let text = violation_text(violation.invariant);
        assert!(
            doc.descendants().any(|n| n.text() == Some(text.as_str())),
            "the diagram names {}",
            violation.invariant
        );
    }
}

#[test]
fn seed_49_diagram_shows_the_stall_the_stale_write_and_the_deletion() {
    let (lanes, outcome) = incident_run(49);
    let svg = render_svg(&outcome.trace, &lanes, "seed 49");
    let doc = Document::parse(&svg).unwrap();
    let stalls = titles(&doc, "stall");
    assert!(
        stalls
            .iter()
            .any(|t| t.contains("enactor-3    STALLS 77187ms")),
        "{stalls:?}"
    );
    let stale = titles(&doc, "applied stale");
    assert!(
        stale
            .iter()
            .any(|t| t.contains("ipv6: applies g1: root g20 -> g1")),
        "{stale:?}"
    );
    let deleted = titles(&doc, "deleted live");
    assert!(
        deleted
            .iter()
            .any(|t| t.contains("account-1: clean-up deletes trees g1..g3 (root is g1)")),
        "{deleted:?}"
    );
    for label in ["g1 (was g20)", "del g1..g3"] {
        assert!(
            doc.descendants().any(|n| n.text() == Some(label)),
            "the label {label:?} is shown"
        );
    }
}

#[test]
fn the_same_trace_gives_the_same_bytes() {
    let (lanes, first) = incident_run(49);
    let (_, second) = incident_run(49);
    let svg = render_svg(&first.trace, &lanes, "seed 49");
    assert_eq!(svg, render_svg(&first.trace, &lanes, "seed 49"));
    assert_eq!(svg, render_svg(&second.trace, &lanes, "seed 49"));
    let (_, other) = incident_run(2);
    assert_ne!(svg, render_svg(&other.trace, &lanes, "seed 49"));
}

#[test]
fn xml_special_characters_are_escaped() {
    let message = r#"<root> & "rollback" 'g2'"#;
    let trace = vec![
        (
            Duration::from_millis(0),
            TraceEntry::Event(Event {
                actor: Actor::Planner,
                kind: EventKind::PlanPublished {
                    generation: Generation(1),
                    burst: false,
                },
            }),
        ),
        (
            Duration::from_millis(1500),
            TraceEntry::Violation(Violation {
                invariant: InvariantId::Converges,
                sim_time_ms: 1500,
                message: message.to_string(),
            }),
        ),
    ];
    let title = r#"a <b> & "c" 'd'"#;
    let svg = render_svg(
        &trace,
        &Lanes {
            enactors: 1,
            endpoints: 1,
        },
        title,
    );
    let doc = Document::parse(&svg).expect("well-formed despite <, &, quotes");
    let root_title = doc
        .root_element()
        .children()
        .find(|c| c.has_tag_name("title"));
    assert_eq!(root_title.and_then(|t| t.text()), Some(title));
    let hover = titles(&doc, "violation");
    assert_eq!(hover.len(), 1);
    assert!(hover[0].ends_with(message), "{hover:?}");
}

#[test]
fn the_other_writer_lane_appears_only_when_the_trace_has_one() {
    let trace = vec![(
        Duration::from_millis(0),
        TraceEntry::Event(Event {
            actor: Actor::Planner,
            kind: EventKind::PlanPublished {
                generation: Generation(1),
                burst: false,
            },
        }),
    )];
    let svg = render_svg(
        &trace,
        &Lanes {
            enactors: 2,
            endpoints: 4,
        },
        "quiet",
    );
    let doc = Document::parse(&svg).unwrap();
    let expected = [
        "planner",
        "enactor-1",
        "enactor-2",
        "clean-up",
        "regional",
        "fips",
        "ipv6",
        "account-1",
    ];
    assert_eq!(lane_names(&doc), expected);
}
