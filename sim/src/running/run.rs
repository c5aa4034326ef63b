//! One run: a (scenario, design, seed) in a fresh madsim runtime, and its [`Outcome`].

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use dnsim_model::dns::{BatchError, Change, Commit};
use dnsim_model::{Design, EndpointId, Event, Observer, World};
use madsim::runtime::Runtime;
use madsim::Config;
use serde::{Deserialize, Serialize};

use crate::checking::coverage::{Coverage, Mark};
use crate::checking::invariants::{Checker, End, InvariantId, Seen, Violation};
use crate::checking::measures::{Measures, Watch};
use crate::checking::oracle::Reference;
use crate::exploring::strategy::{Strategy, StrategyChoices};
use crate::running::faults::{FaultSchedule, FaultSource, Injector};
use crate::running::scenario::Scenario;
use crate::running::trace::{Trace, TraceEntry, TraceMode};

/// What to run.
#[derive(Clone)]
pub struct RunSpec<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The design under test.
    pub design: &'static dyn Design,
    /// The seed: it decides every draw of the run.
    pub seed: u64,
    /// Faults drawn from the seed, or replayed from a schedule.
    pub faults: FaultSource,
    /// How a seeded run chooses its faults (ignored by a scripted one).
    pub strategy: Strategy,
    /// What of the trace to keep or print.
    pub trace: TraceMode,
}

impl<'a> RunSpec<'a> {
    /// A seeded run with the CLI's default strategy ([`Strategy::default`], `swarm`), so
    /// that a seed behaves here as `dnsim hunt` and `dnsim replay --seed` ran it; it keeps
    /// nothing but the hash of its trace. To replay a run found with another strategy (the
    /// saved seeds of `uniform`), add [`RunSpec::with_strategy`].
    pub fn seeded(scenario: &'a Scenario, design: &'static dyn Design, seed: u64) -> RunSpec<'a> {
        RunSpec {
            scenario,
            design,
            seed,
            faults: FaultSource::Seeded,
            strategy: Strategy::default(),
            trace: TraceMode::default(),
        }
    }

    /// The same run with another strategy.
    pub fn with_strategy(self, strategy: Strategy) -> RunSpec<'a> {
        RunSpec { strategy, ..self }
    }

    /// The strategy as a header names it: `scripted` when the faults are a schedule (the
    /// strategy is then not used, and its name would point at another run).
    pub fn strategy_label(&self) -> String {
        match self.faults {
            FaultSource::Seeded => self.strategy.to_string(),
            FaultSource::Scripted(_) | FaultSource::Logged(..) => "scripted".to_string(),
        }
    }
}

/// What happened in a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
    /// The scenario's name.
    pub scenario: String,
    /// The design's label.
    pub variant: String,
    /// The seed.
    pub seed: u64,
    /// The strategy the spec asked for (a scripted replay ignores it).
    pub strategy: Strategy,
    /// What the strategy chose: the swarm mix, the stall points (`Scripted` in a scripted
    /// replay, which `SeedFile::from_outcome` saves as its schedule). For display
    /// otherwise: the fault schedule alone replays the run.
    pub choices: StrategyChoices,
    /// The first violation of each invariant, in the order they happened.
    pub violations: Vec<Violation>,
    /// Every fault injected, in order: replaying it gives the identical run.
    pub faults: FaultSchedule,
    /// Stable hash of the whole trace: equal hashes mean identical runs.
    pub trace_hash: u64,
    /// Simulated events: timer wake-ups of every actor (the simulator's unit of work).
    pub events: u64,
    /// Trace entries recorded (model events, faults and violations).
    pub trace_entries: u64,
    /// The dangerous situations the run reached (see [`Mark`]).
    pub coverage: Vec<Mark>,
    /// How long the run hurt: empty answers, stale plans, repair (see [`Measures`]).
    #[serde(default)]
    pub measures: Measures,
    /// The trace itself, if the spec asked to keep it.
    #[serde(skip)]
    pub trace: Vec<(Duration, TraceEntry)>,
}

impl Outcome {
    /// Whether the run violated `invariant`.
    pub fn violated(&self, invariant: InvariantId) -> bool {
        self.violations.iter().any(|v| v.invariant == invariant)
    }

    /// The run's violation of `invariant`, if any.
    pub fn violation(&self, invariant: InvariantId) -> Option<&Violation> {
        self.violations.iter().find(|v| v.invariant == invariant)
    }
}

/// The model's observer: records every event in the trace, keeps the reference zones (the
/// oracle), checks every invariant against them, and watches for coverage marks and outages.
struct Recorder {
    trace: Rc<RefCell<Trace>>,
    reference: RefCell<Reference>,
    checker: RefCell<Checker>,
    coverage: RefCell<Coverage>,
    watch: RefCell<Watch>,
}

impl Observer for Recorder {
    fn on_event(&self, now: Duration, event: &Event, world: &World) {
        self.trace.borrow_mut().push_event(now, event);
        let touched = self.reference.borrow_mut().on_event(event, world);
        let reference = self.reference.borrow();
        self.coverage
            .borrow_mut()
            .on_event(event, touched, &reference);
        self.watch
            .borrow_mut()
            .observe(now, touched, &reference, world);
        let seen = Seen {
            event,
            world,
            reference: &reference,
            touched,
        };
        let violations = self.checker.borrow_mut().after_event(now, &seen);
        self.trace.borrow_mut().extend_violations(now, violations);
    }

    fn on_batch(
        &self,
        _now: Duration,
        endpoint: EndpointId,
        changes: &[Change],
        result: &Result<Commit, BatchError>,
        world: &World,
    ) {
        self.coverage
            .borrow_mut()
            .on_batch(endpoint, changes, &self.reference.borrow());
        self.reference
            .borrow_mut()
            .on_batch(endpoint, changes, result, world);
    }
}

/// Runs one seed in a fresh madsim runtime.
pub fn run(spec: &RunSpec<'_>) -> Outcome {
    let run_until = Duration::from_millis(spec.scenario.system_config().run_until_ms);
    let mut runtime = Runtime::with_seed_and_config(spec.seed, Config::default());
    // A run that overshoots its own end by a minute of simulated time is a harness bug.
    runtime.set_time_limit(run_until + Duration::from_secs(60));
    runtime.block_on(simulate(spec))
}

/// The body of a run, inside a madsim runtime seeded with `spec.seed`. Every task the
/// model spawned has been stopped and awaited when this returns.
pub async fn simulate(spec: &RunSpec<'_>) -> Outcome {
    let config = spec.scenario.system_config();
    let run_until = Duration::from_millis(config.run_until_ms);
    let trace = Rc::new(RefCell::new(Trace::new(spec.trace)));
    let injector = Rc::new(Injector::new(
        spec.faults.clone(),
        spec.strategy,
        spec.scenario,
        trace.clone(),
    ));
    let recorder = Rc::new(Recorder {
        trace: trace.clone(),
        reference: RefCell::new(Reference::new(
            config.endpoints as usize,
            config.batch_limits,
        )),
        checker: RefCell::new(Checker::new(&config)),
        coverage: RefCell::new(Coverage::new(
            config.enactors as usize,
            config.endpoints as usize,
            config.cleanup_age_generations,
            spec.design.enactors_clean_up(),
        )),
        watch: RefCell::new(Watch::new(
            config.endpoints as usize,
            Duration::from_millis(spec.scenario.phases.faults_ms),
        )),
    });
    let ended =
        dnsim_model::system::run(config, spec.design, injector.clone(), recorder.clone()).await;
    let recorder = Rc::into_inner(recorder).expect("the model has let go of the recorder");
    let reference = recorder.reference.into_inner();
    reference.at_end(&ended.world);
    let mut watch = recorder.watch.into_inner();
    let measures = watch.finish(run_until);
    let mut checker = recorder.checker.into_inner();
    let end = End {
        world: &ended.world,
        reference: &reference,
        watch: &watch,
    };
    let at_end = checker.at_end(run_until, &end);
    trace.borrow_mut().extend_violations(run_until, at_end);
    let (faults, choices) = Rc::into_inner(injector)
        .expect("the model has let go of the injector")
        .finish();
    drop(recorder.trace);
    let trace = Rc::into_inner(trace).expect("the run is over").into_inner();
    Outcome {
        scenario: spec.scenario.name.clone(),
        variant: dnsim_model::designs::label(spec.design),
        seed: spec.seed,
        strategy: spec.strategy,
        choices,
        violations: checker.into_violations(),
        faults,
        trace_hash: trace.hash(),
        events: ended.simulated_events,
        trace_entries: trace.count(),
        coverage: recorder.coverage.into_inner().into_reached(&watch),
        measures,
        trace: trace.into_entries(),
    }
}
