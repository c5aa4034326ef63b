//! One plan's record tree in a zone, and a zone's trees.
//!
//! A tree is the weighted record set named for a plan: one leaf record per load balancer.
//! It holds its plan's list for the endpoint (shared with the plan, never copied) and how
//! many of its leading records are there: fewer than all while it is built in parts, or
//! deleted in parts (see [`crate::batches`]). A zone keeps its trees by generation in a
//! [`GenerationTable`], so that a batch's lookups cost the same however many trees clean-up
//! has left behind.

use crate::generation_table::GenerationTable;
use crate::plan::{LoadBalancer, Targets};

/// One plan's record tree in a zone: the plan's whole list for the endpoint (shared with the
/// plan, never copied) and how many of its leading records are there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    /// The whole tree's records, as its plan lists them.
    pub targets: Targets,
    /// How many leading records are there (`targets.len()` for a whole tree).
    pub built: usize,
}

impl Tree {
    /// The records that are there.
    pub fn records(&self) -> &[LoadBalancer] {
        &self.targets[..self.built]
    }

    /// Whether some of its records are missing (built in parts, or deleted in parts).
    pub fn is_partial(&self) -> bool {
        self.built < self.targets.len()
    }
}

/// A zone's trees, by generation: O(1) a lookup or a change however many there are (see
/// [`GenerationTable`]).
pub type Trees = GenerationTable<Tree>;
