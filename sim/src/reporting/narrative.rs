//! The story of a run, told the way AWS's post-event summary tells the incident.
//!
//! [`describe_fault`] puts one injected fault in plain words; [`narrative`] walks a run's
//! trace and tells, each with its simulated time: which actor was stalled (and holding which
//! plan), which plans were applied where, the stale apply (and how old its one-time check
//! was), the deletion of a live tree or of a rollback target, the empty answer, and the
//! stuck batches. Only what
//! happened is told: a run of a fixed design tells a shorter story. The episodes (stale
//! writes, deleted live trees, empty answers, stuck batches) come from
//! [`crate::episodes`], the one analysis of a trace the diagram reads too; this file adds
//! the context a reader needs (who held what since when, who had applied what).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use dnsim_model::event::{EventKind, Generations};
use dnsim_model::{Actor, Call, EndpointId, Fault, Generation, Site, Step};

use crate::reporting::episodes::{Episode, Episodes, LiveTree};
use crate::reporting::plural;
use crate::running::faults::ScheduledFault;
use crate::running::trace::{format_time, TraceEntry};

fn when(at: Duration) -> String {
    format_time(at).trim_start().to_string()
}

/// Before "the tree its ... points at": nothing when that tree is the only one deleted,
/// else "including gN, ".
fn including(deleted: &[Generation], live: Generation) -> String {
    debug_assert!(deleted.contains(&live), "{live} is among the trees deleted");
    match deleted {
        [_] => String::new(),
        _ => format!("including {live}, "),
    }
}

fn call_words(call: Call) -> &'static str {
    match call {
        Call::None => "step",
        Call::LiveCheck => "one-time check of the live generations",
        Call::Recheck => "re-check",
        Call::Read => "read of the zone",
        Call::Change => "change batch",
        Call::Lease => "request to the lock service",
    }
}

fn doing(site: &Site) -> String {
    match site.step {
        Step::Tick => format!("at planner tick {}", site.plan),
        Step::Poll => format!("while looking for work (g{} the newest plan)", site.plan),
        Step::Pickup => format!("just after picking up plan g{}", site.plan),
        Step::Apply(endpoint) => format!(
            "before attempt {} to apply g{} to {endpoint}",
            site.attempt, site.plan
        ),
        Step::Cleanup(endpoint) => format!("before cleaning up {endpoint} after g{}", site.plan),
    }
}

/// One injected fault in plain words.
pub fn describe_fault(scheduled: &ScheduledFault) -> String {
    let site = &scheduled.at;
    let actor = site.actor;
    let target = match site.step {
        Step::Apply(e) | Step::Cleanup(e) => e.to_string(),
        _ => "every endpoint".to_string(),
    };
    match scheduled.fault {
        Fault::Stall { ms } => format!(
            "{actor} pauses for {:.1} s {}",
            ms as f64 / 1e3,
            doing(site)
        ),
        Fault::Crash { restart_ms } => format!(
            "{actor} crashes {} and restarts {:.1} s later",
            doing(site),
            restart_ms as f64 / 1e3
        ),
        Fault::Delay { ms } => format!(
            "{actor}'s {} of {target} is {ms} ms slow",
            call_words(site.call)
        ),
        Fault::ApiError => format!("{actor}'s {} of {target} fails", call_words(site.call)),
        Fault::LockHeld { ms } => format!(
            "another writer holds {target}'s lock for {:.1} s when {actor} reads it",
            ms as f64 / 1e3
        ),
        Fault::Burst { plans } => format!(
            "the planner writes a burst of {plans} extra plans at tick {}",
            site.plan
        ),
    }
}

/// The incident-style story of a run, from its kept trace, in a scenario of `endpoints`
/// endpoints (so that one never served a plan, which leaves no line in the trace, is told).
pub fn narrative(trace: &[(Duration, TraceEntry)], endpoints: u16) -> String {
    let mut lines: Vec<(Duration, String)> = Vec::new();
    // What each enactor holds: the plan it picked up, and when.
    let mut holding: BTreeMap<Actor, (Generation, Duration)> = BTreeMap::new();
    // When each endpoint last served each generation, and who applied the newest.
    let mut newest: BTreeMap<EndpointId, Generation> = BTreeMap::new();
    let mut fully_applied: Vec<(Duration, Actor, Generation)> = Vec::new();
    // When each endpoint was first served a plan (before, it answers nothing: new, not out).
    let mut first_served: BTreeMap<EndpointId, Duration> = BTreeMap::new();
    let episodes = Episodes::of(trace);
    // Each endpoint's last root flip: when, from, to.
    let mut last_flip: BTreeMap<EndpointId, (Duration, Generation, Generation)> = BTreeMap::new();
    // Lease designs: whose lease another actor took since its holder last got it, when and who.
    let mut lease_taken: BTreeMap<Actor, (Duration, Actor)> = BTreeMap::new();
    let end = trace.last().map_or(Duration::ZERO, |(at, _)| *at);
    for (index, (at, entry)) in trace.iter().enumerate() {
        let at = *at;
        match entry {
            TraceEntry::Fault(scheduled)
                if !matches!(scheduled.fault, Fault::Stall { .. } | Fault::Crash { .. }) => {}
            TraceEntry::Fault(_) => {}
            TraceEntry::Violation(violation) => {
                lines.push((
                    at,
                    format!("=> {} violated: {}", violation.invariant, violation.message),
                ));
            }
            TraceEntry::Event(event) => match &event.kind {
                EventKind::PlanPickedUp { generation, .. } => {
                    holding.insert(event.actor, (*generation, at));
                }
                EventKind::Stalled { site, ms } => {
                    lines.push((
                        at,
                        format!(
                            "{} stalls for {:.1} s {}.",
                            event.actor,
                            *ms as f64 / 1e3,
                            doing(site)
                        ),
                    ));
                }
                EventKind::Crashed { restart_ms, .. } => {
                    holding.remove(&event.actor);
                    lines.push((
                        at,
                        format!(
                            "{} crashes; it restarts {:.1} s later with no plan.",
                            event.actor,
                            *restart_ms as f64 / 1e3
                        ),
                    ));
                }
                EventKind::PlanApplied { generation } => {
                    holding.remove(&event.actor);
                    fully_applied.push((at, event.actor, *generation));
                }
                EventKind::Applied {
                    endpoint,
                    generation,
                    commit,
                } => {
                    let previous = newest.get(endpoint).copied();
                    // Told when this very batch moves the root back.
                    if let Some(Episode::StaleWrite { root_before, .. }) = episodes.at(index) {
                        let root_before = *root_before;
                        if let Some(before) = previous {
                            let checked = holding
                                .get(&event.actor)
                                .filter(|(g, _)| g == generation)
                                .map_or(String::new(), |(_, since)| {
                                    format!(
                                        "; its one-time check was made at {}, {:.1} s earlier",
                                        when(*since),
                                        (at - *since).as_secs_f64()
                                    )
                                });
                            let applied_elsewhere = fully_applied
                                .iter()
                                .rev()
                                .find(|(_, _, g)| *g >= before)
                                .map_or(String::new(), |(t, who, g)| {
                                    format!(
                                        " ({who} had applied {g} to every endpoint at {})",
                                        when(*t)
                                    )
                                });
                            let lease = lease_taken.get(&event.actor).map_or(
                                String::new(),
                                |(taken, by)| {
                                    format!(
                                        "; its lease had expired and passed to {by} at {}, but the write does not check the lease",
                                        when(*taken)
                                    )
                                },
                            );
                            lines.push((at,
                                format!(
                                    "{} applies its old plan {generation} to {endpoint} over {root_before}{applied_elsewhere}{checked}{lease}.",
                                    event.actor
                                )));
                        }
                    }
                    newest.insert(*endpoint, previous.max(Some(*generation)).expect("some"));
                    if commit.root_after.is_some() {
                        first_served.entry(*endpoint).or_insert(at);
                    }
                    if let (Some(before), Some(after)) = (commit.root_before, commit.root_after) {
                        last_flip.insert(*endpoint, (at, before, after));
                    }
                }
                EventKind::TreesDeleted {
                    endpoint,
                    generations,
                    ..
                } => match episodes.at(index) {
                    Some(Episode::LiveTreeDeleted {
                        tree: LiveTree::Root(root),
                        ..
                    }) => {
                        lines.push((at,
                            format!(
                                "{}'s clean-up deletes {} from {endpoint}, {}the tree its root alias points at: {endpoint} now resolves to no addresses.",
                                event.actor,
                                Generations(generations).after("tree"),
                                including(generations, *root)
                            )));
                    }
                    Some(Episode::LiveTreeDeleted {
                        tree: LiveTree::RollbackTarget(target),
                        ..
                    }) => {
                        let target = *target;
                        let jump = last_flip
                            .get(endpoint)
                            .filter(|(_, before, _)| *before == target)
                            .map_or(String::new(), |(when_flipped, before, after)| {
                                format!(
                                    " ({endpoint} had gone from {before} to {after} in one batch at {}, {} at once)",
                                    when(*when_flipped),
                                    plural(after.0.saturating_sub(before.0), "generation", "generations")
                                )
                            });
                        lines.push((
                            at,
                            format!(
                                "{}'s clean-up deletes {} from {endpoint}, {}the tree its rollback record points at{jump}.",
                                event.actor,
                                Generations(generations).after("tree"),
                                including(generations, target)
                            ),
                        ));
                    }
                    _ => {}
                },
                EventKind::LeaseGranted { lease, expired } => {
                    lease_taken.remove(&lease.holder);
                    if let Some(old) = expired.filter(|old| old.holder != lease.holder) {
                        lease_taken.insert(old.holder, (at, lease.holder));
                    }
                }
                EventKind::PlanAbandoned { .. } | EventKind::LeaseLost { .. } => {
                    holding.remove(&event.actor);
                }
                EventKind::Alarm {
                    endpoint, error, ..
                } => {
                    lines.push((
                        at,
                        format!(
                            "{} freezes {endpoint} and raises an alarm ({error}): no enactor will touch it until an operator does.",
                            event.actor
                        ),
                    ));
                }
                EventKind::Repaired {
                    endpoint,
                    generation,
                    ..
                } => {
                    let since = episodes
                        .empty_ended_at(index)
                        .find(|empty| empty.endpoint == *endpoint)
                        .map_or(String::new(), |empty| {
                            format!(
                                " after {:.1} s with no addresses",
                                (at - empty.from).as_secs_f64()
                            )
                        });
                    lines.push((
                        at,
                        format!(
                            "{} finds {endpoint} resolving to nothing and repairs it with {generation}{since}.",
                            event.actor
                        ),
                    ));
                }
                _ => {}
            },
        }
    }
    for batches in &episodes.stuck {
        let (endpoint, error) = (batches.endpoint, &batches.error);
        let who: Vec<String> = batches.actors.iter().map(|a| a.to_string()).collect();
        lines.push((
            batches.first,
            format!(
                "From here on every batch to {endpoint} is rejected ({error}): {} rejections by {} until {}; no enactor can repair it.",
                batches.rejections,
                who.join(", "),
                when(batches.last)
            ),
        ));
    }
    for empty in episodes.empty.iter().filter(|e| e.until.is_none()) {
        lines.push((
            end,
            format!(
                "{} still resolves to no addresses when the run ends ({:.1} s without an answer).",
                empty.endpoint,
                (end - empty.from).as_secs_f64()
            ),
        ));
    }
    // Chronological; a stable sort keeps the order of events at the same instant.
    lines.sort_by_key(|(at, _)| *at);
    let mut text = String::new();
    for (at, story) in &lines {
        let _ = writeln!(text, "{:>10}  {story}", when(*at));
    }
    if text.is_empty() {
        text = quiet_run(&first_served, endpoints);
    }
    text
}

/// The story of a run in which none of the race's steps happened. Not "nothing went wrong":
/// faults may have kept every write out for most of the run (a `swarm` seed whose API errors
/// are turned up to one in one, say), and an endpoint not yet served a plan answers nothing
/// without it counting as an outage. So it says when the endpoints were first served.
fn quiet_run(first_served: &BTreeMap<EndpointId, Duration>, endpoints: u16) -> String {
    let mut text = String::from(
        "None of the race's steps happened: no stall, stale write, deletion of a live tree or stuck batch.\n",
    );
    let first = first_served.values().min();
    let last = first_served.iter().max_by_key(|(_, at)| **at);
    let _ = match (first, last) {
        (Some(first), Some((endpoint, last))) => writeln!(
            text,
            "{} of {endpoints} first served a plan between {} and {} (the last: {endpoint}); \
             until then each answered nothing, as a new endpoint does, which the outage \
             measures do not count.",
            plural(first_served.len() as u64, "endpoint", "endpoints"),
            when(*first),
            when(*last)
        ),
        _ => writeln!(
            text,
            "No endpoint was ever served a plan: every endpoint answered nothing the whole run, \
             which the outage measures do not count (they start at an endpoint's first plan)."
        ),
    };
    // Those never served answered nothing the whole run: named, a few at most.
    let never: Vec<String> = (0..endpoints)
        .map(EndpointId)
        .filter(|endpoint| !first_served.contains_key(endpoint))
        .map(|endpoint| endpoint.to_string())
        .collect();
    if !first_served.is_empty() && !never.is_empty() {
        let more = never.len().saturating_sub(5);
        let _ = writeln!(
            text,
            "{} never served a plan: {}{}; each answered nothing the whole run.",
            plural(never.len() as u64, "endpoint was", "endpoints were"),
            never[..never.len().min(5)].join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One tree deleted is the live one itself; of several, the live one is named.
    #[test]
    fn the_live_tree_is_named_among_several_deleted_and_not_repeated_alone() {
        let (g1, g5) = (Generation(1), Generation(5));
        assert_eq!(including(&[g5], g5), "");
        assert_eq!(including(&[g1, g5], g5), "including g5, ");
    }

    /// A run with no race step, where some endpoints were never served: counted against
    /// every endpoint, and the ones never served named (the trace has no line for them).
    #[test]
    fn a_quiet_run_names_the_endpoints_never_served() {
        let served: BTreeMap<EndpointId, Duration> = [(0, 1_000), (2, 2_500), (1, 1_200)]
            .into_iter()
            .map(|(id, ms)| (EndpointId(id), Duration::from_millis(ms)))
            .collect();
        let text = quiet_run(&served, 5);
        assert!(
            text.contains(
                "3 endpoints of 5 first served a plan between 1.000s and 2.500s (the last: ipv6)"
            ),
            "{text}"
        );
        assert!(
            text.contains("2 endpoints were never served a plan: account-1, account-2; each answered nothing the whole run."),
            "{text}"
        );
        let all = quiet_run(&served, 3);
        assert!(!all.contains("never served"), "{all}");
        assert!(quiet_run(&BTreeMap::new(), 5).contains("No endpoint was ever served a plan"));
    }
}
