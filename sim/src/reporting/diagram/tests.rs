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

/// A seeded run of the incident scenario on `variant` with the default (swarm) faults, as the
/// README's findings replay it, drawn.
fn design_diagram(variant: &str, seed: u64) -> String {
    let scenario = Scenario::load("incident").unwrap();
    let design = designs::parse(variant).unwrap();
    let mut spec = RunSpec::seeded(&scenario, design, seed);
    spec.trace.keep = true;
    let outcome = run(&spec);
    render_svg(&outcome.trace, &Lanes::of(&scenario), variant)
}

/// The y of a lane's centre line, read from its name (drawn 4 px below it).
fn lane_y(doc: &Document, lane: &str) -> f64 {
    let name = doc
        .descendants()
        .find(|n| class_of(n) == "lane" && n.attribute("data-lane") == Some(lane))
        .unwrap_or_else(|| panic!("no {lane} lane"));
    name.attribute("y").unwrap().parse::<f64>().unwrap() - 4.0
}

/// The first number of attribute `name` on the first element of a mark (its start).
fn first_attribute(mark: &Node, name: &str) -> f64 {
    let element = mark
        .descendants()
        .find(|n| n.attribute(name).is_some())
        .unwrap_or_else(|| panic!("a shape with {name}"));
    element.attribute(name).unwrap().parse().unwrap()
}

#[test]
fn leases_are_drawn_on_a_lock_service_lane_with_their_grants_and_expiries() {
    // Seed 53: enactor-3's lease expires while its g44 batch is slow (README findings).
    let svg = design_diagram("leased-enactor", 53);
    let doc = Document::parse(&svg).unwrap();
    let lanes = lane_names(&doc);
    assert_eq!(
        lanes[1..5],
        ["enactor-1", "enactor-2", "enactor-3", "lock-service"]
    );
    let service = lane_y(&doc, "lock-service");
    let grants: Vec<Node> = doc
        .descendants()
        .filter(|n| class_of(n) == "lease-granted")
        .collect();
    assert!(!grants.is_empty());
    for grant in &grants {
        assert_eq!(
            first_attribute(grant, "cy"),
            service,
            "from the lock service"
        );
    }
    let expired = titles(&doc, "lease-expired");
    assert!(
        expired
            .iter()
            .any(|t| t.contains("token 45 held by enactor-3") && t.contains("expired")),
        "{expired:?}"
    );
    assert!(titles(&doc, "lease")
        .iter()
        .any(|t| t.starts_with("lease token 45 held by enactor-3")));
    assert!(
        doc.descendants().any(|n| n.text() == Some("t45")),
        "token labels"
    );
}

#[test]
fn a_freeze_is_an_alarm_and_a_frozen_bar_on_the_endpoint() {
    // Seed 47: fips's batch for g37 is rejected (rollback target g14 gone): frozen.
    let svg = design_diagram("freeze-on-missing-target", 47);
    let doc = Document::parse(&svg).unwrap();
    let alarms = titles(&doc, "alarm");
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert!(
        alarms[0].contains("ALARM fips: batch for g37 rejected"),
        "{alarms:?}"
    );
    let alarm = doc.descendants().find(|n| class_of(n) == "alarm").unwrap();
    let fips = lane_y(&doc, "fips");
    let diamond = alarm
        .descendants()
        .find(|n| n.has_tag_name("path"))
        .unwrap();
    assert!(
        diamond
            .attribute("d")
            .unwrap()
            .contains(&format!(",{fips:.1}")),
        "the diamond is on fips's lane"
    );
    assert_eq!(titles(&doc, "frozen").len(), 1);
    assert!(doc.descendants().any(|n| n.text() == Some("fips frozen")));
    assert!(doc.descendants().any(|n| n.text() == Some("ALARM")));
    assert!(!titles(&doc, "frozen-skipped").is_empty());
}

#[test]
fn the_monitor_and_the_janitor_have_lanes_and_their_work_starts_there() {
    // Seed 56: account-2 resolves to nothing; the monitor repairs it with g73.
    let svg = design_diagram("repair-monitor", 56);
    let doc = Document::parse(&svg).unwrap();
    assert!(lane_names(&doc).contains(&"monitor".to_string()));
    let monitor = lane_y(&doc, "monitor");
    let repairs: Vec<Node> = doc
        .descendants()
        .filter(|n| class_of(n) == "repaired")
        .collect();
    assert!(titles(&doc, "repaired")
        .iter()
        .any(|t| t.contains("account-2: resolves to nothing; repairs with g73")));
    for repair in &repairs {
        assert_eq!(first_attribute(repair, "y1"), monitor, "from the monitor");
    }
    // g73's label finds no room beside account-2's alarms; g89's (fips, 120.6 s) does.
    assert!(doc.descendants().any(|n| n.text() == Some("repair g89")));

    // Seed 2: the janitor deletes old trees from every endpoint at 127 s.
    let svg = design_diagram("janitor-cleanup", 2);
    let doc = Document::parse(&svg).unwrap();
    let lanes = lane_names(&doc);
    let at = |lane: &str| lanes.iter().position(|name| name == lane);
    assert_eq!(at("janitor"), at("clean-up").map(|lane| lane + 1));
    let janitor = lane_y(&doc, "janitor");
    let deletions: Vec<Node> = doc
        .descendants()
        .filter(|n| class_of(n) == "deleted")
        .collect();
    assert!(!deletions.is_empty());
    for deletion in &deletions {
        assert_eq!(first_attribute(deletion, "cy"), janitor, "from the janitor");
    }
}
