//! Reporting a run: one analysis of its trace (episodes), then its story, its diagram and charts.

pub mod chart;
pub mod diagram;
pub mod episodes;
pub mod narrative;
