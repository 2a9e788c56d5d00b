//! Debug helper: prints the line fragments of one page.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(page)) = (args.first(), args.get(1).and_then(|p| p.parse().ok())) else {
        eprintln!("usage: fragments FILE.pdf PAGE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(path).unwrap_or_default();
    for line in ttrpg_pdf::debug_fragments(&bytes, page) {
        println!("{line}");
    }
}
