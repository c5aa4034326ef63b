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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};
use std::time::Duration;

use dnsim_model::event::{EventKind, Generations};
use dnsim_model::{Actor, EndpointId, Event, Fault, Generation, Step};

use crate::faults::ScheduledFault;
use crate::invariants::InvariantId;
use crate::scenario::Scenario;
use crate::trace::{format_time, TraceEntry};

/// Which lanes to draw: the run's enactors and endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lanes {
    pub enactors: u8,
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
    let mut diagram = Diagram::new(&layout);
    for (at, entry) in trace {
        diagram.add(*at, entry);
    }
    let mut svg = String::new();
    diagram
        .write(&mut svg, title, trace.len())
        .expect("writing to a String cannot fail");
    svg
}

// Geometry, in pixels.
const WIDTH: f64 = 1600.0;
/// Left of the plot: the lane names.
const LEFT: f64 = 100.0;
const RIGHT: f64 = 24.0;
const LANE_HEIGHT: f64 = 54.0;
/// Title, subtitle and two rows of legend.
const HEADER: f64 = 86.0;
/// One row of violation labels above the lanes.
const BAND_ROW: f64 = 14.0;
/// Below the lanes: tick labels and the axis caption.
const AXIS: f64 = 44.0;
const FONT: f64 = 10.0;
/// Least horizontal gap between two labels in the same row.
const GAP: f64 = 4.0;

// Colours.
const INK: &str = "#333333";
const GREY: &str = "#8c8c8c";
/// A stale overwrite, or a clean-up deleting a live tree.
const WARNING: &str = "#e6550d";
const VIOLATION: &str = "#d62728";
const FAULT: &str = "#c98a00";
const ENACTOR_COLOURS: [&str; 6] = [
    "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// Label rows of a lane, in order of preference: 0 and 1 above the lane's centre line, 2 below.
const ABOVE_FIRST: &[usize] = &[0, 1, 2];
const BELOW_FIRST: &[usize] = &[2, 1, 0];

fn row_offset(row: usize) -> f64 {
    match row {
        0 => -7.0,
        1 => -18.0,
        _ => 17.0,
    }
}

/// Where everything goes: lanes, the time scale and the violation band.
struct Layout {
    /// Lane names, top to bottom.
    names: Vec<String>,
    enactors: u8,
    endpoints: u16,
    other_writer: bool,
    /// The right end of the time axis, a whole number of ticks.
    end_ms: u64,
    tick_ms: u64,
    /// The first violation of each invariant, with its label row in the band.
    violations: Vec<ViolationMark>,
    band_top: f64,
    lanes_top: f64,
}

struct ViolationMark {
    at_ms: u64,
    invariant: InvariantId,
    title: String,
    row: usize,
}

impl Layout {
    fn new(trace: &[(Duration, TraceEntry)], lanes: &Lanes) -> Layout {
        let other_writer = trace.iter().any(|(_, entry)| {
            matches!(
                entry,
                TraceEntry::Event(Event {
                    actor: Actor::OtherWriter,
                    ..
                })
            )
        });
        let mut names = vec!["planner".to_string()];
        names.extend((1..=lanes.enactors).map(|n| Actor::Enactor(n).to_string()));
        names.push("clean-up".to_string());
        if other_writer {
            names.push(Actor::OtherWriter.to_string());
        }
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

    fn x(&self, ms: u64) -> f64 {
        let plot = WIDTH - LEFT - RIGHT;
        LEFT + ms.min(self.end_ms) as f64 / self.end_ms as f64 * plot
    }

    /// The centre line of a lane.
    fn y(&self, lane: usize) -> f64 {
        self.lanes_top + (lane as f64 + 0.5) * LANE_HEIGHT
    }

    fn lanes_bottom(&self) -> f64 {
        self.lanes_top + self.names.len() as f64 * LANE_HEIGHT
    }

    fn height(&self) -> f64 {
        self.lanes_bottom() + AXIS
    }

    fn cleanup_lane(&self) -> usize {
        1 + self.enactors as usize
    }

    fn first_endpoint_lane(&self) -> usize {
        self.cleanup_lane() + 1 + usize::from(self.other_writer)
    }

    fn actor_lane(&self, actor: Actor) -> Option<usize> {
        match actor {
            Actor::Planner => Some(0),
            Actor::Enactor(n) => (1..=self.enactors).contains(&n).then_some(n as usize),
            Actor::OtherWriter => self.other_writer.then_some(self.cleanup_lane() + 1),
            // A design's extra actors have no lane of their own (yet).
            Actor::Janitor | Actor::Monitor => None,
        }
    }

    fn endpoint_lane(&self, endpoint: EndpointId) -> Option<usize> {
        (endpoint.0 < self.endpoints).then(|| self.first_endpoint_lane() + endpoint.index())
    }
}

/// A tick spacing that gives at most 30 ticks over `last_ms`.
fn tick_for(last_ms: u64) -> u64 {
    const STEPS_S: [u64; 12] = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];
    STEPS_S
        .iter()
        .map(|s| s * 1000)
        .find(|&step| last_ms <= 30 * step)
        .unwrap_or(3_600_000 * last_ms.div_ceil(30 * 3_600_000))
}

fn violation_text(invariant: InvariantId) -> String {
    format!("VIOLATION {invariant}")
}

/// The hover text of a mark: the trace line, as `replay --trace` prints it.
fn hover(at: Duration, entry: &TraceEntry) -> String {
    format!("{}  {entry}", format_time(at).trim_start())
}

fn actor_colour(actor: Actor) -> &'static str {
    match actor {
        Actor::Planner => INK,
        Actor::Enactor(n) => ENACTOR_COLOURS[usize::from(n.max(1) - 1) % ENACTOR_COLOURS.len()],
        Actor::OtherWriter | Actor::Janitor | Actor::Monitor => GREY,
    }
}

/// Every colour an arrow may have: each gets its own arrowhead marker.
fn arrow_colours() -> impl Iterator<Item = &'static str> {
    [INK, GREY, WARNING].into_iter().chain(ENACTOR_COLOURS)
}

fn marker_id(colour: &str) -> String {
    format!("head-{}", colour.trim_start_matches('#'))
}

/// A rough width of `text` at `size` px in a sans-serif font (generous, to keep labels apart).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// Where a label anchored at `x` goes: right of it, or left of it near the right edge.
/// Returns (left, right, anchored at its end).
fn text_extent(x: f64, width: f64) -> (f64, f64, bool) {
    if x + 3.0 + width <= WIDTH - 4.0 {
        (x + 3.0, x + 3.0 + width, false)
    } else {
        (x - 3.0 - width, x - 3.0, true)
    }
}

/// Escapes text for XML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Horizontal extents already taken by labels, per (lane, row).
#[derive(Default)]
struct Occupied(BTreeMap<(usize, usize), Vec<(f64, f64)>>);

impl Occupied {
    /// Takes the first of `rows` of `lane` where `extent` is free; `None` if none is.
    fn take(&mut self, lane: usize, rows: &[usize], extent: (f64, f64)) -> Option<usize> {
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

// Shapes. Each returns an SVG fragment; coordinates are printed with one decimal.

fn line(x1: f64, y1: f64, x2: f64, y2: f64, colour: &str, width: f64) -> String {
    format!(
        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="{width:.1}"/>"#
    )
}

fn arrow(x1: f64, y1: f64, x2: f64, y2: f64, colour: &str, width: f64) -> String {
    format!(
        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="{width:.1}" marker-end="url(#{})"/>"#,
        marker_id(colour)
    )
}

/// A vertical arrow down to `y2` whose last stretch is thick: it stands out where it lands,
/// not in the lanes it crosses on the way.
fn landing_arrow(x: f64, y1: f64, y2: f64, colour: &str) -> String {
    let landing = (y2 - 18.0).max(y1);
    line(x, y1, x, landing, colour, 1.4) + &arrow(x, landing, x, y2, colour, 3.2)
}

fn dot(x: f64, y: f64, radius: f64, colour: &str) -> String {
    format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="{radius:.1}" fill="{colour}"/>"#)
}

fn ring(x: f64, y: f64, colour: &str) -> String {
    format!(
        r##"<circle cx="{x:.1}" cy="{y:.1}" r="2.8" fill="#ffffff" stroke="{colour}" stroke-width="1.2"/>"##
    )
}

fn square(x: f64, y: f64, colour: &str, filled: bool) -> String {
    let fill = if filled { colour } else { "#ffffff" };
    format!(
        r#"<rect x="{:.1}" y="{:.1}" width="6" height="6" fill="{fill}" stroke="{colour}" stroke-width="1.2"/>"#,
        x - 3.0,
        y - 3.0
    )
}

fn cross(x: f64, y: f64, colour: &str) -> String {
    let r = 3.2;
    line(x - r, y - r, x + r, y + r, colour, 1.4) + &line(x - r, y + r, x + r, y - r, colour, 1.4)
}

fn tick(x: f64, y: f64, colour: &str) -> String {
    line(x, y - 5.0, x, y + 5.0, colour, 1.0)
}

/// A small downward triangle just under the lane's centre line.
fn triangle(x: f64, y: f64) -> String {
    format!(
        r#"<path d="M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z" fill="{FAULT}"/>"#,
        x - 3.0,
        y + 7.0,
        x + 3.0,
        y + 7.0,
        x,
        y + 12.0
    )
}

/// How a bar (a stretch of time on one lane) looks.
struct BarStyle {
    fill: &'static str,
    stroke: &'static str,
    /// Behind the bar's text: the bar's own colour, over the arrows crossing it.
    halo: &'static str,
}

const STALL: BarStyle = BarStyle {
    fill: "#fdd49e",
    stroke: FAULT,
    halo: "#fdd49e",
};
const CRASH: BarStyle = BarStyle {
    fill: "url(#hatch)",
    stroke: GREY,
    halo: "#eeeeee",
};
const LOCK: BarStyle = BarStyle {
    fill: "#dddddd",
    stroke: GREY,
    halo: "#dddddd",
};

/// A bar from `x1` to `x2` on the centre line `y` of a lane.
fn bar(x1: f64, x2: f64, y: f64, style: &BarStyle) -> String {
    format!(
        r#"<rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="12" fill="{}" stroke="{}" stroke-width="1"/>"#,
        y - 6.0,
        (x2 - x1).max(1.5),
        style.fill,
        style.stroke
    )
}

/// Something drawn for one trace entry, with the entry's trace line as hover text.
struct Mark {
    class: &'static str,
    title: String,
    shapes: String,
}

/// A label of a mark, placed after every mark is known (alarming ones first).
struct Label {
    lane: usize,
    x: f64,
    text: String,
    title: String,
    style: LabelStyle,
}

#[derive(Clone, Copy)]
struct LabelStyle {
    colour: &'static str,
    /// Bold and a little larger.
    strong: bool,
    /// Lower is placed first.
    priority: u8,
    /// The lane's label rows to try, in order.
    rows: &'static [usize],
}

// Label priorities.
const ALARM: u8 = 0;
const PICKUP: u8 = 1;
const APPLIED: u8 = 2;
const DELETED: u8 = 3;
const PUBLISHED: u8 = 4;
const MINOR: u8 = 5;

impl LabelStyle {
    /// A stale overwrite, a deleted live tree, an endpoint resolving to nothing.
    fn alarm(colour: &'static str, rows: &'static [usize]) -> LabelStyle {
        LabelStyle {
            colour,
            strong: true,
            priority: ALARM,
            rows,
        }
    }

    fn plain(colour: &'static str, priority: u8, rows: &'static [usize]) -> LabelStyle {
        LabelStyle {
            colour,
            strong: false,
            priority,
            rows,
        }
    }
}

struct Diagram<'a> {
    layout: &'a Layout,
    /// When each plan was written: where its pick-up arrows start.
    published_ms: BTreeMap<Generation, u64>,
    /// The plan each enactor holds (picked up, not yet lost in a crash).
    holding: BTreeMap<Actor, Generation>,
    /// Endpoints whose root alias points at a deleted tree: since when, and at which plan.
    empty_since: BTreeMap<EndpointId, (u64, Generation)>,
    /// Stalls, crashes and seized locks: drawn first, under everything else.
    bars: Vec<Mark>,
    /// Text inside bars: written with the labels, above the arrows crossing the bars.
    bar_texts: Vec<String>,
    marks: Vec<Mark>,
    labels: Vec<Label>,
}

impl<'a> Diagram<'a> {
    fn new(layout: &'a Layout) -> Diagram<'a> {
        Diagram {
            layout,
            published_ms: BTreeMap::new(),
            holding: BTreeMap::new(),
            empty_since: BTreeMap::new(),
            bars: Vec::new(),
            bar_texts: Vec::new(),
            marks: Vec::new(),
            labels: Vec::new(),
        }
    }

    fn add(&mut self, at: Duration, entry: &TraceEntry) {
        let at_ms = at.as_millis() as u64;
        let title = hover(at, entry);
        match entry {
            TraceEntry::Event(event) => self.event(at_ms, event, title),
            TraceEntry::Fault(scheduled) => self.fault(at_ms, scheduled, title),
            // The layout has the first violation of each invariant; later ones are not drawn.
            TraceEntry::Violation(_) => {}
        }
    }

    fn mark(&mut self, class: &'static str, title: &str, shapes: String) {
        self.marks.push(Mark {
            class,
            title: title.to_string(),
            shapes,
        });
    }

    /// A bar on `lane` from `x1` to `x2`, with the first of `texts` that fits inside it.
    fn bar(
        &mut self,
        (class, title): (&'static str, &str),
        lane: usize,
        (x1, x2): (f64, f64),
        style: &BarStyle,
        texts: &[String],
    ) {
        let y = self.layout.y(lane);
        self.bars.push(Mark {
            class,
            title: title.to_string(),
            shapes: bar(x1, x2, y, style),
        });
        let fits = texts
            .iter()
            .find(|text| text_width(text, 9.0) + 6.0 <= x2 - x1);
        if let Some(text) = fits {
            self.bar_texts.push(format!(
                r#"<text x="{:.1}" y="{:.1}" font-size="9" fill="{INK}" style="paint-order: stroke; stroke: {}; stroke-width: 3px"><title>{}</title>{}</text>"#,
                x1 + 3.0,
                y + 3.2,
                style.halo,
                escape(title),
                escape(text)
            ));
        }
    }

    fn label(&mut self, lane: usize, x: f64, text: String, title: &str, style: LabelStyle) {
        self.labels.push(Label {
            lane,
            x,
            text,
            title: title.to_string(),
            style,
        });
    }

    fn event(&mut self, at_ms: u64, event: &Event, title: String) {
        let layout = self.layout;
        let x = layout.x(at_ms);
        let colour = actor_colour(event.actor);
        let actor_lane = layout.actor_lane(event.actor);
        let cleanup = layout.cleanup_lane();
        match &event.kind {
            EventKind::PlanPublished { generation, burst } => {
                self.published_ms.insert(*generation, at_ms);
                let Some(lane) = actor_lane else { return };
                let y = layout.y(lane);
                let (class, radius) = if *burst {
                    ("published burst", 2.4)
                } else {
                    ("published", 3.2)
                };
                self.mark(class, &title, dot(x, y, radius, colour));
                let style = LabelStyle::plain(INK, PUBLISHED, &[0, 1]);
                self.label(lane, x, generation.to_string(), &title, style);
            }
            EventKind::PlannerQuiet { .. } => {
                let Some(lane) = actor_lane else { return };
                let y = layout.y(lane);
                self.mark("quiet", &title, square(x, y, colour, false));
                let style = LabelStyle::plain(INK, PUBLISHED, &[2, 1]);
                self.label(lane, x, "quiet".to_string(), &title, style);
            }
            EventKind::PlanPickedUp { generation, .. } => {
                self.holding.insert(event.actor, *generation);
                let Some(lane) = actor_lane else { return };
                let from_ms = self.published_ms.get(generation).copied().unwrap_or(at_ms);
                let shapes = arrow(
                    layout.x(from_ms),
                    layout.y(0),
                    x,
                    layout.y(lane),
                    colour,
                    1.0,
                );
                self.mark("pickup", &title, shapes);
                let text = generation.to_string();
                let style = LabelStyle::plain(colour, PICKUP, ABOVE_FIRST);
                self.label(lane, x, text, &title, style);
            }
            EventKind::Stalled { site, ms } => {
                let Some(lane) = actor_lane else { return };
                let x2 = layout.x(at_ms + ms);
                let short = format!("stall {:.1} s", *ms as f64 / 1000.0);
                let long = match (site.step, self.holding.get(&event.actor)) {
                    (Step::Apply(endpoint), Some(generation)) => {
                        format!("{short}, holding {generation}, applying to {endpoint}")
                    }
                    (Step::Apply(endpoint), None) => format!("{short}, applying to {endpoint}"),
                    (Step::Cleanup(endpoint), _) => format!("{short}, cleaning up {endpoint}"),
                    _ => short.clone(),
                };
                self.bar(("stall", &title), lane, (x, x2), &STALL, &[long, short]);
            }
            EventKind::Crashed { restart_ms, .. } => {
                self.holding.remove(&event.actor);
                let Some(lane) = actor_lane else { return };
                let x2 = layout.x(at_ms + restart_ms);
                let text = "crashed".to_string();
                self.bar(("crash", &title), lane, (x, x2), &CRASH, &[text]);
            }
            EventKind::Restarted => {
                let Some(lane) = actor_lane else { return };
                self.mark("restart", &title, tick(x, layout.y(lane), GREY));
            }
            EventKind::LockSeized { endpoint, lock } => {
                let Some(lane) = actor_lane else { return };
                let x2 = layout.x(lock.expires_ms);
                self.bar(("lock-seized", &title), lane, (x, x2), &LOCK, &[]);
                let text = format!("{endpoint} lock");
                let style = LabelStyle::plain(GREY, MINOR, ABOVE_FIRST);
                self.label(lane, x, text, &title, style);
            }
            EventKind::LockBusy { .. } => {
                let Some(lane) = actor_lane else { return };
                self.mark("lock-busy", &title, tick(x, layout.y(lane), colour));
            }
            EventKind::ReadFailed { .. } => {
                let Some(lane) = actor_lane else { return };
                self.mark("read-failed", &title, ring(x, layout.y(lane), colour));
            }
            EventKind::TreePartBuilt { .. } => {
                let Some(lane) = actor_lane else { return };
                self.mark("tree-part", &title, tick(x, layout.y(lane), colour));
            }
            EventKind::BatchRejected { .. } => {
                let Some(lane) = actor_lane else { return };
                self.mark("rejected", &title, cross(x, layout.y(lane), colour));
            }
            EventKind::Applied {
                endpoint,
                generation,
                commit,
            } => {
                let (Some(from), Some(to)) = (actor_lane, layout.endpoint_lane(*endpoint)) else {
                    return;
                };
                if let Some((since_ms, root)) = self.empty_since.remove(endpoint) {
                    self.empty(*endpoint, since_ms, at_ms, root);
                }
                let (y1, y2) = (layout.y(from), layout.y(to));
                let stale = matches!(
                    (commit.root_before, commit.root_after),
                    (Some(before), Some(after)) if after < before
                );
                let unchanged = commit.root_before == commit.root_after;
                if stale {
                    let before = commit.root_before.expect("a stale write has a root before");
                    self.mark("applied stale", &title, landing_arrow(x, y1, y2, WARNING));
                    let text = format!("{generation} (was {before})");
                    let style = LabelStyle::alarm(WARNING, ABOVE_FIRST);
                    self.label(to, x, text, &title, style);
                } else if unchanged {
                    let shapes = format!(
                        r#"<g opacity="0.4">{}</g>"#,
                        arrow(x, y1, x, y2, colour, 1.0)
                    );
                    self.mark("applied same", &title, shapes);
                    let text = generation.to_string();
                    let style = LabelStyle::plain(colour, MINOR, ABOVE_FIRST);
                    self.label(to, x, text, &title, style);
                } else {
                    self.mark("applied", &title, arrow(x, y1, x, y2, colour, 1.2));
                    let text = generation.to_string();
                    let style = LabelStyle::plain(colour, APPLIED, ABOVE_FIRST);
                    self.label(to, x, text, &title, style);
                }
            }
            EventKind::EndpointSkipped { endpoint, .. } => {
                let (Some(from), Some(to)) = (actor_lane, layout.endpoint_lane(*endpoint)) else {
                    return;
                };
                let shapes = format!(
                    r#"<g stroke-dasharray="3,3">{}</g>"#,
                    arrow(x, layout.y(from), x, layout.y(to), GREY, 1.0)
                );
                self.mark("skipped", &title, shapes);
            }
            EventKind::PlanApplied { .. } => {
                let Some(lane) = actor_lane else { return };
                self.mark(
                    "plan-applied",
                    &title,
                    square(x, layout.y(lane), colour, false),
                );
            }
            EventKind::TreesDeleted {
                endpoint,
                generations,
                commit,
            } => {
                let Some(to) = layout.endpoint_lane(*endpoint) else {
                    return;
                };
                let live = [commit.root_after, commit.rollback_after]
                    .into_iter()
                    .flatten()
                    .any(|g| generations.contains(&g));
                if let Some(root) = commit.root_after.filter(|g| generations.contains(g)) {
                    self.empty_since.entry(*endpoint).or_insert((at_ms, root));
                }
                let (y1, y2) = (layout.y(cleanup), layout.y(to));
                let text = format!("del {}", Generations(generations));
                if live {
                    let shapes = dot(x, y1, 2.6, colour) + &landing_arrow(x, y1, y2, WARNING);
                    self.mark("deleted live", &title, shapes);
                    let style = LabelStyle::alarm(WARNING, BELOW_FIRST);
                    self.label(to, x, text, &title, style);
                } else {
                    let shapes = dot(x, y1, 2.2, colour) + &arrow(x, y1, x, y2, colour, 1.0);
                    self.mark("deleted", &title, shapes);
                    let style = LabelStyle::plain(colour, DELETED, BELOW_FIRST);
                    self.label(to, x, text, &title, style);
                }
            }
            EventKind::CleanupGaveUp { .. } => {
                self.mark(
                    "cleanup-gave-up",
                    &title,
                    ring(x, layout.y(cleanup), colour),
                );
            }
            EventKind::PlansDeleted { generations } => {
                self.mark(
                    "plans-deleted",
                    &title,
                    square(x, layout.y(cleanup), colour, true),
                );
                let text = format!("plans {}", Generations(generations));
                let style = LabelStyle::plain(colour, MINOR, ABOVE_FIRST);
                self.label(cleanup, x, text, &title, style);
            }
            // Events of some designs only: told by the trace, not drawn (yet).
            EventKind::LeaseGranted { .. }
            | EventKind::LeaseLost { .. }
            | EventKind::PlanAbandoned { .. }
            | EventKind::Alarm { .. }
            | EventKind::FrozenSkipped { .. }
            | EventKind::Repaired { .. } => {}
        }
    }

    /// A red band on an endpoint's lane while it resolves to no addresses.
    fn empty(&mut self, endpoint: EndpointId, from_ms: u64, to_ms: u64, root: Generation) {
        let Some(lane) = self.layout.endpoint_lane(endpoint) else {
            return;
        };
        let (x1, x2) = (self.layout.x(from_ms), self.layout.x(to_ms));
        let y = self.layout.y(lane);
        let shapes = format!(
            r#"<rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{VIOLATION}" opacity="0.13"/>"#,
            y - LANE_HEIGHT / 2.0 + 2.0,
            (x2 - x1).max(1.5),
            LANE_HEIGHT - 4.0
        );
        let title = format!(
            "{} to {}  {endpoint} resolves to no addresses: its root alias points at {root}, whose tree is deleted",
            format_time(Duration::from_millis(from_ms)).trim_start(),
            format_time(Duration::from_millis(to_ms)).trim_start(),
        );
        self.bars.push(Mark {
            class: "empty",
            title: title.clone(),
            shapes,
        });
        let text = format!("{endpoint} resolves to nothing");
        // Above the stale-overwrite labels of row 0.
        let style = LabelStyle::alarm(VIOLATION, &[1, 2]);
        self.label(lane, x1, text, &title, style);
    }

    fn fault(&mut self, at_ms: u64, scheduled: &ScheduledFault, title: String) {
        // Stalls and crashes are drawn from their events, as bars.
        if matches!(scheduled.fault, Fault::Stall { .. } | Fault::Crash { .. }) {
            return;
        }
        let Some(lane) = self.layout.actor_lane(scheduled.at.actor) else {
            return;
        };
        let shapes = triangle(self.layout.x(at_ms), self.layout.y(lane));
        self.mark("fault", &title, shapes);
    }

    fn write(mut self, out: &mut String, title: &str, entries: usize) -> fmt::Result {
        let layout = self.layout;
        let height = layout.height();
        // Endpoints still resolving to nothing when the trace ends.
        for (endpoint, (since_ms, root)) in std::mem::take(&mut self.empty_since) {
            self.empty(endpoint, since_ms, layout.end_ms, root);
        }
        writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0}" height="{height:.0}" viewBox="0 0 {WIDTH:.0} {height:.0}" font-family="sans-serif" font-size="{FONT:.0}">"#
        )?;
        writeln!(out, "<title>{}</title>", escape(title))?;
        write_defs(out)?;
        writeln!(
            out,
            r##"<rect x="0" y="0" width="{WIDTH:.0}" height="{height:.0}" fill="#ffffff"/>"##
        )?;
        write_header(out, layout, title, entries)?;
        write_lanes(out, layout)?;
        write_axis(out, layout)?;

        writeln!(out, r#"<g class="bars">"#)?;
        for mark in &self.bars {
            write_mark(out, mark)?;
        }
        writeln!(out, "</g>")?;
        // Under the marks, so a mark at the very moment of a violation stays visible.
        write_violations(out, layout)?;
        writeln!(out, r#"<g class="marks">"#)?;
        for mark in &self.marks {
            write_mark(out, mark)?;
        }
        writeln!(out, "</g>")?;
        self.write_labels(out)?;
        writeln!(out, "</svg>")
    }

    /// Places the labels, alarming ones first, and writes those that found room.
    fn write_labels(&self, out: &mut String) -> fmt::Result {
        let layout = self.layout;
        let mut order: Vec<usize> = (0..self.labels.len()).collect();
        order.sort_by_key(|&i| (self.labels[i].style.priority, i));
        let mut taken = Occupied::default();
        let mut placed = Vec::new();
        for i in order {
            let label = &self.labels[i];
            let size = if label.style.strong { 11.0 } else { FONT };
            let (left, right, end) = text_extent(label.x, text_width(&label.text, size));
            if let Some(row) = taken.take(label.lane, label.style.rows, (left, right)) {
                placed.push((i, row, if end { right } else { left }, end));
            }
        }
        placed.sort_by_key(|&(i, ..)| i);
        writeln!(out, r#"<g class="labels">"#)?;
        for text in &self.bar_texts {
            writeln!(out, "{text}")?;
        }
        for (i, row, x, end) in placed {
            let label = &self.labels[i];
            let y = layout.y(label.lane) + row_offset(row);
            let anchor = if end { r#" text-anchor="end""# } else { "" };
            let weight = if label.style.strong {
                r#" font-weight="bold" font-size="11""#
            } else {
                ""
            };
            writeln!(
                out,
                r#"<text class="halo" x="{x:.1}" y="{y:.1}" fill="{}"{anchor}{weight}><title>{}</title>{}</text>"#,
                label.style.colour,
                escape(&label.title),
                escape(&label.text)
            )?;
        }
        writeln!(out, "</g>")
    }
}

fn write_mark(out: &mut String, mark: &Mark) -> fmt::Result {
    writeln!(
        out,
        r#"<g class="{}"><title>{}</title>{}</g>"#,
        mark.class,
        escape(&mark.title),
        mark.shapes
    )
}

fn write_defs(out: &mut String) -> fmt::Result {
    writeln!(out, "<defs>")?;
    writeln!(
        out,
        "<style>.halo {{ paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }}</style>"
    )?;
    for colour in arrow_colours() {
        writeln!(
            out,
            r#"<marker id="{}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 Z" fill="{colour}"/></marker>"#,
            marker_id(colour)
        )?;
    }
    writeln!(
        out,
        r##"<pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" fill="#eeeeee"/><line x1="0" y1="0" x2="0" y2="5" stroke="#999999" stroke-width="2"/></pattern>"##
    )?;
    writeln!(out, "</defs>")
}

/// Title, a line saying how to read the diagram, and the legend.
fn write_header(out: &mut String, layout: &Layout, title: &str, entries: usize) -> fmt::Result {
    writeln!(
        out,
        r#"<text x="12" y="22" font-size="15" font-weight="bold" fill="{INK}">{}</text>"#,
        escape(title)
    )?;
    writeln!(
        out,
        r#"<text x="12" y="39" font-size="11" fill="{GREY}">{entries} trace entries over {} s of simulated time; hover any mark for its trace line</text>"#,
        layout.end_ms / 1000
    )?;
    let blue = ENACTOR_COLOURS[0];
    let empty = format!(
        r#"<rect x="-8" y="-7" width="16" height="14" fill="{VIOLATION}" opacity="0.13"/>"#
    );
    let items: [(String, &str); 14] = [
        (dot(0.0, 0.0, 3.2, INK), "plan published"),
        (
            arrow(-7.0, -7.0, 6.0, 5.0, blue, 1.0),
            "plan picked up (gN)",
        ),
        (
            arrow(0.0, -8.0, 0.0, 6.0, blue, 1.2),
            "change batch applied (gN)",
        ),
        (
            landing_arrow(0.0, -8.0, 6.0, WARNING),
            "stale overwrite: root goes back",
        ),
        (
            landing_arrow(0.0, -8.0, 6.0, WARNING),
            "clean-up deletes a live tree (root or rollback)",
        ),
        (empty, "endpoint resolves to nothing"),
        (cross(0.0, 0.0, blue), "batch rejected"),
        (tick(0.0, 0.0, blue), "lock busy"),
        (ring(0.0, 0.0, blue), "read failed"),
        (triangle(0.0, -9.0), "fault injected"),
        (bar(-8.0, 8.0, 0.0, &STALL), "stall"),
        (bar(-8.0, 8.0, 0.0, &CRASH), "crashed, until restart"),
        (bar(-8.0, 8.0, 0.0, &LOCK), "lock seized by other writer"),
        (
            line(0.0, -8.0, 0.0, 7.0, VIOLATION, 2.0),
            "first violation of an invariant",
        ),
    ];
    let mut x = 22.0;
    let mut y = 58.0;
    for (glyph, text) in items {
        let width = 16.0 + text_width(text, FONT) + 18.0;
        if x + width > WIDTH - RIGHT {
            x = 22.0;
            y += 18.0;
        }
        writeln!(
            out,
            r#"<g transform="translate({x:.1},{y:.1})">{glyph}<text x="12" y="3.5" fill="{INK}">{text}</text></g>"#
        )?;
        x += width;
    }
    Ok(())
}

/// Lane backgrounds, centre lines and names.
fn write_lanes(out: &mut String, layout: &Layout) -> fmt::Result {
    let first_endpoint = layout.first_endpoint_lane();
    for (lane, name) in layout.names.iter().enumerate() {
        let top = layout.lanes_top + lane as f64 * LANE_HEIGHT;
        let y = layout.y(lane);
        let fill = match (lane >= first_endpoint, lane % 2 == 0) {
            (false, true) => "#f5f5f5",
            (false, false) => "#ffffff",
            (true, true) => "#eef3f9",
            (true, false) => "#f8fafd",
        };
        writeln!(
            out,
            r#"<rect x="0" y="{top:.1}" width="{WIDTH:.0}" height="{LANE_HEIGHT:.0}" fill="{fill}"/>"#
        )?;
        writeln!(out, "{}", line(LEFT, y, WIDTH - RIGHT, y, "#d0d0d0", 1.0))?;
        let colour = match lane {
            0 => INK,
            n if n <= layout.enactors as usize => actor_colour(Actor::Enactor(n as u8)),
            _ => INK,
        };
        writeln!(
            out,
            r#"<text class="lane" data-lane="{name}" x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" font-weight="bold" fill="{colour}">{name}</text>"#,
            LEFT - 10.0,
            y + 4.0,
            name = escape(name)
        )?;
    }
    // Actors above, endpoints below.
    let y = layout.lanes_top + first_endpoint as f64 * LANE_HEIGHT;
    writeln!(out, "{}", line(0.0, y, WIDTH, y, "#9aa7b8", 1.5))
}

/// Tick lines across the lanes, tick labels in seconds and the axis caption.
fn write_axis(out: &mut String, layout: &Layout) -> fmt::Result {
    let top = layout.lanes_top;
    let bottom = layout.lanes_bottom();
    writeln!(out, r#"<g class="axis">"#)?;
    let mut ms = 0;
    while ms <= layout.end_ms {
        let x = layout.x(ms);
        writeln!(out, "{}", line(x, top, x, bottom, "#e2e2e2", 1.0))?;
        writeln!(out, "{}", line(x, bottom, x, bottom + 5.0, INK, 1.0))?;
        writeln!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="{INK}">{} s</text>"#,
            bottom + 17.0,
            ms / 1000
        )?;
        ms += layout.tick_ms;
    }
    writeln!(
        out,
        "{}",
        line(LEFT, bottom, WIDTH - RIGHT, bottom, INK, 1.0)
    )?;
    writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="{INK}">simulated time (s)</text>"#,
        LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        bottom + 35.0
    )?;
    writeln!(out, "</g>")
}

/// A red line across every lane at the first violation of each invariant, named in the band.
fn write_violations(out: &mut String, layout: &Layout) -> fmt::Result {
    for violation in &layout.violations {
        let x = layout.x(violation.at_ms);
        let text = violation_text(violation.invariant);
        let y = layout.band_top + (violation.row as f64 + 1.0) * BAND_ROW - 3.0;
        let (_, _, end) = text_extent(x, text_width(&text, 11.0));
        let (text_x, anchor) = if end {
            (x - 3.0, r#" text-anchor="end""#)
        } else {
            (x + 3.0, "")
        };
        writeln!(
            out,
            r#"<g class="violation" data-invariant="{id}"><title>{title}</title>{line}<text x="{text_x:.1}" y="{y:.1}" font-size="11" font-weight="bold" fill="{VIOLATION}"{anchor}>{text}</text></g>"#,
            id = violation.invariant,
            title = escape(&violation.title),
            line = line(x, y - 10.0, x, layout.lanes_bottom(), VIOLATION, 1.6),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use dnsim_model::designs;
    use roxmltree::{Document, Node};

    use super::*;
    use crate::invariants::Violation;
    use crate::run::{run, Outcome, RunSpec};

    /// A seeded run of the incident scenario on the original design, with its trace kept.
    fn incident_run(seed: u64) -> (Lanes, Outcome) {
        let scenario = Scenario::load("incident").unwrap();
        let design = designs::by_name("original").unwrap();
        let mut spec = RunSpec::seeded(&scenario, design, seed);
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
}
