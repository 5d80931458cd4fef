//! Back-off after wrong passwords, per user name and per client address, so that guessing
//! passwords (or keeping the server busy with argon2) costs an attacker time.
//!
//! Each key (a user name, a client address) counts its recent failures:
//! 1. the first [`Policy::free`] failures cost nothing;
//! 2. each failure after them closes the key for a delay that doubles, from
//!    [`Policy::base`] up to [`Policy::max`];
//! 3. while a key is closed, a sign-in with it is refused at once, before any password
//!    is checked (the caller learns how long to wait);
//! 4. a correct password opens the key and forgets its failures; so does
//!    [`Policy::forget_after`] without a failure.
//!
//! A user name's limit is looser than an address's, so that one attacker cannot lock a
//! user out as fast as it can lock itself out; and both maps are bounded, keys closed
//! longest ago going first.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// How a key backs off.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failures allowed before any delay.
    pub free: u32,
    /// The first delay.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
    /// A key with no failure for this long starts afresh.
    pub forget_after: Duration,
}

impl Policy {
    /// Per client address: 5 free tries, then 1 s, 2 s, 4 s … up to 5 minutes.
    pub const CLIENT: Policy = Policy {
        free: 5,
        base: Duration::from_secs(1),
        max: Duration::from_secs(300),
        forget_after: Duration::from_secs(3600),
    };
    /// Per user name: 10 free tries, then 1 s, 2 s, 4 s … up to 15 minutes.
    pub const USER: Policy = Policy {
        free: 10,
        base: Duration::from_secs(1),
        max: Duration::from_secs(900),
        forget_after: Duration::from_secs(3600),
    };

    fn delay(&self, failures: u32) -> Duration {
        if failures <= self.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free - 1).min(30);
        self.base
            .checked_mul(1u32 << doublings)
            .map_or(self.max, |d| d.min(self.max))
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last_failure: Instant,
    closed_until: Instant,
}

/// The failures of one kind of key.
#[derive(Debug)]
pub struct Throttle<K> {
    policy: Policy,
    capacity: usize,
    records: HashMap<K, Record>,
}

impl<K: Eq + Hash + Clone> Throttle<K> {
    /// An empty throttle keeping at most `capacity` keys.
    pub fn new(policy: Policy, capacity: usize) -> Self {
        Throttle {
            policy,
            capacity: capacity.max(1),
            records: HashMap::new(),
        }
    }

    /// How long `key` must still wait at `now`, if it is closed.
    pub fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        self.records
            .get(key)
            .filter(|r| r.closed_until > now)
            .map(|r| r.closed_until - now)
    }

    /// Records a wrong password for `key` at `now`.
    pub fn failed(&mut self, key: &K, now: Instant) {
        if !self.records.contains_key(key) && self.records.len() >= self.capacity {
            self.evict(now);
        }
        let policy = self.policy;
        let r = self.records.entry(key.clone()).or_insert(Record {
            failures: 0,
            last_failure: now,
            closed_until: now,
        });
        if now.duration_since(r.last_failure) > policy.forget_after {
            r.failures = 0;
        }
        r.failures = r.failures.saturating_add(1);
        r.last_failure = now;
        r.closed_until = now + policy.delay(r.failures);
    }

    /// Records a correct password for `key`.
    pub fn succeeded(&mut self, key: &K) {
        self.records.remove(key);
    }

    /// Keys remembered.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Drops forgotten keys; if none is, the half that failed longest ago.
    fn evict(&mut self, now: Instant) {
        let forget = self.policy.forget_after;
        self.records
            .retain(|_, r| now.duration_since(r.last_failure) <= forget);
        if self.records.len() >= self.capacity {
            let mut ages: Vec<Instant> = self.records.values().map(|r| r.last_failure).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            self.records.retain(|_, r| r.last_failure > cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_after_the_free_tries_up_to_the_maximum() {
        let p = Policy::CLIENT;
        // Hand table: failures 1–5 free; 6 → 1 s, 7 → 2 s, 8 → 4 s, 13 → 128 s,
        // 14 → 256 s, 15 → 512 s capped at 300 s.
        let expect = [
            (1, 0),
            (5, 0),
            (6, 1),
            (7, 2),
            (8, 4),
            (13, 128),
            (14, 256),
            (15, 300),
            (1000, 300),
        ];
        for (failures, secs) in expect {
            assert_eq!(p.delay(failures), Duration::from_secs(secs), "{failures}");
        }
    }

    #[test]
    fn a_key_closes_opens_with_time_and_is_forgiven_by_success() {
        let t0 = Instant::now();
        let mut t = Throttle::new(Policy::CLIENT, 100);
        for _ in 0..5 {
            t.failed(&"a", t0);
            assert_eq!(t.wait(&"a", t0), None);
        }
        t.failed(&"a", t0);
        assert_eq!(t.wait(&"a", t0), Some(Duration::from_secs(1)));
        assert_eq!(t.wait(&"b", t0), None, "other keys are not affected");
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(t.wait(&"a", t1), None);
        t.failed(&"a", t1);
        assert_eq!(t.wait(&"a", t1), Some(Duration::from_secs(2)));
        t.succeeded(&"a");
        assert_eq!(t.wait(&"a", t1), None);
        // After an hour without failures the count starts again.
        let mut t = Throttle::new(Policy::CLIENT, 100);
        for _ in 0..8 {
            t.failed(&"a", t0);
        }
        let later = t0 + Duration::from_secs(3601);
        t.failed(&"a", later);
        assert_eq!(t.wait(&"a", later), None);
    }

    #[test]
    fn the_map_stays_bounded() {
        let t0 = Instant::now();
        let mut t = Throttle::new(Policy::USER, 64);
        for i in 0..10_000u32 {
            t.failed(&i, t0 + Duration::from_millis(u64::from(i)));
            assert!(t.len() <= 64);
        }
        // The newest keys are kept.
        assert!(t.records.contains_key(&9_999));
        assert!(!t.records.contains_key(&0));
    }
}
