//! A lock service outside Route 53: one lease with a TTL, granted to one enactor at a time.
//!
//! Many real systems elect one active worker this way (a lease in ZooKeeper, etcd, DynamoDB
//! lock client). Unlike the in-zone lock record, a lease is **not validated by the DNS
//! write**: Route 53 knows nothing of it. A holder that pauses past its lease's expiry (a
//! stall, a slow call) does not know it lost the lease, and its next write lands alongside
//! the next holder's: the case Kleppmann's "How to do distributed locking" (2016) answers
//! with fencing tokens. Each grant carries a token that only ever increases, for designs
//! that want to fence with it.
//!
//! Used only by designs whose [`crate::design::Design::lock`] is
//! [`crate::design::LockChoice::Lease`].

use std::fmt;

use crate::ids::Actor;

/// One grant of the lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lease {
    /// The actor the lease was granted to.
    pub holder: Actor,
    /// Increases with every new grant (not with renewals): a fencing token.
    pub token: u64,
    /// Simulated time (ms since the run began) after which another actor may take the lease.
    pub expires_ms: u64,
}

impl fmt::Display for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "token {} held by {} until {}.{:03}s",
            self.token,
            self.holder,
            self.expires_ms / 1000,
            self.expires_ms % 1000
        )
    }
}

/// What a request for the lease got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grant {
    /// A new grant; `expired` is the previous holder's lease if it had expired unreleased.
    Granted {
        /// The lease granted.
        lease: Lease,
        /// The previous holder's lease, if it expired unreleased.
        expired: Option<Lease>,
    },
    /// The caller's own lease, still current (its token is unchanged), extended.
    Renewed(Lease),
    /// Another actor holds an unexpired lease.
    Busy(Lease),
}

/// The lock service's state: the current lease, if any has been granted.
#[derive(Clone, Debug, Default)]
pub struct LockService {
    lease: Option<Lease>,
}

impl LockService {
    /// The current lease, if any has been granted (expired or not).
    pub fn lease(&self) -> Option<Lease> {
        self.lease
    }

    /// Grants, renews or refuses the lease to `who` at `now_ms` for `ttl_ms`.
    ///
    /// A lease whose holder let it expire is still the holder's to renew until someone else
    /// takes it (its token is still current); once another actor is granted it, the old
    /// token is dead for ever.
    pub fn acquire(&mut self, who: Actor, now_ms: u64, ttl_ms: u64) -> Grant {
        assert!(ttl_ms > 0, "a lease lasts some time");
        let expires_ms = now_ms + ttl_ms;
        let grant = match self.lease {
            Some(lease) if lease.holder == who => Grant::Renewed(Lease {
                expires_ms,
                ..lease
            }),
            Some(lease) if now_ms < lease.expires_ms => Grant::Busy(lease),
            previous => Grant::Granted {
                lease: Lease {
                    holder: who,
                    token: previous.map_or(1, |lease| lease.token + 1),
                    expires_ms,
                },
                expired: previous,
            },
        };
        match grant {
            Grant::Granted { lease, .. } | Grant::Renewed(lease) => {
                assert!(
                    self.lease.is_none_or(|old| old.token <= lease.token),
                    "tokens never go back"
                );
                self.lease = Some(lease);
            }
            Grant::Busy(lease) => assert_ne!(lease.holder, who),
        }
        assert!(
            self.lease.is_some(),
            "a request always leaves a lease behind"
        );
        grant
    }

    /// Whether `who` holds the lease with `token` (expired or not, as long as no one else
    /// has taken it since).
    pub fn is_current(&self, who: Actor, token: u64) -> bool {
        self.lease
            .is_some_and(|lease| lease.holder == who && lease.token == token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Actor = Actor::Enactor(1);
    const B: Actor = Actor::Enactor(2);

    #[test]
    fn one_holder_at_a_time_until_the_lease_expires() {
        let mut service = LockService::default();
        let Grant::Granted { lease: a, expired } = service.acquire(A, 0, 500) else {
            panic!("the first request is granted")
        };
        assert_eq!((a.token, expired), (1, None));
        assert_eq!(service.acquire(B, 499, 500), Grant::Busy(a));
        let Grant::Granted { lease: b, expired } = service.acquire(B, 500, 500) else {
            panic!("an expired lease is granted to the next requester")
        };
        assert_eq!((b.token, expired), (2, Some(a)));
        assert!(!service.is_current(A, a.token), "A's token is dead");
        assert!(service.is_current(B, b.token));
    }

    #[test]
    fn a_holder_renews_its_own_lease_even_late_if_no_one_took_it() {
        let mut service = LockService::default();
        service.acquire(A, 0, 500);
        let Grant::Renewed(lease) = service.acquire(A, 900, 500) else {
            panic!("A's own lease is renewed")
        };
        assert_eq!((lease.token, lease.expires_ms), (1, 1400));
    }
}
