//! `endpoint_resolves`: once first applied, every endpoint resolves to at least one address.
//!
//! This is what customers saw: the regional endpoint answered NOERROR with an empty answer,
//! because its root alias pointed at a tree that clean-up had deleted (step 5).

use dnsim_model::{Event, World};

use super::{Invariant, InvariantId};

pub struct EndpointResolves;

impl Invariant for EndpointResolves {
    fn id(&self) -> InvariantId {
        InvariantId::EndpointResolves
    }

    /// Only the zone the event names can have changed (see `EventKind::endpoint`).
    fn after_event(&mut self, event: &Event, world: &World) -> Option<String> {
        let endpoint = event.kind.endpoint()?;
        let zone = world.zone(endpoint);
        (zone.root.is_some() && zone.resolve().is_empty()).then(|| {
            format!(
                "{endpoint} resolves to no addresses (root alias -> {}, tree deleted)",
                zone.root.expect("checked above")
            )
        })
    }
}
