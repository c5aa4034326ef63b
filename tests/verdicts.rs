//! The verdicts every design review starts from, pinned.

use dnsim::cli::DEFAULT_SEEDS;
use dnsim::strategy::Strategy;
use dnsim::{hunt, InvariantId, SeedRange};
use dnsim_tests::{design, incident};

#[test]
fn original_design_violates_every_invariant_in_the_default_hunt() {
    let seeds: SeedRange = DEFAULT_SEEDS.parse().unwrap();
    let report = hunt(
        &incident(),
        design("original"),
        Strategy::default(),
        seeds,
        2,
    );
    assert_eq!(report.summary.seeds_run, seeds.len());
    for invariant in InvariantId::ALL {
        assert!(
            report.summary.first_seed(invariant).is_some(),
            "the original design should violate {invariant} within seeds {seeds}"
        );
    }
    // The race should need faults: not every seed meets it.
    assert!(
        report
            .summary
            .seeds_violating(InvariantId::EndpointResolves)
            < seeds.len() / 2,
        "the live tree is deleted in most seeds: the scenario no longer models a rare race"
    );
}

#[test]
fn original_design_with_one_enactor_never_overwrites_or_empties_an_endpoint() {
    // With a single enactor there is no one to race: plans are applied in order, and the
    // tree clean-up deletes is never the live one. A control for the harness itself.
    let mut scenario = incident();
    scenario.system.enactors = 1;
    let report = hunt(
        &scenario,
        design("original"),
        Strategy::Uniform,
        "0..300".parse().unwrap(),
        2,
    );
    for invariant in [
        InvariantId::NoStaleOverwrite,
        InvariantId::ActivePlanExists,
        InvariantId::EndpointResolves,
    ] {
        let found = report.violations.iter().find(|v| v.invariant == invariant);
        assert!(
            found.is_none(),
            "one enactor violated {invariant}: {found:?}"
        );
    }
    // What one enactor *can* do (see the README, "Findings"): after a long stall it jumps an
    // endpoint over more than `cleanup_age_generations`, its rollback record points at the
    // old plan, and its own clean-up deletes that plan. Never the root alias.
    for violation in report
        .violations
        .iter()
        .filter(|v| v.invariant == InvariantId::RollbackTargetExists)
    {
        assert!(
            violation.message.contains("rollback record points at"),
            "seed {}: {}",
            violation.seed,
            violation.message
        );
    }
}

#[test]
fn one_enactor_can_leave_the_rollback_record_dangling_after_a_long_stall() {
    // postmortem: seed 2, one enactor: stalled 46s holding g2, applied it, then jumped regional
    // g2 -> g24; its clean-up of trees older than g9 deleted g2, the rollback target.
    let mut scenario = incident();
    scenario.system.enactors = 1;
    let outcome = dnsim_tests::run_kept(&scenario, design("original"), 2);
    let violation = outcome
        .violation(InvariantId::RollbackTargetExists)
        .expect("seed 2 with one enactor leaves the rollback record dangling");
    assert!(
        violation
            .message
            .starts_with("regional: rollback record points at g2"),
        "{}",
        violation.message
    );
    assert!(!outcome.violated(InvariantId::EndpointResolves));
}

#[test]
fn without_faults_the_original_design_holds() {
    let mut scenario = incident();
    let f = &mut scenario.faults;
    f.api_delay.probability = 0.0;
    f.api_error.probability = 0.0;
    f.lock_held.probability = 0.0;
    f.stall.probability = 0.0;
    f.crash.probability = 0.0;
    f.burst.probability = 0.0;
    let report = hunt(
        &scenario,
        design("original"),
        Strategy::Uniform,
        "0..100".parse().unwrap(),
        2,
    );
    assert!(
        report.violations.is_empty(),
        "{:?}",
        report.violations.first()
    );
}
