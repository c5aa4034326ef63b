//! Site names as text: parsing a [`Site`]'s name back, and its serde form in seed files
//! and JSON reports.
//!
//! The model writes a site's name (`Display`, e.g.
//! `enactor-2/g17.1/apply/regional/attempt-3/change`) but never reads one: only the harness
//! does, when it loads a saved fault schedule or a report. Fields of type [`Site`] use this
//! module with `#[serde(with = "crate::running::site_name")]` (and [`option`] for
//! `Option<Site>`): a site is the string of its name.

use dnsim_model::{Actor, Call, EndpointId, Site, Step};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The site named `text`, or why it is not a site name.
pub fn parse(text: &str) -> Result<Site, String> {
    let bad = || {
        format!("not a site name: {text:?} (expected e.g. enactor-2/g17.1/apply/regional/attempt-3/change)")
    };
    let number = |part: &str, prefix: &str| -> Result<u64, String> {
        part.strip_prefix(prefix)
            .and_then(|n| n.parse().ok())
            .ok_or_else(bad)
    };
    let small = |n: u64| u32::try_from(n).map_err(|_| bad());
    // `g17.1` is plan 17, pass 1.
    let plan_pass = |part: &str| -> Result<(u64, u32), String> {
        let (plan, pass) = part.split_once('.').ok_or_else(bad)?;
        Ok((number(plan, "g")?, small(pass.parse().map_err(|_| bad())?)?))
    };
    let mut parts: Vec<&str> = text.split('/').collect();
    let call = match parts.last().copied() {
        Some("live-check") => Call::LiveCheck,
        Some("recheck") => Call::Recheck,
        Some("read") => Call::Read,
        Some("change") => Call::Change,
        Some("lease") => Call::Lease,
        _ => Call::None,
    };
    if call != Call::None {
        parts.pop();
    }
    let actor = match parts.first().copied() {
        Some("planner") => Actor::Planner,
        Some("other-writer") => Actor::OtherWriter,
        Some("janitor") => Actor::Janitor,
        Some("monitor") => Actor::Monitor,
        Some(name) => Actor::Enactor(
            name.strip_prefix("enactor-")
                .and_then(|n| n.parse().ok())
                .ok_or_else(bad)?,
        ),
        None => return Err(bad()),
    };
    let site = |plan, pass, step, attempt| Site {
        actor,
        plan,
        pass,
        step,
        attempt,
        call,
    };
    match parts.as_slice() {
        [_, tick] if tick.starts_with("tick-") => {
            Ok(site(number(tick, "tick-")?, 0, Step::Tick, 0))
        }
        [_, plan, poll] if poll.starts_with("poll-") => Ok(site(
            number(plan, "g")?,
            0,
            Step::Poll,
            small(number(poll, "poll-")?)?,
        )),
        [_, plan, "pickup"] => {
            let (plan, pass) = plan_pass(plan)?;
            Ok(site(plan, pass, Step::Pickup, 0))
        }
        [_, plan, kind @ ("apply" | "clean-up"), endpoint, attempt] => {
            let (plan, pass) = plan_pass(plan)?;
            let endpoint: EndpointId = endpoint.parse()?;
            let step = if *kind == "apply" {
                Step::Apply(endpoint)
            } else {
                Step::Cleanup(endpoint)
            };
            Ok(site(plan, pass, step, small(number(attempt, "attempt-")?)?))
        }
        _ => Err(bad()),
    }
}

/// A site's name as a string (for `#[serde(with = ...)]`).
pub fn serialize<S: Serializer>(site: &Site, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(site)
}

/// A site from its name (for `#[serde(with = ...)]`).
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Site, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}

/// The same for `Option<Site>`: `None` as serde writes a missing option, `Some` as the name.
pub mod option {
    use super::*;

    /// Serialises a site by its name, for [`serialize_some`](Serializer::serialize_some).
    struct Named<'a>(&'a Site);

    impl Serialize for Named<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            super::serialize(self.0, serializer)
        }
    }

    /// An optional site's name (for `#[serde(with = ...)]`).
    pub fn serialize<S: Serializer>(site: &Option<Site>, serializer: S) -> Result<S::Ok, S::Error> {
        match site {
            Some(site) => serializer.serialize_some(&Named(site)),
            None => serializer.serialize_none(),
        }
    }

    /// An optional site from its name (for `#[serde(with = ...)]`).
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Site>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|text| parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_names_round_trip() {
        for name in [
            "planner/tick-12",
            "enactor-2/g17/poll-3/live-check",
            "enactor-3/g2.1/pickup",
            "enactor-1/g40.2/apply/account-1/attempt-7/change",
            "enactor-1/g40.1/clean-up/regional/attempt-1",
            "enactor-3/g9.1/apply/ipv6/attempt-2/recheck",
            "enactor-2/g17/poll-3/lease",
            "janitor/g12.3/clean-up/fips/attempt-1/read",
            "monitor/g12.1/apply/regional/attempt-2/change",
        ] {
            let site = parse(name).unwrap();
            assert_eq!(site.to_string(), name);
        }
        for bad in [
            "",
            "enactor-x/g1.1/pickup",
            "enactor-1/g1/pickup",
            "enactor-1/g1.1/apply/nowhere/attempt-1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
