//! Retrieval quality: recall@1, recall@5, recall@10 and MRR@10 of rules search over a set of
//! questions whose answering pages are known (`tests/eval/srd51.json`), over the whole set
//! and per kind of question (`natural`, `keyword`, `paraphrase`, `table`, …).
//!
//! A hit answers a question when its page range overlaps the question's pages.

use serde::{Deserialize, Serialize};

use super::Library;
use super::search::RulesQuery;

/// A question set.
#[derive(Debug, Clone, Deserialize)]
pub struct QuestionSet {
    /// The questions.
    pub questions: Vec<Question>,
}

/// One question and the pages that answer it.
#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    /// Its id (`q01`).
    pub id: String,
    /// `natural`, `keyword`, `paraphrase` or `table`.
    #[serde(default)]
    pub kind: String,
    /// The question.
    pub question: String,
    /// Pages that answer it.
    pub pages: Vec<i64>,
}

/// How one question fared.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionResult {
    /// Its id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// The question.
    pub question: String,
    /// The pages that answer it.
    pub expected: Vec<i64>,
    /// 1-based rank of the first answering hit within the top 10, if any.
    pub rank: Option<usize>,
    /// The top hits' page ranges, for reading the misses.
    pub top: Vec<(i64, i64)>,
    /// How long the search took, in milliseconds.
    pub latency_ms: f64,
}

/// The figures of some questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Questions asked.
    pub questions: usize,
    /// Share answered by the first hit.
    pub recall_at_1: f64,
    /// Share answered within the first five hits.
    pub recall_at_5: f64,
    /// Share answered within the first ten hits.
    pub recall_at_10: f64,
    /// Mean reciprocal rank of the first answering hit within ten (0 when none).
    pub mrr_at_10: f64,
}

impl Figures {
    /// The figures of `results`.
    pub fn of<'a>(results: impl IntoIterator<Item = &'a QuestionResult>) -> Figures {
        let ranks: Vec<Option<usize>> = results.into_iter().map(|r| r.rank).collect();
        let n = ranks.len().max(1) as f64;
        let within = |k: usize| ranks.iter().filter(|r| r.is_some_and(|rank| rank <= k)).count() as f64 / n;
        Figures {
            questions: ranks.len(),
            recall_at_1: within(1),
            recall_at_5: within(5),
            recall_at_10: within(10),
            mrr_at_10: ranks.iter().map(|r| r.map_or(0.0, |rank| 1.0 / rank as f64)).sum::<f64>() / n,
        }
    }
}

/// The figures over a whole set.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Questions asked.
    pub questions: usize,
    /// Share answered by the first hit.
    pub recall_at_1: f64,
    /// Share answered within the first five hits.
    pub recall_at_5: f64,
    /// Share answered within the first ten hits.
    pub recall_at_10: f64,
    /// Mean reciprocal rank of the first answering hit within ten (0 when none).
    pub mrr_at_10: f64,
    /// The same figures per kind of question, by kind (`""` for questions without one).
    pub by_kind: std::collections::BTreeMap<String, Figures>,
    /// Median search latency, query embedding included (milliseconds, uncached).
    pub latency_ms_p50: f64,
    /// 99th-percentile search latency (milliseconds, uncached).
    pub latency_ms_p99: f64,
    /// Per question.
    pub results: Vec<QuestionResult>,
}

/// The figures of a set of per-question results.
pub fn score(results: Vec<QuestionResult>) -> EvalReport {
    let all = Figures::of(&results);
    let mut kinds: std::collections::BTreeMap<String, Vec<&QuestionResult>> = Default::default();
    for result in &results {
        kinds.entry(result.kind.clone()).or_default().push(result);
    }
    let by_kind = kinds.into_iter().map(|(kind, results)| (kind, Figures::of(results))).collect();
    let mut latencies: Vec<f64> = results.iter().map(|r| r.latency_ms).collect();
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| match latencies.len() {
        0 => 0.0,
        n => latencies[((n - 1) as f64 * p).round() as usize],
    };
    EvalReport {
        questions: all.questions,
        recall_at_1: all.recall_at_1,
        recall_at_5: all.recall_at_5,
        recall_at_10: all.recall_at_10,
        mrr_at_10: all.mrr_at_10,
        by_kind,
        latency_ms_p50: percentile(0.5),
        latency_ms_p99: percentile(0.99),
        results,
    }
}

impl Library {
    /// Asks every question (top 10, optionally within one book) and scores the answers.
    pub async fn evaluate(&self, set: &QuestionSet, book: Option<&str>) -> anyhow::Result<EvalReport> {
        let mut results = Vec::with_capacity(set.questions.len());
        for question in &set.questions {
            let query = RulesQuery {
                query: question.question.clone(),
                book: book.map(str::to_owned),
                limit: Some(10),
                ..RulesQuery::default()
            };
            let started = std::time::Instant::now();
            let hits = self.search_rules(&query, &super::search::Reader::everything()).await?;
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            let rank = hits
                .iter()
                .position(|h| question.pages.iter().any(|p| (h.page_start..=h.page_end).contains(p)))
                .map(|i| i + 1);
            results.push(QuestionResult {
                id: question.id.clone(),
                kind: question.kind.clone(),
                question: question.question.clone(),
                expected: question.pages.clone(),
                rank,
                top: hits.iter().take(5).map(|h| (h.page_start, h.page_end)).collect(),
                latency_ms,
            });
        }
        Ok(score(results))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rank: Option<usize>) -> QuestionResult {
        of_kind("", rank)
    }

    fn of_kind(kind: &str, rank: Option<usize>) -> QuestionResult {
        QuestionResult {
            id: String::new(),
            kind: kind.into(),
            question: String::new(),
            expected: vec![1],
            rank,
            top: Vec::new(),
            latency_ms: 1.0,
        }
    }

    #[test]
    fn recall_and_mrr() {
        let report = score(vec![result(Some(1)), result(Some(3)), result(Some(7)), result(None)]);
        assert_eq!(report.recall_at_1, 0.25);
        assert_eq!(report.recall_at_5, 0.5);
        assert_eq!(report.recall_at_10, 0.75);
        let expected = (1.0 + 1.0 / 3.0 + 1.0 / 7.0) / 4.0;
        assert!((report.mrr_at_10 - expected).abs() < 1e-12);
    }

    #[test]
    fn figures_per_kind() {
        let report = score(vec![
            of_kind("keyword", Some(1)),
            of_kind("keyword", Some(2)),
            of_kind("paraphrase", None),
            of_kind("paraphrase", Some(6)),
        ]);
        let keyword = &report.by_kind["keyword"];
        assert_eq!((keyword.questions, keyword.recall_at_1, keyword.recall_at_5), (2, 0.5, 1.0));
        let paraphrase = &report.by_kind["paraphrase"];
        assert_eq!((paraphrase.recall_at_5, paraphrase.recall_at_10), (0.0, 0.5));
        assert!((paraphrase.mrr_at_10 - 1.0 / 12.0).abs() < 1e-12);
        assert_eq!(report.recall_at_5, 0.5);
    }
}
