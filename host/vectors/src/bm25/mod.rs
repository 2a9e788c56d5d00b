//! BM25 sparse vectors for hybrid search.
//!
//! Documents get the BM25 term-frequency part, `tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg_len))`;
//! queries get weight 1.0 per distinct term. The IDF part is left to the engine: collections
//! are created with Qdrant's `Idf` modifier on the sparse vector, so the engine multiplies
//! each query term by the IDF computed from its own, always current, document frequencies.
//! Score = Σ over query terms of IDF(term) × document weight(term) — exactly BM25.

mod stop_words;
mod term_hash;
mod tokenizer;

use std::collections::BTreeMap;

pub use term_hash::term_index;
pub use tokenizer::tokenize;

use crate::types::SparseVector;

/// BM25 parameters and encoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25 {
    /// Term-frequency saturation (1.2 by default).
    pub k1: f32,
    /// Document-length normalisation, 0 = none, 1 = full (0.75 by default).
    pub b: f32,
    /// Average document length in terms (after [`tokenize`]) over the corpus.
    pub avg_doc_len: f32,
}

impl Bm25 {
    /// BM25 with the usual `k1 = 1.2`, `b = 0.75` and the corpus' average document length.
    pub fn new(avg_doc_len: f32) -> Self {
        Self { k1: 1.2, b: 0.75, avg_doc_len }
    }

    /// Average number of terms per document, for [`Bm25::new`]. 1.0 for an empty corpus.
    pub fn average_document_length<'a>(documents: impl IntoIterator<Item = &'a str>) -> f32 {
        let (docs, terms) = documents
            .into_iter()
            .fold((0usize, 0usize), |(docs, terms), doc| (docs + 1, terms + tokenize(doc).len()));
        if docs == 0 || terms == 0 { 1.0 } else { terms as f32 / docs as f32 }
    }

    /// Sparse vector of a document: saturated, length-normalised term frequencies.
    pub fn encode_document(&self, text: &str) -> SparseVector {
        let terms = tokenize(text);
        let doc_len = terms.len() as f32;
        let avg_doc_len = if self.avg_doc_len > 0.0 { self.avg_doc_len } else { 1.0 };
        let norm = self.k1 * (1.0 - self.b + self.b * doc_len / avg_doc_len);
        let frequencies = count_by_index(&terms);
        let (indices, values) =
            frequencies.into_iter().map(|(index, tf)| (index, tf * (self.k1 + 1.0) / (tf + norm))).unzip();
        SparseVector { indices, values }
    }

    /// Sparse vector of a query: weight 1.0 for each distinct term.
    pub fn encode_query(&self, text: &str) -> SparseVector {
        let (indices, values) = count_by_index(&tokenize(text)).into_keys().map(|index| (index, 1.0)).unzip();
        SparseVector { indices, values }
    }
}

/// Term frequencies keyed by sparse index, sorted by index (hash collisions merge).
fn count_by_index(terms: &[String]) -> BTreeMap<u32, f32> {
    let mut frequencies = BTreeMap::new();
    for term in terms {
        *frequencies.entry(term_index(term)).or_insert(0.0) += 1.0;
    }
    frequencies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_has_one_unit_weight_per_distinct_term() {
        let query = Bm25::new(10.0).encode_query("fireball fireball 8d6");
        assert_eq!(tokenize("fireball"), ["firebal"], "Snowball stem");
        assert_eq!(query.indices.len(), 2);
        assert!(query.values.iter().all(|&v| v == 1.0));
        assert!(query.indices.contains(&term_index("firebal")) && query.indices.contains(&term_index("8d6")));
    }

    #[test]
    fn document_weights_saturate_and_normalise_by_length() {
        let bm25 = Bm25::new(4.0);
        let once = bm25.encode_document("goblin ambush cave torch");
        let weight_once = once.values[once.indices.iter().position(|&i| i == term_index("goblin")).unwrap()];
        // tf = 1, len = avg: (1 * 2.2) / (1 + 1.2) = 1.0
        assert!((weight_once - 1.0).abs() < 1e-6);

        let thrice = bm25.encode_document("goblin goblin goblin torch");
        let weight_thrice =
            thrice.values[thrice.indices.iter().position(|&i| i == term_index("goblin")).unwrap()];
        assert!(weight_thrice > weight_once && weight_thrice < 2.2, "saturates below k1 + 1");

        let long = bm25.encode_document("goblin ambush cave torch lantern rope pole chalk");
        let weight_long = long.values[long.indices.iter().position(|&i| i == term_index("goblin")).unwrap()];
        assert!(weight_long < weight_once, "longer documents weigh each term less");
    }

    #[test]
    fn empty_text_gives_empty_vectors_and_sorted_indices_otherwise() {
        let bm25 = Bm25::new(5.0);
        assert!(bm25.encode_document("").is_empty());
        assert!(bm25.encode_query("the and of").is_empty());
        let doc = bm25.encode_document("opportunity attack reaction speed movement");
        assert!(doc.indices.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn average_document_length_counts_terms_after_tokenizing() {
        assert_eq!(Bm25::average_document_length(["the goblin", "goblin ambush cave"]), 2.0);
        assert_eq!(Bm25::average_document_length([]), 1.0);
    }
}
