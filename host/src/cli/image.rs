//! `ttrpg image`: add, list and regenerate a campaign's maps, handouts, tokens and portraits.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use crate::app::App;
use crate::config::Config;
use crate::images::AddRequest;
use crate::storage::{ImageFilter, ImageKind, Visibility};

/// Arguments of `ttrpg image`.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// add, list or regenerate.
    #[command(subcommand)]
    pub action: ImageAction,
}

/// What an image is for, as the command line names it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// A battle or area map.
    Map,
    /// A handout.
    Handout,
    /// A token.
    Token,
    /// A portrait.
    Portrait,
}

impl From<KindArg> for ImageKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Map => ImageKind::Map,
            KindArg::Handout => ImageKind::Handout,
            KindArg::Token => ImageKind::Token,
            KindArg::Portrait => ImageKind::Portrait,
        }
    }
}

/// What to do with images.
#[derive(Debug, Subcommand)]
pub enum ImageAction {
    /// Add an image file (PNG, JPEG, WebP or GIF) to a campaign.
    Add {
        /// The file.
        file: PathBuf,
        /// The campaign's id.
        #[arg(long)]
        campaign: String,
        /// Its title.
        #[arg(long)]
        title: String,
        /// What it is for.
        #[arg(long, value_enum, default_value = "map")]
        kind: KindArg,
        /// A tag (repeat for more).
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Share it with the players (it is the GM's only otherwise).
        #[arg(long)]
        players: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List a campaign's images.
    List {
        /// The campaign's id.
        #[arg(long)]
        campaign: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make every derived size again from the originals (after changing images.jpeg_quality).
    Regenerate,
}

/// Runs the image action.
pub async fn run(config: Config, args: ImageArgs) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match args.action {
        ImageAction::Add { file, campaign, title, kind, tags, players, json } => {
            let bytes =
                tokio::fs::read(&file).await.with_context(|| format!("reading {}", file.display()))?;
            let visibility = if players { Visibility::Players } else { Visibility::Gm };
            let request = AddRequest { campaign_id: campaign, title, kind: kind.into(), tags, visibility };
            let added = app.images.add(request, bytes).await?;
            if json {
                super::print_json(&crate::tools::images::view(added.image))?;
            } else if added.created {
                let image = &added.image;
                println!("{}  {}×{}  {:?}", image.id, image.width, image.height, image.title);
                for size in &image.sizes {
                    println!(
                        "  {:<10} {}×{} {} ({} bytes)",
                        size.size, size.width, size.height, size.mime, size.bytes
                    );
                }
            } else {
                println!(
                    "{}  already in the campaign as {:?}; nothing was stored again",
                    added.image.id, added.image.title
                );
            }
        }
        ImageAction::List { campaign, json } => {
            let images = app.storage.images(&campaign, &ImageFilter::default()).await?;
            if json {
                let views: Vec<_> = images.into_iter().map(crate::tools::images::view).collect();
                super::print_json(&views)?;
            } else if images.is_empty() {
                println!(
                    "No images yet. Add one with: ttrpg image add FILE --campaign {campaign} --title TITLE"
                );
            } else {
                for image in images {
                    println!(
                        "{}  {:<8} {:>5}×{:<5} {:<7} {:?}",
                        image.id,
                        image.kind.as_str(),
                        image.width,
                        image.height,
                        image.visibility.as_str(),
                        image.title
                    );
                }
            }
        }
        ImageAction::Regenerate => {
            let files = app.storage.image_files().await?;
            for file in &files {
                app.images
                    .regenerate(&file.hash)
                    .await
                    .with_context(|| format!("image file {}", file.hash))?;
            }
            println!("made the sizes of {} image files again", files.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
