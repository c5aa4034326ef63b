//! The enactors: three (by default) independent processes that apply plans to DNS.
//!
//! Each one loops: pick up the newest plan, make a **one-time check** that it is newer than
//! what is live, then apply it to every endpoint in turn, retrying each endpoint until it
//! succeeds; then run clean-up. The check is made once, before any endpoint is touched: a
//! delayed enactor acts on a belief that may be long out of date. That is the race.
//!
//! Every attempt at an endpoint reads the zone (the lock record as it is now, the root and
//! rollback), backs off if another writer's lock is unexpired, and otherwise submits one
//! batch: DELETE the lock as read, CREATE it with a fresh expiry, then the design's changes.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::chaos::{Actor, Call, Fault, FaultKind, Site, Step};
use crate::dns::{BatchError, Change, EndpointId, LockRecord, ZoneSnapshot};
use crate::event::EventKind;
use crate::plan::{Generation, Plan};
use crate::system::{Ctx, Noise};

/// The enactor process died; its supervisor restarts it after `restart_ms`.
struct Crashed {
    restart_ms: u64,
}

/// What an enactor remembers across crashes: nothing of the real system's state, only the
/// counters that keep its site names unique and stable (see [`Site`]).
#[derive(Default)]
struct Counters {
    /// How many times this enactor has taken up each plan.
    passes: BTreeMap<Generation, u32>,
    /// The newest plan at the last look for work, and how many looks it has had.
    polls: (Generation, u32),
}

/// Runs enactor `id` for ever, restarting it after each crash.
pub(crate) async fn supervise(ctx: Rc<Ctx>, id: u8) {
    let me = Actor::Enactor(id);
    let mut counters = Counters::default();
    // Enactors start at different moments, as independent processes do.
    let start = Site {
        actor: me,
        plan: 0,
        pass: 0,
        step: Step::Poll,
        attempt: 0,
        call: Call::None,
    };
    let poll_us = ctx.config.enactor_poll_ms * 1000;
    ctx.sleep_us(ctx.noise(&start, Noise::Start, 1, poll_us))
        .await;
    loop {
        let mut enactor = Enactor {
            ctx: &ctx,
            me,
            counters: &mut counters,
            plan: Generation(0),
            pass: 0,
        };
        let Crashed { restart_ms } = enactor.run().await;
        ctx.sleep_ms(restart_ms).await;
        ctx.emit(me, EventKind::Restarted);
    }
}

struct Enactor<'a> {
    ctx: &'a Ctx,
    me: Actor,
    counters: &'a mut Counters,
    /// The plan in hand, and which pass at it this is.
    plan: Generation,
    pass: u32,
}

impl Enactor<'_> {
    /// A site of the work on the plan in hand.
    fn site(&self, step: Step, attempt: u32) -> Site {
        Site {
            actor: self.me,
            plan: self.plan.0,
            pass: self.pass,
            step,
            attempt,
            call: Call::None,
        }
    }

    /// The site of the latest look for work.
    fn poll_site(&self) -> Site {
        let (newest, looks) = self.counters.polls;
        Site {
            actor: self.me,
            plan: newest.0,
            pass: 0,
            step: Step::Poll,
            attempt: looks,
            call: Call::None,
        }
    }

    /// A point where the enactor's own process may stall or die.
    async fn hazard(&self, site: Site) -> Result<(), Crashed> {
        if let Some(Fault::Stall { ms }) = self.ctx.decide(&site, FaultKind::Stall) {
            self.ctx.emit(self.me, EventKind::Stalled { site, ms });
            self.ctx.sleep_ms(ms).await;
        }
        if let Some(Fault::Crash { restart_ms }) = self.ctx.decide(&site, FaultKind::Crash) {
            self.ctx
                .emit(self.me, EventKind::Crashed { site, restart_ms });
            return Err(Crashed { restart_ms });
        }
        Ok(())
    }

    async fn run(&mut self) -> Crashed {
        loop {
            let poll_us = self.ctx.config.enactor_poll_ms * 1000;
            let site = self.poll_site();
            let wait_us = self
                .ctx
                .noise(&site, Noise::Poll, poll_us / 2, poll_us + poll_us / 2);
            self.ctx.sleep_us(wait_us).await;
            if let Err(crashed) = self.one_round().await {
                return crashed;
            }
        }
    }

    /// One look for work: pick up the newest plan and, if it is newer than what is live,
    /// apply it everywhere and clean up.
    async fn one_round(&mut self) -> Result<(), Crashed> {
        let Some(plan) = self.ctx.world.borrow().store.newest() else {
            return Ok(());
        };
        let polls = &mut self.counters.polls;
        if polls.0 != plan.generation {
            *polls = (plan.generation, 0);
        }
        polls.1 += 1;
        // The one-time check: made here, once, and never again for this plan.
        let check = self.poll_site().with_call(Call::LiveCheck);
        let Ok(oldest_live) = self.ctx.oldest_live_generation(&check).await else {
            return Ok(()); // The read failed; look again next poll.
        };
        if plan.generation <= oldest_live {
            return Ok(());
        }
        let pass = self.counters.passes.entry(plan.generation).or_insert(0);
        *pass += 1;
        (self.plan, self.pass) = (plan.generation, *pass);
        let pickup = self.site(Step::Pickup, 0);
        self.ctx.emit(
            self.me,
            EventKind::PlanPickedUp {
                generation: plan.generation,
                oldest_live,
            },
        );
        self.hazard(pickup).await?;
        for endpoint in EndpointId::all(self.ctx.config.endpoints as usize) {
            self.apply(&plan, endpoint).await?;
        }
        self.ctx.emit(
            self.me,
            EventKind::PlanApplied {
                generation: plan.generation,
            },
        );
        self.clean_up(plan.generation).await
    }

    /// Whether the zone's lock bars this enactor now; if so, reports it and backs off.
    async fn lock_barred(&self, site: &Site, zone: &ZoneSnapshot) -> bool {
        let Some(lock) = zone
            .lock
            .filter(|lock| lock.bars(self.me, self.ctx.now_ms()))
        else {
            return false;
        };
        let backoff_us = self.ctx.backoff_us(site);
        self.ctx.emit(
            self.me,
            EventKind::LockBusy {
                endpoint: endpoint_of(site),
                lock,
                attempt: site.attempt,
                backoff_ms: backoff_us / 1000,
            },
        );
        self.ctx.sleep_us(backoff_us).await;
        true
    }

    async fn read_failed(&self, site: &Site) {
        let backoff_us = self.ctx.backoff_us(site);
        self.ctx.emit(
            self.me,
            EventKind::ReadFailed {
                endpoint: endpoint_of(site),
                attempt: site.attempt,
                backoff_ms: backoff_us / 1000,
            },
        );
        self.ctx.sleep_us(backoff_us).await;
    }

    async fn rejected(&self, site: &Site, generation: Generation, error: BatchError) {
        let backoff_us = self.ctx.backoff_us(site);
        self.ctx.emit(
            self.me,
            EventKind::BatchRejected {
                endpoint: endpoint_of(site),
                generation,
                error,
                attempt: site.attempt,
                backoff_ms: backoff_us / 1000,
            },
        );
        self.ctx.sleep_us(backoff_us).await;
    }

    /// The lock preamble: DELETE the lock exactly as read, CREATE it as ours with a fresh expiry.
    fn lock_preamble(&self, zone: &ZoneSnapshot) -> Vec<Change> {
        vec![
            Change::DeleteLock(zone.lock),
            Change::CreateLock(LockRecord {
                holder: self.me,
                expires_ms: self.ctx.now_ms() + self.ctx.config.lock_ttl_ms,
            }),
        ]
    }

    /// Applies `plan` to one endpoint, retrying until it succeeds (or the design skips it).
    async fn apply(&self, plan: &Plan, endpoint: EndpointId) -> Result<(), Crashed> {
        let design = self.ctx.design;
        for attempt in 1.. {
            let site = self.site(Step::Apply(endpoint), attempt);
            self.hazard(site).await?;
            if design.rechecks_before_write() {
                match self
                    .ctx
                    .read_zone(&site.with_call(Call::Recheck), endpoint)
                    .await
                {
                    Ok(zone) if zone.root >= Some(plan.generation) => {
                        self.skipped(plan, endpoint, zone.root);
                        return Ok(());
                    }
                    Ok(_) => {}
                    Err(_) => {
                        self.read_failed(&site).await;
                        continue;
                    }
                }
            }
            let Ok(zone) = self
                .ctx
                .read_zone(&site.with_call(Call::Read), endpoint)
                .await
            else {
                self.read_failed(&site).await;
                continue;
            };
            if self.lock_barred(&site, &zone).await {
                continue;
            }
            let Some(changes) = design.apply_changes(plan, endpoint, &zone) else {
                self.skipped(plan, endpoint, zone.root);
                return Ok(());
            };
            let mut batch = self.lock_preamble(&zone);
            batch.extend(changes);
            match self
                .ctx
                .change(&site.with_call(Call::Change), endpoint, &batch)
                .await
            {
                Ok(commit) => {
                    let generation = plan.generation;
                    self.ctx.emit(
                        self.me,
                        EventKind::Applied {
                            endpoint,
                            generation,
                            commit,
                        },
                    );
                    return Ok(());
                }
                Err(error) => self.rejected(&site, plan.generation, error).await,
            }
        }
        unreachable!("the attempts never run out")
    }

    fn skipped(&self, plan: &Plan, endpoint: EndpointId, live: Option<Generation>) {
        self.ctx.emit(
            self.me,
            EventKind::EndpointSkipped {
                endpoint,
                generation: plan.generation,
                live,
            },
        );
    }

    /// Deletes trees and plans "significantly older" than `applied`, as the design decides.
    async fn clean_up(&self, applied: Generation) -> Result<(), Crashed> {
        let config = &self.ctx.config;
        let age = config.cleanup_age_generations;
        for endpoint in EndpointId::all(config.endpoints as usize) {
            let mut done = false;
            for attempt in 1..=config.cleanup_attempts {
                let site = self.site(Step::Cleanup(endpoint), attempt);
                self.hazard(site).await?;
                let Ok(zone) = self
                    .ctx
                    .read_zone(&site.with_call(Call::Read), endpoint)
                    .await
                else {
                    self.read_failed(&site).await;
                    continue;
                };
                if self.lock_barred(&site, &zone).await {
                    continue;
                }
                let victims = self.ctx.design.cleanup_victims(applied, age, &zone);
                if victims.is_empty() {
                    done = true;
                    break;
                }
                let mut batch = self.lock_preamble(&zone);
                batch.extend(victims.iter().map(|&tree| Change::DeleteTree(tree)));
                match self
                    .ctx
                    .change(&site.with_call(Call::Change), endpoint, &batch)
                    .await
                {
                    Ok(commit) => {
                        self.ctx.emit(
                            self.me,
                            EventKind::TreesDeleted {
                                endpoint,
                                generations: victims,
                                commit,
                            },
                        );
                        done = true;
                        break;
                    }
                    Err(error) => self.rejected(&site, applied, error).await,
                }
            }
            if !done {
                self.ctx
                    .emit(self.me, EventKind::CleanupGaveUp { endpoint });
            }
        }
        let keep_from = Generation(applied.0.saturating_sub(age));
        let deleted = self
            .ctx
            .world
            .borrow_mut()
            .store
            .delete_older_than(keep_from);
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

/// The endpoint an apply or clean-up site is about.
fn endpoint_of(site: &Site) -> EndpointId {
    match site.step {
        Step::Apply(endpoint) | Step::Cleanup(endpoint) => endpoint,
        Step::Tick | Step::Poll | Step::Pickup => {
            unreachable!("only apply and clean-up sites back off: {site}")
        }
    }
}
