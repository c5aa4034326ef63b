//! The trace hasher: 64-bit FNV-1a over the bytes of a run's trace entries (how they are
//! written is in [`crate::trace`]), and how a hash is printed and saved. Also hashes the text
//! of a scenario, so a seed file can tell which scenario it was found under.

use std::hash::Hasher;

/// FNV-1a, 64-bit: tiny, fast enough and stable across Rust releases (unlike `DefaultHasher`).
#[derive(Clone, Copy, Debug)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// A trace hash as it is printed and saved: 16 hex digits.
pub fn format_hash(hash: u64) -> String {
    format!("{hash:016x}")
}
