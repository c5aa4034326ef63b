//! The oracle: the harness's own copy of every zone, built only from committed batches.
//!
//! The model's Route 53 is part of the model, so its word about itself proves nothing: a bug
//! in its batch validation (say, letting an alias point at a deleted tree) would make a broken
//! design look healthy. Like TigerBeetle's state checker, the harness keeps its own canonical
//! history and checks every transition against it:
//!
//! 1. every batch that reaches Route 53 is judged again here, by this file's own reading of
//!    Route 53's rules; the model must commit exactly the batches the reference commits
//!    (except those a design's own write guard refuses, which nothing applies);
//! 2. the reference applies only what it committed (and the lock seizures the model reports);
//! 3. after every batch and every event, the zone that changed must equal the reference's:
//!    its lock, root, rollback and fence records, how many trees (whole and partial) it
//!    holds, and every tree the batch named (the only trees a batch can change);
//! 4. a committed batch must be reported by its writer as the very next event, so that no
//!    change goes unobserved;
//! 5. in a scenario with Route 53's batch limits, no batch beyond them reaches Route 53
//!    (the real service refuses one as an `InvalidChangeBatch`, and the model's does not
//!    check: its writers split their batches, and this is where a writer that forgets is
//!    caught). Its size is this file's own count of the request: a leaf is one `Change`
//!    and one `ResourceRecord`, counted twice in an UPSERT; a lock or fence record one of
//!    each; an alias one `Change`; a DELETE of a tree, the records it names (what its
//!    writer read: a DELETE that does not match the tree is refused, but still counted).
//!
//! A disagreement is a bug in the model or the harness, not a verdict on a design: the
//! oracle panics, and a sweep reports the seed as a crash. The invariants read zones from
//! here, never from the model. Every check touches one zone and the trees its batch named:
//! per-event work stays flat however many endpoints, trees and load balancers there are (the
//! whole-world, tree-by-tree comparison runs once, when the run ends).
//!
//! One thing is shared with the model: the container a zone's trees sit in, the model's
//! `GenerationTable` (O(1) by generation). The rules are this file's own, and the two
//! tables see different histories (this one also takes rejected batches back), so a slip
//! in the table's bookkeeping shows up as a difference; a bug in its iteration would show
//! on both sides alike, which is why the table has its own property test against an
//! ordered map.

use std::collections::BTreeMap;

use dnsim_model::batches::BatchLimits;
use dnsim_model::dns::{BatchError, Change, Commit, GenerationTable, LockRecord};
use dnsim_model::event::EventKind;
use dnsim_model::plan::{LoadBalancer, Targets};
use dnsim_model::{EndpointId, Event, Generation, World, Zone};

/// One tree of a reference zone: its plan's whole target list (shared) and how many of its
/// leading records are there (all of them, unless the tree is partial). One table entry per
/// tree, so that a change to a tree, or a question about it, is one lookup (O(1), by
/// generation: see [`GenerationTable`], the container the model's zones use too; the rules
/// here are this file's own). The same fields as the model's `Tree`, on purpose: this file
/// does not use the model's types for what it checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceTree {
    /// The whole tree's records, as its plan lists them.
    pub targets: Targets,
    /// How many leading records are there (`targets.len()` for a whole tree).
    pub built: usize,
}

impl ReferenceTree {
    /// Whether some of its records are missing (built in parts, or deleted in parts).
    pub fn is_partial(&self) -> bool {
        self.built < self.targets.len()
    }
}

/// The reference copy of one hosted zone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferenceZone {
    /// The lock record.
    pub lock: Option<LockRecord>,
    /// Every tree, whole or partial.
    pub trees: GenerationTable<ReferenceTree>,
    /// How many of `trees` are partial (kept as they change, to compare with the model's
    /// count without a scan).
    partial_trees: usize,
    /// The root alias.
    pub root: Option<Generation>,
    /// The rollback record.
    pub rollback: Option<Generation>,
    /// The fence record (fencing designs only).
    pub fence: Option<Generation>,
}

impl ReferenceZone {
    /// What a client resolving the endpoint gets: the leaves of the root alias's tree.
    pub fn resolve(&self) -> &[LoadBalancer] {
        match self.root.and_then(|root| self.trees.get(root)) {
            Some(tree) => &tree.targets[..tree.built],
            None => &[],
        }
    }

    /// How many records of `generation`'s tree are there (0 if none).
    fn built(&self, generation: Generation) -> usize {
        self.trees.get(generation).map_or(0, |tree| tree.built)
    }

    /// Sets `generation`'s tree (`None`: absent), keeping the count of partial trees, and
    /// returns what takes it back (the old tree moved out, not cloned: a clone would touch
    /// the shared list's reference count, one more cold cache line per change).
    fn set_tree(&mut self, generation: Generation, tree: Option<ReferenceTree>) -> Undo {
        let old = match tree {
            Some(tree) => {
                let partial = tree.is_partial();
                let old = self.trees.insert(generation, tree);
                self.partial_trees += usize::from(partial);
                old
            }
            None => self.trees.remove(generation),
        };
        self.partial_trees -= usize::from(old.as_ref().is_some_and(ReferenceTree::is_partial));
        Undo::Tree {
            generation,
            tree: old,
        }
    }

    /// Whether the endpoint has been applied and answers with no address.
    pub fn answers_empty(&self) -> bool {
        self.root.is_some() && self.resolve().is_empty()
    }

    /// Route 53's rules, read afresh: an all-or-nothing batch, each change validated against
    /// the zone as the earlier changes left it. Applies the batch in place and leaves in
    /// `undo` (emptied first) what takes it back; a batch that breaks a rule leaves the zone
    /// as it was. Work is per change, never a copy of the zone's trees.
    fn commit(&mut self, changes: &[Change], undo: &mut Vec<Undo>) -> Result<(), String> {
        undo.clear();
        for change in changes {
            if let Err(why) = self.apply(change, undo) {
                self.undo(undo);
                return Err(why);
            }
        }
        Ok(())
    }

    /// One change of a batch, or why Route 53 refuses it; `undo` learns how to take it back.
    fn apply(&mut self, change: &Change, undo: &mut Vec<Undo>) -> Result<(), String> {
        match change {
            Change::DeleteLock(believed) if *believed != self.lock => {
                return Err("lock record differs from the DELETE".into())
            }
            Change::CreateLock(_) if self.lock.is_some() => {
                return Err("CREATE of an existing lock record".into())
            }
            Change::DeleteLock(_) | Change::CreateLock(_) => {
                undo.push(Undo::Lock(self.lock));
                self.lock = match change {
                    Change::CreateLock(lock) => Some(*lock),
                    _ => None,
                };
            }
            Change::UpsertTree(generation, targets) => {
                let tree = ReferenceTree {
                    targets: targets.clone(),
                    built: targets.len(),
                };
                undo.push(self.set_tree(*generation, Some(tree)));
            }
            // Parts are built in order: a part past the records there is refused.
            Change::UpsertTreePart {
                generation, from, ..
            } if *from > self.built(*generation) => {
                return Err(format!("part of tree {generation} past its records"))
            }
            Change::UpsertTreePart {
                generation,
                targets,
                to,
                ..
            } => {
                let tree = ReferenceTree {
                    targets: targets.clone(),
                    built: self.built(*generation).max(*to),
                };
                undo.push(self.set_tree(*generation, Some(tree)));
            }
            // A DELETE must match what is there: a tree of exactly `records` records.
            Change::DeleteTree {
                generation,
                records,
            } if !self.trees.contains(*generation) || self.built(*generation) != *records => {
                return Err(format!(
                    "DELETE of tree {generation}, missing or with other records"
                ))
            }
            Change::DeleteTree { generation, .. } => undo.push(self.set_tree(*generation, None)),
            // A DELETE must match what is there: the tail of a tree with exactly `to` records.
            Change::DeleteTreePart { generation, to, .. } if self.built(*generation) != *to => {
                return Err(format!("DELETE of records of tree {generation} not there"))
            }
            Change::DeleteTreePart {
                generation, from, ..
            } => {
                let targets = self
                    .trees
                    .get(*generation)
                    .expect("checked")
                    .targets
                    .clone();
                let tree = ReferenceTree {
                    targets,
                    built: *from,
                };
                undo.push(self.set_tree(*generation, Some(tree)));
            }
            Change::UpsertRoot(target) | Change::UpsertRollback(target)
                if !self.trees.contains(*target) =>
            {
                return Err(format!("alias written to missing tree {target}"))
            }
            Change::UpsertRoot(target) => {
                undo.push(Undo::Root(self.root));
                self.root = Some(*target);
            }
            Change::UpsertRollback(target) => {
                undo.push(Undo::Rollback(self.rollback));
                self.rollback = Some(*target);
            }
            Change::DeleteFence(believed) if *believed != self.fence => {
                return Err("fence record differs from the DELETE".into())
            }
            Change::CreateFence(_) if self.fence.is_some() => {
                return Err("CREATE of an existing fence record".into())
            }
            Change::DeleteFence(_) | Change::CreateFence(_) => {
                undo.push(Undo::Fence(self.fence));
                self.fence = match change {
                    Change::CreateFence(generation) => Some(*generation),
                    _ => None,
                };
            }
        }
        Ok(())
    }

    /// Takes back the changes `undo` records, latest first, and empties it.
    fn undo(&mut self, undo: &mut Vec<Undo>) {
        while let Some(step) = undo.pop() {
            match step {
                Undo::Lock(lock) => self.lock = lock,
                Undo::Root(root) => self.root = root,
                Undo::Rollback(rollback) => self.rollback = rollback,
                Undo::Fence(fence) => self.fence = fence,
                Undo::Tree { generation, tree } => {
                    self.set_tree(generation, tree);
                }
            }
        }
    }

    /// Where the model's zone differs from this one, if anywhere: every record but the
    /// trees, how many trees (whole and partial) there are, and the trees in `touched` (the
    /// trees a batch named: the only ones it can have changed). Per-event work is per change,
    /// not per tree or per record, however many trees and load balancers a zone holds; the
    /// whole zone is compared when the run ends ([`ReferenceZone::whole_difference`]).
    fn difference(
        &self,
        zone: &Zone,
        touched: impl Iterator<Item = Generation> + Clone,
    ) -> Option<String> {
        let differs = |what: &str, model: String, reference: String| {
            Some(format!("{what}: model {model}, reference {reference}"))
        };
        if zone.root != self.root {
            return differs(
                "root alias",
                format!("{:?}", zone.root),
                format!("{:?}", self.root),
            );
        }
        if zone.rollback != self.rollback {
            return differs(
                "rollback record",
                format!("{:?}", zone.rollback),
                format!("{:?}", self.rollback),
            );
        }
        if zone.fence != self.fence {
            return differs(
                "fence",
                format!("{:?}", zone.fence),
                format!("{:?}", self.fence),
            );
        }
        if zone.lock != self.lock {
            return differs(
                "lock",
                format!("{:?}", zone.lock),
                format!("{:?}", self.lock),
            );
        }
        let keys = |trees: Vec<Generation>| {
            trees
                .iter()
                .map(|g| g.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        // A tree's records are compared only if the two lists are not the same shared list
        // (they are, unless something copied them). Then how many are built: the model's
        // partial count, or the whole list.
        let same_tree = |g: Generation| match (zone.trees().get(g), self.trees.get(g)) {
            (Some(a), Some(b)) => {
                std::rc::Rc::ptr_eq(&a.targets, &b.targets) || a.targets == b.targets
            }
            (None, None) => true,
            _ => false,
        };
        if zone.trees().len() != self.trees.len() || !touched.clone().all(same_tree) {
            return differs(
                "trees",
                keys(zone.trees().generations().collect()),
                keys(self.trees.generations().collect()),
            );
        }
        let model_built = |g: Generation| zone.trees().get(g).map(|tree| tree.built);
        if zone.partial_trees() != self.partial_trees
            || touched
                .into_iter()
                .any(|g| model_built(g) != self.trees.get(g).map(|tree| tree.built))
        {
            let model: BTreeMap<Generation, usize> = (zone.trees().iter())
                .filter(|(_, tree)| tree.is_partial())
                .map(|(g, tree)| (g, tree.built))
                .collect();
            let reference: BTreeMap<Generation, usize> = (self.trees.iter())
                .filter(|(_, tree)| tree.is_partial())
                .map(|(g, tree)| (g, tree.built))
                .collect();
            return differs(
                "partial trees",
                format!("{model:?}"),
                format!("{reference:?}"),
            );
        }
        None
    }

    /// Where the model's zone differs from this one, tree by tree.
    fn whole_difference(&self, zone: &Zone) -> Option<String> {
        self.difference(
            zone,
            self.trees.generations().chain(zone.trees().generations()),
        )
    }
}

/// How to take back one change of a batch the model did not commit.
enum Undo {
    Lock(Option<LockRecord>),
    Root(Option<Generation>),
    Rollback(Option<Generation>),
    Fence(Option<Generation>),
    /// A tree as it was (`None`: absent).
    Tree {
        generation: Generation,
        tree: Option<ReferenceTree>,
    },
}

/// The trees a batch names.
fn trees_named(changes: &[Change]) -> impl Iterator<Item = Generation> + Clone + '_ {
    changes.iter().filter_map(|change| match change {
        Change::UpsertTree(generation, _)
        | Change::UpsertTreePart { generation, .. }
        | Change::DeleteTree { generation, .. }
        | Change::DeleteTreePart { generation, .. } => Some(*generation),
        _ => None,
    })
}

/// The reference copy of every zone, and the batch it is waiting to see reported.
pub struct Reference {
    zones: Vec<ReferenceZone>,
    /// A batch the reference committed whose writer has not yet reported it.
    unreported: Option<EndpointId>,
    /// What takes back the last batch judged (kept to reuse its allocation).
    undo: Vec<Undo>,
    /// Route 53's limits on one batch, if the scenario models them.
    limits: Option<BatchLimits>,
}

impl Reference {
    /// A reference of `endpoints` empty zones, under Route 53's batch `limits` if the
    /// scenario models them.
    pub fn new(endpoints: usize, limits: Option<BatchLimits>) -> Reference {
        Reference {
            zones: vec![ReferenceZone::default(); endpoints],
            unreported: None,
            undo: Vec::new(),
            limits,
        }
    }

    /// The reference copy of `endpoint`'s zone.
    pub fn zone(&self, endpoint: EndpointId) -> &ReferenceZone {
        &self.zones[endpoint.index()]
    }

    /// A batch reached Route 53: judge it, apply it if it commits, and compare the zone.
    pub fn on_batch(
        &mut self,
        endpoint: EndpointId,
        changes: &[Change],
        result: &Result<Commit, BatchError>,
        world: &World,
    ) {
        let zone = &mut self.zones[endpoint.index()];
        if let Some(limits) = self.limits {
            let (elements, records) = batch_size(changes);
            if elements > limits.max_changes as usize || records > limits.max_records as usize {
                beyond_limits(endpoint, (elements, records), limits, changes);
            }
        }
        match (zone.commit(changes, &mut self.undo), result) {
            (Ok(()), Ok(_)) => self.unreported = Some(endpoint),
            (Err(_), Err(_)) => {}
            // The design's own write guard (a server-side check some designs add) refused a
            // batch Route 53's rules accept: nothing was applied, on either side.
            (Ok(()), Err(BatchError::Refused(_))) => zone.undo(&mut self.undo),
            (Err(why), Ok(_)) => fail(format!(
                "{endpoint}: the model committed a batch Route 53 rejects ({why}): {changes:?}"
            )),
            (Ok(_), Err(error)) => fail(format!(
                "{endpoint}: the model rejected a valid batch ({error}): {changes:?}"
            )),
        }
        self.undo.clear();
        self.compare(endpoint, world, trees_named(changes));
    }

    /// An event happened: the reference follows lock seizures, checks that a committed batch
    /// is reported at once, and compares the zone the event concerns. Returns that endpoint.
    pub fn on_event(&mut self, event: &Event, world: &World) -> Option<EndpointId> {
        let touched = match &event.kind {
            EventKind::LockSeized { endpoint, lock } => {
                self.zones[endpoint.index()].lock = Some(*lock);
                Some(*endpoint)
            }
            EventKind::Applied { endpoint, .. }
            | EventKind::TreePartBuilt { endpoint, .. }
            | EventKind::TreePartDeleted { endpoint, .. }
            | EventKind::TreesDeleted { endpoint, .. }
            | EventKind::Repaired { endpoint, .. } => {
                if self.unreported != Some(*endpoint) {
                    fail(format!(
                        "{endpoint}: {} reports a commit the reference never saw",
                        event.actor
                    ));
                }
                self.unreported = None;
                Some(*endpoint)
            }
            _ => None,
        };
        if let Some(endpoint) = self.unreported {
            fail(format!(
                "{endpoint}: a committed batch went unreported (next event: {event})"
            ));
        }
        if let Some(endpoint) = touched {
            // The batch the event reports was compared when it reached Route 53.
            self.compare(endpoint, world, std::iter::empty());
        }
        touched
    }

    /// The run is over: every zone must equal the reference (the one whole-world scan).
    pub fn at_end(&self, world: &World) {
        if let Some(endpoint) = self.unreported {
            fail(format!(
                "{endpoint}: the last committed batch went unreported"
            ));
        }
        for (endpoint, zone) in world.endpoints() {
            if let Some(difference) = self.zones[endpoint.index()].whole_difference(zone) {
                fail(format!(
                    "{endpoint}: the model's zone differs from the reference: {difference}"
                ));
            }
        }
    }

    /// Compares one zone's records, its tree counts and the trees in `touched`.
    fn compare(
        &self,
        endpoint: EndpointId,
        world: &World,
        touched: impl Iterator<Item = Generation> + Clone,
    ) {
        let zone = world.zone(endpoint);
        if let Some(difference) = self.zones[endpoint.index()].difference(zone, touched) {
            fail(format!(
                "{endpoint}: the model's zone differs from the reference: {difference}"
            ));
        }
    }
}

/// A batch's size as Route 53 counts it against its limits: `(Change elements,
/// ResourceRecord elements)`, an UPSERT's records twice. A count of the request alone,
/// whatever the zone holds when it arrives.
fn batch_size(changes: &[Change]) -> (usize, usize) {
    let size = |change: &Change| match change {
        Change::DeleteLock(_)
        | Change::CreateLock(_)
        | Change::DeleteFence(_)
        | Change::CreateFence(_) => (1, 1),
        Change::UpsertRoot(_) | Change::UpsertRollback(_) => (1, 0),
        Change::UpsertTree(_, targets) => (targets.len(), 2 * targets.len()),
        Change::UpsertTreePart { from, to, .. } => (to - from, 2 * (to - from)),
        Change::DeleteTree { records, .. } => (*records, *records),
        Change::DeleteTreePart { from, to, .. } => (to - from, to - from),
    };
    changes
        .iter()
        .map(size)
        .fold((0, 0), |(c, r), (dc, dr)| (c + dc, r + dr))
}

/// A batch beyond Route 53's limits reached Route 53: its writer did not split it. Out of
/// line (and cold), so that the check costs the batch path no more than the count.
#[cold]
#[inline(never)]
fn beyond_limits(
    endpoint: EndpointId,
    (elements, records): (usize, usize),
    limits: BatchLimits,
    changes: &[Change],
) -> ! {
    fail(format!(
        "{endpoint}: a batch beyond Route 53's limits reached Route 53 ({elements} changes and \
         {records} records, at most {} and {}; Route 53 refuses it, so its writer must split \
         it, as model/src/batches.rs does): {changes:?}",
        limits.max_changes, limits.max_records
    ))
}

/// The model broke Route 53's rules or changed a zone unseen: no verdict can be trusted.
fn fail(message: String) -> ! {
    panic!("oracle: {message}")
}

#[cfg(test)]
mod tests;
