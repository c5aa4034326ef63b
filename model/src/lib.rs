//! # The system under test: DynamoDB's DNS automation in us-east-1, October 2025
//!
//! This crate is the *model*: the planner, the enactors, their clean-up and a Route 53-like
//! DNS service, written as ordinary async Rust against madsim's time, task and rand
//! primitives. It knows nothing of the harness that drives it. The harness reaches in
//! through exactly two seams:
//!
//! - [`chaos::Chaos`]: asked at every named point where the real world could misbehave
//!   (API latency and errors, lock contention, stalls, crashes, planner bursts);
//! - [`event::Observer`]: told of every event, with a view of the whole world, so that
//!   invariants can be checked at every change.
//!
//! Design fixes plug in through a third seam, [`design::Design`]: one file per design in
//! [`designs`], registered in [`designs::ALL`]. A design can change any decision the system
//! makes (the pick-up check, the lock, what a batch holds, clean-up, what happens on a
//! missing target, what the write path refuses) and can run extra actors.
//!
//! Reading order: [`ids`] (who acts, on which endpoint, with which plan), [`plan`] (plans
//! and their history), [`generation_table`] and [`tree`] (a zone's trees, by generation),
//! [`dns`] (zones, change batches, the lock), [`batches`] (Route 53's batch limits, trees
//! built in parts), [`lock_service`] (leases outside Route 53),
//! [`world`] and [`config`] (what the actors share, the system's knobs), [`ctx`] (what every
//! actor holds and the calls it makes), [`planner`], [`enactor`] (the race lives here),
//! [`design`] (the seam), [`system`] (wiring and lifetime). No file depends on one that
//! depends on it (`tests/architecture.rs` checks): `ids` is at the bottom, `system` at the top.

#![warn(missing_docs)]

#[cfg(not(madsim))]
compile_error!(
    "dnsim must be compiled with `--cfg madsim`. In dnsim's repository, .cargo/config.toml \
     sets it. A crate that depends on dnsim needs the same: create .cargo/config.toml at \
     the root of its workspace with `[build]` `rustflags = [\"--cfg\", \"madsim\"]` and \
     `rustdocflags = [\"--cfg\", \"madsim\"]`. A RUSTFLAGS environment variable replaces \
     that setting: if you set RUSTFLAGS, include `--cfg madsim` in it."
);

pub mod batches;
pub mod chaos;
pub mod config;
pub mod ctx;
pub mod design;
pub mod designs;
pub mod dns;
pub mod enactor;
pub mod event;
pub mod generation_table;
pub mod ids;
pub mod lock_service;
pub mod plan;
pub mod planner;
pub mod system;
pub mod tree;
pub mod world;

pub use chaos::{Call, Chaos, Fault, FaultKind, Site, Step};
pub use config::SystemConfig;
pub use design::Design;
pub use dns::Zone;
pub use event::{Event, Observer};
pub use ids::{Actor, EndpointId, Generation};
pub use plan::{Plan, PlanStore};
pub use world::World;
