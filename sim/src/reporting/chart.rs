//! The sensitivity chart: violation rate against the knob's value, one line per design.
//!
//! One small panel per invariant, all sharing the x axis (the knob, to scale) and one legend,
//! so that a person sees at a glance where each fix's line falls to zero and where it stops
//! falling. A filled dot is a measured rate (`violated`, or `holds` at 0); a hollow dot is a
//! vacuous 0: no violation, but too few seeds reached the invariant's coverage mark for the
//! zero to mean anything. Curves that coincide (a fix that changes nothing for that
//! invariant) stay visible: earlier designs are drawn wider, later ones thinner on top, so
//! a shared stretch shows as a wide band with a thin line of another colour inside it.
//! Plain SVG, no script, no external fonts.

use std::fmt::Write as _;

use crate::checking::invariants::InvariantId;
use crate::checking::verdict::Verdict;
use crate::exploring::sensitivity::SensitivityReport;

const PANEL_W: f64 = 340.0;
const PANEL_H: f64 = 190.0;
const MARGIN_L: f64 = 56.0;
const MARGIN_T: f64 = 34.0;
const GAP_X: f64 = 40.0;
const GAP_Y: f64 = 64.0;
const COLUMNS: usize = 2;
const COLOURS: [&str; 14] = [
    "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#393b79", "#ad494a", "#637939", "#843c39",
];

/// A rate axis that ends at a round number above `max` (at least 1%).
fn axis_top(max: f64) -> f64 {
    let steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0];
    steps.into_iter().find(|&step| max <= step).unwrap_or(1.0)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The width of design `index`'s line: the first widest (at most 9), the last 1.5.
fn stroke_width(index: usize, count: usize) -> f64 {
    let widest = (1.5 + 1.5 * count.saturating_sub(1) as f64).min(9.0);
    let step = (widest - 1.5) / count.saturating_sub(1).max(1) as f64;
    (widest - step * index as f64).max(1.5)
}

/// The chart as an SVG document.
pub fn render_svg(report: &SensitivityReport) -> String {
    let variants = report.variants();
    let invariants = InvariantId::ALL;
    let rows = invariants.len().div_ceil(COLUMNS);
    let legend_h = 22.0 * variants.len().div_ceil(3) as f64 + 10.0;
    let width = MARGIN_L + COLUMNS as f64 * (PANEL_W + GAP_X) + 10.0;
    let height = MARGIN_T + 30.0 + rows as f64 * (PANEL_H + GAP_Y) + legend_h;
    let (lo, hi) = (
        *report.values.iter().min().expect("at least one value") as f64,
        *report.values.iter().max().expect("at least one value") as f64,
    );
    let x_of = |value: u64| {
        if hi > lo {
            (value as f64 - lo) / (hi - lo) * PANEL_W
        } else {
            PANEL_W / 2.0
        }
    };
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN_L}" y="20" font-size="14" font-weight="bold">Violation rate against {} (scenario {}, strategy {}, seeds {})</text>"#,
        report.knob,
        escape(&report.scenario),
        report.strategy,
        report.seeds
    );
    for (i, invariant) in invariants.into_iter().enumerate() {
        let left = MARGIN_L + (i % COLUMNS) as f64 * (PANEL_W + GAP_X);
        let top = MARGIN_T + 20.0 + (i / COLUMNS) as f64 * (PANEL_H + GAP_Y);
        let curves: Vec<_> = variants
            .iter()
            .filter_map(|v| report.curve(v, invariant))
            .collect();
        let max = curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.rate))
            .fold(0.0, f64::max);
        let y_top = axis_top(max);
        let y_of = |rate: f64| top + PANEL_H - rate / y_top * PANEL_H;
        let _ = writeln!(
            svg,
            r#"<g class="panel" data-invariant="{invariant}"><text x="{left}" y="{:.1}" font-size="12" font-weight="bold">{invariant}</text>"#,
            top - 8.0
        );
        let _ = writeln!(
            svg,
            r##"<rect x="{left}" y="{top}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#999"/>"##
        );
        for fraction in [0.0, 0.5, 1.0] {
            let y = y_of(y_top * fraction);
            let _ = writeln!(
                svg,
                r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{:.0}%</text>"##,
                left + PANEL_W,
                left - 4.0,
                y + 4.0,
                y_top * fraction * 100.0
            );
        }
        for &value in &report.values {
            let x = left + x_of(value);
            let _ = writeln!(
                svg,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#999"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{value}</text>"##,
                top + PANEL_H,
                top + PANEL_H + 4.0,
                top + PANEL_H + 16.0
            );
        }
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555">{}</text>"##,
            left + PANEL_W / 2.0,
            top + PANEL_H + 32.0,
            report.knob
        );
        for (c, curve) in curves.iter().enumerate() {
            let index = variants
                .iter()
                .position(|v| *v == curve.variant)
                .unwrap_or(c);
            let colour = COLOURS[index % COLOURS.len()];
            let stroke = stroke_width(index, variants.len());
            let points: Vec<String> = curve
                .points
                .iter()
                .map(|p| format!("{:.1},{:.1}", left + x_of(p.value), y_of(p.rate)))
                .collect();
            let _ = writeln!(
                svg,
                r#"<polyline class="curve" data-variant="{}" points="{}" fill="none" stroke="{colour}" stroke-width="{stroke:.1}"/>"#,
                curve.variant,
                points.join(" ")
            );
            for p in &curve.points {
                let fill = if p.verdict == Verdict::Vacuous {
                    "white"
                } else {
                    colour
                };
                let _ = writeln!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="{fill}" stroke="{colour}" stroke-width="1.5"><title>{} {} at {} = {}: {:.2}% ({}, reached {})</title></circle>"#,
                    left + x_of(p.value),
                    y_of(p.rate),
                    stroke / 2.0 + 2.0,
                    curve.variant,
                    curve.invariant,
                    report.knob,
                    p.value,
                    p.rate * 100.0,
                    p.verdict,
                    p.reached
                );
            }
        }
        let _ = writeln!(svg, "</g>");
    }
    let legend_top = MARGIN_T + 20.0 + rows as f64 * (PANEL_H + GAP_Y) - 10.0;
    for (i, variant) in variants.iter().enumerate() {
        let x = MARGIN_L + (i % 3) as f64 * 240.0;
        let y = legend_top + (i / 3) as f64 * 22.0;
        let colour = COLOURS[i % COLOURS.len()];
        let _ = writeln!(
            svg,
            r#"<line x1="{x:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="{:.1}"/><text x="{:.1}" y="{:.1}">{variant}</text>"#,
            x + 24.0,
            stroke_width(i, variants.len()),
            x + 30.0,
            y + 4.0
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{MARGIN_L}" y="{:.1}" fill="#555">Filled dot: measured rate. Hollow dot: no violation, but too few seeds reached the invariant's coverage mark (vacuous).</text>"##,
        legend_top + 22.0 * variants.len().div_ceil(3) as f64 + 4.0
    );
    let _ = writeln!(svg, "</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_widths_fall_from_the_first_design_to_the_last() {
        assert_eq!(stroke_width(0, 6), 9.0);
        assert_eq!(stroke_width(5, 6), 1.5);
        assert_eq!(stroke_width(0, 13), 9.0);
        assert_eq!(stroke_width(12, 13), 1.5);
        assert!(stroke_width(3, 13) > stroke_width(4, 13));
        assert_eq!(stroke_width(0, 1), 1.5);
    }

    #[test]
    fn the_rate_axis_ends_at_a_round_number() {
        assert_eq!(axis_top(0.0), 0.01);
        assert_eq!(axis_top(0.03), 0.05);
        assert_eq!(axis_top(0.68), 1.0);
    }
}
