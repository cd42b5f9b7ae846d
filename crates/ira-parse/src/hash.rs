//! A fast, non-cryptographic hasher for the hot lookup tables of reading, profiling and
//! the rules (one implementation for every crate).
//!
//! A multiply-rotate hash, a word at a time (as rustc's FxHash): keys are small (a v2
//! path, a FHIR path, a code) and come from per-file tables, so SipHash's flood
//! resistance buys nothing and would dominate the per-item cost.

use std::hash::Hasher;

/// See the module documentation. Use with `std::hash::BuildHasherDefault`.
#[derive(Debug, Default)]
pub struct WordHash(u64);

impl WordHash {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHash {
    fn finish(&self) -> u64 {
        // The low bits of a product depend only on the low bits of its input; tables
        // pick buckets by low bits, so fold the well-mixed high half down.
        self.0 ^ (self.0 >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            self.add(u64::from_le_bytes(a));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut a = [0u8; 8];
            a[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(a));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}
