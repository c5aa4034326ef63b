//! `rollback_target_exists`: every endpoint's rollback record points at an existing plan tree.
//!
//! The rollback record is what operators and the automation fall back on. Nothing resolves
//! it, so a dangling one is a latent hazard rather than an outage; but in the original design
//! every later batch re-points it at the previous root, and Route 53 rejects an alias aimed at
//! a missing tree: once the root's own tree is gone, every batch is rejected (step 6).
//! Kept apart from [`super::active_plan_exists`] so that a design whose root is always safe
//! but whose rollback record can dangle (generation fencing) shows that hazard here.

use super::{Invariant, InvariantId, Seen};

pub struct RollbackTargetExists;

impl Invariant for RollbackTargetExists {
    fn id(&self) -> InvariantId {
        InvariantId::RollbackTargetExists
    }

    fn after_event(&mut self, seen: &Seen<'_>) -> Option<String> {
        let endpoint = seen.touched?;
        let zone = seen.reference.zone(endpoint);
        let target = zone.rollback.filter(|g| !zone.trees.contains(*g))?;
        Some(format!(
            "{endpoint}: rollback record points at {target}, whose tree is deleted (after {} {})",
            seen.event.actor, seen.event.kind
        ))
    }
}
