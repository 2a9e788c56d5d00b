//! Where die faces come from.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A source of die faces. The engine asks for one face at a time, in a fixed order
/// (left to right, then rerolls and explosions in die order), so the same source state
/// and the same expression always give the same roll.
///
/// The host normally wraps a seeded RNG ([`RngFaces`]); tests and replays can script
/// faces directly.
pub trait FaceSource {
    /// A face between 1 and `sides` inclusive (`sides >= 1`). Returning anything else is
    /// a bug in the source; the engine clamps it into range.
    fn face(&mut self, sides: u32) -> u32;
}

/// Adapts any [`RngCore`] into a [`FaceSource`] with an unbiased, version-stable mapping
/// (Lemire's multiply-and-reject on 32-bit words), so a recorded seed replays the same
/// faces even if `rand`'s own range sampling changes between releases.
#[derive(Debug)]
pub struct RngFaces<'r, R: RngCore + ?Sized>(pub &'r mut R);

impl<R: RngCore + ?Sized> FaceSource for RngFaces<'_, R> {
    fn face(&mut self, sides: u32) -> u32 {
        let s = u64::from(sides.max(1));
        let mut m = u64::from(self.0.next_u32()) * s;
        if (m as u32 as u64) < s {
            // Reject the few low words that would bias small faces.
            let threshold = (u32::MAX as u64 + 1 - s) % s;
            while (m as u32 as u64) < threshold {
                m = u64::from(self.0.next_u32()) * s;
            }
        }
        (m >> 32) as u32 + 1
    }
}

/// The RNG behind [`crate::roll_seeded`]: ChaCha8 seeded with
/// [`SeedableRng::seed_from_u64`]. Hosts that store a seed per roll can rebuild the
/// exact same stream with this function.
pub fn seeded_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}
