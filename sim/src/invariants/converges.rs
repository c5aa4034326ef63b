//! `converges` (liveness): after faults stop and the planner goes quiet, every endpoint
//! serves the newest plan within a bounded simulated time.
//!
//! Checked in a second phase, as TigerBeetle's simulator does: faults stop at the end of the
//! fault phase, the system settles, the planner writes one last plan, and the run ends the
//! scenario's `converge_within_ms` later. Any endpoint not serving that last plan by then
//! (and resolving to addresses) means the automation could not repair itself: step 6 of the
//! incident, where every batch was rejected for a missing rollback target.

use dnsim_model::World;

use super::{Invariant, InvariantId};

pub struct Converges;

impl Invariant for Converges {
    fn id(&self) -> InvariantId {
        InvariantId::Converges
    }

    fn at_end(&mut self, world: &World) -> Option<String> {
        let newest = world.store.newest_published();
        let behind: Vec<String> = world
            .endpoints()
            .filter(|(_, zone)| zone.root != Some(newest) || zone.resolve().is_empty())
            .map(|(endpoint, zone)| match zone.root {
                Some(root) if zone.resolve().is_empty() => {
                    format!("{endpoint} at {root} (tree deleted)")
                }
                Some(root) => format!("{endpoint} at {root}"),
                None => format!("{endpoint} never applied"),
            })
            .collect();
        (!behind.is_empty())
            .then(|| format!("the last plan is {newest}, but {}", behind.join(", ")))
    }
}
