//! Behavioural suite run against every backend through `&dyn VectorIndex`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ttrpg_vectors::{Condition, Filter, Hit, HybridQuery, IndexError, VectorIndex};

use super::corpus::{self, BOOKS, SENTENCES};

/// Number of points loaded by [`load`].
pub const N: usize = 200;

/// Creates `name` and loads the 200-point corpus into it.
pub async fn load(index: &dyn VectorIndex, name: &str) {
    index.ensure_collection(&corpus::spec(name)).await.expect("ensure_collection");
    index.upsert(name, corpus::points(N)).await.expect("upsert");
    index.flush().await.expect("flush");
}

fn book_is(book: &str) -> Condition {
    Condition::Keyword { key: "book".into(), any_of: vec![book.into()] }
}

fn seq_of(hit: &Hit) -> usize {
    hit.payload["seq"].as_i64().expect("seq payload") as usize
}

/// Exact sentences come first via both the fused query and a sparse-only keyword query.
pub async fn exact_sentence_ranks_first(index: &dyn VectorIndex, name: &str) {
    for (i, sentence) in SENTENCES.iter().enumerate() {
        let hits = index.search(name, &corpus::query(sentence, Filter::all())).await.expect("search");
        assert_eq!(
            hits.first().map(|h| h.id),
            Some(corpus::id(i)),
            "hybrid query for sentence {i}: {sentence}"
        );
        assert_eq!(hits[0].payload["text"], *sentence, "payload comes back with the hit");
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "best first");
    }
    let cases = [
        ("grappled speed", 0),
        ("8d6 fireball", 1),
        ("1d8 longsword versatile", 3),
        ("AC armor dexterity", 4),
        ("spell save DC proficiency", 5),
        ("falling 20d6", 17),
        ("exhaustion levels", 24),
    ];
    for (keywords, expected) in cases {
        let hits = index.search(name, &corpus::keyword_query(keywords)).await.expect("keyword search");
        assert_eq!(
            seq_of(&hits[0]),
            expected,
            "sparse-only query `{keywords}` -> {:?}",
            hits[0].payload["text"]
        );
    }
}

/// Keyword and integer filters exclude everything else, in both arms.
pub async fn filters_exclude_others(index: &dyn VectorIndex, name: &str) {
    // Sentence 1 is in DMG (1 % 4): filtering on PHB must exclude it even for its exact text.
    let text = SENTENCES[1];
    let hits = index.search(name, &corpus::query(text, Filter::must([book_is("PHB")]))).await.unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.payload["book"] == "PHB"), "keyword filter");
    assert!(hits.iter().all(|h| h.id != corpus::id(1)));

    let pages = Filter::must([Condition::IntegerRange { key: "page".into(), gte: Some(10), lte: Some(12) }]);
    let hits = index.search(name, &HybridQuery { limit: 50, ..corpus::query(text, pages) }).await.unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| (10..=12).contains(&h.payload["page"].as_i64().unwrap())), "range filter");

    let exact = Filter::must([book_is("DMG"), Condition::Integer { key: "page".into(), value: 2 }]);
    let hits = index.search(name, &HybridQuery { limit: 50, ..corpus::query(text, exact) }).await.unwrap();
    assert!(hits.iter().all(|h| h.payload["book"] == "DMG" && h.payload["page"] == 2));
    assert_eq!(hits.first().map(|h| h.id), Some(corpus::id(1)), "sentence 1 is DMG page 2");

    let not_dmg = Filter { must: vec![], must_not: vec![book_is("DMG")] };
    let hits = index.search(name, &corpus::query(text, not_dmg)).await.unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| h.payload["book"] != "DMG"), "must_not");

    let two_books =
        Filter::must([Condition::Keyword { key: "book".into(), any_of: vec!["MM".into(), "XGE".into()] }]);
    let count = index.count(name, &two_books).await.unwrap();
    assert_eq!(count, (0..N).filter(|i| ["MM", "XGE"].contains(&corpus::book(*i))).count() as u64);

    let ids = Filter::must([Condition::IdIn { ids: vec![corpus::id(3), corpus::id(7)] }]);
    assert_eq!(index.count(name, &ids).await.unwrap(), 2);
}

/// Counting with and without filters.
pub async fn counts(index: &dyn VectorIndex, name: &str) {
    assert_eq!(index.count(name, &Filter::all()).await.unwrap(), N as u64);
    for book in BOOKS {
        let expected = (0..N).filter(|i| corpus::book(*i) == book).count() as u64;
        assert_eq!(index.count(name, &Filter::must([book_is(book)])).await.unwrap(), expected, "{book}");
    }
    let page_7 = Filter::must([Condition::Integer { key: "page".into(), value: 7 }]);
    assert_eq!(
        index.count(name, &page_7).await.unwrap(),
        (0..N).filter(|i| corpus::page(*i) == 7).count() as u64
    );
}

/// Re-upserting the same ids overwrites instead of duplicating.
pub async fn reupsert_does_not_duplicate(index: &dyn VectorIndex, name: &str) {
    index.upsert(name, corpus::points(N)).await.unwrap();
    index.upsert(name, corpus::points(N / 2)).await.unwrap();
    index.flush().await.unwrap();
    assert_eq!(index.count(name, &Filter::all()).await.unwrap(), N as u64);
}

/// Delete by filter removes exactly the matching points; an empty filter is refused.
pub async fn delete_by_filter(index: &dyn VectorIndex, name: &str) {
    let mm = Filter::must([book_is("MM")]);
    let mm_count = index.count(name, &mm).await.unwrap();
    assert!(mm_count > 0);
    index.delete(name, &mm).await.unwrap();
    assert_eq!(index.count(name, &mm).await.unwrap(), 0);
    assert_eq!(index.count(name, &Filter::all()).await.unwrap(), N as u64 - mm_count);
    // Sentence 2 was in MM: its exact text no longer finds it.
    let hits = index.search(name, &corpus::query(SENTENCES[2], Filter::all())).await.unwrap();
    assert!(hits.iter().all(|h| h.payload["book"] != "MM"));

    let refused = index.delete(name, &Filter::all()).await;
    assert!(matches!(refused, Err(IndexError::InvalidInput { .. })), "{refused:?}");
    assert_eq!(index.count(name, &Filter::all()).await.unwrap(), N as u64 - mm_count);
}

/// Per-arm ranks (explain) agree with the engine's native fusion.
pub async fn explain_matches_native_fusion(index: &dyn VectorIndex, name: &str) {
    for sentence in [SENTENCES[5], SENTENCES[11], "tavern quest dungeon"] {
        let native = index.search(name, &corpus::query(sentence, Filter::all())).await.unwrap();
        let explained = index
            .search(name, &HybridQuery { explain: true, ..corpus::query(sentence, Filter::all()) })
            .await
            .unwrap();
        assert_eq!(native.len(), explained.len());
        let scores = |hits: &[Hit]| {
            hits.iter().map(|h| (h.id, (h.score * 1e5).round() as i64)).collect::<HashMap<_, _>>()
        };
        // Compare as (id -> score): ties may come back in any order from the engine.
        let (native_scores, explained_scores) = (scores(&native), scores(&explained));
        let last_score = explained.last().unwrap().score;
        for hit in &explained {
            if hit.score > last_score + 1e-6 {
                assert_eq!(
                    native_scores.get(&hit.id),
                    explained_scores.get(&hit.id),
                    "{sentence}: id {}",
                    hit.id
                );
            }
            assert!(hit.dense_rank.is_some() || hit.sparse_rank.is_some());
            assert!(!hit.payload.is_empty(), "explain returns payloads");
        }
        assert!(native.iter().all(|h| h.dense_rank.is_none() && h.sparse_rank.is_none()));
    }
    let top = &index
        .search(name, &HybridQuery { explain: true, ..corpus::query(SENTENCES[5], Filter::all()) })
        .await
        .unwrap()[0];
    assert_eq!((top.dense_rank, top.sparse_rank), (Some(0), Some(0)), "exact sentence tops both arms");
}

/// Many searches at once from several tasks.
pub async fn concurrent_searches(index: Arc<dyn VectorIndex>, name: &str) {
    let mut tasks = Vec::new();
    for task in 0..8usize {
        let index = index.clone();
        let name = name.to_owned();
        tasks.push(tokio::spawn(async move {
            for round in 0..10 {
                let i = (task * 10 + round) % SENTENCES.len();
                let hits = index.search(&name, &corpus::query(SENTENCES[i], Filter::all())).await.unwrap();
                assert_eq!(hits[0].id, corpus::id(i));
            }
        }));
    }
    for task in tasks {
        task.await.expect("search task");
    }
}

/// Wrong shapes and unknown collections give clear errors naming the collection.
pub async fn clear_errors(index: &dyn VectorIndex, name: &str) {
    let mut bad = corpus::points(1);
    bad[0].dense.truncate(10);
    let error = index.upsert(name, bad).await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains(name) && message.contains("10 dimensions"), "{message}");

    let error = index.count("no_such_collection", &Filter::all()).await.unwrap_err();
    assert!(matches!(error, IndexError::CollectionNotFound { .. }), "{error}");
    assert!(error.to_string().contains("no_such_collection"));

    let mut spec = corpus::spec(name);
    spec.dense_dim = 768;
    let error = index.ensure_collection(&spec).await.unwrap_err();
    assert!(matches!(error, IndexError::SchemaMismatch { .. }), "{error}");

    let error = index.ensure_collection(&corpus::spec("../escape")).await.unwrap_err();
    assert!(matches!(error, IndexError::InvalidInput { .. }), "{error}");

    // Same spec again is fine (idempotent), and a new index field is added.
    let mut spec = corpus::spec(name);
    spec.keyword_fields.push("text".into());
    index.ensure_collection(&spec).await.unwrap();
    let by_text =
        Filter::must([Condition::Keyword { key: "text".into(), any_of: vec![SENTENCES[9].into()] }]);
    assert_eq!(index.count(name, &by_text).await.unwrap(), 1);

    let empty =
        HybridQuery { dense: vec![], sparse: corpus::no_sparse(), ..corpus::query("x", Filter::all()) };
    assert!(index.search(name, &empty).await.unwrap().is_empty());
    assert!(index.describe().len() > 10);
    let _distinct: HashSet<u64> = (0..N).map(corpus::id).collect();
}

/// The whole suite on one fresh collection per step (names get `prefix`).
pub async fn run_all(index: Arc<dyn VectorIndex>, prefix: &str) {
    let name = format!("{prefix}_main");
    load(index.as_ref(), &name).await;
    exact_sentence_ranks_first(index.as_ref(), &name).await;
    filters_exclude_others(index.as_ref(), &name).await;
    counts(index.as_ref(), &name).await;
    explain_matches_native_fusion(index.as_ref(), &name).await;
    concurrent_searches(index.clone(), &name).await;
    reupsert_does_not_duplicate(index.as_ref(), &name).await;
    clear_errors(index.as_ref(), &name).await;
    delete_by_filter(index.as_ref(), &name).await;
    assert!(index.drop_collection(&name).await.unwrap());
    assert!(!index.drop_collection(&name).await.unwrap());
    let gone = index.count(&name, &Filter::all()).await.unwrap_err();
    assert!(matches!(gone, IndexError::CollectionNotFound { .. }), "{gone}");
}
