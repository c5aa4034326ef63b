//! The exhaust menu: the discrete faults `dnsim exhaust` may place at a decision site.
//!
//! A random sweep draws each fault's magnitude from a range; an exhaustive enumeration
//! needs a finite choice. Each menu entry is one fault with one magnitude, taken from the
//! scenario's fault ranges: the *short* entry is the low end of the range, the *long* entry
//! the high end. The model asks for one kind of fault at each decision (a stall, a crash, an
//! API error, a delay, a lock hold, a burst), so at a decision of kind `stall` the menu
//! offers `stall-short` and `stall-long`, and nothing else.

use std::fmt;

use dnsim_model::{Fault, FaultKind};

use crate::running::scenario::Scenario;

/// Every entry a menu can hold, in menu order.
pub const NAMES: [&str; 9] = [
    "stall-short",
    "stall-long",
    "crash",
    "api-error",
    "lock-short",
    "lock-long",
    "burst",
    "delay-short",
    "delay-long",
];

/// The default menu: the faults of the incident (stalls, crashes, errors, lock contention,
/// bursts of plans). The API delays are left out: at this model's granularity a delay is a
/// short stall inside an API call, and leaving it out halves the decisions per API call.
pub const DEFAULT: [&str; 7] = [
    "stall-short",
    "stall-long",
    "crash",
    "api-error",
    "lock-short",
    "lock-long",
    "burst",
];

/// One entry: a name and the fault it injects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MenuEntry {
    /// Its name on the command line (`stall-short`, ...).
    pub name: &'static str,
    /// The fault, with its magnitude.
    pub fault: Fault,
}

impl fmt::Display for MenuEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fault {
            Fault::Stall { ms } | Fault::Delay { ms } | Fault::LockHeld { ms } => {
                write!(f, "{}({ms}ms)", self.name)
            }
            Fault::Crash { restart_ms } => write!(f, "{}(restart {restart_ms}ms)", self.name),
            Fault::Burst { plans } => write!(f, "{}({plans} plans)", self.name),
            Fault::ApiError => f.write_str(self.name),
        }
    }
}

/// The faults `exhaust` may place, in menu order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Menu(pub Vec<MenuEntry>);

impl Menu {
    /// The entries `names` (from [`NAMES`], no repeats), with magnitudes from `scenario`.
    pub fn new(scenario: &Scenario, names: &[String]) -> Result<Menu, String> {
        let f = &scenario.faults;
        let mut entries: Vec<MenuEntry> = Vec::new();
        for name in names {
            let fault = match name.as_str() {
                "stall-short" => Fault::Stall { ms: f.stall.ms[0] },
                "stall-long" => Fault::Stall { ms: f.stall.ms[1] },
                // The shortest restart: the enactor comes back while the race is still on.
                "crash" => Fault::Crash {
                    restart_ms: f.crash.restart_ms[0],
                },
                "api-error" => Fault::ApiError,
                "lock-short" => Fault::LockHeld {
                    ms: f.lock_held.ms[0],
                },
                "lock-long" => Fault::LockHeld {
                    ms: f.lock_held.ms[1],
                },
                // The largest burst: the most generations at once.
                "burst" => Fault::Burst {
                    plans: f.burst.plans[1],
                },
                "delay-short" => Fault::Delay {
                    ms: f.api_delay.ms[0],
                },
                "delay-long" => Fault::Delay {
                    ms: f.api_delay.ms[1],
                },
                other => {
                    return Err(format!(
                        "unknown menu entry {other:?}: entries are {}",
                        NAMES.join(", ")
                    ))
                }
            };
            if entries.iter().any(|e| e.name == name) {
                return Err(format!("menu entry {name:?} given twice"));
            }
            let name = NAMES.iter().find(|n| *n == name).expect("matched above");
            entries.push(MenuEntry { name, fault });
        }
        if entries.is_empty() {
            return Err("the menu is empty: name at least one entry".into());
        }
        // Menu order, whatever order they were named in: the enumeration order follows it.
        entries.sort_by_key(|e| NAMES.iter().position(|n| *n == e.name));
        Ok(Menu(entries))
    }

    /// The default menu for `scenario`.
    pub fn default_for(scenario: &Scenario) -> Menu {
        let names: Vec<String> = DEFAULT.iter().map(|n| n.to_string()).collect();
        Menu::new(scenario, &names).expect("the default menu is valid")
    }

    /// The entries that answer a decision of `kind`.
    pub fn for_kind(&self, kind: FaultKind) -> impl Iterator<Item = &MenuEntry> {
        self.0.iter().filter(move |e| e.fault.kind() == kind)
    }

    /// The entries' names, comma-separated (as `--menu` takes them).
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|e| e.name).collect();
        names.join(",")
    }
}

impl fmt::Display for Menu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        f.write_str(&entries.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitudes_come_from_the_scenario_ranges() {
        let scenario = Scenario::load("small").unwrap();
        let menu = Menu::default_for(&scenario);
        assert_eq!(menu.0.len(), DEFAULT.len());
        let stalls: Vec<Fault> = menu.for_kind(FaultKind::Stall).map(|e| e.fault).collect();
        assert_eq!(
            stalls,
            vec![
                Fault::Stall {
                    ms: scenario.faults.stall.ms[0]
                },
                Fault::Stall {
                    ms: scenario.faults.stall.ms[1]
                }
            ]
        );
        assert_eq!(menu.for_kind(FaultKind::Delay).count(), 0);
    }

    #[test]
    fn bad_menus_are_refused() {
        let scenario = Scenario::load("small").unwrap();
        let menu = |names: &[&str]| {
            Menu::new(
                &scenario,
                &names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            )
        };
        assert!(menu(&["stall-long", "nap"]).unwrap_err().contains("nap"));
        assert!(menu(&["crash", "crash"]).unwrap_err().contains("twice"));
        assert!(menu(&[]).is_err());
        assert_eq!(
            menu(&["crash", "stall-long"]).unwrap().names(),
            "stall-long,crash"
        );
    }
}
