//! Stable term → sparse index mapping: MurmurHash3 (x86, 32-bit, seed 0) of the UTF-8 term,
//! absolute value of the signed result — the same mapping as fastembed's BM25
//! (`abs(mmh3.hash(token))`). A fixed public algorithm: identical on every machine and version.

/// Sparse dimension index of a (normalised, stemmed) term.
pub fn term_index(term: &str) -> u32 {
    (murmur3_x86_32(term.as_bytes(), 0) as i32).unsigned_abs()
}

/// MurmurHash3 x86 32-bit.
fn murmur3_x86_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut hash = seed;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        hash ^= k;
        hash = hash.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &byte) in tail.iter().enumerate() {
            k |= u32::from(byte) << (8 * i);
        }
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        hash ^= k;
    }
    hash ^= data.len() as u32;
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^ (hash >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur3_matches_reference_vectors() {
        assert_eq!(murmur3_x86_32(b"", 0), 0);
        assert_eq!(murmur3_x86_32(b"hello", 0), 613_153_351);
        assert_eq!(murmur3_x86_32(b"The quick brown fox jumps over the lazy dog", 0), 0x2e4f_f723);
    }

    #[test]
    fn term_index_is_abs_of_signed_hash() {
        // mmh3.hash("foo") == -156908512 in Python.
        assert_eq!(term_index("foo"), 156_908_512);
        assert_eq!(term_index("hello"), 613_153_351);
    }
}
