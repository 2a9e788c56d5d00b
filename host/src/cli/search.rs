//! `ttrpg search`: ask the rulebooks a question from the terminal.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use crate::app::App;
use crate::config::Config;
use crate::library::search::{Reader, RulesQuery};

/// Arguments of `ttrpg search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The question or keywords.
    pub query: String,
    /// How many hits (1–50).
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// Only this book.
    #[arg(long)]
    pub book: Option<String>,
    /// Only this kind of chunk (rules, monsters, spells, …).
    #[arg(long)]
    pub content_type: Option<String>,
    /// The shared library plus this campaign's own books.
    #[arg(long, value_name = "ID")]
    pub campaign: Option<String>,
    /// Print a JSON list of hits (book, page_start, page_end, section, text, score).
    #[arg(long)]
    pub json: bool,
}

/// One hit as `--json` prints it.
#[derive(Debug, Serialize)]
struct JsonHit<'a> {
    book: &'a str,
    page_start: i64,
    page_end: i64,
    section: &'a str,
    text: &'a str,
    score: f32,
    content_type: &'a str,
    citation: &'a str,
}

/// Runs the search.
pub async fn run(config: Config, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    let library = app.library().await?;
    if library.index_discarded {
        eprintln!(
            "the vector index did not match the database (a restore was interrupted); indexing again first"
        );
        library.reindex(&crate::library::ingest::NoProgress).await?;
    }
    let query = RulesQuery {
        query: args.query,
        campaign_id: args.campaign,
        book: args.book,
        content_type: args.content_type,
        system: None,
        limit: Some(args.limit),
    };
    let hits = library.search_rules(&query, &Reader::everything()).await?;
    if args.json {
        let hits: Vec<JsonHit> = hits
            .iter()
            .map(|h| JsonHit {
                book: &h.book,
                page_start: h.page_start,
                page_end: h.page_end,
                section: &h.section,
                text: &h.text,
                score: h.score,
                content_type: &h.content_type,
                citation: &h.citation,
            })
            .collect();
        super::print_json(&hits)?;
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        println!("No passage found. Is a book ingested? (`ttrpg ingest FILE --book TITLE`)");
    }
    for (rank, hit) in hits.iter().enumerate() {
        println!("{}. {}  (score {:.4})", rank + 1, hit.citation, hit.score);
        for line in hit.text.lines() {
            println!("   {line}");
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}
