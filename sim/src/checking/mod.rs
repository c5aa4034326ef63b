//! Checking a run: the invariants, their coverage marks, the independent oracle, outage measures and verdicts.

pub mod coverage;
pub mod invariants;
pub mod measures;
pub mod oracle;
pub mod verdict;
