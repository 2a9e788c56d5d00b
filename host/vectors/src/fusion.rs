//! Reciprocal Rank Fusion, with the same formula and constant as Qdrant's `fusion: rrf`.
//!
//! Both engines fuse natively; this module is used when the caller asks for per-arm ranks
//! ([`crate::HybridQuery::explain`]) and is public so the host can fuse other rankings the same way.

use std::collections::HashMap;

/// Qdrant's default RRF constant: a hit at 0-based rank `r` contributes `1 / (r + RRF_K)`.
pub const RRF_K: usize = 2;

/// One fused id with its score and its rank in each input ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct FusedRank {
    /// The ranked item.
    pub id: u64,
    /// Sum over rankings of `1 / (rank + RRF_K)`.
    pub score: f32,
    /// 0-based rank in each input ranking, `None` where absent (same order as the input).
    pub ranks: Vec<Option<usize>>,
}

/// Fuses several rankings (best first, ids unique within each) and keeps the best `limit`.
///
/// Ties are broken by the best single rank, then by id, so the output is deterministic.
pub fn reciprocal_rank_fusion(rankings: &[Vec<u64>], limit: usize) -> Vec<FusedRank> {
    let mut fused: HashMap<u64, FusedRank> = HashMap::new();
    for (arm, ranking) in rankings.iter().enumerate() {
        for (rank, &id) in ranking.iter().enumerate() {
            let entry = fused.entry(id).or_insert_with(|| FusedRank {
                id,
                score: 0.0,
                ranks: vec![None; rankings.len()],
            });
            if entry.ranks[arm].is_none() {
                entry.ranks[arm] = Some(rank);
                entry.score += 1.0 / (rank + RRF_K) as f32;
            }
        }
    }
    let mut fused: Vec<FusedRank> = fused.into_values().collect();
    fused.sort_by(|a, b| {
        let best = |f: &FusedRank| f.ranks.iter().flatten().min().copied().unwrap_or(usize::MAX);
        b.score.total_cmp(&a.score).then(best(a).cmp(&best(b))).then(a.id.cmp(&b.id))
    });
    fused.truncate(limit);
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_in_both_rankings_wins() {
        let fused = reciprocal_rank_fusion(&[vec![1, 2, 3], vec![3, 4]], 10);
        assert_eq!(fused[0].id, 3);
        assert!((fused[0].score - (1.0 / 4.0 + 1.0 / 2.0)).abs() < 1e-6);
        assert_eq!(fused[0].ranks, vec![Some(2), Some(0)]);
        // 1 (rank 0 in arm 0) and 4 (rank 1 in arm 1): 1/2 > 1/3.
        assert_eq!(fused[1].id, 1);
        assert_eq!(fused.len(), 4);
    }

    #[test]
    fn ties_are_broken_deterministically_and_limit_applies() {
        let fused = reciprocal_rank_fusion(&[vec![7], vec![5]], 1);
        assert_eq!(fused.len(), 1);
        assert_eq!(fused[0].id, 5, "equal score and rank: lower id first");
    }

    #[test]
    fn empty_rankings_give_nothing() {
        assert!(reciprocal_rank_fusion(&[vec![], vec![]], 5).is_empty());
        assert!(reciprocal_rank_fusion(&[], 5).is_empty());
    }
}
