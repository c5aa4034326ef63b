//! `active_plan_exists`: every endpoint's root alias points at an existing plan tree.
//!
//! The root alias is what clients resolve: its tree is the active plan. A root pointing at a
//! tree clean-up has deleted is step 5 of the incident, the live plan deleted under the root.
//! (The rollback record is a separate claim, [`super::rollback_target_exists`]: a dangling
//! rollback record is a latent hazard, not an outage.)

use super::{Invariant, InvariantId, Seen};

pub struct ActivePlanExists;

impl Invariant for ActivePlanExists {
    fn id(&self) -> InvariantId {
        InvariantId::ActivePlanExists
    }

    fn after_event(&mut self, seen: &Seen<'_>) -> Option<String> {
        let endpoint = seen.touched?;
        let zone = seen.reference.zone(endpoint);
        let root = zone.root.filter(|g| !zone.trees.contains(*g))?;
        Some(format!(
            "{endpoint}: root alias points at {root}, whose tree is deleted (after {} {})",
            seen.event.actor, seen.event.kind
        ))
    }
}
