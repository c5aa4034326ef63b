//! Scenarios: the system's knobs, the run's phases and the fault rates, from a TOML file.
//!
//! Built-in scenarios live in `scenarios/` and are compiled in, so `--scenario incident`
//! works from any directory; `--scenario path/to/file.toml` loads any other file.

use std::fmt;
use std::path::Path;

use dnsim_model::batches::BatchLimits;
use dnsim_model::SystemConfig;
use serde::{Deserialize, Serialize};

use crate::running::toml_errors::toml_error_line;

/// The scenarios compiled into the binary, by name.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("incident", include_str!("../../../scenarios/incident.toml")),
    (
        "realistic",
        include_str!("../../../scenarios/realistic.toml"),
    ),
    (
        "route53-scale",
        include_str!("../../../scenarios/route53-scale.toml"),
    ),
    ("long", include_str!("../../../scenarios/long.toml")),
    (
        "incident-long",
        include_str!("../../../scenarios/incident-long.toml"),
    ),
    ("small", include_str!("../../../scenarios/small.toml")),
];

/// The default scenario.
pub const DEFAULT: &str = "incident";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// The knobs of a run, read from a TOML file (see `scenarios/`): the system, its phases and its
/// fault rates.
pub struct Scenario {
    /// The scenario's name (a built-in one's, or the file's).
    pub name: String,
    #[serde(default)]
    /// One line saying what it is for (`dnsim list` shows it).
    pub description: String,
    /// The system's knobs.
    pub system: System,
    /// The run's phases.
    pub phases: Phases,
    /// How often each fault strikes, and how hard.
    pub faults: FaultRates,
}

/// The system's knobs; see `scenarios/incident.toml` for what each means. Every whole-number
/// knob (here, in [`Phases`] and in [`FaultRates`]) has an allowed range, [`knob_range`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// Enactors, one per Availability Zone.
    pub enactors: u8,
    /// Endpoints (hosted zones).
    pub endpoints: u16,
    /// Load balancers per endpoint in every plan; absent: 2 to 4, varying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancers: Option<u16>,
    /// Route 53's limits on one change batch (`Change` elements, and `ResourceRecord`
    /// elements with an UPSERT's counted twice); absent: unlimited. Both or neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_max_changes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The `ResourceRecord` limit of one change batch (see `batch_max_changes`).
    pub batch_max_records: Option<u32>,
    /// Clean-up deletes plans more than this many generations older than the one just applied.
    pub cleanup_age_generations: u64,
    /// How long a lock record bars other writers, in ms.
    pub lock_ttl_ms: u64,
    /// Fault-free latency of a DNS API call, `[min, max]` ms.
    #[serde(deserialize_with = "min_max")]
    pub api_latency_ms: [u64; 2],
    /// Exponential back-off's base, in ms.
    pub backoff_base_ms: u64,
    /// Exponential back-off's cap, in ms.
    pub backoff_cap_ms: u64,
    /// Clean-up attempts per endpoint before it gives up until the next plan.
    pub cleanup_attempts: u32,
    /// How often an idle enactor looks for a newer plan, in ms.
    pub enactor_poll_ms: u64,
    /// How often the planner writes a plan, in ms.
    pub planner_interval_ms: u64,
    /// Spacing of the plans within a burst, in ms.
    pub burst_spacing_ms: u64,
}

/// A run's phases, in simulated milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phases {
    /// Faults are injected in `[0, faults_ms)`; a stall never outlasts it.
    pub faults_ms: u64,
    /// The planner writes its last plan at `faults_ms + settle_ms`.
    pub settle_ms: u64,
    /// Every endpoint must serve that plan within this time after it is written.
    pub converge_within_ms: u64,
}

/// How often each fault strikes at a site where it can, and how hard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRates {
    /// Slow API calls.
    pub api_delay: Ranged,
    /// Failed API calls.
    pub api_error: Chance,
    /// Another writer holding an endpoint's lock.
    pub lock_held: Ranged,
    /// Paused actors.
    pub stall: Ranged,
    /// Enactor processes dying.
    pub crash: Restart,
    /// Extra plans in a burst.
    pub burst: Plans,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// A fault with no magnitude: how often it strikes.
pub struct Chance {
    /// Per site where it can strike, in [0, 1].
    pub probability: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// A fault lasting some milliseconds.
pub struct Ranged {
    /// Per site where it can strike, in [0, 1].
    pub probability: f64,
    /// How long, `[min, max]` ms.
    #[serde(deserialize_with = "min_max")]
    pub ms: [u64; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// A crash, and when the process restarts.
pub struct Restart {
    /// Per site where it can strike, in [0, 1].
    pub probability: f64,
    /// How long until the restart, `[min, max]` ms.
    #[serde(deserialize_with = "min_max")]
    pub restart_ms: [u64; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// A burst of plans.
pub struct Plans {
    /// Per planner tick, in [0, 1].
    pub probability: f64,
    /// How many extra plans, `[min, max]`.
    #[serde(deserialize_with = "min_max")]
    pub plans: [u32; 2],
}

/// A `[min, max]` pair: exactly two numbers. (serde reads a fixed-size array from the
/// first elements of a longer list and drops the rest, so `[20, 80, 90]` would pass.)
fn min_max<'de, D, T>(deserializer: D) -> Result<[T; 2], D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let values = Vec::<T>::deserialize(deserializer)?;
    let count = values.len();
    <[T; 2]>::try_from(values)
        .map_err(|_| serde::de::Error::invalid_length(count, &"two numbers, [min, max]"))
}

/// Why a scenario could not be loaded: one line naming the input and the problem.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError(pub String);

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// A built-in scenario by name, or a TOML file by path (anything ending in `.toml` or
    /// containing a path separator).
    pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        if Scenario::is_path(name_or_path) {
            let path = Path::new(name_or_path);
            let text = std::fs::read_to_string(path)
                .map_err(|e| ScenarioError(format!("scenario file {name_or_path}: {e}")))?;
            return Scenario::parse(&text, name_or_path);
        }
        match BUILT_IN.iter().find(|(name, _)| *name == name_or_path) {
            Some((name, text)) => Scenario::parse(text, &format!("built-in scenario {name}")),
            None => Err(ScenarioError(format!(
                "unknown scenario {name_or_path:?}: built-in scenarios are {}; or give a path to a .toml file",
                BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// Whether [`Scenario::load`] reads `name_or_path` as a file's path (not a built-in name).
    pub fn is_path(name_or_path: &str) -> bool {
        name_or_path.ends_with(".toml")
            || name_or_path.contains(std::path::MAIN_SEPARATOR)
            || name_or_path.contains('/')
    }

    /// Parses and validates a scenario; `origin` names it in errors. An out-of-range value
    /// is one line: `origin:line: key = value is out of range: allowed min..=max`.
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text)
            .map_err(|e| ScenarioError(toml_error_line(origin, text, &e, &allowed)))?;
        scenario.validate(origin, Some(text))?;
        Ok(scenario)
    }

    /// Checks every value (ranges, then what must agree), naming `origin`; with the file's
    /// `text`, also the line of the first value at fault (`origin:LINE: ...`).
    pub fn validate(&self, origin: &str, text: Option<&str>) -> Result<(), ScenarioError> {
        let at = |key: &str| {
            // A problem of the model's configuration names its key without the section.
            let key = if key.contains('.') {
                key.to_string()
            } else {
                format!("system.{key}")
            };
            text.and_then(|text| line_of(text, &key))
                .map_or(String::new(), |line| format!(":{line}"))
        };
        for (key, value) in self.knobs() {
            let (min, max) = knob_range(key);
            if !(min..=max).contains(&value) {
                return Err(ScenarioError(format!(
                    "{origin}{}: {key} = {value} is out of range: allowed {min}..={max}",
                    at(key)
                )));
            }
        }
        let problems = self.problems();
        if let Some(first) = problems.first() {
            let key = first.split_once(':').map_or("", |(key, _)| key);
            return Err(ScenarioError(format!(
                "{origin}{}: {}",
                at(key),
                problems.join("; ")
            )));
        }
        Ok(())
    }

    /// Every whole-number knob, by its key in the file (both ends of a `[min, max]` pair
    /// under the pair's key).
    fn knobs(&self) -> Vec<(&'static str, u64)> {
        let (s, p, f) = (&self.system, &self.phases, &self.faults);
        let mut knobs = vec![
            ("system.enactors", u64::from(s.enactors)),
            ("system.endpoints", u64::from(s.endpoints)),
            ("system.cleanup_age_generations", s.cleanup_age_generations),
            ("system.lock_ttl_ms", s.lock_ttl_ms),
            ("system.backoff_base_ms", s.backoff_base_ms),
            ("system.backoff_cap_ms", s.backoff_cap_ms),
            ("system.cleanup_attempts", u64::from(s.cleanup_attempts)),
            ("system.enactor_poll_ms", s.enactor_poll_ms),
            ("system.planner_interval_ms", s.planner_interval_ms),
            ("system.burst_spacing_ms", s.burst_spacing_ms),
            ("phases.faults_ms", p.faults_ms),
            ("phases.settle_ms", p.settle_ms),
            ("phases.converge_within_ms", p.converge_within_ms),
        ];
        let optional = [
            ("system.load_balancers", s.load_balancers.map(u64::from)),
            (
                "system.batch_max_changes",
                s.batch_max_changes.map(u64::from),
            ),
            (
                "system.batch_max_records",
                s.batch_max_records.map(u64::from),
            ),
        ];
        knobs.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
        let pairs = [
            ("system.api_latency_ms", s.api_latency_ms),
            ("faults.api_delay.ms", f.api_delay.ms),
            ("faults.lock_held.ms", f.lock_held.ms),
            ("faults.stall.ms", f.stall.ms),
            ("faults.crash.restart_ms", f.crash.restart_ms),
            ("faults.burst.plans", f.burst.plans.map(u64::from)),
        ];
        for (key, [min, max]) in pairs {
            knobs.push((key, min));
            knobs.push((key, max));
        }
        knobs
    }

    /// Problems no single range catches: probabilities, `[min, max]` pairs in order, and
    /// the model's own relations between knobs.
    fn problems(&self) -> Vec<String> {
        let mut problems = self.system_config().problems();
        if self.system.batch_max_changes.is_some() != self.system.batch_max_records.is_some() {
            problems.push(
                "system.batch_max_changes and system.batch_max_records: give both or neither"
                    .to_string(),
            );
        }
        let f = &self.faults;
        let probabilities = [
            ("faults.api_delay", f.api_delay.probability),
            ("faults.api_error", f.api_error.probability),
            ("faults.lock_held", f.lock_held.probability),
            ("faults.stall", f.stall.probability),
            ("faults.crash", f.crash.probability),
            ("faults.burst", f.burst.probability),
        ];
        for (name, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                problems.push(format!("{name}.probability: must be in [0, 1], got {p}"));
            }
        }
        let ranges = [
            ("faults.api_delay.ms", f.api_delay.ms),
            ("faults.lock_held.ms", f.lock_held.ms),
            ("faults.stall.ms", f.stall.ms),
            ("faults.crash.restart_ms", f.crash.restart_ms),
            ("faults.burst.plans", f.burst.plans.map(u64::from)),
        ];
        for (name, [min, max]) in ranges {
            if min > max {
                problems.push(format!("{name}: min {min} exceeds max {max}"));
            }
        }
        problems
    }

    /// A short digest of every setting (16 hex digits), to tell scenarios apart by content.
    pub fn digest(&self) -> String {
        use std::hash::Hasher;
        let mut hasher = crate::running::hash::Fnv64::default();
        hasher.write(
            toml::to_string(self)
                .expect("a scenario serializes")
                .as_bytes(),
        );
        crate::running::hash::format_hash(hasher.finish())
    }

    /// The model's configuration for this scenario.
    pub fn system_config(&self) -> SystemConfig {
        let s = &self.system;
        let quiet_at = self.phases.faults_ms + self.phases.settle_ms;
        SystemConfig {
            enactors: s.enactors,
            endpoints: s.endpoints,
            load_balancers: s.load_balancers,
            batch_limits: s.batch_max_changes.zip(s.batch_max_records).map(
                |(max_changes, max_records)| BatchLimits {
                    max_changes,
                    max_records,
                },
            ),
            cleanup_age_generations: s.cleanup_age_generations,
            lock_ttl_ms: s.lock_ttl_ms,
            api_latency_ms: (s.api_latency_ms[0], s.api_latency_ms[1]),
            backoff_base_ms: s.backoff_base_ms,
            backoff_cap_ms: s.backoff_cap_ms,
            cleanup_attempts: s.cleanup_attempts,
            enactor_poll_ms: s.enactor_poll_ms,
            planner_interval_ms: s.planner_interval_ms,
            burst_spacing_ms: s.burst_spacing_ms,
            planner_quiet_at_ms: quiet_at,
            run_until_ms: quiet_at + self.phases.converge_within_ms,
        }
    }
}

/// The allowed range of each whole-number knob, inclusive. Each phase is at most a day of
/// simulated time, so a whole run (`faults_ms + settle_ms + converge_within_ms`) is at most
/// 3 days = 2.6e11 microseconds (madsim's clock and every sum of knobs stay far below
/// `u64::MAX` = 1.8e19), and no arithmetic on a knob (microseconds, sums, `2^attempt`
/// back-off capped by `backoff_cap_ms`) can overflow. Endpoints stop at 10,000 (an
/// [`dnsim_model::EndpointId`] can name 65,535), enactors at 64 (an `Actor::Enactor` holds a
/// `u8`), load balancers at 1,000 per endpoint; the batch limits stop at Route 53's own
/// (100 changes and 1,000 records are the documented ones) and start where a batch still
/// has room for the lock, the fence, both aliases and one leaf. The README's scenario
/// table lists the same ranges.
pub fn knob_range(key: &str) -> (u64, u64) {
    allowed(key).unwrap_or_else(|| unreachable!("no range for knob {key}"))
}

/// The values a knob takes, `None` for a key that is not a knob.
fn allowed(key: &str) -> Option<(u64, u64)> {
    const MINUTE: u64 = 60_000;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    Some(match key {
        "system.enactors" => (1, 64),
        "system.endpoints" => (1, 10_000),
        "system.load_balancers" => (1, 1_000),
        "system.batch_max_changes" => (8, 1_000),
        "system.batch_max_records" => (10, 1_000),
        "system.cleanup_age_generations" => (0, 10_000),
        "system.lock_ttl_ms" => (1, 10 * MINUTE),
        "system.api_latency_ms" => (0, MINUTE),
        "system.backoff_base_ms" => (1, 10 * MINUTE),
        "system.backoff_cap_ms" => (1, 10 * MINUTE),
        "system.cleanup_attempts" => (1, 100),
        "system.enactor_poll_ms" => (10, 10 * MINUTE),
        "system.planner_interval_ms" => (100, HOUR),
        "system.burst_spacing_ms" => (1, 10 * MINUTE),
        "phases.faults_ms" => (0, DAY),
        "phases.settle_ms" => (0, DAY),
        "phases.converge_within_ms" => (1, DAY),
        "faults.api_delay.ms" => (0, 10 * MINUTE),
        "faults.lock_held.ms" => (0, 10 * MINUTE),
        "faults.stall.ms" => (0, HOUR),
        "faults.crash.restart_ms" => (0, HOUR),
        "faults.burst.plans" => (0, 100),
        _ => return None,
    })
}

/// The line (1-based) of `key` (`section.name` or `section.name.field`) in a scenario's
/// text: the line in `[section]` that sets `name`, inline table or not.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let mut parts = key.splitn(3, '.');
    let (section, name) = (parts.next()?, parts.next()?);
    let mut current = "";
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = header.trim();
        } else if current == section
            && line
                .strip_prefix(name)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_scenario_loads() {
        for (name, _) in BUILT_IN {
            let scenario = Scenario::load(name).unwrap();
            assert_eq!(&scenario.name, name);
        }
    }

    #[test]
    fn a_malformed_scenario_names_line_and_column() {
        let text = BUILT_IN[0]
            .1
            .replace("enactors = 3", "enactors = \"three\"");
        let error = Scenario::parse(&text, "bad.toml").unwrap_err().to_string();
        assert!(error.starts_with("bad.toml:"), "{error}");
        let line = text.lines().position(|l| l.contains("\"three\"")).unwrap() + 1;
        assert!(error.contains(&format!(":{line}:")), "{error}");
        assert!(!error.contains('\n'), "one line: {error}");
    }

    /// Every `[min, max]` knob takes exactly two numbers, with the line of one that does not.
    #[test]
    fn a_min_max_pair_is_two_numbers() {
        let incident = BUILT_IN[0].1;
        for (pair, wrong) in [
            ("api_latency_ms = [20, 80]", "api_latency_ms = [20, 80, 90]"),
            ("ms = [200, 3000]", "ms = [200, 3000, 5]"),
            ("restart_ms = [2000, 20000]", "restart_ms = [2000]"),
            ("plans = [3, 10]", "plans = [3, 10, 11]"),
        ] {
            assert!(incident.contains(pair), "{pair}");
            let text = incident.replacen(pair, wrong, 1);
            let error = Scenario::parse(&text, "pair.toml").unwrap_err().to_string();
            let line = text.lines().position(|l| l.contains(wrong)).unwrap() + 1;
            assert!(error.starts_with(&format!("pair.toml:{line}:")), "{error}");
            assert!(
                error.ends_with("expected two numbers, [min, max]"),
                "{error}"
            );
        }
    }

    #[test]
    fn an_invalid_knob_is_named() {
        let text = BUILT_IN[0]
            .1
            .replace("probability = 0.03", "probability = 1.5");
        let error = Scenario::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(error.contains("faults.api_error.probability"), "{error}");
        let unknown = Scenario::load("nope").unwrap_err().to_string();
        assert!(unknown.contains("incident"), "{unknown}");
    }

    /// The two values: one that wrapped to 0 in `extra * 1000`, one that made every
    /// seed hang. Each is one line naming the file, the line, the key and the range.
    #[test]
    fn an_out_of_range_value_is_one_line_with_file_line_key_and_range() {
        let cases = [
            (
                "faults_ms = 120000",
                "faults_ms = 100000000000",
                "phases.faults_ms = 100000000000 is out of range: allowed 0..=86400000",
            ),
            (
                "ms = [5000, 90000]",
                "ms = [5000, 4611686018427387904]",
                "faults.stall.ms = 4611686018427387904 is out of range: allowed 0..=3600000",
            ),
            (
                "enactors = 3",
                "enactors = 0",
                "system.enactors = 0 is out of range: allowed 1..=64",
            ),
        ];
        for (from, to, expected) in cases {
            let text = BUILT_IN[0].1.replace(from, to);
            assert_ne!(text, BUILT_IN[0].1, "{from} is in the scenario");
            let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
            let error = Scenario::parse(&text, "big.toml").unwrap_err().to_string();
            assert_eq!(error, format!("big.toml:{line}: {expected}"));
        }
    }

    #[test]
    fn the_built_in_scenarios_are_within_every_range() {
        for (name, text) in BUILT_IN {
            let scenario = Scenario::parse(text, name).unwrap();
            for (key, value) in scenario.knobs() {
                let (min, max) = knob_range(key);
                assert!((min..=max).contains(&value), "{name}: {key} = {value}");
                assert!(line_of(text, key).is_some(), "{name}: {key} has a line");
            }
        }
    }
}
