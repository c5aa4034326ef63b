//! Which trace entry becomes which shape: a plan's dot, a pick-up or a batch as an arrow,
//! a stall or a crash as a bar, a deletion, a fault's triangle, an endpoint resolving to
//! nothing as a red band; each with its label and its trace line as hover text.

use std::collections::BTreeMap;
use std::time::Duration;

use dnsim_model::event::{EventKind, Generations};
use dnsim_model::lock_service::Lease;
use dnsim_model::{Actor, EndpointId, Event, Fault, Generation, Step};

use super::layout::*;
use super::svg::*;
use crate::reporting::episodes::{Episode, Episodes};
use crate::running::schedule::ScheduledFault;
use crate::running::trace::{format_time, TraceEntry};

pub(super) struct Diagram<'a> {
    pub(super) layout: &'a Layout,
    /// When each plan was written: where its pick-up arrows start.
    pub(super) published_ms: BTreeMap<Generation, u64>,
    /// The plan each enactor holds (picked up, not yet lost in a crash).
    pub(super) holding: BTreeMap<Actor, Generation>,
    /// When each lease (by token) was granted: where its bar starts once its expiry is known.
    pub(super) granted_ms: BTreeMap<u64, u64>,
    /// The run's stale writes, deleted live trees and empty answers.
    pub(super) episodes: &'a Episodes,
    /// Stalls, crashes and seized locks: drawn first, under everything else.
    pub(super) bars: Vec<Mark>,
    /// Text inside bars: written with the labels, above the arrows crossing the bars.
    pub(super) bar_texts: Vec<String>,
    pub(super) marks: Vec<Mark>,
    pub(super) labels: Vec<Label>,
}

impl<'a> Diagram<'a> {
    pub(super) fn new(layout: &'a Layout, episodes: &'a Episodes) -> Diagram<'a> {
        Diagram {
            layout,
            episodes,
            published_ms: BTreeMap::new(),
            holding: BTreeMap::new(),
            granted_ms: BTreeMap::new(),
            bars: Vec::new(),
            bar_texts: Vec::new(),
            marks: Vec::new(),
            labels: Vec::new(),
        }
    }

    pub(super) fn add(&mut self, index: usize, at: Duration, entry: &TraceEntry) {
        let at_ms = at.as_millis() as u64;
        let title = hover(at, entry);
        // An endpoint's red band ends where the batch or repair ending it is drawn.
        let episodes = self.episodes;
        for empty in episodes.empty_ended_at(index) {
            let from_ms = empty.from.as_millis() as u64;
            self.empty(empty.endpoint, from_ms, at_ms, empty.root);
        }
        let episode = episodes.at(index);
        match entry {
            TraceEntry::Event(event) => self.event(at_ms, event, episode, title),
            TraceEntry::Fault(scheduled) => self.fault(at_ms, scheduled, title),
            // The layout has the first violation of each invariant; later ones are not drawn.
            TraceEntry::Violation(_) => {}
        }
    }

    pub(super) fn mark(&mut self, class: &'static str, title: &str, shapes: String) {
        self.marks.push(Mark {
            class,
            title: title.to_string(),
            shapes,
        });
    }

    /// A bar on `lane` from `x1` to `x2`, with the first of `texts` that fits inside it.
    pub(super) fn bar(
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

    pub(super) fn label(
        &mut self,
        lane: usize,
        x: f64,
        text: String,
        title: &str,
        style: LabelStyle,
    ) {
        self.labels.push(Label {
            lane,
            x,
            text,
            title: title.to_string(),
            style,
        });
    }

    pub(super) fn event(
        &mut self,
        at_ms: u64,
        event: &Event,
        episode: Option<&Episode>,
        title: String,
    ) {
        let layout = self.layout;
        let x = layout.x(at_ms);
        let colour = actor_colour(event.actor);
        let actor_lane = layout.actor_lane(event.actor);
        let cleanup = layout.cleanup_lane_of(event.actor);
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
            EventKind::TreePartBuilt { .. } | EventKind::TreePartDeleted { .. } => {
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
                let (y1, y2) = (layout.y(from), layout.y(to));
                let stale = match episode {
                    Some(Episode::StaleWrite { root_before, .. }) => Some(*root_before),
                    _ => None,
                };
                let unchanged = commit.root_before == commit.root_after;
                if let Some(before) = stale {
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
                ..
            } => {
                let Some(to) = layout.endpoint_lane(*endpoint) else {
                    return;
                };
                let live = matches!(episode, Some(Episode::LiveTreeDeleted { .. }));
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
                let text = Generations(generations).after("plan").to_string();
                let style = LabelStyle::plain(colour, MINOR, ABOVE_FIRST);
                self.label(cleanup, x, text, &title, style);
            }
            EventKind::LeaseGranted { lease, expired } => {
                self.lease_granted(at_ms, event.actor, lease, expired.as_ref(), &title);
            }
            EventKind::LeaseLost { .. } => {
                let Some(lane) = actor_lane else { return };
                self.mark(
                    "lease-lost",
                    &title,
                    diamond(x, layout.y(lane), colour, false),
                );
                let style = LabelStyle::plain(colour, MINOR, BELOW_FIRST);
                self.label(lane, x, "lease lost".to_string(), &title, style);
            }
            EventKind::PlanAbandoned { generation } => {
                let Some(lane) = actor_lane else { return };
                self.mark(
                    "abandoned",
                    &title,
                    diamond(x, layout.y(lane), colour, false),
                );
                let style = LabelStyle::plain(colour, MINOR, BELOW_FIRST);
                self.label(lane, x, format!("drops {generation}"), &title, style);
            }
            EventKind::Alarm { endpoint, .. } => {
                let (Some(from), Some(to)) = (actor_lane, layout.endpoint_lane(*endpoint)) else {
                    return;
                };
                let (y1, y2) = (layout.y(from), layout.y(to));
                let shapes = format!(
                    r#"<g stroke-dasharray="4,2">{}</g>{}"#,
                    line(x, y1, x, y2, VIOLATION, 1.2),
                    diamond(x, y2, VIOLATION, true)
                );
                self.mark("alarm", &title, shapes);
                // Frozen from here on: the model has no operator to thaw it.
                let x2 = layout.x(layout.end_ms);
                let text = format!("{endpoint} frozen");
                self.bar(("frozen", &title), to, (x, x2), &FROZEN, &[text]);
                let style = LabelStyle::alarm(VIOLATION, ABOVE_FIRST);
                self.label(to, x, "ALARM".to_string(), &title, style);
            }
            EventKind::FrozenSkipped { endpoint, .. } => {
                let (Some(from), Some(to)) = (actor_lane, layout.endpoint_lane(*endpoint)) else {
                    return;
                };
                let shapes = format!(
                    r#"<g stroke-dasharray="1,3" opacity="0.6">{}</g>"#,
                    line(x, layout.y(from), x, layout.y(to), GREY, 1.0)
                );
                self.mark("frozen-skipped", &title, shapes);
            }
            EventKind::Repaired {
                endpoint,
                generation,
                ..
            } => {
                let (Some(from), Some(to)) = (actor_lane, layout.endpoint_lane(*endpoint)) else {
                    return;
                };
                let shapes = arrow(x, layout.y(from), x, layout.y(to), colour, 1.6);
                self.mark("repaired", &title, shapes);
                // Placed before ordinary batches: it ends an empty answer.
                let style = LabelStyle::plain(colour, PICKUP, ABOVE_FIRST);
                self.label(to, x, format!("repair {generation}"), &title, style);
            }
        }
    }

    /// A lease granted: an arrow from the lock service to its holder; and, if it took over
    /// an expired lease, that lease's bar (grant to expiry) and a cross where it expired.
    fn lease_granted(
        &mut self,
        at_ms: u64,
        holder: Actor,
        lease: &Lease,
        expired: Option<&Lease>,
        title: &str,
    ) {
        let layout = self.layout;
        self.granted_ms.insert(lease.token, at_ms);
        let Some(service) = layout.lock_service_lane() else {
            return;
        };
        let (x, y) = (layout.x(at_ms), layout.y(service));
        let colour = actor_colour(holder);
        if let Some(to) = layout.actor_lane(holder) {
            let shapes = dot(x, y, 2.4, colour) + &arrow(x, y, x, layout.y(to), colour, 1.0);
            self.mark("lease-granted", title, shapes);
        }
        let style = LabelStyle::plain(colour, PICKUP, ABOVE_FIRST);
        self.label(service, x, format!("t{}", lease.token), title, style);
        let Some(expired) = expired else { return };
        let expired_colour = actor_colour(expired.holder);
        let end = layout.x(expired.expires_ms);
        if let Some(&from_ms) = self.granted_ms.get(&expired.token) {
            let text = format!("t{} {}", expired.token, expired.holder);
            let style = lease_style(expired_colour);
            let bar_title = format!("lease {expired}, expired; {title}");
            self.bar(
                ("lease", &bar_title),
                service,
                (layout.x(from_ms), end),
                &style,
                &[text],
            );
        }
        self.mark("lease-expired", title, cross(end, y, GREY));
    }

    /// A red band on an endpoint's lane while it resolves to no addresses.
    pub(super) fn empty(
        &mut self,
        endpoint: EndpointId,
        from_ms: u64,
        to_ms: u64,
        root: Generation,
    ) {
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

    pub(super) fn fault(&mut self, at_ms: u64, scheduled: &ScheduledFault, title: String) {
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

    /// Everything drawn, once every entry is in: endpoints still resolving to nothing when
    /// the trace ends get their band up to the end of the axis.
    pub(super) fn finish(mut self) -> Drawing {
        let end_ms = self.layout.end_ms;
        let episodes = self.episodes;
        for empty in episodes.empty.iter().filter(|e| e.until.is_none()) {
            let from_ms = empty.from.as_millis() as u64;
            self.empty(empty.endpoint, from_ms, end_ms, empty.root);
        }
        Drawing {
            bars: self.bars,
            bar_texts: self.bar_texts,
            marks: self.marks,
            labels: self.labels,
        }
    }
}
