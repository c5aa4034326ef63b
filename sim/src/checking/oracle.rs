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
//! 3. after every batch and every event, the zone that changed must equal the reference's;
//! 4. a committed batch must be reported by its writer as the very next event, so that no
//!    change goes unobserved.
//!
//! A disagreement is a bug in the model or the harness, not a verdict on a design: the
//! oracle panics, and a sweep reports the seed as a crash. The invariants read zones from
//! here, never from the model. Every check touches one zone: per-event work stays flat however
//! many endpoints there are (the whole-world comparison runs once, when the run ends).

use std::collections::BTreeMap;

use dnsim_model::dns::{BatchError, Change, Commit, LockRecord};
use dnsim_model::event::EventKind;
use dnsim_model::plan::{LoadBalancer, Targets};
use dnsim_model::{EndpointId, Event, Generation, World, Zone};

/// The reference copy of one hosted zone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferenceZone {
    /// The lock record.
    pub lock: Option<LockRecord>,
    /// Every tree, whole or partial, with its plan's whole target list (shared).
    pub trees: BTreeMap<Generation, Targets>,
    /// Trees built in part (a subset of `trees`): how many leading records are there.
    pub partial: BTreeMap<Generation, usize>,
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
        let Some((root, targets)) = self.root.and_then(|r| Some((r, self.trees.get(&r)?))) else {
            return &[];
        };
        &targets[..self.partial.get(&root).copied().unwrap_or(targets.len())]
    }

    /// How many records of `generation`'s tree are there (0 if none).
    fn built(&self, generation: Generation) -> usize {
        self.trees.get(&generation).map_or(0, |targets| {
            self.partial
                .get(&generation)
                .copied()
                .unwrap_or(targets.len())
        })
    }

    /// Whether the endpoint has been applied and answers with no address.
    pub fn answers_empty(&self) -> bool {
        self.root.is_some() && self.resolve().is_empty()
    }

    /// Route 53's rules, read afresh: an all-or-nothing batch, each change validated against
    /// the zone as the earlier changes left it. Returns the zone the batch would leave.
    fn commit(&self, changes: &[Change]) -> Result<ReferenceZone, String> {
        let mut next = self.clone();
        for change in changes {
            match change {
                Change::DeleteLock(believed) if *believed != next.lock => {
                    return Err("lock record differs from the DELETE".into())
                }
                Change::DeleteLock(_) => next.lock = None,
                Change::CreateLock(_) if next.lock.is_some() => {
                    return Err("CREATE of an existing lock record".into())
                }
                Change::CreateLock(lock) => next.lock = Some(*lock),
                Change::UpsertTree(generation, targets) => {
                    next.trees.insert(*generation, targets.clone());
                    next.partial.remove(generation);
                }
                // Parts are built in order: a part past the records there is refused.
                Change::UpsertTreePart {
                    generation, from, ..
                } if *from > next.built(*generation) => {
                    return Err(format!("part of tree {generation} past its records"))
                }
                Change::UpsertTreePart {
                    generation,
                    targets,
                    to,
                    ..
                } => {
                    let built = next.built(*generation).max(*to);
                    next.trees.insert(*generation, targets.clone());
                    if built < targets.len() {
                        next.partial.insert(*generation, built);
                    } else {
                        next.partial.remove(generation);
                    }
                }
                Change::DeleteTree(generation) => {
                    if next.trees.remove(generation).is_none() {
                        return Err(format!("DELETE of missing tree {generation}"));
                    }
                    next.partial.remove(generation);
                }
                Change::UpsertRoot(target) | Change::UpsertRollback(target)
                    if !next.trees.contains_key(target) =>
                {
                    return Err(format!("alias written to missing tree {target}"))
                }
                Change::UpsertRoot(target) => next.root = Some(*target),
                Change::UpsertRollback(target) => next.rollback = Some(*target),
                Change::DeleteFence(believed) if *believed != next.fence => {
                    return Err("fence record differs from the DELETE".into())
                }
                Change::DeleteFence(_) => next.fence = None,
                Change::CreateFence(_) if next.fence.is_some() => {
                    return Err("CREATE of an existing fence record".into())
                }
                Change::CreateFence(generation) => next.fence = Some(*generation),
            }
        }
        Ok(next)
    }

    /// Where the model's zone differs from this one, if anywhere.
    fn difference(&self, zone: &Zone) -> Option<String> {
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
        // Tree by tree, and a tree's records only if the two lists are not the same shared
        // list (they are, unless something copied them): per-event work is per tree, not
        // per record, however many load balancers an endpoint has.
        let same_trees = zone.trees.len() == self.trees.len()
            && zone
                .trees
                .iter()
                .zip(&self.trees)
                .all(|((g, a), (h, b))| g == h && (std::rc::Rc::ptr_eq(a, b) || a == b));
        if !same_trees {
            let keys = |trees: &BTreeMap<Generation, Targets>| {
                trees
                    .keys()
                    .map(|g| g.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            return differs("trees", keys(&zone.trees), keys(&self.trees));
        }
        if zone.partial != self.partial {
            return differs(
                "partial trees",
                format!("{:?}", zone.partial),
                format!("{:?}", self.partial),
            );
        }
        None
    }
}

/// The reference copy of every zone, and the batch it is waiting to see reported.
pub struct Reference {
    zones: Vec<ReferenceZone>,
    /// A batch the reference committed whose writer has not yet reported it.
    unreported: Option<EndpointId>,
}

impl Reference {
    /// A reference of `endpoints` empty zones.
    pub fn new(endpoints: usize) -> Reference {
        Reference {
            zones: vec![ReferenceZone::default(); endpoints],
            unreported: None,
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
        let judged = self.zones[endpoint.index()].commit(changes);
        match (&judged, result) {
            (Ok(next), Ok(_)) => {
                self.zones[endpoint.index()] = next.clone();
                self.unreported = Some(endpoint);
            }
            (Err(_), Err(_)) => {}
            // The design's own write guard (a server-side check some designs add) refused a
            // batch Route 53's rules accept: nothing was applied, on either side.
            (Ok(_), Err(BatchError::Refused(_))) => {}
            (Err(why), Ok(_)) => fail(format!(
                "{endpoint}: the model committed a batch Route 53 rejects ({why}): {changes:?}"
            )),
            (Ok(_), Err(error)) => fail(format!(
                "{endpoint}: the model rejected a valid batch ({error}): {changes:?}"
            )),
        }
        self.compare(endpoint, world);
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
            self.compare(endpoint, world);
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
        for (endpoint, _) in world.endpoints() {
            self.compare(endpoint, world);
        }
    }

    fn compare(&self, endpoint: EndpointId, world: &World) {
        if let Some(difference) = self.zones[endpoint.index()].difference(world.zone(endpoint)) {
            fail(format!(
                "{endpoint}: the model's zone differs from the reference: {difference}"
            ));
        }
    }
}

/// The model broke Route 53's rules or changed a zone unseen: no verdict can be trusted.
fn fail(message: String) -> ! {
    panic!("oracle: {message}")
}

#[cfg(test)]
mod tests {
    use dnsim_model::{Actor, Plan};

    use super::*;

    fn world() -> World {
        World::new(1)
    }

    fn first_plan() -> Vec<Change> {
        let plan = Plan::new(Generation(1), 1);
        vec![
            Change::DeleteLock(None),
            Change::UpsertTree(plan.generation, plan.targets[0].clone()),
            Change::UpsertRoot(plan.generation),
        ]
    }

    fn event(kind: EventKind) -> Event {
        Event {
            actor: Actor::Enactor(1),
            kind,
        }
    }

    #[test]
    fn a_reported_commit_keeps_the_reference_in_step() {
        let (mut world, mut reference) = (world(), Reference::new(1));
        let commit = world.zones[0].apply(&first_plan());
        reference.on_batch(EndpointId(0), &first_plan(), &commit, &world);
        let applied = EventKind::Applied {
            endpoint: EndpointId(0),
            generation: Generation(1),
            commit: commit.unwrap(),
        };
        assert_eq!(
            reference.on_event(&event(applied), &world),
            Some(EndpointId(0))
        );
        assert!(!reference.zone(EndpointId(0)).resolve().is_empty());
        reference.at_end(&world);
    }

    #[test]
    #[should_panic(expected = "oracle: regional: a committed batch went unreported")]
    fn a_commit_never_reported_is_caught_at_the_next_event() {
        let (mut world, mut reference) = (world(), Reference::new(1));
        let commit = world.zones[0].apply(&first_plan());
        reference.on_batch(EndpointId(0), &first_plan(), &commit, &world);
        reference.on_event(&event(EventKind::Restarted), &world);
    }

    #[test]
    #[should_panic(
        expected = "oracle: regional: the model's zone differs from the reference: root alias"
    )]
    fn a_zone_changed_behind_the_harness_is_caught() {
        let (mut world, reference) = (world(), Reference::new(1));
        world.zones[0].root = Some(Generation(7));
        reference.at_end(&world);
    }
}
