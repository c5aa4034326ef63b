//! An enactor's clean-up: after applying a plan everywhere, delete the trees and plans
//! "significantly older" than it.
//!
//! For each endpoint in turn: read the zone, ask the design which trees are victims, and
//! delete them in batches that fit Route 53's limits (a tree too big for one batch goes in
//! parts, each read afresh), behind the same lock preamble as a write. Failed attempts count
//! towards giving up on the endpoint; successful ones do not. Then the design says from
//! which plan the history is kept. In the original design this is step 5 of the incident:
//! nothing asks whether a victim is still in use, so a delayed enactor's old plan, live
//! again, is deleted under its root (the design's `cleanup_victims` is where fixes ask).

use super::{Enactor, Stop};
use crate::batches::{next_cleanup, NextCleanup};
use crate::chaos::{Call, Step};
use crate::design::LockChoice;
use crate::event::EventKind;
use crate::ids::{EndpointId, Generation};

impl Enactor<'_> {
    /// Deletes trees and plans "significantly older" than `applied`, as the design decides.
    pub(super) async fn clean_up(&self, applied: Generation, lock: LockChoice) -> Result<(), Stop> {
        let config = &self.ctx.config;
        let age = config.cleanup_age_generations;
        for endpoint in EndpointId::all(config.endpoints.into()) {
            let mut done = false;
            // Every attempt is a site of its own; only failed attempts count towards giving
            // up (a tree too big for one batch takes several that succeed).
            let mut failures = 0;
            for attempt in 1.. {
                if failures == config.cleanup_attempts {
                    break;
                }
                failures += 1;
                let site = self.site(Step::Cleanup(endpoint), attempt);
                if let LockChoice::Lease { ttl_ms } = lock {
                    if !self.keep_lease(&site, ttl_ms, applied).await? {
                        continue;
                    }
                }
                self.hazard(site).await?;
                let Some((zone, batch)) = self.read_under_lock(&site, endpoint, lock).await else {
                    continue;
                };
                let mut victims = self.design.cleanup_victims(applied, age, &zone).peekable();
                if victims.peek().is_none() {
                    done = true;
                    break;
                }
                let next = next_cleanup(config.batch_limits, batch, victims, &zone);
                // Checked for the trees this batch deletes, not every victim: a zone where
                // clean-up fell behind has hundreds, and each batch deletes a few.
                let deleting = next.deleting();
                assert!(
                    deleting.iter().all(|&victim| zone.has_tree(victim)),
                    "clean-up deletes only trees the zone has: {deleting:?} at {site}"
                );
                drop(zone); // before the write, as in `apply`
                match self
                    .ctx
                    .change(&site.with_call(Call::Change), endpoint, next.batch())
                    .await
                {
                    Ok(commit) => {
                        failures = 0;
                        let (kind, finished) = match next {
                            NextCleanup::Trees { trees, rest, .. } => {
                                assert_eq!(
                                    commit.trees_deleted, trees,
                                    "clean-up deleted exactly the trees it chose, at {site}"
                                );
                                (
                                    EventKind::TreesDeleted {
                                        endpoint,
                                        generations: trees,
                                        commit,
                                    },
                                    !rest,
                                )
                            }
                            // A tree too big for one batch: delete its end, read again.
                            NextCleanup::Part { .. } if !commit.trees_deleted.is_empty() => {
                                unreachable!(
                                    "a part deleted whole trees at {site}: {:?}",
                                    commit.trees_deleted
                                )
                            }
                            NextCleanup::Part {
                                generation,
                                left,
                                of,
                                ..
                            } => (
                                EventKind::TreePartDeleted {
                                    endpoint,
                                    generation,
                                    left,
                                    of,
                                },
                                false,
                            ),
                        };
                        self.ctx.emit(self.me, kind);
                        if finished {
                            done = true;
                            break;
                        }
                    }
                    Err(error) => self.rejected(&site, applied, error).await,
                }
            }
            if !done {
                self.ctx
                    .emit(self.me, EventKind::CleanupGaveUp { endpoint });
            }
        }
        let keep_from = self.ask(|design, view| design.plans_kept_from(view, applied));
        assert!(
            keep_from <= applied,
            "clean-up never deletes the plan just applied"
        );
        let deleted = self
            .ctx
            .world
            .borrow_mut()
            .store
            .delete_older_than(keep_from);
        assert!(
            deleted.iter().all(|&plan| plan < keep_from),
            "clean-up never deletes a plan the design keeps: {deleted:?}, keeping from {keep_from}"
        );
        if !deleted.is_empty() {
            self.ctx.emit(
                self.me,
                EventKind::PlansDeleted {
                    generations: deleted,
                },
            );
        }
        Ok(())
    }
}
