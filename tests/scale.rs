//! The model at real size, in smoke runs: single seeds of `route53-scale` (1,000 endpoints,
//! 30 enactors, 300 load balancers each, Route 53's batch limits) and of `long` (its three
//! hours). The big sweeps are for `dnsim bench` and the command line, not for `cargo test`.

use dnsim::trace::TraceEntry;
use dnsim::Scenario;
use dnsim_model::event::EventKind;
use dnsim_tests::{design, run_kept};

/// Every tree is larger than one batch may carry (300 leaves; 98 fit beside the lock), so
/// every plan's tree on every endpoint is built in three parts, in order, before the first
/// batch that flips the root to it (later enactors with the same plan find it built).
#[test]
fn route53_scale_builds_every_tree_in_parts_before_the_flip() {
    let scenario = Scenario::load("route53-scale").unwrap();
    assert_eq!(scenario.system.endpoints, 1000);
    let outcome = run_kept(&scenario, design("original"), 0);
    let mut parts = std::collections::BTreeMap::new();
    let mut flipped = std::collections::BTreeSet::new();
    let (mut first_flips, mut first_flips_after_parts) = (0, 0);
    for (_, entry) in &outcome.trace {
        let TraceEntry::Event(event) = entry else {
            continue;
        };
        match &event.kind {
            EventKind::TreePartBuilt {
                endpoint,
                generation,
                built,
                of,
            } => {
                assert_eq!(*of, 300);
                assert_eq!(built % 98, 0, "parts of 98 leaves: {built}");
                parts.insert((*endpoint, *generation), *built);
            }
            EventKind::Applied {
                endpoint,
                generation,
                ..
            } if flipped.insert((*endpoint, *generation)) => {
                first_flips += 1;
                if parts.get(&(*endpoint, *generation)) == Some(&294) {
                    first_flips_after_parts += 1;
                }
            }
            _ => {}
        }
    }
    assert!(first_flips >= 1000, "every endpoint flipped: {first_flips}");
    assert_eq!(
        first_flips_after_parts, first_flips,
        "every first flip to a plan follows its tree's three parts"
    );
}

/// Clean-up deletes a tree too big for one batch the same way, within Route 53's limits:
/// its last 98 records at a time (a DELETE's records are counted once; 98 fit beside the
/// lock), each batch on a fresh read, until what is left fits in the batch that deletes it.
/// Seed 2 as `dnsim hunt` runs it (`swarm`: its bursts publish enough plans for clean-up to
/// find trees more than 15 generations old; seeds 0, 1 and 3 do not).
#[test]
fn route53_scale_deletes_every_big_tree_in_parts() {
    let scenario = Scenario::load("route53-scale").unwrap();
    let mut spec = dnsim::RunSpec::seeded(&scenario, design("original"), 2);
    spec.trace.keep = true;
    let outcome = dnsim::run(&spec);
    let mut left = std::collections::BTreeMap::new();
    let (mut parts, mut whole_after_parts) = (0, 0);
    for (_, entry) in &outcome.trace {
        let TraceEntry::Event(event) = entry else {
            continue;
        };
        match &event.kind {
            EventKind::TreePartDeleted {
                endpoint,
                generation,
                left: now,
                of,
            } => {
                assert_eq!(of - now, 98, "a part deletes 98 records");
                parts += 1;
                left.insert((*endpoint, *generation), *now);
            }
            EventKind::TreesDeleted {
                endpoint,
                generations,
                ..
            } => {
                for generation in generations {
                    if let Some(now) = left.remove(&(*endpoint, *generation)) {
                        assert!(now <= 98, "deleted whole with {now} records left");
                        whole_after_parts += 1;
                    }
                }
            }
            _ => {}
        }
    }
    assert!(parts >= 3000, "big trees deleted in parts: {parts}");
    assert!(
        whole_after_parts >= 1000,
        "trees finished after their parts: {whole_after_parts}"
    );
}

/// The janitor of `janitor-cleanup` deletes within the same limits: it once sent every
/// victim in one batch, hundreds of records past Route 53's limit (the oracle now fails any
/// such batch: `sim/src/checking/oracle.rs`). Seed 0 of `long` as `dnsim hunt` runs it: the
/// janitor finds trees below its floor after about 90 simulated minutes.
#[test]
fn the_janitor_deletes_every_big_tree_in_parts() {
    let scenario = Scenario::load("long").unwrap();
    let mut spec = dnsim::RunSpec::seeded(&scenario, design("janitor-cleanup"), 0);
    spec.trace.keep = true;
    let outcome = dnsim::run(&spec);
    let (mut parts, mut trees) = (0, 0);
    for (_, entry) in &outcome.trace {
        let TraceEntry::Event(event) = entry else {
            continue;
        };
        if event.actor != dnsim_model::Actor::Janitor {
            continue;
        }
        match &event.kind {
            EventKind::TreePartDeleted { left, of, .. } => {
                assert_eq!(of - left, 98, "a part deletes 98 records");
                parts += 1;
            }
            EventKind::TreesDeleted { generations, .. } => trees += generations.len(),
            _ => {}
        }
    }
    assert!(
        parts >= 3 * trees,
        "3 parts per 300-record tree: {parts} for {trees}"
    );
    assert!(trees >= 1000, "the janitor deleted trees: {trees}");
}

/// A DELETE counts against Route 53's limits as its writer sent it. Seed 470 of the incident
/// scenario with 12 load balancers and 8 changes per batch, `protect-referenced-cleanup`: on
/// account-2, enactor-1 builds g37's tree to its 12 records at 120.070 s, and at 120.139 s
/// enactor-3's clean-up batch, which read 6, arrives to delete it. Counted by the records
/// the zone holds when the batch arrives, that batch was "14 changes" and the oracle
/// stopped the run; it names 6, and Route 53 refuses it (its lock record is stale, and a
/// DELETE that does not match what is there is refused too).
#[test]
fn a_delete_is_counted_as_its_writer_sent_it() {
    let mut scenario = Scenario::load("incident").unwrap();
    scenario.system.load_balancers = Some(12);
    scenario.system.batch_max_changes = Some(8);
    scenario.system.batch_max_records = Some(1000);
    let spec = dnsim::RunSpec::seeded(&scenario, design("protect-referenced-cleanup"), 470);
    let outcome = dnsim::run(&spec);
    assert!(outcome.events > 0);
}

/// The `long` scenario's shape: three simulated hours, a plan every ten seconds, at real
/// size (`route53-scale`'s system with a faster planner); `incident-long` is the same hours
/// on the default scenario's system.
#[test]
fn long_lasts_three_simulated_hours_with_a_plan_every_ten_seconds() {
    let long = Scenario::load("long").unwrap();
    let config = long.system_config();
    assert_eq!(config.run_until_ms, 3 * 3600 * 1000);
    assert_eq!(config.planner_interval_ms, 10_000);
    assert!(config.planner_quiet_at_ms / config.planner_interval_ms >= 700);
    assert!(
        long.faults.stall.ms[0] >= 60_000,
        "stalls of minutes: {:?}",
        long.faults.stall.ms
    );
    let mut system = Scenario::load("route53-scale").unwrap().system;
    system.planner_interval_ms = long.system.planner_interval_ms;
    assert_eq!(
        long.system, system,
        "long is route53-scale's system with a plan every 10 s"
    );
    assert_eq!(long.system.endpoints, 1000);

    let incident_long = Scenario::load("incident-long").unwrap();
    assert_eq!(
        incident_long.phases, long.phases,
        "incident-long lasts as long"
    );
    assert!(incident_long.faults.stall.ms[0] >= 60_000);
    let default = Scenario::load(dnsim::scenario::DEFAULT).unwrap();
    assert_eq!(
        incident_long.system, default.system,
        "incident-long is the default's system"
    );
}
