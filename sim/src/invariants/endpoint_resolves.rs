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

    fn after_event(&mut self, _event: &Event, world: &World) -> Option<String> {
        world
            .endpoints()
            .find(|(_, zone)| zone.root.is_some() && zone.resolve().is_empty())
            .map(|(endpoint, zone)| {
                format!(
                    "{endpoint} resolves to no addresses (root alias -> {}, tree deleted)",
                    zone.root.expect("checked above")
                )
            })
    }
}
