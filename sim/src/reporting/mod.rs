//! Reporting a run: one analysis of its trace (episodes), then its story, its diagram and charts.

pub mod chart;
pub mod diagram;
pub mod episodes;
pub mod narrative;

/// `n` and its noun, in the singular for one: "1 fault", "2 faults".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
