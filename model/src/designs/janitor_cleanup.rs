//! `janitor-cleanup`: clean-up leaves the enactors; one separate janitor owns it.
//!
//! The fix, step by step:
//!
//! 1. Enactors apply plans and never delete anything.
//! 2. A single janitor wakes every `interval_ms`. It reads the registry of plans the
//!    enactors have picked up and not finished, and the generation live on every endpoint.
//!    Its floor is the oldest of those (the oldest live root, the oldest plan in flight);
//!    "significantly older" now means more than the age threshold below that floor.
//! 3. For each endpoint it reads the zone and deletes the trees below the floor, except the
//!    tree the root alias and the rollback record point at, in batches whose preamble
//!    DELETEs the in-zone lock record as read. Without Route 53's batch limits that is one
//!    batch; with them, the janitor deletes as an enactor's clean-up does
//!    ([`next_cleanup`]): as many whole trees as fit, a bigger tree's last records a batch
//!    at a time, each batch on a fresh read, until none is left.
//! 4. It deletes plans below the floor from the plan history: never a plan in flight.
//!
//! Why it should hold for live trees: the root and rollback are spared on the read the
//! lock preamble covers, so a flip committed after that read aborts the janitor's batch;
//! and a delayed enactor's old plan stays in flight, so its tree is not deleted before it
//! lands. So `active_plan_exists` and `endpoint_resolves` should hold, and with them the
//! rollback target always exists (`converges`).
//!
//! What it does not fix: nothing orders the enactors' writes, so a delayed enactor still
//! writes its old plan over a newer one: **`no_stale_overwrite` is still violated**, and a
//! little more often than in `original`. Not because of the janitor (the rate stays up with
//! a janitor that never wakes) but because enactors without clean-up spend more of their time
//! applying plans: the stalls and crashes that struck them harmlessly in clean-up now strike
//! them with a plan in hand (see the README's findings).
//!
//! At real size (`long`: 300-record trees, hours of plans) the janitor drains a backlog a
//! batch at a time, each renewing its lock record: seconds per endpoint, hours per pass.
//! The enactors catch it up and queue behind it, so the last plan is late to reach most
//! endpoints and `converges` is violated (the README's findings give the seeds). It held
//! while this janitor sent every victim in one batch, thousands of records, which Route 53
//! refuses and the oracle now fails.
//!
//! Parameter: `interval_ms` (default: five enactor polls).

use std::rc::Rc;

use crate::batches::{next_cleanup, NextCleanup};
use crate::chaos::{Actor, Call, Site, Step};
use crate::ctx::Ctx;
use crate::design::{only_number_parameter, Design, ExtraActor};
use crate::dns::EndpointId;
use crate::event::EventKind;
use crate::plan::Generation;

#[derive(Default)]
/// The `janitor-cleanup` design (see the module's essay).
pub struct JanitorCleanup {
    /// How often the janitor wakes; `None`: five times the scenario's `enactor_poll_ms`.
    pub interval_ms: Option<u64>,
}

impl Design for JanitorCleanup {
    fn name(&self) -> &'static str {
        "janitor-cleanup"
    }

    fn summary(&self) -> &'static str {
        "a single janitor owns clean-up and spares live trees and plans in flight"
    }

    fn parameters(&self) -> Vec<(&'static str, String)> {
        let interval = self.interval_ms.map(|ms| ("interval_ms", ms.to_string()));
        interval.into_iter().collect()
    }

    fn with_parameters(&self, parameters: &[(String, String)]) -> Result<Box<dyn Design>, String> {
        let interval_ms = only_number_parameter(self.name(), "interval_ms", parameters)?;
        Ok(Box::new(JanitorCleanup { interval_ms }))
    }

    fn enactors_clean_up(&self) -> bool {
        false
    }

    fn extra_actors(&self) -> Vec<ExtraActor> {
        let interval_ms = self.interval_ms;
        vec![ExtraActor {
            actor: Actor::Janitor,
            run: Box::new(move |ctx| Box::pin(janitor(ctx, interval_ms))),
        }]
    }
}

/// Deletes `endpoint`'s trees below `keep_from`, sparing the root and rollback trees and
/// plans in flight, in batches within Route 53's limits (each on a fresh read, each behind
/// the lock preamble, as an enactor's clean-up: [`next_cleanup`]). Only failed attempts
/// count towards giving up: a backlog takes several batches that succeed.
async fn clean_endpoint(
    ctx: &Ctx,
    endpoint: EndpointId,
    keep_from: Generation,
    newest: Generation,
    pass: u32,
) {
    let me = Actor::Janitor;
    let mut failures = 0;
    for attempt in 1.. {
        if failures == ctx.config.cleanup_attempts {
            // As an enactor's clean-up does: the endpoint waits for the next pass.
            ctx.emit(me, EventKind::CleanupGaveUp { endpoint });
            return;
        }
        failures += 1;
        let site = Site {
            actor: me,
            plan: newest.0,
            pass,
            step: Step::Cleanup(endpoint),
            attempt,
            call: Call::None,
        };
        let Ok(zone) = ctx.read_zone(&site.with_call(Call::Read), endpoint).await else {
            ctx.sleep_us(ctx.backoff_us(&site)).await;
            continue;
        };
        if ctx.lock_barring(me, &zone).is_some() {
            ctx.sleep_us(ctx.backoff_us(&site)).await;
            continue;
        }
        let in_flight: Vec<Generation> = ctx.world.borrow().in_flight.values().copied().collect();
        // Oldest first, and lazily: a batch takes only the victims it deletes.
        let mut victims = (zone.trees.generations())
            .take_while(|&tree| tree < keep_from)
            .filter(|&tree| Some(tree) != zone.root && Some(tree) != zone.rollback)
            .filter(|tree| !in_flight.contains(tree))
            .peekable();
        if victims.peek().is_none() {
            return;
        }
        let preamble = ctx.lock_preamble(me, &zone);
        let next = next_cleanup(ctx.config.batch_limits, preamble, victims, &zone);
        let deleting = next.deleting();
        assert!(
            deleting.iter().all(|&victim| zone.has_tree(victim)),
            "the janitor deletes only trees the zone has: {deleting:?} at {site}"
        );
        // Before the write: a read still held makes the commit copy the zone's trees.
        drop(zone);
        match ctx
            .change(&site.with_call(Call::Change), endpoint, next.batch())
            .await
        {
            Ok(commit) => {
                failures = 0;
                match next {
                    NextCleanup::Trees { trees, rest, .. } => {
                        assert!(
                            commit.root_after.is_none_or(|root| !trees.contains(&root)),
                            "the janitor never deletes the root's tree: {trees:?} at {site}"
                        );
                        assert_eq!(
                            commit.trees_deleted, trees,
                            "the janitor deleted exactly the trees it chose, at {site}"
                        );
                        let generations = trees;
                        ctx.emit(
                            me,
                            EventKind::TreesDeleted {
                                endpoint,
                                generations,
                                commit,
                            },
                        );
                        if !rest {
                            return;
                        }
                    }
                    // A tree too big for one batch: its last records go, then a fresh read.
                    NextCleanup::Part {
                        generation,
                        left,
                        of,
                        ..
                    } => {
                        assert!(
                            commit.trees_deleted.is_empty()
                                && commit.root_after != Some(generation),
                            "a part deletes records of a tree that is not the root's, at {site}"
                        );
                        ctx.emit(
                            me,
                            EventKind::TreePartDeleted {
                                endpoint,
                                generation,
                                left,
                                of,
                            },
                        );
                    }
                }
            }
            Err(error) => {
                let backoff_us = ctx.backoff_us(&site);
                let backoff_ms = backoff_us / 1000;
                let generation = newest;
                ctx.emit(
                    me,
                    EventKind::BatchRejected {
                        endpoint,
                        generation,
                        error,
                        attempt,
                        backoff_ms,
                    },
                );
                ctx.sleep_us(backoff_us).await;
            }
        }
    }
}

/// The generation below which (by more than the age threshold) trees and plans may go: the
/// oldest root live on any endpoint, or the oldest plan in flight if that is older.
fn floor(ctx: &Ctx) -> Generation {
    let world = ctx.world.borrow();
    let oldest_root = Some(world.oldest_root());
    let oldest_in_flight = world.in_flight.values().copied().min();
    let oldest = oldest_root
        .into_iter()
        .chain(oldest_in_flight)
        .min()
        .unwrap_or_default();
    Generation(oldest.0.saturating_sub(ctx.config.cleanup_age_generations))
}

async fn janitor(ctx: Rc<Ctx>, interval_ms: Option<u64>) {
    let me = Actor::Janitor;
    let interval_ms = interval_ms.unwrap_or(5 * ctx.config.enactor_poll_ms);
    let mut round = (Generation(0), 0);
    loop {
        ctx.sleep_ms(interval_ms).await;
        let newest = ctx.world.borrow().store.newest_published();
        round = if round.0 == newest {
            (newest, round.1 + 1)
        } else {
            (newest, 1)
        };
        let keep_from = floor(&ctx);
        for endpoint in EndpointId::all(ctx.config.endpoints.into()) {
            clean_endpoint(&ctx, endpoint, keep_from, newest, round.1).await;
        }
        // The floor again: a plan picked up during the round is in flight now.
        let keep_from = keep_from.min(floor(&ctx));
        let deleted = ctx.world.borrow_mut().store.delete_older_than(keep_from);
        assert!(ctx
            .world
            .borrow()
            .in_flight
            .values()
            .all(|g| *g >= keep_from));
        if !deleted.is_empty() {
            ctx.emit(
                me,
                EventKind::PlansDeleted {
                    generations: deleted,
                },
            );
        }
    }
}
