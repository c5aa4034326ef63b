//! `no_stale_overwrite`: an endpoint's applied generation never goes backwards.
//!
//! The applied generation of an endpoint is the generation its root alias points at. Plans
//! only ever get newer, so a root that moves from g30 to g10 means an enactor acted on a
//! staleness check that was no longer true: step 4 of the incident, where the delayed
//! enactor's old plan overwrote the newer one.

use dnsim_model::event::EventKind;
use dnsim_model::Generation;

use super::{Invariant, InvariantId, Seen};

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

    fn after_event(&mut self, seen: &Seen<'_>) -> Option<String> {
        let endpoint = seen.touched?;
        let root = seen.reference.zone(endpoint).root;
        let newest = &mut self.newest_served[endpoint.index()];
        let went_back = root < *newest;
        let violation = went_back.then(|| {
            let by = match &seen.event.kind {
                EventKind::Applied { endpoint: e, .. } if *e == endpoint => {
                    format!(" by {}", seen.event.actor)
                }
                _ => String::new(),
            };
            format!(
                "{endpoint}: root went back from {} to {}{by}",
                newest.expect("older than something"),
                root.map_or("none".into(), |g| g.to_string()),
            )
        });
        *newest = (*newest).max(root);
        violation
    }
}
