//! `ttrpg book`: list the ingested books, or remove one with everything ingested from it.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::app::App;
use crate::config::Config;
use crate::storage::DocumentRecord;

/// Arguments of `ttrpg book`.
#[derive(Debug, Args)]
pub struct BookArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: BookCommand,
}

/// The `ttrpg book` subcommands.
#[derive(Debug, Subcommand)]
pub enum BookCommand {
    /// List the ingested books: id, title, system, campaign, pages, chunks, status.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a book (its title or document id) with its pages, passages, vectors and the
    /// records recognized in it.
    Remove {
        /// The book's title, or its document id when several books share the title.
        book: String,
        /// Print what was removed as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `ttrpg book …`.
pub async fn run(config: Config, args: BookArgs) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match args.command {
        BookCommand::List { json } => {
            let books = app.storage.list_documents().await?;
            if json {
                super::print_json(&books)?;
            } else if books.is_empty() {
                println!("No books ingested yet (ttrpg ingest FILE.pdf --book TITLE).");
            } else {
                for book in &books {
                    println!(
                        "{}  {:<30} {:<8} {:>4} pages {:>5} chunks  {}{}",
                        book.id,
                        book.book,
                        book.system.as_deref().unwrap_or("-"),
                        book.page_count,
                        book.chunk_count,
                        book.status.as_str(),
                        book.campaign_id.as_deref().map(|c| format!("  campaign {c}")).unwrap_or_default()
                    );
                }
            }
        }
        BookCommand::Remove { book, json } => {
            let document = find(&app.storage.list_documents().await?, &book)?;
            let library = app.library().await?;
            let removed = library.remove_book(&document.id).await?;
            if json {
                super::print_json(&removed)?;
            } else {
                println!(
                    "Removed {} ({}): {} pages, {} chunks, {} records",
                    removed.document.book,
                    removed.document.id,
                    removed.document.page_count,
                    removed.document.chunk_count,
                    removed.records
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The one book whose id or title (case-insensitively) is `wanted`.
fn find(books: &[DocumentRecord], wanted: &str) -> anyhow::Result<DocumentRecord> {
    let matching: Vec<&DocumentRecord> =
        books.iter().filter(|d| d.id == wanted || d.book.eq_ignore_ascii_case(wanted)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let titles: Vec<&str> = books.iter().map(|d| d.book.as_str()).collect();
            anyhow::bail!(
                "no book {wanted:?}; books: {}",
                if titles.is_empty() { "none".to_owned() } else { titles.join(", ") }
            )
        }
        several => {
            let ids: Vec<String> = several.iter().map(|d| format!("{} ({})", d.id, d.file_name)).collect();
            anyhow::bail!("several books are titled {wanted:?}: give one of these ids: {}", ids.join(", "))
        }
    }
}
