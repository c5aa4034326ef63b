//! # A space-time diagram of one run
//!
//! [`render_svg`] draws a run's trace (see [`crate::trace`]) as one self-contained SVG
//! document: the picture an engineer would sketch on a whiteboard after reading
//! `dnsim replay --trace`, drawn from the trace itself. Simulated time runs left to right (the
//! axis is in seconds); each actor and each endpoint has a horizontal lane.
//!
//! How to read it:
//!
//! - **Lanes**, top to bottom: `planner`; every enactor (`enactor-1..N`, each in its own
//!   colour); `clean-up` (the clean-up work of every enactor); `other-writer` (a writer outside
//!   the automation holding an endpoint's lock, only if the run has one); then one lane per
//!   endpoint (`regional`, `fips`, `ipv6`, `account-1`, ...).
//! - **Plans** are dots on the planner lane. A **pick-up** is an arrow from the plan's dot to
//!   the enactor that picked it up, labelled with its generation (`g17`): the arrow starts
//!   when the plan was written and ends when it was picked up.
//! - A committed **change batch** is an arrow from the enactor down to the endpoint, in the
//!   enactor's colour, labelled with the generation. An arrow crosses the lanes between its
//!   ends: it lands where its head is. A **stale overwrite** (the root alias goes back to an
//!   older generation) is orange, thick where it lands, labelled `g2 (was g23)`. A batch that
//!   left the root alias where it was is drawn faint.
//! - **Clean-up** deleting plan trees is an arrow from the clean-up lane down to the endpoint,
//!   labelled `del g1..g4`; orange when it deletes the tree the root alias or the rollback
//!   record points at. While an endpoint's root alias points at a deleted tree, its lane is
//!   tinted red: it resolves to nothing.
//! - On an actor's lane: `×` a rejected change batch, `|` a busy lock, `○` a failed read, `▾`
//!   an injected fault (API delay or error, lock contention, planner burst), an amber bar a
//!   stall (with the plan held and the endpoint it was applying, if it fits), a hatched bar a
//!   crash until the restart, a grey bar (on `other-writer`) a seized lock until it expires.
//! - A **red vertical line** across every lane marks the first violation of each invariant,
//!   named at the top (`VIOLATION active_plan_exists`).
//!
//! Hovering any mark shows its full trace line. Labels that would overlap are left out
//! (alarming ones are placed first); the mark and its hover text remain. Marks of actors or
//! endpoints outside [`Lanes`] are not drawn.
//!
//! The output depends on the trace alone: the same trace gives the same bytes (ordered maps
//! only, fixed number formatting, no clock).

mod layout;
mod shapes;
mod svg;
#[cfg(test)]
mod tests;

use std::time::Duration;

use crate::reporting::episodes::Episodes;
use crate::running::scenario::Scenario;
use crate::running::trace::TraceEntry;
use layout::Layout;
use shapes::Diagram;

/// Which lanes to draw: the run's enactors and endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lanes {
    /// How many enactor lanes.
    pub enactors: u8,
    /// How many endpoint lanes.
    pub endpoints: u16,
}

impl Lanes {
    /// The lanes of a run of `scenario`.
    pub fn of(scenario: &Scenario) -> Lanes {
        Lanes {
            enactors: scenario.system.enactors,
            endpoints: scenario.system.endpoints,
        }
    }
}

/// Draws a run's trace as a space-time diagram (SVG document as a String).
pub fn render_svg(trace: &[(Duration, TraceEntry)], lanes: &Lanes, title: &str) -> String {
    let layout = Layout::new(trace, lanes);
    let episodes = Episodes::of(trace);
    let mut diagram = Diagram::new(&layout, &episodes);
    for (index, (at, entry)) in trace.iter().enumerate() {
        diagram.add(index, *at, entry);
    }
    let drawing = diagram.finish();
    let mut svg = String::new();
    svg::write(&drawing, &layout, &mut svg, title, trace.len())
        .expect("writing to a String cannot fail");
    svg
}
