//! `no_stale_overwrite`: an endpoint's applied generation never goes backwards.
//!
//! The applied generation of an endpoint is the generation its root alias points at. Plans
//! only ever get newer, so a root that moves from g30 to g10 means an enactor acted on a
//! staleness check that was no longer true: step 4 of the incident, where the delayed
//! enactor's old plan overwrote the newer one.

use dnsim_model::event::EventKind;
use dnsim_model::{Event, Generation, World};

use super::{Invariant, InvariantId};

pub struct NoStaleOverwrite {
    /// The newest generation each endpoint has served so far.
    newest_served: Vec<Option<Generation>>,
}

impl NoStaleOverwrite {
    pub fn new(endpoints: usize) -> NoStaleOverwrite {
        NoStaleOverwrite {
            newest_served: vec![None; endpoints],
        }
    }
}

impl Invariant for NoStaleOverwrite {
    fn id(&self) -> InvariantId {
        InvariantId::NoStaleOverwrite
    }

    /// Only the zone the event names can have changed (see `EventKind::endpoint`).
    fn after_event(&mut self, event: &Event, world: &World) -> Option<String> {
        let mut violation = None;
        if let Some(endpoint) = event.kind.endpoint() {
            let zone = world.zone(endpoint);
            let newest = &mut self.newest_served[endpoint.index()];
            if zone.root < *newest && violation.is_none() {
                let by = match &event.kind {
                    EventKind::Applied { endpoint: e, .. } if *e == endpoint => {
                        format!(" by {}", event.actor)
                    }
                    _ => String::new(),
                };
                violation = Some(format!(
                    "{endpoint}: root went back from {} to {}{by}",
                    newest.expect("older than something"),
                    zone.root.map_or("none".into(), |g| g.to_string()),
                ));
            }
            *newest = (*newest).max(zone.root);
        }
        violation
    }
}
