//! `repair-monitor`: an independent monitor re-applies the newest plan to an empty endpoint.
//!
//! The enactors are the original design's. Beside them:
//!
//! 1. A monitor wakes every `interval_ms` and reads every endpoint's zone.
//! 2. An endpoint whose root alias points at a tree that no longer exists resolves to
//!    nothing. The monitor repairs it with one batch: the in-zone lock preamble as read,
//!    the newest plan's tree, and the root flipped to it. It leaves the rollback record
//!    alone (its target may be gone too).
//! 3. The repair is an event of its own (`Repaired`) in the trace.
//!
//! Why it should not prevent anything: the stale overwrite and the deletion of the live tree
//! still happen (**`no_stale_overwrite`, `active_plan_exists` and `endpoint_resolves` are
//! still violated**; an endpoint is empty until the monitor's next look). What it should
//! fix: once the root points at an existing tree again, the enactors' next batch can point
//! the rollback record at it, so they are no longer stuck: `converges` should hold. It
//! bounds the outage by the monitor's interval instead of by an operator's response.
//!
//! Parameter: `interval_ms` (default: five enactor polls).

use std::rc::Rc;

use crate::batches::{next_batch, NextBatch};
use crate::chaos::{Actor, Call, Site, Step};
use crate::ctx::Ctx;
use crate::design::{only_number_parameter, Design, ExtraActor};
use crate::dns::{Change, EndpointId};
use crate::event::EventKind;
use crate::plan::Generation;

#[derive(Default)]
/// The `repair-monitor` design (see the module's essay).
pub struct RepairMonitor {
    /// How often the monitor looks; `None`: five times the scenario's `enactor_poll_ms`.
    pub interval_ms: Option<u64>,
}

impl Design for RepairMonitor {
    fn name(&self) -> &'static str {
        "repair-monitor"
    }

    fn summary(&self) -> &'static str {
        "a monitor re-applies the newest plan to any endpoint that resolves to nothing"
    }

    fn parameters(&self) -> Vec<(&'static str, String)> {
        let interval = self.interval_ms.map(|ms| ("interval_ms", ms.to_string()));
        interval.into_iter().collect()
    }

    fn with_parameters(&self, parameters: &[(String, String)]) -> Result<Box<dyn Design>, String> {
        let interval_ms = only_number_parameter(self.name(), "interval_ms", parameters)?;
        Ok(Box::new(RepairMonitor { interval_ms }))
    }

    fn extra_actors(&self) -> Vec<ExtraActor> {
        let interval_ms = self.interval_ms;
        vec![ExtraActor {
            actor: Actor::Monitor,
            run: Box::new(move |ctx| Box::pin(monitor(ctx, interval_ms))),
        }]
    }
}

async fn monitor(ctx: Rc<Ctx>, interval_ms: Option<u64>) {
    let me = Actor::Monitor;
    let interval_ms = interval_ms.unwrap_or(5 * ctx.config.enactor_poll_ms);
    let mut round = (Generation(0), 0);
    loop {
        ctx.sleep_ms(interval_ms).await;
        let Some(newest) = ctx.world.borrow().store.newest() else {
            continue;
        };
        round = if round.0 == newest.generation {
            (newest.generation, round.1 + 1)
        } else {
            (newest.generation, 1)
        };
        for endpoint in EndpointId::all(ctx.config.endpoints.into()) {
            let site = Site {
                actor: me,
                plan: newest.generation.0,
                pass: round.1,
                step: Step::Apply(endpoint),
                attempt: 1,
                call: Call::None,
            };
            let Ok(zone) = ctx.read_zone(&site.with_call(Call::Read), endpoint).await else {
                continue; // Look again next round.
            };
            // An endpoint not set up yet is the enactors' job; only a dangling root is empty.
            let Some(root) = zone.root.filter(|&root| !zone.has_tree(root)) else {
                continue;
            };
            if ctx.lock_barring(me, &zone).is_some() {
                continue;
            }
            assert!(
                newest.generation >= root,
                "the newest plan is at least as new as any root"
            );
            let mut batch = ctx.lock_preamble(me, &zone);
            batch.push(Change::UpsertTree(
                newest.generation,
                newest.targets(endpoint).clone(),
            ));
            batch.push(Change::UpsertRoot(newest.generation));
            if let Some(limits) = ctx.config.batch_limits {
                match next_batch(limits, 2, batch, &zone) {
                    NextBatch::Final(whole) => batch = whole,
                    NextBatch::Part {
                        batch: part,
                        generation,
                        built,
                        of,
                    } => {
                        // A tree too big for one batch: one part per round, the flip last.
                        let call = site.with_call(Call::Change);
                        if ctx.change(&call, endpoint, &part).await.is_ok() {
                            let kind = EventKind::TreePartBuilt {
                                endpoint,
                                generation,
                                built,
                                of,
                            };
                            ctx.emit(me, kind);
                        }
                        continue;
                    }
                }
            }
            if let Ok(commit) = ctx
                .change(&site.with_call(Call::Change), endpoint, &batch)
                .await
            {
                assert_eq!(commit.root_after, Some(newest.generation));
                let generation = newest.generation;
                ctx.emit(
                    me,
                    EventKind::Repaired {
                        endpoint,
                        generation,
                        commit,
                    },
                );
                assert!(!ctx.world.borrow().zone(endpoint).resolve().is_empty());
            }
        }
    }
}
