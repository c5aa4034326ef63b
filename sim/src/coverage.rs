//! Coverage marks: did a run reach the dangerous interleaving at all?
//!
//! A design that holds on seeds that never met the race proves nothing. Like TigerBeetle's
//! coverage marks, these record whether a run reached each dangerous situation, whatever
//! the design then did about it, so a reviewer can tell "held under fire" from "never shot
//! at". They are observations, not failures, and are not part of the trace hash.

use std::collections::BTreeSet;
use std::fmt;

use dnsim_model::event::EventKind;
use dnsim_model::{Actor, Event, Generation, World};
use serde::{Deserialize, Serialize};

/// A dangerous situation a run can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// An enactor tried to write (or was stopped from writing) a plan older than one the
    /// endpoint had already served: the stale write of the incident's step 4 was attempted.
    StaleWriteAttempted,
    /// An enactor started clean-up while another enactor was mid-plan with a plan old enough
    /// for that clean-up to delete: the set-up of step 5.
    CleanupRacedStaleEnactor,
}

impl Mark {
    pub const ALL: [Mark; 2] = [Mark::StaleWriteAttempted, Mark::CleanupRacedStaleEnactor];

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::StaleWriteAttempted => "stale_write_attempted",
            Mark::CleanupRacedStaleEnactor => "cleanup_raced_stale_enactor",
        }
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Watches the events of one run for the dangerous situations.
pub struct Coverage {
    cleanup_age_generations: u64,
    /// The newest generation each endpoint has served so far.
    newest_served: Vec<Option<Generation>>,
    /// The plan each enactor is applying, by enactor number.
    in_flight: Vec<Option<Generation>>,
    reached: BTreeSet<Mark>,
}

impl Coverage {
    pub fn new(endpoints: usize, enactors: usize, cleanup_age_generations: u64) -> Coverage {
        Coverage {
            cleanup_age_generations,
            newest_served: vec![None; endpoints],
            in_flight: vec![None; enactors + 1],
            reached: BTreeSet::new(),
        }
    }

    pub fn observe(&mut self, event: &Event, world: &World) {
        let enactor = match event.actor {
            Actor::Enactor(n) => Some(n as usize),
            _ => None,
        };
        match &event.kind {
            // For Applied the world already shows the write: compare with before it.
            EventKind::Applied {
                endpoint,
                generation,
                ..
            }
            | EventKind::BatchRejected {
                endpoint,
                generation,
                ..
            }
            | EventKind::EndpointSkipped {
                endpoint,
                generation,
                ..
            } if Some(*generation) < self.newest_served[endpoint.index()] => {
                self.reached.insert(Mark::StaleWriteAttempted);
            }
            EventKind::PlanPickedUp { generation, .. } => {
                if let Some(n) = enactor {
                    self.in_flight[n] = Some(*generation);
                }
            }
            EventKind::PlanApplied { generation } => {
                if let Some(n) = enactor {
                    self.in_flight[n] = None;
                }
                let stale_in_flight = self
                    .in_flight
                    .iter()
                    .flatten()
                    .any(|held| held.0 + self.cleanup_age_generations < generation.0);
                if stale_in_flight {
                    self.reached.insert(Mark::CleanupRacedStaleEnactor);
                }
            }
            EventKind::Crashed { .. } => {
                if let Some(n) = enactor {
                    self.in_flight[n] = None;
                }
            }
            _ => {}
        }
        // Only the zone the event names can have changed (see `EventKind::endpoint`).
        if let Some(endpoint) = event.kind.endpoint() {
            let newest = &mut self.newest_served[endpoint.index()];
            *newest = (*newest).max(world.zone(endpoint).root);
        }
    }

    pub fn into_reached(self) -> Vec<Mark> {
        self.reached.into_iter().collect()
    }
}
