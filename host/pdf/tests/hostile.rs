//! Hostile PDFs, built by the tests themselves, against the default [`Budgets`]: each hostile
//! page ends as `PageError::OverBudget` naming the budget (or, for the font that is selected on
//! every line, is read once and extracted), the harmless pages around it are extracted as
//! usual, the extraction ends in bounded time, and the peak memory stays under
//! [`CEILING_MIB`].
//!
//! Peak memory is the process's RSS high-water mark (`VmHWM` in `/proc/self/status`), which is
//! process-wide and never goes down, so every hostile case runs in a child process: the test
//! builds the PDF, writes it to a temporary file and runs this test binary again with
//! `HOSTILE_CASE=<test name>`, which makes only that test extract the file and print a
//! `HOSTILE` report line (peak memory, time, outcomes) for the parent to check.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

mod common;

use std::time::{Duration, Instant};

use common::book::{Book, text_line};
use common::hostile_files;
use lopdf::dictionary;
use ttrpg_pdf::{Budget, Budgets, ExtractOptions, Extraction, PageError, PdfError, extract_with};

/// Peak memory (VmHWM) allowed to a child process extracting one hostile file.
const CEILING_MIB: u64 = 300;
/// Set in a child process: the name of the one test that should extract its file.
const CASE_ENV: &str = "HOSTILE_CASE";
/// Set in a child process: the file to extract.
const FILE_ENV: &str = "HOSTILE_FILE";

const MIB: u64 = 1 << 20;

/// What one hostile case checks in its child process.
struct Case {
    /// The test's name (the child runs `<binary> <name> --exact`).
    name: &'static str,
    /// Builds the file (in the parent).
    build: fn() -> Vec<u8>,
    /// Checks the extraction (in the child).
    check: fn(&Result<Extraction, PdfError>),
}

/// Runs `case`: as the parent, builds its file and checks the child's report; as the child,
/// extracts and checks.
fn hostile(case: Case) {
    match std::env::var(CASE_ENV) {
        Ok(name) if name == case.name => child(&case),
        Ok(_) => {}
        Err(_) => parent(&case),
    }
}

fn parent(case: &Case) {
    let bytes = (case.build)();
    let path = std::env::temp_dir().join(format!("ttrpg-pdf-{}-{}.pdf", case.name, std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([case.name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE_ENV, case.name)
        .env(FILE_ENV, &path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child for {} failed:\n{stdout}\n{stderr}", case.name);
    let report = stdout
        .lines()
        .find_map(|l| l.find("HOSTILE ").map(|at| &l[at..]))
        .unwrap_or_else(|| panic!("no report from the child for {}:\n{stdout}\n{stderr}", case.name));
    println!("{report} file_kib={}", bytes.len() / 1024);
    let hwm_kib: u64 = field(report, "vmhwm_kib").parse().unwrap();
    assert!(hwm_kib < CEILING_MIB * 1024, "{}: peak memory {} MiB", case.name, hwm_kib / 1024);
}

fn child(case: &Case) {
    let bytes = std::fs::read(std::env::var(FILE_ENV).unwrap()).unwrap();
    let options = ExtractOptions::default();
    let start = Instant::now();
    let result = extract_with(&bytes, &options, &|_, _| {});
    let elapsed = start.elapsed();
    let hwm_kib = vm_hwm_kib();
    (case.check)(&result);
    let limit = options.budgets.page_time * 3 + Duration::from_secs(2);
    assert!(elapsed < limit, "{}: took {elapsed:?}", case.name);
    let outcomes = match &result {
        Ok(x) => x
            .pages
            .iter()
            .map(|p| match &p.result {
                Ok(_) => format!("{}:ok", p.number),
                Err(PageError::OverBudget { budget, .. }) => format!("{}:{}", p.number, budget.field_name()),
                Err(e) => format!("{}:{e}", p.number),
            })
            .collect::<Vec<_>>()
            .join(","),
        Err(e) => format!("file:{e}"),
    };
    println!("HOSTILE {} vmhwm_kib={hwm_kib} elapsed_ms={} pages={outcomes}", case.name, elapsed.as_millis());
}

fn field<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .split_whitespace()
        .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

/// The process's peak resident memory so far, in KiB.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The extraction, which must have succeeded.
fn extraction(result: &Result<Extraction, PdfError>) -> &Extraction {
    result.as_ref().unwrap_or_else(|e| panic!("whole-file error: {e}"))
}

/// Asserts that `page` failed over `budget` with the default limit, with a message naming both.
fn assert_over(x: &Extraction, page: u32, budget: Budget) {
    let limit = Budgets::default().limit(budget);
    let outcome = &x.pages[page as usize - 1].result;
    match outcome {
        Err(e @ PageError::OverBudget { page: p, budget: b, limit: l }) => {
            assert_eq!((*p, *b, *l), (page, budget, limit), "{e}");
            let message = e.to_string();
            assert!(message.starts_with(&format!("page {page} was not read: ")), "{message}");
            assert!(message.contains(budget.field_name()), "{message}");
        }
        other => panic!("page {page}: expected over {budget:?}, got {other:?}"),
    }
}

/// Asserts that the harmless page `page` says `text`.
fn assert_text(x: &Extraction, page: u32, text: &str) {
    assert_eq!(
        x.page_text(page).as_deref(),
        Some(text),
        "page {page}: {:?}",
        x.pages[page as usize - 1].result
    );
}

fn benign(n: u32) -> String {
    hostile_files::benign(n)
}

// ---- 1. one small content stream listed 20,000 times in /Contents ----

#[test]
fn one_stream_listed_20000_times_in_contents() {
    hostile(Case {
        name: "one_stream_listed_20000_times_in_contents",
        build: hostile_files::one_stream_listed_20000_times_in_contents,
        check: |result| {
            let x = extraction(result);
            assert_text(x, 1, &benign(1));
            assert_over(x, 2, Budget::PageDecompressedBytes);
            assert_text(x, 3, &benign(3));
        },
    });
}

// ---- 2. forms drawing forms: 100 draws per level, 5 levels, 10^10 draws ----

#[test]
fn nested_forms_drawn_ten_billion_times() {
    hostile(Case {
        name: "nested_forms_drawn_ten_billion_times",
        build: hostile_files::nested_forms_drawn_ten_billion_times,
        check: |result| {
            let x = extraction(result);
            assert_text(x, 1, &benign(1));
            assert_over(x, 2, Budget::PageDecompressedBytes);
            assert_over(x, 3, Budget::PageDecompressedBytes);
            assert_text(x, 4, &benign(4));
        },
    });
}

// ---- 3. a ToUnicode CMap whose bfranges span all 65,536 codes, 100,000 times ----

#[test]
fn to_unicode_with_huge_bfranges() {
    hostile(Case {
        name: "to_unicode_with_huge_bfranges",
        build: hostile_files::to_unicode_with_huge_bfranges,
        check: |result| {
            let x = extraction(result);
            assert_text(x, 1, &benign(1));
            assert_over(x, 2, Budget::PageFontEntries);
            assert_text(x, 3, &benign(3));
        },
    });
}

// ---- 4. a /Widths array of 1.2 million entries; /W ranges of 65,536 and 4 billion codes ----

#[test]
fn huge_width_tables() {
    hostile(Case {
        name: "huge_width_tables",
        build: hostile_files::huge_width_tables,
        check: |result| {
            let x = extraction(result);
            assert_text(x, 1, &benign(1));
            assert_over(x, 2, Budget::PageFontEntries);
            assert_over(x, 3, Budget::PageFontEntries);
            assert_text(x, 4, &benign(4));
        },
    });
}

// ---- 5. an 8 MiB font (8 MiB ToUnicode, 8 MiB FontFile2) selected on each of 5,000 lines ----

#[test]
fn big_inline_font_selected_on_every_line_is_read_once() {
    hostile(Case {
        name: "big_inline_font_selected_on_every_line_is_read_once",
        build: hostile_files::big_inline_font_selected_on_every_line_is_read_once,
        check: |result| {
            let x = extraction(result);
            assert_text(x, 1, &benign(1));
            let text = x.page_text(2).unwrap_or_else(|| panic!("page 2: {:?}", x.pages[1].result));
            assert!(text.starts_with("Row 0") && text.contains("Row 49"), "{text}");
            assert_text(x, 3, &benign(3));
        },
    });
}

// ---- 6. Flate bombs: a content stream, a form and a ToUnicode that inflate to 1-4 GiB ----

#[test]
fn flate_bombs_stop_at_the_budget() {
    hostile(Case {
        name: "flate_bombs_stop_at_the_budget",
        build: hostile_files::flate_bombs_stop_at_the_budget,
        check: |result| {
            let x = extraction(result);
            assert_text(x, 1, &benign(1));
            assert_over(x, 2, Budget::PageDecompressedBytes);
            assert_over(x, 3, Budget::PageDecompressedBytes);
            assert_over(x, 4, Budget::PageDecompressedBytes);
            assert_text(x, 5, &benign(5));
        },
    });
}

// ---- 7. an object stream that inflates past its limit while lopdf loads the file ----

#[test]
fn object_stream_bomb_is_a_whole_file_error() {
    hostile(Case {
        name: "object_stream_bomb_is_a_whole_file_error",
        build: || {
            let mut book = Book::new();
            book.text_page(&benign(1));
            // lopdf decodes every /Type /ObjStm stream while loading: 16 MiB of "0 " (~16 KiB).
            let mut data = b"1000 0 [".to_vec();
            data.extend(std::iter::repeat_n(*b"0 ", 8 << 20).flatten());
            data.push(b']');
            // lopdf does not save /ObjStm objects (it writes its own): save the stream under
            // another type, then rename it in place (same length, so every offset holds).
            book.flate_stream(dictionary! { "Type" => "ObjStmX", "N" => 1, "First" => 7 }, &data);
            let mut bytes = book.into_bytes();
            let at = bytes.windows(8).position(|w| w == b"/ObjStmX").unwrap();
            bytes[at..at + 8].copy_from_slice(b"/ObjStm ");
            bytes
        },
        check: |result| {
            let limit = Budgets::default().object_stream_bytes;
            match result {
                Err(e @ PdfError::OverBudget { budget: Budget::ObjectStreamBytes, limit: l }) => {
                    assert_eq!(*l, limit);
                    assert!(e.to_string().contains("object_stream_bytes"), "{e}");
                }
                other => panic!("expected a whole-file budget error, got {other:?}"),
            }
        },
    });
}

// ---- In-process checks of single budgets ----

/// A book of `pages` harmless pages, each with `padding` bytes of comment in its content.
fn padded_book(pages: u32, padding: usize) -> Vec<u8> {
    let mut book = Book::new();
    let font = book.helvetica();
    for n in 1..=pages {
        let mut content = text_line("F1", 12.0, 72.0, 400.0, &benign(n));
        content.push('%');
        content.push_str(&"x".repeat(padding));
        let content = book.flate_stream(dictionary! {}, content.as_bytes());
        book.page(content.into(), dictionary! { "Font" => dictionary! { "F1" => font } });
    }
    book.into_bytes()
}

fn extract_with_budgets(bytes: &[u8], budgets: Budgets, threads: usize) -> Extraction {
    let options = ExtractOptions { budgets, threads, ..ExtractOptions::default() };
    extract_with(bytes, &options, &|_, _| {}).unwrap()
}

#[test]
fn the_file_budget_keeps_earlier_pages_and_stops_later_ones() {
    // Each page decompresses ~1 MiB; the file may decompress 4.5 MiB.
    let bytes = padded_book(8, MIB as usize);
    let budgets = Budgets { file_decompressed_bytes: 4 * MIB + MIB / 2, ..Budgets::default() };
    let x = extract_with_budgets(&bytes, budgets.clone(), 1);
    for n in 1..=4 {
        assert_text(&x, n, &benign(n));
    }
    for n in 5..=8 {
        let e = x.pages[n as usize - 1].result.as_ref().unwrap_err();
        assert_eq!(
            e,
            &PageError::OverBudget {
                page: n,
                budget: Budget::FileDecompressedBytes,
                limit: budgets.file_decompressed_bytes
            }
        );
        assert_eq!(
            e.to_string(),
            format!(
                "page {n} was not read: the file's budget of 4.5 MiB of decompressed data is spent \
                 (budget file_decompressed_bytes)"
            )
        );
    }
    // With two threads the pages read before the budget ran out are kept, whichever they are.
    let x = extract_with_budgets(&bytes, budgets, 2);
    let kept: Vec<u32> = x.pages.iter().filter(|p| p.result.is_ok()).map(|p| p.number).collect();
    assert!((2..=4).contains(&kept.len()), "{kept:?}");
    for page in &x.pages {
        match &page.result {
            Ok(_) => assert_text(&x, page.number, &benign(page.number)),
            Err(e) => assert!(
                matches!(e, PageError::OverBudget { budget: Budget::FileDecompressedBytes, .. }),
                "{e}"
            ),
        }
    }
}

#[test]
fn the_file_text_budget_stops_later_pages() {
    let bytes = padded_book(6, 0);
    let budgets = Budgets { file_text_bytes: 300, ..Budgets::default() };
    let x = extract_with_budgets(&bytes, budgets, 1);
    assert_text(&x, 1, &benign(1));
    let failed: Vec<Budget> = x
        .errors()
        .map(|e| match e {
            PageError::OverBudget { budget, .. } => *budget,
            other => panic!("{other}"),
        })
        .collect();
    assert!(!failed.is_empty() && failed.len() < 6, "{failed:?}");
    assert!(failed.iter().all(|b| *b == Budget::FileTextBytes));
}

#[test]
fn each_page_budget_names_itself() {
    let bytes = padded_book(1, 10);
    let over = |budgets: Budgets| match &extract_with_budgets(&bytes, budgets, 1).pages[0].result {
        Err(PageError::OverBudget { budget, .. }) => *budget,
        other => panic!("{other:?}"),
    };
    let d = Budgets::default;
    assert_eq!(over(Budgets { page_decompressed_bytes: 20, ..d() }), Budget::PageDecompressedBytes);
    assert_eq!(over(Budgets { page_operators: 3, ..d() }), Budget::PageOperators);
    assert_eq!(over(Budgets { page_glyphs: 10, ..d() }), Budget::PageGlyphs);
    assert_eq!(over(Budgets { page_time: Duration::ZERO, ..d() }), Budget::PageTime);
    assert_eq!(over(Budgets { file_decompressed_bytes: 20, ..d() }), Budget::FileDecompressedBytes);
    assert_eq!(over(Budgets { file_time: Duration::ZERO, ..d() }), Budget::FileTime);
    let message = extract_with_budgets(&bytes, Budgets { page_glyphs: 10, ..d() }, 1)
        .errors()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(message, "page 1 was not read: it draws more than 10 glyphs (budget page_glyphs)");
}

#[test]
fn a_code_mapped_to_a_long_string_counts_every_character() {
    // One code maps to 1,000 letters; the page shows it 600 times: 600,000 characters.
    let mut book = Book::new();
    let cmap = format!("1 beginbfchar <41> <{}> endbfchar", "0042".repeat(1000));
    let to_unicode = book.flate_stream(dictionary! {}, cmap.as_bytes());
    let font = book.add(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "ToUnicode" => to_unicode,
    });
    let content = text_line("F1", 12.0, 72.0, 400.0, &"A".repeat(600));
    let content = book.flate_stream(dictionary! {}, content.as_bytes());
    book.page(content.into(), dictionary! { "Font" => dictionary! { "F1" => font } });
    let x = extract_with_budgets(&book.into_bytes(), Budgets::default(), 1);
    assert_over(&x, 1, Budget::PageGlyphs);
}

#[test]
fn forms_nested_deeper_than_the_limit_are_skipped() {
    // A chain of 20 forms; only the innermost draws text.
    let mut book = Book::new();
    let font = book.helvetica();
    let resources = dictionary! { "Font" => dictionary! { "F1" => font } };
    let mut inner = book.flate_stream(
        dictionary! { "Type" => "XObject", "Subtype" => "Form", "Resources" => resources.clone() },
        text_line("F1", 12.0, 72.0, 300.0, "Deep in the forms").as_bytes(),
    );
    for _ in 0..19 {
        let mut r = resources.clone();
        r.set("XObject", dictionary! { "X" => inner });
        inner = book.flate_stream(
            dictionary! { "Type" => "XObject", "Subtype" => "Form", "Resources" => r },
            b"/X Do",
        );
    }
    let mut r = resources;
    r.set("XObject", dictionary! { "X" => inner });
    let text = text_line("F1", 12.0, 72.0, 400.0, "On the page");
    let content = book.flate_stream(dictionary! {}, format!("/X Do {text}").as_bytes());
    book.page(content.into(), r);
    let bytes = book.into_bytes();
    let x = extract_with_budgets(&bytes, Budgets::default(), 1);
    assert_eq!(x.page_text(1).as_deref(), Some("On the page"));
    let x = extract_with_budgets(&bytes, Budgets { form_depth: 20, ..Budgets::default() }, 1);
    let text = x.page_text(1).unwrap();
    assert!(text.contains("On the page") && text.contains("Deep in the forms"), "{text}");
}
