//! Outage measures: how long a run hurt, not only whether it broke a rule.
//!
//! Two designs that both "hold" can still differ in the minutes an operator cares about. For
//! every run, from the harness's reference zones (see [`crate::oracle`]), this file measures:
//!
//! - `empty_answer_ms`: simulated time during which at least one applied endpoint resolved to
//!   no addresses (the customer-visible outage), in total and its longest single interval;
//! - `stale_ms`: time during which at least one endpoint served an older plan than one it had
//!   already served (a stale overwrite in effect);
//! - `repair_ms`: from the end of the fault phase to the first moment every endpoint served
//!   the newest plan with addresses (`0`: nothing to repair; `None`: never repaired).
//!
//! The same watch tells the `converges` invariant when the system converged and the coverage
//! marks whether there was anything to repair: one analysis, many views. Each event updates
//! one endpoint's counts, so per-event work stays flat however many endpoints there are.

use std::collections::BTreeMap;
use std::time::Duration;

use dnsim_model::{EndpointId, Generation, World};
use serde::{Deserialize, Serialize};

use crate::checking::oracle::Reference;

/// The measures of one run, in simulated milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measures {
    /// Time during which some applied endpoint resolved to no addresses, in total (ms).
    pub empty_answer_ms: u64,
    /// The longest single such interval (ms).
    pub empty_answer_ms_longest: u64,
    /// Time during which some endpoint served an older plan than one it had served (ms).
    pub stale_ms: u64,
    /// From the end of the fault phase until every endpoint served the newest plan (ms);
    /// `Some(0)`: nothing to repair; `None`: never repaired.
    pub repair_ms: Option<u64>,
}

impl std::fmt::Display for Measures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |ms: u64| format!("{:.1}s", ms as f64 / 1e3);
        write!(
            f,
            "empty answers {} in total (longest {}), stale plan served {}, ",
            s(self.empty_answer_ms),
            s(self.empty_answer_ms_longest),
            s(self.stale_ms)
        )?;
        match self.repair_ms {
            Some(ms) => write!(f, "repaired {} after faults ended", s(ms)),
            None => f.write_str("never repaired"),
        }
    }
}

/// An on/off condition over time ("some endpoint is empty"): total and longest interval.
#[derive(Default)]
struct Episodes {
    since: Option<Duration>,
    total: Duration,
    longest: Duration,
}

impl Episodes {
    fn set(&mut self, on: bool, now: Duration) {
        match (on, self.since) {
            (true, None) => self.since = Some(now),
            (false, Some(since)) => {
                self.total += now - since;
                self.longest = self.longest.max(now - since);
                self.since = None;
            }
            _ => {}
        }
    }
}

/// What one endpoint looks like to the measures.
#[derive(Clone, Copy, Default)]
struct EndpointState {
    /// The generation it serves with addresses, if it does.
    serving: Option<Generation>,
    empty: bool,
    stale: bool,
    newest_served: Option<Generation>,
}

/// Watches a run's reference zones and keeps the measures up to date.
pub struct Watch {
    endpoints: Vec<EndpointState>,
    /// How many endpoints serve each generation with addresses.
    serving: BTreeMap<Generation, usize>,
    empty_count: usize,
    stale_count: usize,
    empty: Episodes,
    stale: Episodes,
    faults_end: Duration,
    /// Whether every endpoint serves the newest plan with addresses, and since when.
    converged_since: Option<Duration>,
    /// Whether the system was converged when the fault phase ended (`None` before then).
    converged_at_faults_end: Option<bool>,
    /// Whether some endpoint went stale or empty after the fault phase ended (a stall that
    /// ended with the phase can still strike then).
    hurt_after_faults_end: bool,
    repaired_at: Option<Duration>,
}

impl Watch {
    /// A watch over `endpoints` endpoints whose fault phase ends at `faults_end`.
    pub fn new(endpoints: usize, faults_end: Duration) -> Watch {
        Watch {
            endpoints: vec![EndpointState::default(); endpoints],
            serving: BTreeMap::new(),
            empty_count: 0,
            stale_count: 0,
            empty: Episodes::default(),
            stale: Episodes::default(),
            faults_end,
            converged_since: None,
            converged_at_faults_end: None,
            hurt_after_faults_end: false,
            repaired_at: None,
        }
    }

    /// After an event at `now` that changed `touched` (if any zone at all).
    pub fn observe(
        &mut self,
        now: Duration,
        touched: Option<EndpointId>,
        reference: &Reference,
        world: &World,
    ) {
        // The state before this event held until now: settle the fault-phase boundary first.
        if self.converged_at_faults_end.is_none() && now >= self.faults_end {
            let converged = self.converged_since.is_some();
            self.converged_at_faults_end = Some(converged);
            if converged {
                self.repaired_at = Some(self.faults_end);
            }
        }
        if let Some(endpoint) = touched {
            self.update(endpoint, now, reference);
        }
        let newest = world.store.newest_published();
        let converged =
            newest.0 > 0 && self.serving.get(&newest).copied().unwrap_or(0) == self.endpoints.len();
        match (converged, self.converged_since) {
            (true, None) => self.converged_since = Some(now),
            (false, Some(_)) => self.converged_since = None,
            _ => {}
        }
        if converged && self.repaired_at.is_none() && now >= self.faults_end {
            self.repaired_at = Some(now);
        }
    }

    fn update(&mut self, endpoint: EndpointId, now: Duration, reference: &Reference) {
        let zone = reference.zone(endpoint);
        let state = &mut self.endpoints[endpoint.index()];
        let resolves = !zone.resolve().is_empty();
        let serving = zone.root.filter(|_| resolves);
        // Most events that touch a zone leave what it serves alone: no count to move.
        if serving != state.serving {
            if let Some(g) = state.serving {
                let count = self.serving.get_mut(&g).expect("counted when it began");
                *count -= 1;
                if *count == 0 {
                    // Forgotten, so that the map holds the generations served now, not every
                    // generation a long run ever served.
                    self.serving.remove(&g);
                }
            }
            state.serving = serving;
            if let Some(g) = serving {
                *self.serving.entry(g).or_insert(0) += 1;
            }
        }
        let empty = zone.root.is_some() && !resolves; // zone.answers_empty(), resolved once
        let stale = zone.root < state.newest_served;
        state.newest_served = state.newest_served.max(zone.root);
        self.empty_count = self.empty_count + usize::from(empty) - usize::from(state.empty);
        self.stale_count = self.stale_count + usize::from(stale) - usize::from(state.stale);
        (state.empty, state.stale) = (empty, stale);
        self.hurt_after_faults_end |= (empty || stale) && now >= self.faults_end;
        self.empty.set(self.empty_count > 0, now);
        self.stale.set(self.stale_count > 0, now);
    }

    /// Whether there was something to repair: the run ended the fault phase not converged,
    /// or some endpoint went stale or empty after it ended.
    pub fn repair_needed(&self) -> bool {
        self.converged_at_faults_end == Some(false) || self.hurt_after_faults_end
    }

    /// Since when every endpoint has served the newest plan with addresses, if it does.
    pub fn converged_since(&self) -> Option<Duration> {
        self.converged_since
    }

    /// The measures, with open episodes closed at `end`.
    pub fn finish(&mut self, end: Duration) -> Measures {
        if self.converged_at_faults_end.is_none() && end >= self.faults_end {
            let converged = self.converged_since.is_some();
            self.converged_at_faults_end = Some(converged);
            if converged {
                self.repaired_at = Some(self.faults_end);
            }
        }
        self.empty.set(false, end);
        self.stale.set(false, end);
        let repair = |at: Duration| at.saturating_sub(self.faults_end).as_millis() as u64;
        Measures {
            empty_answer_ms: self.empty.total.as_millis() as u64,
            empty_answer_ms_longest: self.empty.longest.as_millis() as u64,
            stale_ms: self.stale.total.as_millis() as u64,
            repair_ms: self.repaired_at.map(repair),
        }
    }
}

/// Median, 99th percentile and maximum of a measure over many runs (nearest-rank).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The median (nearest-rank).
    pub median: u64,
    /// The 99th percentile (nearest-rank).
    pub p99: u64,
    /// The largest value.
    pub max: u64,
}

impl Spread {
    /// The spread of `values` (all zero for none).
    pub fn of(mut values: Vec<u64>) -> Spread {
        if values.is_empty() {
            return Spread::default();
        }
        values.sort_unstable();
        let rank =
            |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
        Spread {
            median: rank(0.5),
            p99: rank(0.99),
            max: *values.last().expect("not empty"),
        }
    }
}

/// The measures of a design over many runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MeasureSpreads {
    /// Of [`Measures::empty_answer_ms`].
    pub empty_answer_ms: Spread,
    /// Of [`Measures::empty_answer_ms_longest`].
    pub empty_answer_ms_longest: Spread,
    /// Of [`Measures::stale_ms`].
    pub stale_ms: Spread,
    /// Over the runs that repaired.
    pub repair_ms: Spread,
    /// Runs that never repaired.
    pub never_repaired: u64,
}

impl MeasureSpreads {
    /// The spreads of the measures of `runs`.
    pub fn of(runs: &[Measures]) -> MeasureSpreads {
        let spread = |f: fn(&Measures) -> u64| Spread::of(runs.iter().map(f).collect());
        MeasureSpreads {
            empty_answer_ms: spread(|m| m.empty_answer_ms),
            empty_answer_ms_longest: spread(|m| m.empty_answer_ms_longest),
            stale_ms: spread(|m| m.stale_ms),
            repair_ms: Spread::of(runs.iter().filter_map(|m| m.repair_ms).collect()),
            never_repaired: runs.iter().filter(|m| m.repair_ms.is_none()).count() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_nearest_rank() {
        let spread = Spread::of((1..=100).collect());
        assert_eq!((spread.median, spread.p99, spread.max), (50, 99, 100));
        assert_eq!(Spread::of(vec![7]).p99, 7);
        assert_eq!(Spread::of(vec![]), Spread::default());
    }

    #[test]
    fn episodes_add_up_and_keep_the_longest() {
        let ms = Duration::from_millis;
        let mut episodes = Episodes::default();
        episodes.set(true, ms(10));
        episodes.set(true, ms(20));
        episodes.set(false, ms(30));
        episodes.set(true, ms(100));
        episodes.set(false, ms(105));
        assert_eq!((episodes.total, episodes.longest), (ms(25), ms(20)));
    }
}
