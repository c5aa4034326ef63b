//! Where everything in a diagram goes: the lanes, the time scale, the violation band, and
//! the labels (each placed in the first free row of its lane, alarming ones first). No SVG
//! is written here; see `svg.rs` for that and `shapes.rs` for which trace entry becomes which
//! shape.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use dnsim_model::event::EventKind;
use dnsim_model::{Actor, EndpointId};

use crate::checking::invariants::InvariantId;
use crate::running::entry::{format_time, TraceEntry};
use crate::running::scenario::Scenario;

// Geometry, in pixels.
pub(super) const WIDTH: f64 = 1600.0;
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

/// Left of the plot: the lane names.
pub(super) const LEFT: f64 = 100.0;
pub(super) const RIGHT: f64 = 24.0;
pub(super) const LANE_HEIGHT: f64 = 54.0;
/// Title, subtitle and two rows of legend.
pub(super) const HEADER: f64 = 86.0;
/// One row of violation labels above the lanes.
pub(super) const BAND_ROW: f64 = 14.0;
/// Below the lanes: tick labels and the axis caption.
pub(super) const AXIS: f64 = 44.0;
pub(super) const FONT: f64 = 10.0;
/// Least horizontal gap between two labels in the same row.
pub(super) const GAP: f64 = 4.0;

/// The name of the lock service's lane.
pub(super) const LOCK_SERVICE: &str = "lock-service";

/// Label rows of a lane, in order of preference: 0 and 1 above the lane's centre line, 2 below.
pub(super) const ABOVE_FIRST: &[usize] = &[0, 1, 2];
pub(super) const BELOW_FIRST: &[usize] = &[2, 1, 0];

pub(super) fn row_offset(row: usize) -> f64 {
    match row {
        0 => -7.0,
        1 => -18.0,
        _ => 17.0,
    }
}

/// Where everything goes: lanes, the time scale and the violation band.
pub(super) struct Layout {
    /// Lane names, top to bottom.
    pub(super) names: Vec<String>,
    pub(super) enactors: u8,
    pub(super) endpoints: u16,
    /// Optional lanes, each drawn only if the trace has its events: the lock service (a
    /// design with leases), a janitor and a monitor (designs' extra actors), and another
    /// writer holding a lock.
    pub(super) lock_service: bool,
    pub(super) janitor: bool,
    pub(super) monitor: bool,
    pub(super) other_writer: bool,
    /// The right end of the time axis, a whole number of ticks.
    pub(super) end_ms: u64,
    pub(super) tick_ms: u64,
    /// The first violation of each invariant, with its label row in the band.
    pub(super) violations: Vec<ViolationMark>,
    pub(super) band_top: f64,
    pub(super) lanes_top: f64,
}

pub(super) struct ViolationMark {
    pub(super) at_ms: u64,
    pub(super) invariant: InvariantId,
    pub(super) title: String,
    pub(super) row: usize,
}

impl Layout {
    pub(super) fn new(trace: &[(Duration, TraceEntry)], lanes: &Lanes) -> Layout {
        let events = || {
            trace.iter().filter_map(|(_, entry)| match entry {
                TraceEntry::Event(event) => Some(event),
                _ => None,
            })
        };
        // An actor has a lane if it did anything or met a fault.
        let acts = |actor: Actor| {
            trace.iter().any(|(_, entry)| match entry {
                TraceEntry::Event(event) => event.actor == actor,
                TraceEntry::Fault(scheduled) => scheduled.at.actor == actor,
                TraceEntry::Violation(_) => false,
            })
        };
        let lock_service =
            events().any(|event| matches!(event.kind, EventKind::LeaseGranted { .. }));
        let (janitor, monitor) = (acts(Actor::Janitor), acts(Actor::Monitor));
        let other_writer = events().any(|event| event.actor == Actor::OtherWriter);
        let mut names = vec!["planner".to_string()];
        names.extend((1..=lanes.enactors).map(|n| Actor::Enactor(n).to_string()));
        let optional = |shown: bool, name: &str| shown.then(|| name.to_string());
        names.extend(optional(lock_service, LOCK_SERVICE));
        names.push("clean-up".to_string());
        names.extend(optional(janitor, "janitor"));
        names.extend(optional(monitor, "monitor"));
        names.extend(optional(other_writer, "other-writer"));
        names.extend(EndpointId::all(lanes.endpoints.into()).map(|e| e.to_string()));

        let last_ms = trace
            .iter()
            .map(|(at, _)| at.as_millis() as u64)
            .max()
            .unwrap_or(0);
        let tick_ms = tick_for(last_ms);
        let end_ms = last_ms.div_ceil(tick_ms).max(1) * tick_ms;

        let mut layout = Layout {
            names,
            enactors: lanes.enactors,
            endpoints: lanes.endpoints,
            lock_service,
            janitor,
            monitor,
            other_writer,
            end_ms,
            tick_ms,
            violations: Vec::new(),
            band_top: HEADER,
            lanes_top: HEADER,
        };

        // The first violation of each invariant; its label goes in the first band row free.
        let mut seen = BTreeSet::new();
        let mut taken = Occupied::default();
        for (at, entry) in trace {
            let TraceEntry::Violation(violation) = entry else {
                continue;
            };
            if !seen.insert(violation.invariant) {
                continue;
            }
            let at_ms = at.as_millis() as u64;
            let text = violation_text(violation.invariant);
            let (left, right, _) = text_extent(layout.x(at_ms), text_width(&text, 11.0));
            let rows: Vec<usize> = (0..=layout.violations.len()).collect();
            let row = taken
                .take(0, &rows, (left, right))
                .expect("a new row is always free");
            layout.violations.push(ViolationMark {
                at_ms,
                invariant: violation.invariant,
                title: hover(*at, entry),
                row,
            });
        }
        let band_rows = layout
            .violations
            .iter()
            .map(|v| v.row + 1)
            .max()
            .unwrap_or(0);
        layout.lanes_top = layout.band_top + band_rows as f64 * BAND_ROW + 8.0;
        layout
    }

    pub(super) fn x(&self, ms: u64) -> f64 {
        let plot = WIDTH - LEFT - RIGHT;
        LEFT + ms.min(self.end_ms) as f64 / self.end_ms as f64 * plot
    }

    /// The centre line of a lane.
    pub(super) fn y(&self, lane: usize) -> f64 {
        self.lanes_top + (lane as f64 + 0.5) * LANE_HEIGHT
    }

    pub(super) fn lanes_bottom(&self) -> f64 {
        self.lanes_top + self.names.len() as f64 * LANE_HEIGHT
    }

    pub(super) fn height(&self) -> f64 {
        self.lanes_bottom() + AXIS
    }

    /// The lock service's lane, right below the enactors (only with leases).
    pub(super) fn lock_service_lane(&self) -> Option<usize> {
        self.lock_service.then_some(1 + self.enactors as usize)
    }

    /// The enactors' clean-up work.
    pub(super) fn cleanup_lane(&self) -> usize {
        1 + self.enactors as usize + usize::from(self.lock_service)
    }

    /// The optional actor lanes below clean-up, in order: janitor, monitor, other writer.
    fn below_cleanup(&self, upto: usize) -> usize {
        let shown = [self.janitor, self.monitor, self.other_writer];
        self.cleanup_lane() + 1 + shown[..upto].iter().filter(|&&shown| shown).count()
    }

    pub(super) fn first_endpoint_lane(&self) -> usize {
        self.below_cleanup(3)
    }

    pub(super) fn actor_lane(&self, actor: Actor) -> Option<usize> {
        match actor {
            Actor::Planner => Some(0),
            Actor::Enactor(n) => (1..=self.enactors).contains(&n).then_some(n as usize),
            Actor::Janitor => self.janitor.then(|| self.below_cleanup(0)),
            Actor::Monitor => self.monitor.then(|| self.below_cleanup(1)),
            Actor::OtherWriter => self.other_writer.then(|| self.below_cleanup(2)),
        }
    }

    /// Where `actor`'s clean-up is drawn: the janitor on its own lane, enactors on clean-up.
    pub(super) fn cleanup_lane_of(&self, actor: Actor) -> usize {
        match actor {
            Actor::Janitor => self.actor_lane(actor).unwrap_or(self.cleanup_lane()),
            _ => self.cleanup_lane(),
        }
    }

    pub(super) fn endpoint_lane(&self, endpoint: EndpointId) -> Option<usize> {
        (endpoint.0 < self.endpoints).then(|| self.first_endpoint_lane() + endpoint.index())
    }
}

/// A tick spacing that gives at most 30 ticks over `last_ms`.
pub(super) fn tick_for(last_ms: u64) -> u64 {
    const STEPS_S: [u64; 12] = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];
    STEPS_S
        .iter()
        .map(|s| s * 1000)
        .find(|&step| last_ms <= 30 * step)
        .unwrap_or(3_600_000 * last_ms.div_ceil(30 * 3_600_000))
}

pub(super) fn violation_text(invariant: InvariantId) -> String {
    format!("VIOLATION {invariant}")
}

/// A rough width of `text` at `size` px in a sans-serif font (generous, to keep labels apart).
pub(super) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// Where a label anchored at `x` goes: right of it, or left of it near the right edge.
/// Returns (left, right, anchored at its end).
pub(super) fn text_extent(x: f64, width: f64) -> (f64, f64, bool) {
    if x + 3.0 + width <= WIDTH - 4.0 {
        (x + 3.0, x + 3.0 + width, false)
    } else {
        (x - 3.0 - width, x - 3.0, true)
    }
}

/// Horizontal extents already taken by labels, per (lane, row).
#[derive(Default)]
pub(super) struct Occupied(BTreeMap<(usize, usize), Vec<(f64, f64)>>);

impl Occupied {
    /// Takes the first of `rows` of `lane` where `extent` is free; `None` if none is.
    pub(super) fn take(
        &mut self,
        lane: usize,
        rows: &[usize],
        extent: (f64, f64),
    ) -> Option<usize> {
        for &row in rows {
            let taken = self.0.entry((lane, row)).or_default();
            let free = taken
                .iter()
                .all(|&(left, right)| extent.1 + GAP <= left || right + GAP <= extent.0);
            if free {
                taken.push(extent);
                return Some(row);
            }
        }
        None
    }
}

/// Something drawn for one trace entry, with the entry's trace line as hover text.
pub(super) struct Mark {
    pub(super) class: &'static str,
    pub(super) title: String,
    pub(super) shapes: String,
}

/// A label of a mark, placed after every mark is known (alarming ones first).
pub(super) struct Label {
    pub(super) lane: usize,
    pub(super) x: f64,
    pub(super) text: String,
    pub(super) title: String,
    pub(super) style: LabelStyle,
}

#[derive(Clone, Copy)]
pub(super) struct LabelStyle {
    pub(super) colour: &'static str,
    /// Bold and a little larger.
    pub(super) strong: bool,
    /// Lower is placed first.
    pub(super) priority: u8,
    /// The lane's label rows to try, in order.
    pub(super) rows: &'static [usize],
}

// Label priorities.
pub(super) const ALARM: u8 = 0;
pub(super) const PICKUP: u8 = 1;
pub(super) const APPLIED: u8 = 2;
pub(super) const DELETED: u8 = 3;
pub(super) const PUBLISHED: u8 = 4;
pub(super) const MINOR: u8 = 5;

impl LabelStyle {
    /// A stale overwrite, a deleted live tree, an endpoint resolving to nothing.
    pub(super) fn alarm(colour: &'static str, rows: &'static [usize]) -> LabelStyle {
        LabelStyle {
            colour,
            strong: true,
            priority: ALARM,
            rows,
        }
    }

    pub(super) fn plain(colour: &'static str, priority: u8, rows: &'static [usize]) -> LabelStyle {
        LabelStyle {
            colour,
            strong: false,
            priority,
            rows,
        }
    }
}

/// Everything drawn for a run, before it is written out: the bars (drawn first), the text
/// inside them, the marks and the labels still to be placed.
pub(super) struct Drawing {
    pub(super) bars: Vec<Mark>,
    pub(super) bar_texts: Vec<String>,
    pub(super) marks: Vec<Mark>,
    pub(super) labels: Vec<Label>,
}

/// The hover text of a mark: the trace line, as `replay --trace` prints it.
pub(super) fn hover(at: Duration, entry: &TraceEntry) -> String {
    format!("{}  {entry}", format_time(at).trim_start())
}
