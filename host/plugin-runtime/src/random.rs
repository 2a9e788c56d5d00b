//! The randomness of one call. Everything a plugin can draw — `host.random-u64`,
//! `host.roll-faces`, and WASI's `random`, `insecure` and `insecure-seed` — comes from the
//! one seed the caller of the call gives ([`crate::LoadedPlugin`] never picks one), so the
//! same seed replays the same call.
//!
//! The host imports draw from [`ttrpg_dice::seeded_rng`]`(seed)` with the dice engine's
//! version-stable face mapping ([`ttrpg_dice::RngFaces`]): `roll-faces(6, 3)` with seed S
//! gives the faces the core engine's `3d6` gives with seed S, whatever `rand` release the
//! host is built with. WASI's generators get ChaCha streams of their own from the same
//! seed, so a guest's hash maps or `getrandom` never shift its dice.

use std::convert::Infallible;

use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use ttrpg_dice::FaceSource;
use wasmtime_wasi::WasiCtxBuilder;

/// The ChaCha stream of the host imports: the dice engine's own (stream 0).
const HOST_STREAM: u64 = 0;
/// The stream behind WASI `random` (`getrandom`).
const WASI_SECURE_STREAM: u64 = 1;
/// The stream behind WASI `insecure`.
const WASI_INSECURE_STREAM: u64 = 2;
/// The stream `insecure-seed` (a Rust guest's hash-map keys) is drawn from.
const WASI_SEED_STREAM: u64 = 3;

/// The host imports' random source for one call.
pub(crate) struct CallRandomness {
    host: ChaCha8Rng,
}

impl CallRandomness {
    /// The source of a call seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        CallRandomness { host: stream(seed, HOST_STREAM) }
    }

    /// The next 64 random bits (`host.random-u64`).
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.host.next_u64()
    }

    /// `count` faces uniform in `1..=sides` (`host.roll-faces`), mapped as the dice engine
    /// maps them.
    pub(crate) fn faces(&mut self, sides: u32, count: u32) -> Vec<u32> {
        let mut faces = ttrpg_dice::RngFaces(&mut self.host);
        (0..count).map(|_| faces.face(sides)).collect()
    }
}

/// Seeds WASI's generators of a call's sandbox from `seed`.
pub(crate) fn seed_wasi(builder: &mut WasiCtxBuilder, seed: u64) {
    let mut for_seed = stream(seed, WASI_SEED_STREAM);
    let insecure_seed = (u128::from(for_seed.next_u64()) << 64) | u128::from(for_seed.next_u64());
    builder
        .secure_random(WasiStream(stream(seed, WASI_SECURE_STREAM)))
        .insecure_random(WasiStream(stream(seed, WASI_INSECURE_STREAM)))
        .insecure_random_seed(insecure_seed);
}

fn stream(seed: u64, number: u64) -> ChaCha8Rng {
    let mut rng = ttrpg_dice::seeded_rng(seed);
    rng.set_stream(number);
    rng
}

/// A ChaCha stream as the `rand_core` release wasmtime-wasi takes its generators in.
struct WasiStream(ChaCha8Rng);

impl rand_core_wasi::TryRng for WasiStream {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.0.next_u32())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.0.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill_bytes(dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_faces_are_the_dice_engines_faces() {
        let limits = ttrpg_dice::DiceLimits::default();
        let roll = ttrpg_dice::roll_seeded("5d6", 99, &limits).unwrap();
        let engine: Vec<u32> = roll.dice[0].dice.iter().map(|d| d.value as u32).collect();
        assert_eq!(CallRandomness::new(99).faces(6, 5), engine);
    }

    #[test]
    fn the_same_seed_gives_the_same_draws_and_wasi_streams_differ() {
        let (mut a, mut b) = (CallRandomness::new(7), CallRandomness::new(7));
        assert_eq!(a.next_u64(), b.next_u64());
        assert_eq!(a.faces(20, 10), b.faces(20, 10));
        let mut host = stream(7, HOST_STREAM);
        let mut wasi = stream(7, WASI_SECURE_STREAM);
        assert_ne!(host.next_u64(), wasi.next_u64());
    }
}
