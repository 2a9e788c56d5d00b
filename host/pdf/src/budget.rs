//! Budgets against hostile input: the public limits ([`Budgets`], [`Budget`]) and the meters
//! that charge work against them while a page is read ([`PageMeter`]) and across the whole
//! file ([`FileMeter`]).
//!
//! Every cost is charged *before* the memory is spent where that is possible (a `bfrange` is
//! charged for all its codes before it is expanded, a stream is inflated by a reader that stops
//! at the remaining budget), so a page over budget stops early instead of being measured after
//! the damage is done.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// How often (in operators or glyphs) the page's clock is read: often enough that a page
/// overruns its time by milliseconds, rarely enough that reading the clock costs nothing.
const CLOCK_EVERY: u64 = 256;

/// Limits that keep one hostile file from exhausting memory or time.
///
/// The defaults are sized so that real books pass with a wide margin (the 403-page D&D SRD 5.1
/// needs at most 95 KiB of decompressed content, ~10,000 operators, ~5,000 glyphs and ~800
/// font entries on any page, 13 MiB of decompressed data and 6 MiB of extracted text in all,
/// and 15 KiB for its largest object stream) while a crafted file is stopped long before it
/// costs a gigabyte.
///
/// A page over any `page_*` budget is reported as [`crate::PageError::OverBudget`] and the
/// rest of the book is still read. A file over a `file_*` budget keeps the pages read before
/// the budget ran out; every page after gets [`crate::PageError::OverBudget`] naming the file
/// budget. Only [`Budgets::object_stream_bytes`] is a whole-file error
/// ([`crate::PdfError::OverBudget`]), because it is enforced by lopdf while the file is loaded
/// and lopdf then refuses the whole document.
///
/// # Memory
///
/// Peak memory of an extraction is roughly
/// `loaded document + threads × per-page peak + file_text_bytes`
/// ([`crate::ExtractOptions::threads`] pages are read at once). The per-page peak is at most
/// about:
///
/// - `page_decompressed_bytes`, twice for a moment (the streams being read: each is decoded by
///   lopdf's bounded reader with what is left of the budget, and forms being drawn hold their
///   content until they end; a stream with two filters holds both layers while the second is
///   decoded),
/// - `page_font_entries` × ~64 bytes (the page's font tables),
/// - `page_glyphs` × ~24 bytes (positioned characters) while the page is interpreted, and
///   up to ~200 bytes a glyph once they are grouped into lines if every glyph stands alone
///   (the fonts and streams are freed by then),
/// - 8 MiB (the operands of one operator).
///
/// With the defaults that is ~250 MiB per thread in the very worst case, and a few MiB for
/// real pages (the hostile-PDF tests peak at 160 MiB for the whole process with two threads).
/// The loaded document is the file itself plus lopdf's parsed objects: see
/// [`Budgets::object_stream_bytes`] for what those cost on crafted input.
///
/// Use `u64::MAX` (or [`Duration::MAX`]) to lift a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budgets {
    /// Bytes a page may decompress (default 64 MiB): its content streams, the Form XObjects it
    /// draws and the font streams (ToUnicode and embedded CMaps) it loads. A stream is counted
    /// at every reference and a form at every draw (plus 1 KiB a draw, what setting the draw
    /// up costs), so the same small stream listed 20,000 times in `/Contents`, or a form
    /// drawn a million times, is charged 20,000 or a million times. Real pages rarely pass a
    /// few MiB; vector maps reach tens of MiB.
    pub page_decompressed_bytes: u64,
    /// Content-stream operators a page may run (default 20,000,000), forms counted at every
    /// draw. A text page runs a few thousand; a dense vector map a few million.
    pub page_operators: u64,
    /// Glyphs a page may decode (default 500,000), each costing ~24 bytes until the page's
    /// lines are built; a code whose Unicode text is several characters long counts once per
    /// character. A dense page of small print has about 10,000.
    pub page_glyphs: u64,
    /// Entries a page's fonts may produce (default 1,000,000): ToUnicode and embedded CMap
    /// mappings (`bfchar`, every code of a `bfrange`, code space ranges) and width-table
    /// entries (`/Widths`, every code of a `/W` range), each costing ~64 bytes (a mapping to
    /// a long string counts once more per 32 bytes of it). A font is
    /// loaded once and charged to the page that loads it; fonts shared between pages are kept
    /// for the rest of the file while their entries total at most this much, then loaded
    /// again by each page that uses them. A large CJK font has ~65,000 entries.
    pub page_font_entries: u64,
    /// Time a page may take to interpret (default 5 s), checked inside the content-stream
    /// loop, while glyphs are decoded and while CMaps are parsed. Real pages take milliseconds.
    /// Grouping the page's glyphs into lines and blocks afterwards is bounded by
    /// `page_glyphs` instead.
    pub page_time: Duration,
    /// How deeply Form XObjects may nest (default 12). Forms nested deeper are skipped (the
    /// page is still read); the cost of every draw is bounded by the byte and operator budgets.
    pub form_depth: u32,
    /// Bytes the whole file may decompress while its pages are read (default 2 GiB), the
    /// page budgets' charges summed. Streams are decoded one at a time, so this bounds time
    /// (roughly 10 s of work) rather than memory.
    pub file_decompressed_bytes: u64,
    /// Time the whole extraction may take, loading included (default 5 min; the SRD takes
    /// half a second). Without it a file of many hostile pages could take `page_time` for each
    /// of them; once it is spent, the pages being read stop at their next clock check and the
    /// pages not yet started are not read.
    pub file_time: Duration,
    /// Memory the extracted text of all pages may hold until the document-wide passes
    /// (page furniture, heading levels, hyphenation) have run (default 256 MiB), estimated
    /// per line fragment as its text plus ~100 bytes. The SRD needs about 6 MiB.
    pub file_text_bytes: u64,
    /// Bytes one object stream may decompress to while lopdf loads the file (default 4 MiB;
    /// the SRD's largest is 15 KiB). lopdf decodes object and cross-reference streams eagerly
    /// while loading, bounding each stream by this; a stream over it makes lopdf refuse the
    /// file. Parsed objects cost lopdf up to ~60 times their source text (a 120-byte object
    /// for a 2-byte `0 `), so one crafted object stream at this limit may take ~250 MiB while
    /// the file loads; uncompressed objects in the file itself cost the same ratio, which only
    /// a cap on the file size bounds.
    pub object_stream_bytes: u64,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            page_decompressed_bytes: 64 * MIB,
            page_operators: 20_000_000,
            page_glyphs: 500_000,
            page_font_entries: 1_000_000,
            page_time: Duration::from_secs(5),
            form_depth: 12,
            file_decompressed_bytes: 2 * GIB,
            file_time: Duration::from_secs(300),
            file_text_bytes: 256 * MIB,
            object_stream_bytes: 4 * MIB,
        }
    }
}

impl Budgets {
    /// The limit of `budget`, in its unit (bytes, a count, or milliseconds for
    /// [`Budget::PageTime`] and [`Budget::FileTime`]).
    pub fn limit(&self, budget: Budget) -> u64 {
        match budget {
            Budget::PageDecompressedBytes => self.page_decompressed_bytes,
            Budget::PageOperators => self.page_operators,
            Budget::PageGlyphs => self.page_glyphs,
            Budget::PageFontEntries => self.page_font_entries,
            Budget::PageTime => millis_of(self.page_time),
            Budget::FileDecompressedBytes => self.file_decompressed_bytes,
            Budget::FileTime => millis_of(self.file_time),
            Budget::FileTextBytes => self.file_text_bytes,
            Budget::ObjectStreamBytes => self.object_stream_bytes,
        }
    }
}

fn millis_of(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Which budget was exceeded; each names one field of [`Budgets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    /// [`Budgets::page_decompressed_bytes`].
    PageDecompressedBytes,
    /// [`Budgets::page_operators`].
    PageOperators,
    /// [`Budgets::page_glyphs`].
    PageGlyphs,
    /// [`Budgets::page_font_entries`].
    PageFontEntries,
    /// [`Budgets::page_time`] (its limit is given in milliseconds).
    PageTime,
    /// [`Budgets::file_decompressed_bytes`].
    FileDecompressedBytes,
    /// [`Budgets::file_time`] (its limit is given in milliseconds).
    FileTime,
    /// [`Budgets::file_text_bytes`].
    FileTextBytes,
    /// [`Budgets::object_stream_bytes`].
    ObjectStreamBytes,
}

impl Budget {
    /// The name of the [`Budgets`] field, e.g. `"page_decompressed_bytes"` (for messages and
    /// for mapping configuration keys).
    pub fn field_name(self) -> &'static str {
        match self {
            Budget::PageDecompressedBytes => "page_decompressed_bytes",
            Budget::PageOperators => "page_operators",
            Budget::PageGlyphs => "page_glyphs",
            Budget::PageFontEntries => "page_font_entries",
            Budget::PageTime => "page_time",
            Budget::FileDecompressedBytes => "file_decompressed_bytes",
            Budget::FileTime => "file_time",
            Budget::FileTextBytes => "file_text_bytes",
            Budget::ObjectStreamBytes => "object_stream_bytes",
        }
    }

    /// Whether this budget is spent across the whole file (the page it stopped may have been
    /// harmless; every later page is stopped too).
    pub fn is_per_file(self) -> bool {
        matches!(
            self,
            Budget::FileDecompressedBytes
                | Budget::FileTime
                | Budget::FileTextBytes
                | Budget::ObjectStreamBytes
        )
    }

    /// What exceeding the budget means, in words, with its `limit`.
    pub(crate) fn describe(self, limit: u64) -> String {
        match self {
            Budget::PageDecompressedBytes => {
                format!("its content streams, forms and fonts decompress to more than {}", bytes(limit))
            }
            Budget::PageOperators => {
                format!("it has more than {} drawing operations (a form counts at every use)", count(limit))
            }
            Budget::PageGlyphs => format!("it draws more than {} glyphs", count(limit)),
            Budget::PageFontEntries => {
                format!("its fonts' Unicode maps and width tables have more than {} entries", count(limit))
            }
            Budget::PageTime => format!("reading it took more than {}", millis(limit)),
            Budget::FileDecompressedBytes => {
                format!("the file's budget of {} of decompressed data is spent", bytes(limit))
            }
            Budget::FileTime => format!("the file's time budget of {} is spent", millis(limit)),
            Budget::FileTextBytes => {
                format!("the file's budget of {} for extracted text is spent", bytes(limit))
            }
            Budget::ObjectStreamBytes => {
                format!("one of its object streams decompresses to more than {}", bytes(limit))
            }
        }
    }
}

fn bytes(n: u64) -> String {
    let unit = |value: u64, size: u64, name: &str| {
        if value.is_multiple_of(size) {
            format!("{} {name}", value / size)
        } else {
            format!("{:.1} {name}", value as f64 / size as f64)
        }
    };
    match n {
        u64::MAX => "an unlimited amount".into(),
        n if n >= GIB => unit(n, GIB, "GiB"),
        n if n >= MIB => unit(n, MIB, "MiB"),
        n if n >= KIB => unit(n, KIB, "KiB"),
        1 => "1 byte".into(),
        n => format!("{n} bytes"),
    }
}

fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn millis(ms: u64) -> String {
    if ms == u64::MAX {
        "an unlimited time".into()
    } else if ms >= 60_000 && ms.is_multiple_of(60_000) {
        format!("{} min", ms / 60_000)
    } else if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else if ms >= 1000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

/// What the whole file has spent so far, shared by the threads reading its pages.
#[derive(Debug)]
pub(crate) struct FileMeter {
    deadline: Option<Instant>,
    decompressed: AtomicU64,
    text: AtomicU64,
}

impl FileMeter {
    /// A meter for a file whose extraction starts now.
    pub(crate) fn new(budgets: &Budgets) -> Self {
        FileMeter {
            deadline: Instant::now().checked_add(budgets.file_time),
            decompressed: AtomicU64::new(0),
            text: AtomicU64::new(0),
        }
    }

    /// The file budget already spent, if any (a page that starts then is not read at all).
    pub(crate) fn spent(&self, budgets: &Budgets) -> Option<Budget> {
        if self.out_of_time() {
            Some(Budget::FileTime)
        } else if self.decompressed.load(Ordering::Relaxed) > budgets.file_decompressed_bytes {
            Some(Budget::FileDecompressedBytes)
        } else if self.text.load(Ordering::Relaxed) > budgets.file_text_bytes {
            Some(Budget::FileTextBytes)
        } else {
            None
        }
    }

    /// Charges a page's extracted text (see [`Budgets::file_text_bytes`]).
    pub(crate) fn charge_text(&self, budgets: &Budgets, bytes: u64) -> Result<(), Budget> {
        let total = self.text.fetch_add(bytes, Ordering::Relaxed).saturating_add(bytes);
        if total > budgets.file_text_bytes { Err(Budget::FileTextBytes) } else { Ok(()) }
    }

    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|deadline| Instant::now() >= deadline)
    }

    fn remaining_decompressed(&self, budgets: &Budgets) -> u64 {
        budgets.file_decompressed_bytes.saturating_sub(self.decompressed.load(Ordering::Relaxed))
    }

    fn charge_decompressed(&self, budgets: &Budgets, bytes: u64) -> Result<(), Budget> {
        let total = self.decompressed.fetch_add(bytes, Ordering::Relaxed).saturating_add(bytes);
        if total > budgets.file_decompressed_bytes { Err(Budget::FileDecompressedBytes) } else { Ok(()) }
    }
}

/// What one page has spent so far; every method fails with the budget it exceeded.
pub(crate) struct PageMeter<'a> {
    budgets: &'a Budgets,
    file: &'a FileMeter,
    deadline: Option<Instant>,
    decompressed: u64,
    operators: u64,
    glyphs: u64,
    font_entries: u64,
}

impl<'a> PageMeter<'a> {
    /// A meter for a page starting now.
    pub(crate) fn new(budgets: &'a Budgets, file: &'a FileMeter) -> Self {
        PageMeter {
            budgets,
            file,
            deadline: Instant::now().checked_add(budgets.page_time),
            decompressed: 0,
            operators: 0,
            glyphs: 0,
            font_entries: 0,
        }
    }

    /// The budgets this meter charges against.
    pub(crate) fn budgets(&self) -> &'a Budgets {
        self.budgets
    }

    /// The most bytes the next stream may decode to, and the budget that binds if it needs
    /// more (the page's or, when less of it is left, the file's).
    pub(crate) fn decode_allowance(&self) -> (u64, Budget) {
        let page = self.budgets.page_decompressed_bytes.saturating_sub(self.decompressed);
        let file = self.file.remaining_decompressed(self.budgets);
        if file < page {
            (file, Budget::FileDecompressedBytes)
        } else {
            (page, Budget::PageDecompressedBytes)
        }
    }

    /// Charges `bytes` decoded from a stream to the page and to the file.
    pub(crate) fn charge_decompressed(&mut self, bytes: u64) -> Result<(), Budget> {
        self.check_time()?;
        self.decompressed = self.decompressed.saturating_add(bytes);
        self.file.charge_decompressed(self.budgets, bytes)?;
        if self.decompressed > self.budgets.page_decompressed_bytes {
            return Err(Budget::PageDecompressedBytes);
        }
        Ok(())
    }

    /// Charges one content-stream operator (and now and then reads the clock).
    pub(crate) fn charge_operator(&mut self) -> Result<(), Budget> {
        self.operators += 1;
        if self.operators > self.budgets.page_operators {
            return Err(Budget::PageOperators);
        }
        if self.operators.is_multiple_of(CLOCK_EVERY) {
            self.check_time()?;
        }
        Ok(())
    }

    /// Charges one decoded glyph (and now and then reads the clock).
    pub(crate) fn charge_glyph(&mut self) -> Result<(), Budget> {
        self.charge_glyphs(1)
    }

    /// Charges `glyphs` decoded glyphs or characters produced (and now and then reads the
    /// clock).
    pub(crate) fn charge_glyphs(&mut self, glyphs: u64) -> Result<(), Budget> {
        let before = self.glyphs;
        self.glyphs = self.glyphs.saturating_add(glyphs);
        if self.glyphs > self.budgets.page_glyphs {
            return Err(Budget::PageGlyphs);
        }
        if self.glyphs / CLOCK_EVERY != before / CLOCK_EVERY {
            self.check_time()?;
        }
        Ok(())
    }

    /// Charges `entries` font-table entries, before they are built.
    pub(crate) fn charge_font_entries(&mut self, entries: u64) -> Result<(), Budget> {
        self.font_entries = self.font_entries.saturating_add(entries);
        if self.font_entries > self.budgets.page_font_entries {
            return Err(Budget::PageFontEntries);
        }
        Ok(())
    }

    /// Font-table entries charged so far.
    pub(crate) fn font_entries(&self) -> u64 {
        self.font_entries
    }

    /// Fails once the page's time, or the file's, is up.
    pub(crate) fn check_time(&self) -> Result<(), Budget> {
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(Budget::PageTime),
            _ if self.file.out_of_time() => Err(Budget::FileTime),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_words() {
        assert_eq!(bytes(64 * MIB), "64 MiB");
        assert_eq!(bytes(3 * MIB / 2), "1.5 MiB");
        assert_eq!(bytes(2 * GIB), "2 GiB");
        assert_eq!(bytes(100), "100 bytes");
        assert_eq!(count(20_000_000), "20,000,000");
        assert_eq!(count(999), "999");
        assert_eq!(millis(5000), "5 s");
        assert_eq!(millis(250), "250 ms");
        assert_eq!(millis(300_000), "5 min");
    }

    #[test]
    fn a_page_stops_at_each_budget() {
        let budgets = Budgets {
            page_decompressed_bytes: 10,
            page_operators: 2,
            page_glyphs: 1,
            page_font_entries: 5,
            ..Budgets::default()
        };
        let file = FileMeter::new(&budgets);
        let mut page = PageMeter::new(&budgets, &file);
        assert_eq!(page.decode_allowance(), (10, Budget::PageDecompressedBytes));
        assert_eq!(page.charge_decompressed(10), Ok(()));
        assert_eq!(page.charge_decompressed(1), Err(Budget::PageDecompressedBytes));
        assert_eq!(page.charge_operator(), Ok(()));
        assert_eq!(page.charge_operator(), Ok(()));
        assert_eq!(page.charge_operator(), Err(Budget::PageOperators));
        assert_eq!(page.charge_glyph(), Ok(()));
        assert_eq!(page.charge_glyph(), Err(Budget::PageGlyphs));
        assert_eq!(page.charge_font_entries(5), Ok(()));
        assert_eq!(page.charge_font_entries(1), Err(Budget::PageFontEntries));
    }

    #[test]
    fn the_file_budget_binds_when_less_of_it_is_left() {
        let budgets =
            Budgets { file_decompressed_bytes: 15, page_decompressed_bytes: 10, ..Budgets::default() };
        let file = FileMeter::new(&budgets);
        let mut first = PageMeter::new(&budgets, &file);
        assert_eq!(first.charge_decompressed(10), Ok(()));
        let mut second = PageMeter::new(&budgets, &file);
        assert_eq!(second.decode_allowance(), (5, Budget::FileDecompressedBytes));
        assert_eq!(second.charge_decompressed(6), Err(Budget::FileDecompressedBytes));
        assert_eq!(file.spent(&budgets), Some(Budget::FileDecompressedBytes));
    }

    #[test]
    fn no_time_left_stops_the_page() {
        let budgets = Budgets { page_time: Duration::ZERO, ..Budgets::default() };
        let file = FileMeter::new(&budgets);
        let page = PageMeter::new(&budgets, &file);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(page.check_time(), Err(Budget::PageTime));
        let unlimited = Budgets { page_time: Duration::MAX, ..Budgets::default() };
        let file = FileMeter::new(&unlimited);
        assert_eq!(PageMeter::new(&unlimited, &file).check_time(), Ok(()));
        let spent = Budgets { file_time: Duration::ZERO, ..Budgets::default() };
        let file = FileMeter::new(&spent);
        assert_eq!(file.spent(&spent), Some(Budget::FileTime));
        assert_eq!(PageMeter::new(&Budgets::default(), &file).check_time(), Err(Budget::FileTime));
    }
}
