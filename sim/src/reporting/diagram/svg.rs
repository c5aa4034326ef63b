//! Writing a diagram as SVG: the colours, the shapes (arrows, dots, bars, ...), the header
//! with its legend, the lanes, the axis, the violation lines, and the placed labels. Where
//! things go is decided in `layout.rs`; this file only writes them.

use std::fmt::{self, Write};

use dnsim_model::Actor;

use super::layout::*;

// Colours.
pub(super) const INK: &str = "#333333";
pub(super) const GREY: &str = "#8c8c8c";
/// A stale overwrite, or a clean-up deleting a live tree.
pub(super) const WARNING: &str = "#e6550d";
pub(super) const VIOLATION: &str = "#d62728";
pub(super) const FAULT: &str = "#c98a00";
pub(super) const ENACTOR_COLOURS: [&str; 6] = [
    "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// A design's extra actors, each in a colour no enactor has.
pub(super) const JANITOR: &str = "#8c6d31";
pub(super) const MONITOR: &str = "#393b79";

pub(super) fn actor_colour(actor: Actor) -> &'static str {
    match actor {
        Actor::Planner => INK,
        Actor::Enactor(n) => ENACTOR_COLOURS[usize::from(n.max(1) - 1) % ENACTOR_COLOURS.len()],
        Actor::Janitor => JANITOR,
        Actor::Monitor => MONITOR,
        Actor::OtherWriter => GREY,
    }
}

/// Every colour an arrow may have: each gets its own arrowhead marker.
pub(super) fn arrow_colours() -> impl Iterator<Item = &'static str> {
    [INK, GREY, WARNING, JANITOR, MONITOR]
        .into_iter()
        .chain(ENACTOR_COLOURS)
}

pub(super) fn marker_id(colour: &str) -> String {
    format!("head-{}", colour.trim_start_matches('#'))
}

/// Escapes text for XML content and attribute values.
pub(super) fn escape(text: &str) -> String {
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

// Shapes. Each returns an SVG fragment; coordinates are printed with one decimal.

pub(super) fn line(x1: f64, y1: f64, x2: f64, y2: f64, colour: &str, width: f64) -> String {
    format!(
        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="{width:.1}"/>"#
    )
}

pub(super) fn arrow(x1: f64, y1: f64, x2: f64, y2: f64, colour: &str, width: f64) -> String {
    format!(
        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="{width:.1}" marker-end="url(#{})"/>"#,
        marker_id(colour)
    )
}

/// A vertical arrow down to `y2` whose last stretch is thick: it stands out where it lands,
/// not in the lanes it crosses on the way.
pub(super) fn landing_arrow(x: f64, y1: f64, y2: f64, colour: &str) -> String {
    let landing = (y2 - 18.0).max(y1);
    line(x, y1, x, landing, colour, 1.4) + &arrow(x, landing, x, y2, colour, 3.2)
}

pub(super) fn dot(x: f64, y: f64, radius: f64, colour: &str) -> String {
    format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="{radius:.1}" fill="{colour}"/>"#)
}

pub(super) fn ring(x: f64, y: f64, colour: &str) -> String {
    format!(
        r##"<circle cx="{x:.1}" cy="{y:.1}" r="2.8" fill="#ffffff" stroke="{colour}" stroke-width="1.2"/>"##
    )
}

pub(super) fn square(x: f64, y: f64, colour: &str, filled: bool) -> String {
    let fill = if filled { colour } else { "#ffffff" };
    format!(
        r#"<rect x="{:.1}" y="{:.1}" width="6" height="6" fill="{fill}" stroke="{colour}" stroke-width="1.2"/>"#,
        x - 3.0,
        y - 3.0
    )
}

pub(super) fn cross(x: f64, y: f64, colour: &str) -> String {
    let r = 3.2;
    line(x - r, y - r, x + r, y + r, colour, 1.4) + &line(x - r, y + r, x + r, y - r, colour, 1.4)
}

pub(super) fn tick(x: f64, y: f64, colour: &str) -> String {
    line(x, y - 5.0, x, y + 5.0, colour, 1.0)
}

/// A diamond: a lease lost or a plan dropped (hollow), an alarm (filled).
pub(super) fn diamond(x: f64, y: f64, colour: &str, filled: bool) -> String {
    let fill = if filled { colour } else { "#ffffff" };
    let r = 4.5;
    format!(
        r#"<path d="M{x:.1},{:.1} L{:.1},{y:.1} L{x:.1},{:.1} L{:.1},{y:.1} Z" fill="{fill}" stroke="{colour}" stroke-width="1.2"/>"#,
        y - r,
        x + r,
        y + r,
        x - r
    )
}

/// A small downward triangle just under the lane's centre line.
pub(super) fn triangle(x: f64, y: f64) -> String {
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
pub(super) struct BarStyle {
    pub(super) fill: &'static str,
    pub(super) stroke: &'static str,
    /// Behind the bar's text: the bar's own colour, over the arrows crossing it.
    pub(super) halo: &'static str,
}

pub(super) const STALL: BarStyle = BarStyle {
    fill: "#fdd49e",
    stroke: FAULT,
    halo: "#fdd49e",
};
pub(super) const CRASH: BarStyle = BarStyle {
    fill: "url(#hatch)",
    stroke: GREY,
    halo: "#eeeeee",
};
pub(super) const LOCK: BarStyle = BarStyle {
    fill: "#dddddd",
    stroke: GREY,
    halo: "#dddddd",
};
/// A frozen endpoint, from its alarm on: no enactor touches it until an operator does.
pub(super) const FROZEN: BarStyle = BarStyle {
    fill: "#dce6f0",
    stroke: VIOLATION,
    halo: "#dce6f0",
};

/// A lease of the lock service, from its grant to its expiry, outlined in its holder's colour.
pub(super) fn lease_style(holder: &'static str) -> BarStyle {
    BarStyle {
        fill: "#f1f4f8",
        stroke: holder,
        halo: "#f1f4f8",
    }
}

/// A bar from `x1` to `x2` on the centre line `y` of a lane.
pub(super) fn bar(x1: f64, x2: f64, y: f64, style: &BarStyle) -> String {
    format!(
        r#"<rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="12" fill="{}" stroke="{}" stroke-width="1"/>"#,
        y - 6.0,
        (x2 - x1).max(1.5),
        style.fill,
        style.stroke
    )
}

pub(super) fn write_mark(out: &mut String, mark: &Mark) -> fmt::Result {
    writeln!(
        out,
        r#"<g class="{}"><title>{}</title>{}</g>"#,
        mark.class,
        escape(&mark.title),
        mark.shapes
    )
}

pub(super) fn write_defs(out: &mut String) -> fmt::Result {
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
pub(super) fn write_header(
    out: &mut String,
    layout: &Layout,
    title: &str,
    entries: usize,
) -> fmt::Result {
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
    let items: [(String, &str); 19] = [
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
        (
            bar(-8.0, 8.0, 0.0, &lease_style(blue)),
            "lease held, until it expired",
        ),
        (cross(0.0, 0.0, GREY), "lease expired"),
        (diamond(0.0, 0.0, blue, false), "lease lost / plan dropped"),
        (diamond(0.0, 0.0, VIOLATION, true), "ALARM: endpoint frozen"),
        (arrow(0.0, -8.0, 0.0, 6.0, MONITOR, 1.2), "repair (gN)"),
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
pub(super) fn write_lanes(out: &mut String, layout: &Layout) -> fmt::Result {
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
            n if Some(n) == layout.actor_lane(Actor::Janitor) => JANITOR,
            n if Some(n) == layout.actor_lane(Actor::Monitor) => MONITOR,
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
pub(super) fn write_axis(out: &mut String, layout: &Layout) -> fmt::Result {
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
pub(super) fn write_violations(out: &mut String, layout: &Layout) -> fmt::Result {
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

/// Writes the whole SVG document.
pub(super) fn write(
    drawing: &Drawing,
    layout: &Layout,
    out: &mut String,
    title: &str,
    entries: usize,
) -> fmt::Result {
    let height = layout.height();
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
    for mark in &drawing.bars {
        write_mark(out, mark)?;
    }
    writeln!(out, "</g>")?;
    // Under the marks, so a mark at the very moment of a violation stays visible.
    write_violations(out, layout)?;
    writeln!(out, r#"<g class="marks">"#)?;
    for mark in &drawing.marks {
        write_mark(out, mark)?;
    }
    writeln!(out, "</g>")?;
    write_labels(drawing, layout, out)?;
    writeln!(out, "</svg>")
}

/// Places the labels, alarming ones first, and writes those that found room.
fn write_labels(drawing: &Drawing, layout: &Layout, out: &mut String) -> fmt::Result {
    let mut order: Vec<usize> = (0..drawing.labels.len()).collect();
    order.sort_by_key(|&i| (drawing.labels[i].style.priority, i));
    let mut taken = Occupied::default();
    let mut placed = Vec::new();
    for i in order {
        let label = &drawing.labels[i];
        let size = if label.style.strong { 11.0 } else { FONT };
        let (left, right, end) = text_extent(label.x, text_width(&label.text, size));
        if let Some(row) = taken.take(label.lane, label.style.rows, (left, right)) {
            placed.push((i, row, if end { right } else { left }, end));
        }
    }
    placed.sort_by_key(|&(i, ..)| i);
    writeln!(out, r#"<g class="labels">"#)?;
    for text in &drawing.bar_texts {
        writeln!(out, "{text}")?;
    }
    for (i, row, x, end) in placed {
        let label = &drawing.labels[i];
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
