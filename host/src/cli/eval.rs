//! `ttrpg eval`: measure rules search against a question set with known answer pages.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::app::App;
use crate::config::Config;
use crate::library::eval::QuestionSet;

/// Arguments of `ttrpg eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The question set (JSON: {"questions": [{"id", "kind", "question", "pages"}]}), e.g.
    /// tests/eval/srd51.json.
    pub questions: PathBuf,
    /// Only search this book.
    #[arg(long)]
    pub book: Option<String>,
    /// Print the whole report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the evaluation and prints recall@1, recall@5 and MRR@10.
pub async fn run(config: Config, args: EvalArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.questions)
        .with_context(|| format!("reading {}", args.questions.display()))?;
    let set: QuestionSet = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a question set", args.questions.display()))?;
    let app = App::open(config).await?;
    let library = app.library().await?;
    let report = library.evaluate(&set, args.book.as_deref()).await?;
    if args.json {
        super::print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    for result in report.results.iter().filter(|r| r.rank.is_none_or(|rank| rank > 5)) {
        println!(
            "miss@5 {} [{}] {:?}: expected pages {:?}, rank {}, top pages {:?}",
            result.id,
            result.kind,
            result.question,
            result.expected,
            result.rank.map_or("none".to_string(), |r| r.to_string()),
            result.top
        );
    }
    println!(
        "{:<12} {:>9} {:>9} {:>9} {:>10} {:>7}",
        "kind", "questions", "recall@1", "recall@5", "recall@10", "MRR@10"
    );
    for (kind, f) in &report.by_kind {
        let kind = if kind.is_empty() { "(none)" } else { kind.as_str() };
        println!(
            "{kind:<12} {:>9} {:>9.3} {:>9.3} {:>10.3} {:>7.3}",
            f.questions, f.recall_at_1, f.recall_at_5, f.recall_at_10, f.mrr_at_10
        );
    }
    println!(
        "{} questions: recall@1 {:.3}, recall@5 {:.3}, recall@10 {:.3}, MRR@10 {:.3}; search latency p50 {:.1} ms, p99 {:.1} ms",
        report.questions,
        report.recall_at_1,
        report.recall_at_5,
        report.recall_at_10,
        report.mrr_at_10,
        report.latency_ms_p50,
        report.latency_ms_p99
    );
    Ok(ExitCode::SUCCESS)
}
