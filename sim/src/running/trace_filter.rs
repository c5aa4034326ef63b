//! Printing a trace through `tracing`: which lines `RUST_LOG` and `--only` let through, and
//! how a line looks (simulated time, then the entry).
//!
//! Every trace entry is a `tracing` event with a level, a target and three fields
//! (`actor`, `endpoint`, `kind`) beside its message:
//!
//! | target | level | entries |
//! | --- | --- | --- |
//! | `dnsim::trace::strategy` | INFO | the first line: what the seed's strategy chose |
//! | `dnsim::trace::violation` | WARN | a violated invariant |
//! | `dnsim::trace::fault` | INFO | an injected fault |
//! | `dnsim::trace::event` | INFO | a state change: plans, pick-ups, stalls, applies, clean-ups, leases, alarms, repairs |
//! | `dnsim::trace::event` | DEBUG | retries and skips: lock busy, read failed, batch rejected, endpoint skipped |
//!
//! So `RUST_LOG=warn` prints only the violations, `RUST_LOG=info` leaves out the retries,
//! `RUST_LOG=dnsim::trace::fault=info,dnsim::trace::violation=warn` prints only faults and
//! violations; without `RUST_LOG` every line is printed. `--only` (an [`Only`]) then keeps
//! the lines of one actor, endpoint or kind. Events of other targets (madsim's own) are
//! never printed. Filtering changes what is printed, never the run or its trace hash.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use dnsim_model::event::EventKind;
use dnsim_model::{Actor, EndpointId};
use tracing::field::{Field, Visit};
use tracing_subscriber::filter::{EnvFilter, LevelFilter};

use crate::exploring::clock::{anyone_printing, printing};
use crate::running::entry::{format_time, TraceEntry};

/// The prefix of every trace target.
pub const TRACE_TARGET: &str = "dnsim::trace";

/// The short name of an event's kind, as `--only kind=NAME` matches it.
pub fn kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::PlanPublished { .. } => "publish",
        EventKind::PlannerQuiet { .. } => "quiet",
        EventKind::PlanPickedUp { .. } => "pickup",
        EventKind::Stalled { .. } => "stall",
        EventKind::Crashed { .. } => "crash",
        EventKind::Restarted => "restart",
        EventKind::LockSeized { .. } => "lock-seized",
        EventKind::LockBusy { .. } => "lock-busy",
        EventKind::ReadFailed { .. } => "read-failed",
        EventKind::BatchRejected { .. } => "rejected",
        EventKind::Applied { .. } => "apply",
        EventKind::TreePartBuilt { .. } => "tree-part",
        EventKind::TreePartDeleted { .. } => "cleanup-part",
        EventKind::EndpointSkipped { .. } => "skip",
        EventKind::PlanApplied { .. } => "plan-applied",
        EventKind::TreesDeleted { .. } => "cleanup",
        EventKind::CleanupGaveUp { .. } => "cleanup-gave-up",
        EventKind::PlansDeleted { .. } => "plans-deleted",
        EventKind::LeaseGranted { .. } => "lease",
        EventKind::LeaseLost { .. } => "lease-lost",
        EventKind::PlanAbandoned { .. } => "abandon",
        EventKind::Alarm { .. } => "alarm",
        EventKind::FrozenSkipped { .. } => "frozen",
        EventKind::Repaired { .. } => "repair",
    }
}

/// Every kind name `--only kind=` accepts.
pub const KIND_NAMES: &[&str] = &[
    "publish",
    "quiet",
    "pickup",
    "stall",
    "crash",
    "restart",
    "lock-seized",
    "lock-busy",
    "read-failed",
    "rejected",
    "apply",
    "tree-part",
    "skip",
    "plan-applied",
    "cleanup",
    "cleanup-gave-up",
    "plans-deleted",
    "lease",
    "lease-lost",
    "abandon",
    "alarm",
    "frozen",
    "repair",
    "fault",
    "violation",
];

/// The endpoint an event is about, if any.
fn endpoint_of(kind: &EventKind) -> Option<String> {
    use EventKind::*;
    match kind {
        LockSeized { endpoint, .. }
        | LockBusy { endpoint, .. }
        | ReadFailed { endpoint, .. }
        | BatchRejected { endpoint, .. }
        | Applied { endpoint, .. }
        | EndpointSkipped { endpoint, .. }
        | TreesDeleted { endpoint, .. }
        | TreePartDeleted { endpoint, .. }
        | CleanupGaveUp { endpoint }
        | Alarm { endpoint, .. }
        | FrozenSkipped { endpoint, .. }
        | Repaired { endpoint, .. } => Some(endpoint.to_string()),
        _ => None,
    }
}

/// Retries and skips: printed at DEBUG, so `RUST_LOG=info` leaves them out.
fn is_noise(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::LockBusy { .. }
            | EventKind::ReadFailed { .. }
            | EventKind::BatchRejected { .. }
            | EventKind::EndpointSkipped { .. }
            | EventKind::FrozenSkipped { .. }
    )
}

/// Emits one trace entry as a `tracing` event (see the module's table).
pub fn emit(entry: &TraceEntry) {
    // Formatting and writing two million lines takes seconds, and a slow reader blocks the
    // writes: a single run's watchdog leaves that time out (see `printing`).
    printing(|| {
        if !SILENCED.load(Ordering::SeqCst) {
            emit_now(entry);
        }
    });
}

/// Set once a run is given up as hung: its abandoned thread may go on running, and must
/// not print under the verdict.
static SILENCED: AtomicBool = AtomicBool::new(false);

/// Stops every trace line from now on, and waits (up to a second: a write a reader never
/// takes may block for ever) for a line being printed to be done, so that the `HANG:` line
/// printed next is the last.
pub fn silence() {
    SILENCED.store(true, Ordering::SeqCst);
    for _ in 0..1000 {
        if !anyone_printing() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

fn emit_now(entry: &TraceEntry) {
    match entry {
        TraceEntry::Event(event) => {
            let actor = event.actor.to_string();
            let endpoint = endpoint_of(&event.kind).unwrap_or_default();
            let kind = kind_name(&event.kind);
            if is_noise(&event.kind) {
                tracing::debug!(target: "dnsim::trace::event", actor, endpoint, kind, "{entry}");
            } else {
                tracing::info!(target: "dnsim::trace::event", actor, endpoint, kind, "{entry}");
            }
        }
        TraceEntry::Fault(scheduled) => {
            let actor = scheduled.at.actor.to_string();
            // A site names its endpoint as one of its `/` parts (`enactor-3/g5.1/apply/fips/attempt-1`).
            let endpoint = scheduled.at.to_string();
            tracing::info!(target: "dnsim::trace::fault", actor, endpoint, kind = "fault", "{entry}");
        }
        TraceEntry::Violation(_) => {
            tracing::warn!(target: "dnsim::trace::violation", actor = "", endpoint = "", kind = "violation", "{entry}");
        }
    }
}

/// `--only actor=enactor-3,endpoint=regional,kind=apply`: keep the lines that match every
/// given key (a key given twice matches either value). Violations are always kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Only {
    actors: Vec<String>,
    endpoints: Vec<String>,
    kinds: Vec<String>,
}

impl FromStr for Only {
    type Err = String;

    fn from_str(text: &str) -> Result<Only, String> {
        let mut only = Only::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(format!(
                    "`{part}` is not KEY=VALUE (actor, endpoint or kind)"
                ));
            };
            let value = value.trim().to_string();
            match key.trim() {
                "actor" => only.actors.push(value),
                "endpoint" => only.endpoints.push(value),
                "kind" if KIND_NAMES.contains(&value.as_str()) => only.kinds.push(value),
                "kind" => {
                    return Err(format!(
                        "unknown kind `{value}` (one of {})",
                        KIND_NAMES.join(", ")
                    ))
                }
                other => return Err(format!("unknown key `{other}` (actor, endpoint or kind)")),
            }
        }
        Ok(only)
    }
}

impl Only {
    /// Checks the actors and endpoints named against a system of `enactors` enactors and
    /// `endpoints` endpoints whose design runs `extra_actors` (its janitor or monitor, if
    /// any): a name no line can carry would print only the violations, and look like a run
    /// in which that actor or endpoint did nothing.
    pub fn check(
        &self,
        enactors: u8,
        endpoints: u16,
        extra_actors: &[Actor],
    ) -> Result<(), String> {
        let others: Vec<Actor> = [Actor::Planner, Actor::OtherWriter]
            .into_iter()
            .chain(extra_actors.iter().copied())
            .collect();
        for actor in &self.actors {
            // Spelled as a trace line spells it (`enactor-01` matches no line).
            let known = match actor.strip_prefix("enactor-") {
                Some(n) => n.parse::<u8>().is_ok_and(|n| {
                    (1..=enactors).contains(&n) && Actor::Enactor(n).to_string() == *actor
                }),
                None => others.iter().any(|known| known.to_string() == *actor),
            };
            if !known {
                let others: Vec<String> = others.iter().map(Actor::to_string).collect();
                // Actors only some designs run: say which, where this design has none.
                let mut elsewhere: BTreeMap<String, Vec<&str>> = BTreeMap::new();
                for design in dnsim_model::designs::ALL {
                    for extra in design.extra_actors() {
                        let name = extra.actor.to_string();
                        if !others.contains(&name) {
                            elsewhere.entry(name).or_default().push(design.name());
                        }
                    }
                }
                let elsewhere: String = (elsewhere.iter())
                    .map(|(actor, designs)| format!("; {actor} only in {}", designs.join(", ")))
                    .collect();
                return Err(format!(
                    "--only: no actor `{actor}` in this run (enactor-1 .. enactor-{enactors}, {}{elsewhere})",
                    others.join(", ")
                ));
            }
        }
        for endpoint in &self.endpoints {
            let known = endpoint
                .parse::<EndpointId>()
                .is_ok_and(|id| id.index() < usize::from(endpoints) && id.to_string() == *endpoint);
            if !known {
                let last = EndpointId(endpoints - 1);
                return Err(format!(
                    "--only: no endpoint `{endpoint}` in this scenario (regional .. {last}, {endpoints} in all)"
                ));
            }
        }
        Ok(())
    }

    /// Whether a line with these fields is kept.
    pub fn keeps(&self, actor: &str, endpoint: &str, kind: &str) -> bool {
        if kind == "violation" {
            return true;
        }
        let endpoint_matches = |wanted: &String| {
            endpoint == wanted || (kind == "fault" && endpoint.split('/').any(|p| p == wanted))
        };
        (self.actors.is_empty() || self.actors.iter().any(|a| a == actor))
            && (self.endpoints.is_empty() || self.endpoints.iter().any(endpoint_matches))
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind))
    }
}

/// The `RUST_LOG` filter of a trace: every trace line when it is unset or empty.
pub fn env_filter() -> Result<EnvFilter, String> {
    match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::builder()
            .with_default_directive(LevelFilter::OFF.into())
            .parse(&directives)
            .map_err(|e| format!("RUST_LOG={directives}: {e}")),
        _ => Ok(EnvFilter::new("dnsim::trace=debug")),
    }
}

/// The fields of a trace event, collected to decide whether `--only` keeps it.
#[derive(Default)]
struct Fields {
    actor: String,
    endpoint: String,
    kind: String,
    message: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "actor" => self.actor = value.to_string(),
            "endpoint" => self.endpoint = value.to_string(),
            "kind" => self.kind = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "message" => {
                let _ = write!(self.message, "{value:?}");
            }
            "actor" | "endpoint" | "kind" => {
                let mut text = String::new();
                let _ = write!(text, "{value:?}");
                self.record_str(field, text.trim_matches('"'));
            }
            _ => {}
        }
    }
}

/// Formats trace events as trace lines: simulated time (read from madsim's clock), then
/// the entry; drops what `--only` does not keep. Spans (madsim's node and task spans) and
/// events of other targets are left out.
pub struct TraceFormat {
    /// What `--only` keeps.
    pub only: Only,
}

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for TraceFormat
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'w> tracing_subscriber::fmt::FormatFields<'w> + 'static,
{
    fn format_event(
        &self,
        _ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> fmt::Result {
        if !event.metadata().target().starts_with(TRACE_TARGET) {
            return Ok(());
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if !self
            .only
            .keeps(&fields.actor, &fields.endpoint, &fields.kind)
        {
            return Ok(());
        }
        match madsim::time::TimeHandle::try_current() {
            Some(time) => write!(writer, "{}  ", format_time(time.elapsed()))?,
            None => write!(writer, "{:>13}  ", "-")?,
        }
        writeln!(writer, "{}", fields.message)
    }
}

/// Runs `body` with trace lines printed to standard output, filtered by `RUST_LOG` and `only`.
pub fn with_printed_trace<T>(only: Only, body: impl FnOnce() -> T) -> Result<T, String> {
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(env_filter()?)
        .event_format(TraceFormat { only })
        .with_writer(|| crate::output::PipeSafeStdout)
        .finish();
    Ok(tracing::subscriber::with_default(subscriber, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only names a trace line can carry pass, spelled as the line spells them.
    #[test]
    fn only_names_the_actors_and_endpoints_the_scenario_has() {
        let check = |text: &str| text.parse::<Only>().unwrap().check(3, 5, &[Actor::Janitor]);
        for good in [
            "actor=enactor-3",
            "actor=planner",
            "actor=other-writer",
            "actor=janitor",
            "endpoint=account-2",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        for bad in [
            "actor=monitor",
            "actor=enactor-4",
            "actor=enactor-0",
            "actor=enactor-01",
            "actor=enactor-+1",
            "actor=nobody",
            "endpoint=account-3",
            "endpoint=account-01",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    /// A design without a janitor has no janitor lines: naming it is refused, and the
    /// error says which designs have one.
    #[test]
    fn only_names_the_janitor_and_monitor_only_for_designs_that_run_them() {
        let only: Only = "actor=janitor".parse().unwrap();
        let error = only.check(3, 5, &[]).unwrap_err();
        assert_eq!(
            error,
            "--only: no actor `janitor` in this run (enactor-1 .. enactor-3, planner, other-writer; janitor only in janitor-cleanup; monitor only in repair-monitor)"
        );
        let error = only.check(3, 5, &[Actor::Monitor]).unwrap_err();
        assert!(
            error.ends_with("planner, other-writer, monitor; janitor only in janitor-cleanup)"),
            "{error}"
        );
        assert_eq!(only.check(3, 5, &[Actor::Janitor]), Ok(()));
    }

    #[test]
    fn only_keeps_the_lines_that_match_every_key() {
        let only: Only = "actor=enactor-3,endpoint=regional,kind=apply"
            .parse()
            .unwrap();
        assert!(only.keeps("enactor-3", "regional", "apply"));
        assert!(!only.keeps("enactor-2", "regional", "apply"));
        assert!(!only.keeps("enactor-3", "fips", "apply"));
        assert!(!only.keeps("enactor-3", "regional", "cleanup"));
        assert!(
            only.keeps("", "", "violation"),
            "violations are always kept"
        );
        let faults: Only = "endpoint=fips".parse().unwrap();
        assert!(faults.keeps("enactor-3", "enactor-3/g5.1/apply/fips/attempt-1", "fault"));
        assert!(!faults.keeps("enactor-3", "enactor-3/g5.1/apply/ipv6/attempt-1", "fault"));
        assert!("kind=nope".parse::<Only>().is_err());
        assert!("who=me".parse::<Only>().is_err());
        assert!("actor".parse::<Only>().is_err());
    }
}
