//! Properties over scenario parameters, with proptest: the numbers in a scenario are dnsim's
//! picks, so the verdicts must not hang on them.
//!
//! Each case draws a scenario (enactors, endpoints, clean-up age, latencies, lock expiry,
//! fault rates) and runs a few seeds of it. When a property fails, proptest shrinks the
//! parameters and reports the minimal failing scenario (see the last test).

use dnsim::{InvariantId, Outcome, RunSpec, Scenario};
use dnsim_tests::{design, incident};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

/// The knobs a case varies; everything else is the incident scenario's.
#[derive(Clone, Debug)]
struct Knobs {
    enactors: u8,
    endpoints: u8,
    cleanup_age_generations: u64,
    api_latency_ms: [u64; 2],
    lock_ttl_ms: u64,
    stall_probability: f64,
    api_error_probability: f64,
    lock_held_probability: f64,
    burst_probability: f64,
}

fn knobs(enactors: std::ops::RangeInclusive<u8>) -> impl Strategy<Value = Knobs> {
    (
        enactors,
        1u8..=6,
        2u64..=30,
        (1u64..=60, 0u64..=100),
        50u64..=3000,
        0.0..0.05f64,
        0.0..0.10f64,
        0.0..0.05f64,
        0.0..0.6f64,
    )
        .prop_map(
            |(enactors, endpoints, age, (latency, spread), ttl, stall, error, held, burst)| Knobs {
                enactors,
                endpoints,
                cleanup_age_generations: age,
                api_latency_ms: [latency, latency + spread],
                lock_ttl_ms: ttl,
                stall_probability: stall,
                api_error_probability: error,
                lock_held_probability: held,
                burst_probability: burst,
            },
        )
}

fn scenario(knobs: &Knobs) -> Scenario {
    let mut scenario = incident();
    let system = &mut scenario.system;
    system.enactors = knobs.enactors;
    system.endpoints = knobs.endpoints.into();
    system.cleanup_age_generations = knobs.cleanup_age_generations;
    system.api_latency_ms = knobs.api_latency_ms;
    system.lock_ttl_ms = knobs.lock_ttl_ms;
    let faults = &mut scenario.faults;
    faults.stall.probability = knobs.stall_probability;
    faults.api_error.probability = knobs.api_error_probability;
    faults.lock_held.probability = knobs.lock_held_probability;
    faults.burst.probability = knobs.burst_probability;
    scenario
}

const SEEDS_PER_CASE: u64 = 4;

fn runs(knobs: &Knobs, variant: &str) -> impl Iterator<Item = Outcome> {
    let scenario = scenario(knobs);
    let design = design(variant);
    (0..SEEDS_PER_CASE).map(move |seed| {
        dnsim::run(
            &RunSpec::seeded(&scenario, design, seed).with_strategy(dnsim::Strategy::Uniform),
        )
    })
}

fn holds(knobs: &Knobs, variant: &str, invariants: &[InvariantId]) -> Result<(), TestCaseError> {
    for outcome in runs(knobs, variant) {
        for invariant in invariants {
            if let Some(v) = outcome.violation(*invariant) {
                return Err(TestCaseError::fail(format!(
                    "{variant} violated {invariant} at seed {}: {}",
                    outcome.seed, v.message
                )));
            }
        }
    }
    Ok(())
}

use InvariantId::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn fenced_and_protected_never_violates_a_safety_invariant(knobs in knobs(1..=5)) {
        holds(&knobs, "fenced-and-protected", &[NoStaleOverwrite, ActivePlanExists, RollbackTargetExists, EndpointResolves])?;
    }

    #[test]
    fn generation_fencing_never_overwrites_or_empties_an_endpoint(knobs in knobs(1..=5)) {
        holds(&knobs, "generation-fencing", &[NoStaleOverwrite, ActivePlanExists, EndpointResolves])?;
    }

    #[test]
    fn protect_referenced_cleanup_never_deletes_a_live_tree(knobs in knobs(1..=5)) {
        holds(&knobs, "protect-referenced-cleanup", &[ActivePlanExists, EndpointResolves])?;
    }

    #[test]
    fn original_with_one_enactor_never_overwrites_or_empties_an_endpoint(knobs in knobs(1..=1)) {
        // Not rollback_target_exists: one enactor can leave its rollback record dangling (README).
        holds(&knobs, "original", &[NoStaleOverwrite, ActivePlanExists, EndpointResolves])?;
    }
}

#[test]
fn a_failing_property_reports_its_minimal_parameters() {
    // A false claim: the original design never overwrites a newer plan. proptest finds a
    // scenario where it does and shrinks it; with one enactor there is no race, so the
    // minimal scenario has exactly two.
    // A fixed RNG: with a random one, shrinking sometimes stops at three enactors.
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let result = runner.run(&knobs(1..=5), |knobs| {
        holds(&knobs, "original", &[NoStaleOverwrite])
    });
    match result {
        Err(TestError::Fail(reason, minimal)) => {
            println!("minimal failing scenario: {minimal:?}\nbecause: {reason}");
            assert_eq!(minimal.enactors, 2, "{minimal:?}");
        }
        other => panic!("the false claim was not refuted: {other:?}"),
    }
}
