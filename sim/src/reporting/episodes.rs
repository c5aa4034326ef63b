//! # The episodes of a run: one analysis of a trace, read by every view
//!
//! A trace is a list of events; what an engineer wants told or drawn are *episodes*, facts
//! that take more than one event to see:
//!
//! - a **stale write**: a batch moved an endpoint's root alias back to an older plan than
//!   the one it found there;
//! - a **deleted live tree**: clean-up deleted the tree an endpoint's root alias points at
//!   (the endpoint now resolves to nothing), or failing that the tree its rollback record
//!   points at;
//! - an **empty answer**: the interval from the deletion of an endpoint's live root tree
//!   until a later batch to it commits or a repair rewrites it (or the run ends);
//! - **stuck batches**: every batch to an endpoint rejected for the same missing alias
//!   target, the automation unable to move it.
//!
//! [`Episodes::of`] derives them once, in one pass over the trace. The narrative
//! ([`crate::narrative`]) tells them and the diagram ([`crate::diagram`]) draws them; neither
//! re-derives them. Stalls and crashes are single events, not episodes: the views read those
//! from the trace directly.
//!
//! Coverage marks ([`crate::coverage`]) and outage measures ([`crate::measures`]) are *not*
//! computed from here, on purpose: they are computed live, during the run, one event at a
//! time and O(what changed) per event, from the harness's reference zones
//! ([`crate::oracle`]), and every run needs them, while a trace is kept only when asked for
//! (a replay). The measures' own "empty answer" is the same idea judged from the reference
//! zones rather than from the trace's commit records.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use dnsim_model::dns::BatchError;
use dnsim_model::event::EventKind;
use dnsim_model::{Actor, EndpointId, Generation};

use crate::running::trace::TraceEntry;

/// An episode marked on the one trace entry that shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Episode {
    /// This batch moved `endpoint`'s root alias back from `root_before` to an older plan.
    StaleWrite {
        /// The endpoint.
        endpoint: EndpointId,
        /// Its root alias before the batch.
        root_before: Generation,
    },
    /// This clean-up deleted a tree that `endpoint` still needs.
    LiveTreeDeleted {
        /// The endpoint.
        endpoint: EndpointId,
        /// Which of its live trees.
        tree: LiveTree,
    },
}

/// Which live tree a clean-up deleted (the root alias's, if both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveTree {
    /// The tree the root alias points at: the endpoint resolves to nothing.
    Root(Generation),
    /// The tree the rollback record points at.
    RollbackTarget(Generation),
}

/// How an empty answer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// A later batch to the endpoint committed.
    Applied,
    /// A repair rewrote the endpoint.
    Repaired,
}

/// An interval during which an endpoint resolved to no addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmptyAnswer {
    /// The endpoint.
    pub endpoint: EndpointId,
    /// The deleted tree its root alias pointed at.
    pub root: Generation,
    /// When it began.
    pub from: Duration,
    /// When it ended, at which trace entry and how; `None` if the run ended first.
    pub until: Option<(Duration, usize, Ended)>,
}

/// Batches to one endpoint rejected for one missing alias target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stuck {
    /// The endpoint.
    pub endpoint: EndpointId,
    /// The rejection, as displayed.
    pub error: String,
    /// The first rejection.
    pub first: Duration,
    /// The last rejection.
    pub last: Duration,
    /// How many rejections.
    pub rejections: u32,
    /// The actors whose batches were rejected.
    pub actors: BTreeSet<Actor>,
}

/// Every episode of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Episodes {
    /// By trace entry index: the episode that entry shows.
    pub at_entry: BTreeMap<usize, Episode>,
    /// Empty answers, in the order they ended (those still open at the end last, by
    /// endpoint).
    pub empty: Vec<EmptyAnswer>,
    /// Stuck batches, by endpoint and rejection.
    pub stuck: Vec<Stuck>,
    /// By trace entry index: the empty answers (indices into `empty`) it ended.
    ending: BTreeMap<usize, Vec<usize>>,
}

impl Episodes {
    /// The episodes of a kept trace, in one pass.
    pub fn of(trace: &[(Duration, TraceEntry)]) -> Episodes {
        let mut episodes = Episodes::default();
        let mut empty_since: BTreeMap<EndpointId, (Duration, Generation)> = BTreeMap::new();
        let mut stuck: BTreeMap<(EndpointId, String), Stuck> = BTreeMap::new();
        for (index, (at, entry)) in trace.iter().enumerate() {
            let TraceEntry::Event(event) = entry else {
                continue;
            };
            let at = *at;
            let mut ended = |endpoint: &EndpointId, how: Ended, episodes: &mut Episodes| {
                if let Some((from, root)) = empty_since.remove(endpoint) {
                    episodes.empty.push(EmptyAnswer {
                        endpoint: *endpoint,
                        root,
                        from,
                        until: Some((at, index, how)),
                    });
                }
            };
            match &event.kind {
                EventKind::Applied {
                    endpoint, commit, ..
                } => {
                    ended(endpoint, Ended::Applied, &mut episodes);
                    if let (Some(before), Some(after)) = (commit.root_before, commit.root_after) {
                        if after < before {
                            let stale = Episode::StaleWrite {
                                endpoint: *endpoint,
                                root_before: before,
                            };
                            episodes.at_entry.insert(index, stale);
                        }
                    }
                }
                EventKind::Repaired { endpoint, .. } => {
                    ended(endpoint, Ended::Repaired, &mut episodes);
                }
                EventKind::TreesDeleted {
                    endpoint,
                    generations,
                    commit,
                } => {
                    let deleted = |g: &Option<Generation>| g.filter(|g| generations.contains(g));
                    let tree = match (deleted(&commit.root_after), deleted(&commit.rollback_after))
                    {
                        (Some(root), _) => {
                            empty_since.entry(*endpoint).or_insert((at, root));
                            LiveTree::Root(root)
                        }
                        (None, Some(target)) => LiveTree::RollbackTarget(target),
                        (None, None) => continue,
                    };
                    let episode = Episode::LiveTreeDeleted {
                        endpoint: *endpoint,
                        tree,
                    };
                    episodes.at_entry.insert(index, episode);
                }
                EventKind::BatchRejected {
                    endpoint, error, ..
                } if matches!(error, BatchError::AliasTargetMissing { .. }) => {
                    let batches = stuck
                        .entry((*endpoint, error.to_string()))
                        .or_insert(Stuck {
                            endpoint: *endpoint,
                            error: error.to_string(),
                            first: at,
                            last: at,
                            rejections: 0,
                            actors: BTreeSet::new(),
                        });
                    batches.last = at;
                    batches.rejections += 1;
                    batches.actors.insert(event.actor);
                }
                _ => {}
            }
        }
        for (endpoint, (from, root)) in empty_since {
            episodes.empty.push(EmptyAnswer {
                endpoint,
                root,
                from,
                until: None,
            });
        }
        episodes.stuck = stuck.into_values().collect();
        for (i, empty) in episodes.empty.iter().enumerate() {
            if let Some((_, index, _)) = empty.until {
                episodes.ending.entry(index).or_default().push(i);
            }
        }
        episodes
    }

    /// The episode trace entry `index` shows, if any.
    pub fn at(&self, index: usize) -> Option<&Episode> {
        self.at_entry.get(&index)
    }

    /// The empty answers that trace entry `index` ended.
    pub fn empty_ended_at(&self, index: usize) -> impl Iterator<Item = &EmptyAnswer> {
        let ended = self.ending.get(&index).map_or(&[][..], Vec::as_slice);
        ended.iter().map(|&i| &self.empty[i])
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::running::run::run;
    use crate::running::scenario::Scenario;
    use crate::running::seedfile::SeedFile;

    /// The kept trace of a saved seed file's run.
    fn saved_trace(name: &str) -> Vec<(Duration, TraceEntry)> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../seeds")
            .join(name);
        let saved = SeedFile::load(&path).unwrap();
        let scenario = Scenario::load(&saved.scenario).unwrap();
        let mut spec = saved.spec(&scenario).unwrap();
        spec.trace.keep = true;
        run(&spec).trace
    }

    #[test]
    fn a_deleted_live_root_opens_an_empty_answer_and_stuck_batches_follow() {
        let episodes = Episodes::of(&saved_trace("original-endpoint_resolves-49.toml"));
        let account_1 = EndpointId(3);
        assert!(episodes.at_entry.values().any(|e| matches!(
            e,
            Episode::LiveTreeDeleted { endpoint, tree: LiveTree::Root(Generation(1)) }
                if *endpoint == account_1
        )));
        let empty = episodes
            .empty
            .iter()
            .find(|e| e.endpoint == account_1)
            .expect("account-1 resolves to nothing");
        assert_eq!(empty.root, Generation(1));
        assert_eq!(empty.from.as_millis(), 84_256);
        assert_eq!(empty.until, None, "never repaired in the original design");
        let stuck = episodes
            .stuck
            .iter()
            .find(|s| s.endpoint == account_1)
            .expect("account-1's batches are stuck");
        assert_eq!(stuck.rejections, 96);
        assert_eq!(stuck.actors.len(), 3);
    }

    #[test]
    fn a_stale_write_is_marked_on_the_batch_that_moved_the_root_back() {
        let trace = saved_trace("original-no_stale_overwrite-0.toml");
        let episodes = Episodes::of(&trace);
        let stale: Vec<usize> = episodes
            .at_entry
            .iter()
            .filter(|(_, e)| matches!(e, Episode::StaleWrite { .. }))
            .map(|(&i, _)| i)
            .collect();
        assert!(!stale.is_empty());
        for i in stale {
            let TraceEntry::Event(event) = &trace[i].1 else {
                panic!("an episode on a non-event entry");
            };
            let EventKind::Applied { commit, .. } = &event.kind else {
                panic!("a stale write that is not a batch: {event:?}");
            };
            assert!(commit.root_after < commit.root_before);
        }
    }
}
