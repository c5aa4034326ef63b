//! Coverage marks: did this run, under this design, put each invariant to the test?
//!
//! An invariant that held in runs that never met its danger proves nothing. Like TigerBeetle's
//! coverage marks and Antithesis's `sometimes`, every invariant is paired with one mark: a
//! situation that must be *reached* for "held" to mean something. Each mark is defined by
//! what the design actually did in the run (the batches it sent, the trees its clean-up
//! chose), not by how far behind some enactor was: a design whose clean-up never deletes a
//! tree never reaches the clean-up marks, and its cells read `vacuous`, not `holds`.
//!
//! Marks are observations, not failures, and are not part of the trace hash. Every check is
//! about the one batch or event at hand: per-event work stays flat.

use std::collections::BTreeMap;
use std::fmt;

use dnsim_model::dns::Change;
use dnsim_model::event::EventKind;
use dnsim_model::{Actor, EndpointId, Event, Generation};
use serde::{Deserialize, Serialize};

use crate::checking::invariants::InvariantId;
use crate::checking::measures::Watch;
use crate::checking::oracle::Reference;

/// A dangerous situation a run can reach; each belongs to one invariant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// `no_stale_overwrite`: a batch flipping the root to plan g reached Route 53 at an
    /// endpoint whose live root was newer than g (committed or not).
    StaleBatchSubmitted,
    /// `active_plan_exists`: clean-up sent a batch deleting a tree that the endpoint's root
    /// alias pointed at, or whose plan some enactor had picked up and not finished (the
    /// delayed enactor may yet flip a root to it).
    CleanupChoseTreeInFlight,
    /// `rollback_target_exists`: clean-up put a rollback target within its reach. Either an
    /// enactor's clean-up began after plan g while some endpoint's rollback record pointed at
    /// a tree old enough for g's clean-up (whatever it then chose); or a clean-up batch (an
    /// enactor's or a janitor's) reached Route 53 while some rollback record was that old
    /// after the newest plan applied, or deleting a tree no older than the endpoint's
    /// rollback target as the zone then stood (the record may have turned old while
    /// clean-up ran). Where enactors do not clean up, only the batches count.
    CleanupReachedRollbackTarget,
    /// `endpoint_resolves`: clean-up put a live root within its reach: as for
    /// [`Mark::CleanupReachedRollbackTarget`], for the root alias. The batch test is the
    /// incident's own order, where a stale write turns the root old after clean-up began and
    /// the clean-up then deletes its tree.
    CleanupReachedLiveRoot,
    /// `converges`: there was something to repair. When the fault phase ended, some endpoint
    /// did not serve the newest plan with addresses; or, after it ended, some endpoint served
    /// a stale plan or answered empty (a stall that ends with the fault phase can still
    /// strike a converged system then).
    RepairNeeded,
}

impl Mark {
    /// Every mark, one per invariant, in
    /// [`InvariantId::ALL`](crate::invariants::InvariantId::ALL)'s order.
    pub const ALL: [Mark; 5] = [
        Mark::StaleBatchSubmitted,
        Mark::CleanupChoseTreeInFlight,
        Mark::CleanupReachedRollbackTarget,
        Mark::CleanupReachedLiveRoot,
        Mark::RepairNeeded,
    ];

    /// The mark's stable name, as in output and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::StaleBatchSubmitted => "stale_batch_submitted",
            Mark::CleanupChoseTreeInFlight => "cleanup_chose_tree_in_flight",
            Mark::CleanupReachedRollbackTarget => "cleanup_reached_rollback_target",
            Mark::CleanupReachedLiveRoot => "cleanup_reached_live_root",
            Mark::RepairNeeded => "repair_needed",
        }
    }

    /// The mark that must be reached for a "holds" of `invariant` to mean something.
    pub fn of(invariant: InvariantId) -> Mark {
        match invariant {
            InvariantId::NoStaleOverwrite => Mark::StaleBatchSubmitted,
            InvariantId::ActivePlanExists => Mark::CleanupChoseTreeInFlight,
            InvariantId::RollbackTargetExists => Mark::CleanupReachedRollbackTarget,
            InvariantId::EndpointResolves => Mark::CleanupReachedLiveRoot,
            InvariantId::Converges => Mark::RepairNeeded,
        }
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many endpoints' aliases point at each generation, kept up to date one zone at a time.
#[derive(Default)]
struct AliasIndex {
    by_endpoint: Vec<Option<Generation>>,
    counts: BTreeMap<Generation, usize>,
}

impl AliasIndex {
    fn new(endpoints: usize) -> AliasIndex {
        AliasIndex {
            by_endpoint: vec![None; endpoints],
            counts: BTreeMap::new(),
        }
    }

    fn set(&mut self, endpoint: EndpointId, target: Option<Generation>) {
        let slot = &mut self.by_endpoint[endpoint.index()];
        if *slot == target {
            return; // most events that touch a zone leave its aliases alone
        }
        if let Some(old) = slot.take() {
            let count = self.counts.get_mut(&old).expect("counted when set");
            *count -= 1;
            if *count == 0 {
                self.counts.remove(&old);
            }
        }
        if let Some(new) = target {
            *self.counts.entry(new).or_insert(0) += 1;
        }
        *slot = target;
    }

    /// Whether some endpoint's alias points at a tree more than `age` generations older
    /// than `applied`: one the clean-up after `applied` may delete.
    fn any_older_than(&self, applied: Generation, age: u64) -> bool {
        self.counts
            .keys()
            .next()
            .is_some_and(|oldest| oldest.0 + age < applied.0)
    }
}

/// Watches the batches and events of one run for the marks.
pub struct Coverage {
    /// Clean-up deletes what is more than this many generations older than the newest plan.
    cleanup_age_generations: u64,
    /// Whether enactors clean up after applying a plan; not when the design gives clean-up
    /// to another actor (`janitor-cleanup`), whose clean-up is judged by its batches alone.
    enactors_clean_up: bool,
    /// The newest plan an enactor has applied everywhere.
    newest_applied: Generation,
    roots: AliasIndex,
    rollbacks: AliasIndex,
    /// The plan each enactor has picked up and not finished, by enactor number.
    holding: Vec<Option<Generation>>,
    /// How many enactors hold each plan.
    in_flight: BTreeMap<Generation, usize>,
    reached: [bool; Mark::ALL.len()],
}

impl Coverage {
    /// Coverage of a run with this many enactors and endpoints and this clean-up age;
    /// `enactors_clean_up`: whether enactors clean up after applying a plan (as the design
    /// says).
    pub fn new(
        enactors: usize,
        endpoints: usize,
        cleanup_age_generations: u64,
        enactors_clean_up: bool,
    ) -> Coverage {
        Coverage {
            cleanup_age_generations,
            enactors_clean_up,
            newest_applied: Generation::default(),
            roots: AliasIndex::new(endpoints),
            rollbacks: AliasIndex::new(endpoints),
            holding: vec![None; enactors + 1],
            in_flight: BTreeMap::new(),
            reached: [false; Mark::ALL.len()],
        }
    }

    fn reach(&mut self, mark: Mark) {
        self.reached[mark as usize] = true;
    }

    /// A batch reached Route 53; `reference` still shows the zone as it was before it. The
    /// clean-up marks are judged here as well as when clean-up begins, so that a root or
    /// rollback record that turned old while clean-up ran is not missed.
    pub fn on_batch(&mut self, endpoint: EndpointId, changes: &[Change], reference: &Reference) {
        let zone = reference.zone(endpoint);
        let mut newest_deleted = None;
        for change in changes {
            match change {
                Change::UpsertRoot(g) if zone.root > Some(*g) => {
                    self.reach(Mark::StaleBatchSubmitted)
                }
                Change::DeleteTree { generation: g, .. }
                | Change::DeleteTreePart { generation: g, .. } => {
                    if zone.root == Some(*g) || self.in_flight.contains_key(g) {
                        self.reach(Mark::CleanupChoseTreeInFlight);
                    }
                    newest_deleted = newest_deleted.max(Some(*g));
                }
                _ => {}
            }
        }
        let Some(newest_deleted) = newest_deleted else {
            return;
        };
        // Whoever cleans up (an enactor, a janitor), it is now deleting trees while some
        // endpoint's root or rollback record is old enough for the age rule to reach it.
        let age = self.cleanup_age_generations;
        if self.roots.any_older_than(self.newest_applied, age) {
            self.reach(Mark::CleanupReachedLiveRoot);
        }
        if self.rollbacks.any_older_than(self.newest_applied, age) {
            self.reach(Mark::CleanupReachedRollbackTarget);
        }
        if zone.root.is_some_and(|root| root <= newest_deleted) {
            self.reach(Mark::CleanupReachedLiveRoot);
        }
        if zone
            .rollback
            .is_some_and(|rollback| rollback <= newest_deleted)
        {
            self.reach(Mark::CleanupReachedRollbackTarget);
        }
    }

    /// After an event that changed the zone of `touched` (if any).
    pub fn on_event(&mut self, event: &Event, touched: Option<EndpointId>, reference: &Reference) {
        if let Some(endpoint) = touched {
            let zone = reference.zone(endpoint);
            self.roots.set(endpoint, zone.root);
            self.rollbacks.set(endpoint, zone.rollback);
        }
        let Actor::Enactor(n) = event.actor else {
            return;
        };
        match &event.kind {
            EventKind::PlanPickedUp { generation, .. } => self.hold(n, Some(*generation)),
            EventKind::PlanApplied { generation } => {
                self.hold(n, None);
                self.newest_applied = self.newest_applied.max(*generation);
                // The enactor's clean-up after this plan is about to begin, if it has one.
                if !self.enactors_clean_up {
                    return;
                }
                let age = self.cleanup_age_generations;
                if self.roots.any_older_than(*generation, age) {
                    self.reach(Mark::CleanupReachedLiveRoot);
                }
                if self.rollbacks.any_older_than(*generation, age) {
                    self.reach(Mark::CleanupReachedRollbackTarget);
                }
            }
            EventKind::Crashed { .. } => self.hold(n, None),
            _ => {}
        }
    }

    fn hold(&mut self, enactor: u8, plan: Option<Generation>) {
        let slot = &mut self.holding[enactor as usize];
        if let Some(old) = slot.take() {
            let count = self
                .in_flight
                .get_mut(&old)
                .expect("counted when picked up");
            *count -= 1;
            if *count == 0 {
                self.in_flight.remove(&old);
            }
        }
        if let Some(new) = plan {
            *self.in_flight.entry(new).or_insert(0) += 1;
        }
        *slot = plan;
    }

    /// The marks this run reached (`watch` tells whether there was anything to repair).
    pub fn into_reached(mut self, watch: &Watch) -> Vec<Mark> {
        if watch.repair_needed() {
            self.reach(Mark::RepairNeeded);
        }
        Mark::ALL
            .into_iter()
            .filter(|&mark| self.reached[mark as usize])
            .collect()
    }
}
