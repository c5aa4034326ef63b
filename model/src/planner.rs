//! The planner: writes a new plan for the whole region on a schedule, with bursts.
//!
//! It runs on regardless of what the enactors do. Bursts of many plans are normal (AWS: "if
//! we hadn't generated as many plans, we never would have exposed the underlying latent race
//! condition"); here a burst is a fault the harness injects at a tick. At
//! `planner_quiet_at_ms` it writes one last plan and stops, so that a run can ask whether the
//! automation converges on it.

use std::rc::Rc;

use crate::chaos::{Call, Fault, FaultKind, Site, Step};
use crate::ctx::Ctx;
use crate::event::EventKind;
use crate::ids::{Actor, Generation};
use crate::plan::Plan;

fn publish(ctx: &Ctx, burst: bool) -> Generation {
    let generation = {
        let mut world = ctx.world.borrow_mut();
        let generation = Generation(world.store.newest_published().0 + 1);
        let endpoints = usize::from(ctx.config.endpoints);
        let plan = match ctx.config.load_balancers {
            None => Plan::new(generation, endpoints),
            Some(count) => {
                // The newest plan ever published is never deleted (clean-up keeps the plan
                // it applied and everything newer), so it is in the history.
                let previous = world.store.newest();
                Plan::sized(generation, endpoints, count, previous.as_deref())
            }
        };
        world.store.publish(plan, ctx.now_ms());
        generation
    };
    ctx.emit(
        Actor::Planner,
        EventKind::PlanPublished { generation, burst },
    );
    generation
}

pub(crate) async fn run(ctx: Rc<Ctx>) {
    let config = &ctx.config;
    publish(&ctx, false);
    for tick in 1.. {
        let next_tick_ms = tick * config.planner_interval_ms;
        if next_tick_ms >= config.planner_quiet_at_ms {
            ctx.sleep_ms(config.planner_quiet_at_ms.saturating_sub(ctx.now_ms()))
                .await;
            let generation = publish(&ctx, false);
            ctx.emit(Actor::Planner, EventKind::PlannerQuiet { generation });
            return;
        }
        ctx.sleep_ms(next_tick_ms.saturating_sub(ctx.now_ms()))
            .await;
        publish(&ctx, false);
        let site = Site {
            actor: Actor::Planner,
            plan: tick,
            pass: 0,
            step: Step::Tick,
            attempt: 0,
            call: Call::None,
        };
        if let Some(Fault::Burst { plans }) = ctx.decide(&site, FaultKind::Burst) {
            for _ in 0..plans {
                ctx.sleep_ms(config.burst_spacing_ms).await;
                publish(&ctx, true);
            }
        }
    }
}
