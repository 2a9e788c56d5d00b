//! `ttrpg ingest`: put a rulebook PDF into the library, with a progress bar.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::App;
use crate::config::Config;
use crate::library::ingest::{IngestRequest, Progress, Stage, SystemChunker};
use crate::storage::Visibility;

/// Arguments of `ttrpg ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The PDF to ingest.
    pub file: PathBuf,
    /// The book's title as citations show it, e.g. "SRD 5.1".
    #[arg(long)]
    pub book: String,
    /// The game system (e.g. dnd5e): its installed plugin's chunker recognizes stat blocks
    /// and spells; without a plugin the built-in chunker is used.
    #[arg(long)]
    pub system: Option<String>,
    /// Put the book in this campaign only (default: the shared library).
    #[arg(long, value_name = "ID")]
    pub campaign: Option<String>,
    /// An adventure or other GM material: players see none of it until the GM reveals a
    /// section (`book_reveal`). A rulebook (the default) is the players' too.
    #[arg(long)]
    pub adventure: bool,
    /// Print the report as JSON instead of a summary (no progress bar).
    #[arg(long)]
    pub json: bool,
}

/// A terminal progress bar, one stage after another.
struct Bar {
    bar: ProgressBar,
    stage: Mutex<Option<Stage>>,
}

impl Bar {
    fn new(hidden: bool) -> Self {
        let bar = if hidden { ProgressBar::hidden() } else { ProgressBar::new(0) };
        bar.set_style(
            ProgressStyle::with_template("{msg:>30} [{bar:40}] {pos}/{len} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar { bar, stage: Mutex::new(None) }
    }
}

impl Progress for Bar {
    fn update(&self, stage: Stage, done: u64, total: u64) {
        let mut current = self.stage.lock().unwrap_or_else(|p| p.into_inner());
        if *current != Some(stage) {
            *current = Some(stage);
            self.bar.reset();
            self.bar.set_message(stage.label());
        }
        self.bar.set_length(total);
        self.bar.set_position(done);
    }
}

/// Runs the ingestion.
pub async fn run(config: Config, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    let library = app.library().await?;
    let chunker = match &args.system {
        Some(system) => app.plugins.chunker_for(system, args.campaign.as_deref()).await?,
        None => None,
    };
    let request = IngestRequest {
        book: args.book.clone(),
        system: args.system.clone(),
        campaign_id: args.campaign,
        visibility: if args.adventure { Visibility::Gm } else { Visibility::Players },
    };
    let bar = Bar::new(args.json);
    let chunker_ref = chunker.as_ref().map(|c| c as &dyn SystemChunker);
    let outcome = library.ingest(&args.file, &request, chunker_ref, &bar).await;
    bar.bar.finish_and_clear();
    let report = outcome?;
    if args.json {
        super::print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    for warning in &report.warnings {
        eprintln!("note: {warning}");
    }
    if report.already_ingested {
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}: {} pages, {} chunks ({} embedded now{}), {} records, by the {} chunker in {:.1} s{}",
        report.document.book,
        report.pages,
        report.chunks,
        report.indexed_now,
        if report.resumed { ", resuming an interrupted run" } else { "" },
        report.records,
        report.chunker,
        report.seconds,
        if report.duplicate_chunks > 0 {
            format!("; {} repeated chunks stored once", report.duplicate_chunks)
        } else {
            String::new()
        },
    );
    let t = &report.timings;
    println!(
        "  extracting {:.1} s, chunking {:.1} s, embedding {:.1} s, indexing {:.1} s",
        t.extracting, t.chunking, t.embedding, t.indexing
    );
    for problem in &report.page_problems {
        println!("  page {}: {}", problem.page, problem.problem);
    }
    Ok(ExitCode::SUCCESS)
}
