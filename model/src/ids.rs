//! The shared vocabulary of the model: who acts ([`Actor`]), on which endpoint
//! ([`EndpointId`]), with which plan ([`Generation`]). Every other file names these; this
//! one names nothing else, so it sits at the bottom of the model's dependency graph.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Who acts: the planner, an enactor (numbered from 1), a writer outside the automation
/// that holds an endpoint's lock (injected lock contention), or an extra process some
/// designs run (see [`crate::design::Design::extra_actors`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    /// The planner, which writes plans.
    Planner,
    /// Enactor `n` (from 1), which applies plans to endpoints and cleans up.
    Enactor(u8),
    /// A writer outside the automation holding an endpoint's lock (injected contention).
    OtherWriter,
    /// A separate process that owns clean-up.
    Janitor,
    /// A separate process that watches what endpoints resolve to and repairs them.
    Monitor,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Planner => f.write_str("planner"),
            Actor::Enactor(n) => write!(f, "enactor-{n}"),
            Actor::OtherWriter => f.write_str("other-writer"),
            Actor::Janitor => f.write_str("janitor"),
            Actor::Monitor => f.write_str("monitor"),
        }
    }
}

/// One DNS endpoint (one hosted zone). Named by position: `regional`, `fips`, `ipv6`, then
/// `account-1`, `account-2`, ... for account-specific endpoints. At most
/// [`EndpointId::MAX_COUNT`] endpoints (a scenario's `system.endpoints` range is narrower).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EndpointId(pub u16);

impl EndpointId {
    /// The first endpoint, `regional`.
    pub const REGIONAL: EndpointId = EndpointId(0);
    /// How many endpoints an id can name (`regional` .. `account-65533`).
    pub const MAX_COUNT: usize = u16::MAX as usize;

    /// This endpoint's index into per-endpoint vectors.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The first `count` endpoints.
    pub fn all(count: usize) -> impl Iterator<Item = EndpointId> {
        assert!(
            count <= Self::MAX_COUNT,
            "at most {} endpoints",
            Self::MAX_COUNT
        );
        (0..count as u16).map(EndpointId)
    }
}

impl fmt::Display for EndpointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("regional"),
            1 => f.write_str("fips"),
            2 => f.write_str("ipv6"),
            n => write!(f, "account-{}", n - 2),
        }
    }
}

impl FromStr for EndpointId {
    type Err = String;

    fn from_str(name: &str) -> Result<EndpointId, String> {
        match name {
            "regional" => Ok(EndpointId(0)),
            "fips" => Ok(EndpointId(1)),
            "ipv6" => Ok(EndpointId(2)),
            _ => name
                .strip_prefix("account-")
                .and_then(|n| n.parse::<u16>().ok())
                .filter(|n| (1..=u16::MAX - 3).contains(n))
                .map(|n| EndpointId(n + 2))
                .ok_or_else(|| format!("not an endpoint name: {name:?}")),
        }
    }
}

/// A plan's position in the history: higher is newer. Displayed as `g17`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Generation(pub u64);

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "g{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_round_trip() {
        for endpoint in EndpointId::all(8) {
            assert_eq!(endpoint.to_string().parse::<EndpointId>(), Ok(endpoint));
        }
        assert!("account-0".parse::<EndpointId>().is_err());
        assert!("nowhere".parse::<EndpointId>().is_err());
    }
}
