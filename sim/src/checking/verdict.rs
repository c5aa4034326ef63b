//! A cell's verdict: `violated`, `holds` or `vacuous`.
//!
//! "No seed violated it" is a holds only if the invariant was put to the test: its coverage
//! mark (see [`crate::coverage`]) was reached in at least [`REACHED_FOR_HOLDS`] seeds. With
//! fewer, the cell reads `vacuous (reached in n)`: the runs say nothing either way. Thirty is
//! the usual "enough samples" rule of thumb: thirty independent tests of a claim that each
//! catch a broken design with even 10% odds miss it with odds 0.9^30, about 4%.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The fewest seeds that must reach an invariant's mark for "no violation" to read `holds`.
pub const REACHED_FOR_HOLDS: u64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// What many seeds say of one invariant: violated, holds, or vacuous.
pub enum Verdict {
    /// Some seed violated the invariant.
    Violated,
    /// No seed violated it, and its mark was reached in enough seeds.
    Holds,
    /// No seed violated it, but its mark was reached in too few seeds to mean anything.
    Vacuous,
}

impl Verdict {
    /// The verdict of `violating_seeds` violations and `reached_seeds` seeds that reached the
    /// invariant's coverage mark.
    pub fn of(violating_seeds: u64, reached_seeds: u64) -> Verdict {
        if violating_seeds > 0 {
            Verdict::Violated
        } else if reached_seeds >= REACHED_FOR_HOLDS {
            Verdict::Holds
        } else {
            Verdict::Vacuous
        }
    }

    /// The verdict's name, as in output and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Violated => "violated",
            Verdict::Holds => "holds",
            Verdict::Vacuous => "vacuous",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_violation_holds_only_when_the_mark_was_reached_often_enough() {
        assert_eq!(Verdict::of(1, 0), Verdict::Violated);
        assert_eq!(Verdict::of(0, REACHED_FOR_HOLDS), Verdict::Holds);
        assert_eq!(Verdict::of(0, REACHED_FOR_HOLDS - 1), Verdict::Vacuous);
        assert_eq!(Verdict::of(0, 0), Verdict::Vacuous);
    }
}
