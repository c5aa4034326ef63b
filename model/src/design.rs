//! The design seam: what an enactor writes to one endpoint, and what clean-up deletes.
//!
//! Everything else (the enactor's loop, its one-time staleness check, the lock preamble,
//! retries and back-off, the planner, Route 53) is shared by every design. A design fix is
//! one file in [`crate::designs`] implementing this trait.

use crate::dns::{Change, EndpointId, ZoneSnapshot};
use crate::plan::{Generation, Plan};

pub trait Design: Sync {
    /// The stable name used on the command line and in seed files (kebab-case).
    fn name(&self) -> &'static str;

    /// Whether the enactor re-reads the endpoint's live generation just before each attempt
    /// (outside the change batch) and skips the endpoint if it already serves the plan or a
    /// newer one.
    fn rechecks_before_write(&self) -> bool {
        false
    }

    /// The changes (after the lock preamble, which the enactor adds) that apply `plan` to
    /// `endpoint`, given the zone as read under the lock just before; `None` to skip it.
    fn apply_changes(
        &self,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>>;

    /// The trees clean-up deletes from a zone after its enactor applied `applied` to every
    /// endpoint. `age` is the scenario's "significantly older" threshold in generations.
    fn cleanup_victims(
        &self,
        applied: Generation,
        age: u64,
        zone: &ZoneSnapshot,
    ) -> Vec<Generation>;
}

/// The original apply step: build the plan's tree, flip the root alias to it, and point the
/// rollback record at the previously active plan (whatever the root pointed at before).
pub fn build_tree_and_flip(plan: &Plan, endpoint: EndpointId, zone: &ZoneSnapshot) -> Vec<Change> {
    let generation = plan.generation;
    let mut changes = vec![
        Change::UpsertTree(generation, plan.targets(endpoint).clone()),
        Change::UpsertRoot(generation),
    ];
    if let Some(previous) = zone.root.filter(|&previous| previous != generation) {
        changes.push(Change::UpsertRollback(previous));
    }
    changes
}

/// The original clean-up rule: every tree "significantly older" (more than `age`
/// generations) than the plan just applied.
pub fn significantly_older(applied: Generation, age: u64, zone: &ZoneSnapshot) -> Vec<Generation> {
    zone.trees
        .iter()
        .copied()
        .filter(|tree| tree.0 + age < applied.0)
        .collect()
}

/// Generation fencing: the batch also replaces the zone's fence record, DELETE-ing it exactly
/// as read and CREATE-ing it with the plan's generation. Route 53 validates the DELETE at
/// commit, so the batch commits only if no newer plan committed since the read; and the
/// enactor skips the endpoint (`None`) when the fence already holds this plan or a newer one.
pub fn fenced(plan: &Plan, zone: &ZoneSnapshot, changes: Vec<Change>) -> Option<Vec<Change>> {
    if zone.fence >= Some(plan.generation) {
        return None;
    }
    let mut fenced = vec![
        Change::DeleteFence(zone.fence),
        Change::CreateFence(plan.generation),
    ];
    fenced.extend(changes);
    Some(fenced)
}

/// Protected clean-up: the original age rule, except never the tree the root alias or the
/// rollback record points at, as read from the live zone (under the lock, so a flip between
/// the read and the delete aborts the batch).
pub fn unreferenced_and_significantly_older(
    applied: Generation,
    age: u64,
    zone: &ZoneSnapshot,
) -> Vec<Generation> {
    significantly_older(applied, age, zone)
        .into_iter()
        .filter(|&tree| Some(tree) != zone.root && Some(tree) != zone.rollback)
        .collect()
}
