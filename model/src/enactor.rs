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
//!
//! Every decision a fix might change is asked of the design (see [`crate::design`]): the
//! pick-up check, the lock (in the zone, or a lease from the lock service), checks before
//! and under the lock, the batch, when to abandon a plan, what to do on a missing target,
//! and clean-up. The defaults are the October 2025 system. Clean-up, the last step of a
//! round, is in `enactor/cleanup.rs`.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::batches::{next_batch, NextBatch};
use crate::chaos::{Call, Fault, FaultKind, Site, Step};
use crate::ctx::{Ctx, Noise};
use crate::design::{Design, LockChoice, OnMissingTarget, View};
use crate::dns::{BatchError, Change, LockRecord, ZoneSnapshot};
use crate::event::EventKind;
use crate::ids::{Actor, EndpointId, Generation};
use crate::lock_service::Grant;
use crate::plan::Plan;

mod cleanup;

/// The enactor process died; its supervisor restarts it after `restart_ms`.
struct Crashed {
    restart_ms: u64,
}

/// Why an enactor stopped working on its plan before finishing it.
enum Stop {
    Crashed(Crashed),
    /// It dropped the plan (the design said so, or its lease was lost); it looks again at
    /// the next poll.
    Abandoned,
}

impl From<Crashed> for Stop {
    fn from(crashed: Crashed) -> Stop {
        Stop::Crashed(crashed)
    }
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
pub(crate) async fn supervise(ctx: Rc<Ctx>, design: &'static dyn Design, id: u8) {
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
            design,
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
    /// The design every decision a fix might change is asked of.
    design: &'static dyn Design,
    me: Actor,
    counters: &'a mut Counters,
    /// The plan in hand, and which pass at it this is.
    plan: Generation,
    pass: u32,
}

impl Enactor<'_> {
    /// Asks the design a question, showing it the world as this enactor sees it now.
    fn ask<R>(&self, question: impl FnOnce(&dyn Design, &View) -> R) -> R {
        let world = self.ctx.world.borrow();
        let view = View {
            me: self.me,
            now_ms: self.ctx.now_ms(),
            config: &self.ctx.config,
            world: &world,
        };
        question(self.design, &view)
    }

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

    /// One look for work: pick up the newest plan and, if the design's pick-up check passes
    /// (by default: it is newer than what is live), apply it everywhere and clean up.
    async fn one_round(&mut self) -> Result<(), Crashed> {
        let Some(plan) = self.ctx.world.borrow().store.newest() else {
            return Ok(());
        };
        let polls = &mut self.counters.polls;
        if polls.0 != plan.generation {
            *polls = (plan.generation, 0);
        }
        polls.1 += 1;
        let lock = self.ask(|design, view| design.lock(view));
        if let LockChoice::Lease { ttl_ms } = lock {
            if !self.take_lease(ttl_ms).await {
                return Ok(());
            }
        }
        // The one-time check: made here, once, and never again for this plan.
        let check = self.poll_site().with_call(Call::LiveCheck);
        let Ok(oldest_live) = self.ctx.oldest_live_generation(&check).await else {
            return Ok(()); // The read failed; look again next poll.
        };
        let picks_up = self.ask(|design, view| design.picks_up(view, &plan, oldest_live));
        if !picks_up {
            return Ok(());
        }
        let pass = self.counters.passes.entry(plan.generation).or_insert(0);
        *pass += 1;
        (self.plan, self.pass) = (plan.generation, *pass);
        let previous = self
            .ctx
            .world
            .borrow_mut()
            .in_flight
            .insert(self.me, plan.generation);
        assert_eq!(previous, None, "{} holds one plan at a time", self.me);
        self.ctx.emit(
            self.me,
            EventKind::PlanPickedUp {
                generation: plan.generation,
                oldest_live,
            },
        );
        let result = self.work_on(&plan, lock).await;
        let finished = self.ctx.world.borrow_mut().in_flight.remove(&self.me);
        assert_eq!(
            finished,
            Some(plan.generation),
            "the plan in flight is the one in hand"
        );
        match result {
            Ok(()) | Err(Stop::Abandoned) => Ok(()),
            Err(Stop::Crashed(crashed)) => Err(crashed),
        }
    }

    /// Applies the plan in hand to every endpoint, then cleans up (if the design says so).
    async fn work_on(&self, plan: &Plan, lock: LockChoice) -> Result<(), Stop> {
        self.hazard(self.site(Step::Pickup, 0)).await?;
        for endpoint in EndpointId::all(self.ctx.config.endpoints.into()) {
            self.apply(plan, endpoint, lock).await?;
        }
        self.ctx.emit(
            self.me,
            EventKind::PlanApplied {
                generation: plan.generation,
            },
        );
        if self.design.enactors_clean_up() {
            self.clean_up(plan.generation, lock).await?;
        }
        Ok(())
    }

    /// Asks the lock service for the lease at a look for work; `false` if it was refused or
    /// the call failed (look again next poll).
    async fn take_lease(&mut self, ttl_ms: u64) -> bool {
        let site = self.poll_site().with_call(Call::Lease);
        match self.ctx.acquire_lease(&site, self.me, ttl_ms).await {
            Err(_) => false,
            Ok(Grant::Renewed(lease)) => {
                assert_eq!(lease.holder, self.me);
                true
            }
            Ok(Grant::Granted { lease, expired }) => {
                assert_eq!(lease.holder, self.me);
                self.ctx
                    .emit(self.me, EventKind::LeaseGranted { lease, expired });
                true
            }
            Ok(Grant::Busy(lease)) => {
                // Told by nothing: waiting for the lease is the normal state of the others.
                assert_ne!(lease.holder, self.me);
                false
            }
        }
    }

    /// Renews the lease before an attempt at `site`. `Ok(false)`: the call failed, back off
    /// and try again; `Err(Abandoned)`: another actor held the lease since, so drop the plan.
    async fn keep_lease(
        &self,
        site: &Site,
        ttl_ms: u64,
        generation: Generation,
    ) -> Result<bool, Stop> {
        match self
            .ctx
            .acquire_lease(&site.with_call(Call::Lease), self.me, ttl_ms)
            .await
        {
            Err(_) => {
                self.read_failed(site).await;
                Ok(false)
            }
            Ok(Grant::Renewed(lease)) => {
                assert_eq!(lease.holder, self.me);
                Ok(true)
            }
            Ok(Grant::Granted { lease, expired }) => {
                // A fresh grant means someone else held the lease since this enactor's.
                self.ctx
                    .emit(self.me, EventKind::LeaseGranted { lease, expired });
                let now = Some(lease);
                self.ctx
                    .emit(self.me, EventKind::LeaseLost { generation, now });
                Err(Stop::Abandoned)
            }
            Ok(Grant::Busy(lease)) => {
                let now = Some(lease);
                self.ctx
                    .emit(self.me, EventKind::LeaseLost { generation, now });
                Err(Stop::Abandoned)
            }
        }
    }

    /// Reports that `lock`, another writer's and unexpired, bars the attempt at `site`, and
    /// backs off. The caller has let its read go first: a read held through the back-off
    /// would make every batch committed meanwhile copy the zone's trees (see
    /// `ZoneSnapshot`).
    async fn lock_barred(&self, site: &Site, lock: LockRecord) {
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

    /// The read a batch is built on, and the batch's lock part, at `site`: `None` if the read
    /// failed, or if another writer's lock bars this enactor (either way it has backed off,
    /// having let the read go first).
    async fn read_under_lock(
        &self,
        site: &Site,
        endpoint: EndpointId,
        lock: LockChoice,
    ) -> Option<(ZoneSnapshot, Vec<Change>)> {
        let Ok(zone) = self
            .ctx
            .read_zone(&site.with_call(Call::Read), endpoint)
            .await
        else {
            self.read_failed(site).await;
            return None;
        };
        match self.preamble(&zone, lock) {
            Ok(preamble) => Some((zone, preamble)),
            Err(barring) => {
                drop(zone);
                self.lock_barred(site, barring).await;
                None
            }
        }
    }

    /// The lock part of a batch after reading `zone`: the in-zone lock's preamble, or
    /// nothing under a lease. `Err(lock)` if the in-zone lock bars this enactor now (the
    /// caller lets the read go, then backs off with [`Enactor::lock_barred`]).
    fn preamble(&self, zone: &ZoneSnapshot, lock: LockChoice) -> Result<Vec<Change>, LockRecord> {
        match lock {
            LockChoice::InZone => match self.ctx.lock_barring(self.me, zone) {
                Some(barring) => Err(barring),
                None => Ok(self.ctx.lock_preamble(self.me, zone)),
            },
            LockChoice::Lease { .. } => Ok(Vec::new()),
        }
    }

    /// Applies `plan` to one endpoint, retrying until it succeeds (or the design skips the
    /// endpoint, freezes it, or abandons the plan).
    async fn apply(&self, plan: &Plan, endpoint: EndpointId, lock: LockChoice) -> Result<(), Stop> {
        let design = self.design;
        let generation = plan.generation;
        for attempt in 1.. {
            let site = self.site(Step::Apply(endpoint), attempt);
            if self.ctx.world.borrow().frozen.contains(&endpoint) {
                self.ctx.emit(
                    self.me,
                    EventKind::FrozenSkipped {
                        endpoint,
                        generation,
                    },
                );
                return Ok(());
            }
            if self.ask(|design, view| design.abandons(view, plan, attempt)) {
                self.ctx
                    .emit(self.me, EventKind::PlanAbandoned { generation });
                return Err(Stop::Abandoned);
            }
            if let LockChoice::Lease { ttl_ms } = lock {
                if !self.keep_lease(&site, ttl_ms, generation).await? {
                    continue;
                }
            }
            self.hazard(site).await?;
            if let Some(check) = design.check_before_attempt() {
                match self
                    .ctx
                    .read_zone(&site.with_call(Call::Recheck), endpoint)
                    .await
                {
                    Ok(zone) if !check(plan, &zone) => {
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
            let Some((zone, preamble)) = self.read_under_lock(&site, endpoint, lock).await else {
                continue;
            };
            // The design's batch begins with the preamble (see `Design::batch`).
            let preamble_len = preamble.len();
            let batch = self.ask(|design, view| {
                if design.check_under_lock(view, plan, &zone) {
                    design.batch(view, plan, endpoint, &zone, preamble)
                } else {
                    None
                }
            });
            let Some(batch) = batch else {
                self.skipped(plan, endpoint, zone.root);
                return Ok(());
            };
            let next = match self.ctx.config.batch_limits {
                None => NextBatch::Final(batch),
                Some(limits) => next_batch(limits, preamble_len, batch, &zone),
            };
            // Done with the read: let it go before the write, so that the zone, when the
            // batch commits, need not copy the trees this read shares (see
            // `ZoneSnapshot`).
            drop(zone);
            let batch = match next {
                NextBatch::Final(batch) => batch,
                NextBatch::Part {
                    batch,
                    generation,
                    built,
                    of,
                } => {
                    // The tree does not fit beside the flip: build a part, read again.
                    let call = site.with_call(Call::Change);
                    match self.ctx.change(&call, endpoint, &batch).await {
                        Ok(_) => self.ctx.emit(
                            self.me,
                            EventKind::TreePartBuilt {
                                endpoint,
                                generation,
                                built,
                                of,
                            },
                        ),
                        Err(error) => self.rejected(&site, generation, error).await,
                    }
                    continue;
                }
            };
            match self
                .ctx
                .change(&site.with_call(Call::Change), endpoint, &batch)
                .await
            {
                Ok(commit) => {
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
                Err(error @ BatchError::AliasTargetMissing { .. })
                    if self
                        .ask(|design, view| design.on_missing_target(view, endpoint, &error))
                        == OnMissingTarget::Freeze =>
                {
                    self.ctx.world.borrow_mut().frozen.insert(endpoint);
                    self.ctx.emit(
                        self.me,
                        EventKind::Alarm {
                            endpoint,
                            generation,
                            error,
                        },
                    );
                    return Ok(());
                }
                Err(error) => self.rejected(&site, generation, error).await,
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
