//! `active_plan_exists`: no root alias or rollback record points at a deleted plan tree.
//!
//! The root alias is what clients resolve; the rollback record is what operators and the
//! automation fall back on. Either pointing at a tree clean-up has deleted is step 5 of the
//! incident (the live plan deleted under the root) or its lead-up (the rollback target gone,
//! which in the original design blocks every later batch).

use dnsim_model::{Event, World};

use super::{Invariant, InvariantId};

pub struct ActivePlanExists;

impl Invariant for ActivePlanExists {
    fn id(&self) -> InvariantId {
        InvariantId::ActivePlanExists
    }

    /// Only the zone the event names can have changed (see `EventKind::endpoint`).
    fn after_event(&mut self, event: &Event, world: &World) -> Option<String> {
        let endpoint = event.kind.endpoint()?;
        let zone = world.zone(endpoint);
        {
            for (alias, target) in [
                ("root alias", zone.root),
                ("rollback record", zone.rollback),
            ] {
                if let Some(target) = target.filter(|g| !zone.trees.contains_key(g)) {
                    return Some(format!(
                        "{endpoint}: {alias} points at {target}, whose tree is deleted (after {} {})",
                        event.actor, event.kind
                    ));
                }
            }
        }
        None
    }
}
