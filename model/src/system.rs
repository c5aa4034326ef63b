//! Wiring and lifetime: starts the planner, the enactors and the design's extra actors on
//! one shared [`Ctx`], runs them until the run ends, and stops them all.

use std::rc::Rc;
use std::time::Duration;

use madsim::time::{sleep_until, Instant};

use crate::chaos::Chaos;
use crate::design::Design;
use crate::event::Observer;
use crate::{enactor, planner};

// The model's old paths (`dnsim_model::system::World`, ...) still name these.
pub use crate::config::SystemConfig;
pub use crate::ctx::Ctx;
pub use crate::world::World;

/// How a run ended.
#[derive(Debug)]
pub struct Ended {
    /// The world when the run ended.
    pub world: World,
    /// Timer wake-ups during the run: every sleep of every actor.
    pub simulated_events: u64,
}

/// Runs the system until `config.run_until_ms` and returns the world as it is then.
///
/// Every task is stopped and awaited before this returns, so nothing is left pending when
/// the madsim runtime is dropped.
pub async fn run(
    config: SystemConfig,
    design: &'static dyn Design,
    chaos: Rc<dyn Chaos>,
    observer: Rc<dyn Observer>,
) -> Ended {
    let problems = config.problems();
    assert!(problems.is_empty(), "invalid system config: {problems:?}");
    let start = Instant::now();
    let run_until = start + Duration::from_millis(config.run_until_ms);
    let ctx = Rc::new(Ctx::new(config, design.write_guard(), chaos, observer));
    let mut tasks = vec![madsim::task::spawn_local(planner::run(ctx.clone()))];
    for id in 1..=ctx.config.enactors {
        tasks.push(madsim::task::spawn_local(enactor::supervise(
            ctx.clone(),
            design,
            id,
        )));
    }
    for actor in design.extra_actors() {
        tasks.push(madsim::task::spawn_local((actor.run)(ctx.clone())));
    }
    sleep_until(run_until).await;
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _cancelled = task.await;
    }
    let ctx = Rc::into_inner(ctx).expect("every task holding the world has been stopped");
    Ended {
        simulated_events: ctx.simulated_events() + 1, // and the run's own end
        world: ctx.world.into_inner(),
    }
}
