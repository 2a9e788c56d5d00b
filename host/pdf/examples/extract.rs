//! Extracts a PDF and prints timing; optionally writes the text.
//!
//! Usage: `extract FILE.pdf [OUT.txt] [--pages A-B] [--threads N]`
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: extract FILE.pdf [OUT.txt] [--threads N]");
        std::process::exit(2);
    };
    let out = args.get(1).filter(|a| !a.starts_with("--"));
    let threads = args
        .iter()
        .position(|a| a == "--threads")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let start = Instant::now();
    let options = ttrpg_pdf::ExtractOptions { threads, ..Default::default() };
    let result = ttrpg_pdf::extract_with(&bytes, &options, &|_, _| {});
    let elapsed = start.elapsed();
    match result {
        Ok(extraction) => {
            let mut text = String::new();
            for page in &extraction.pages {
                match &page.result {
                    Ok(p) => text.push_str(&p.to_text()),
                    Err(e) => text.push_str(&format!("[{e}]")),
                }
                text.push_str("\n\u{c}");
            }
            eprintln!(
                "{} pages, {} chars, {} page errors, body size {:.1}pt, {:.3}s",
                extraction.page_count,
                text.chars().count(),
                extraction.errors().count(),
                extraction.body_font_size,
                elapsed.as_secs_f64()
            );
            for e in extraction.errors() {
                eprintln!("  {e}");
            }
            if let Some(out) = out
                && let Err(e) = std::fs::write(out, text)
            {
                eprintln!("cannot write {out}: {e}");
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("error: {e} ({:.3}s)", elapsed.as_secs_f64());
            std::process::exit(1);
        }
    }
}
