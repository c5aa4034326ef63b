//! `endpoint_resolves`: once first applied, every endpoint resolves to at least one address.
//!
//! This is what customers saw: the regional endpoint answered NOERROR with an empty answer,
//! because its root alias pointed at a tree that clean-up had deleted (step 5). Names are
//! resolved from the harness's reference zones, not by the model's own `Zone::resolve`.

use super::{Invariant, InvariantId, Seen};

pub struct EndpointResolves;

impl Invariant for EndpointResolves {
    fn id(&self) -> InvariantId {
        InvariantId::EndpointResolves
    }

    fn after_event(&mut self, seen: &Seen<'_>) -> Option<String> {
        let endpoint = seen.touched?;
        let zone = seen.reference.zone(endpoint);
        zone.answers_empty().then(|| {
            format!(
                "{endpoint} resolves to no addresses (root alias -> {}, tree deleted)",
                zone.root.expect("answers_empty implies a root")
            )
        })
    }
}
