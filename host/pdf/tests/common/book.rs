//! A small builder for test PDFs made with lopdf: pages with their own content and
//! resources, any extra objects, and zlib compression for streams.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

/// A PDF under construction.
pub struct Book {
    doc: Document,
    pages_id: ObjectId,
    kids: Vec<Object>,
    helvetica: Option<ObjectId>,
}

impl Default for Book {
    fn default() -> Self {
        Self::new()
    }
}

impl Book {
    /// An empty book.
    pub fn new() -> Self {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        Book { doc, pages_id, kids: Vec::new(), helvetica: None }
    }

    /// Adds an object and returns its id.
    pub fn add(&mut self, object: impl Into<Object>) -> ObjectId {
        self.doc.add_object(object)
    }

    /// Adds a stream whose content is stored as given (no filter).
    pub fn raw_stream(&mut self, dict: Dictionary, content: Vec<u8>) -> ObjectId {
        self.add(Stream::new(dict, content).with_compression(false))
    }

    /// Adds a stream whose content is zlib-compressed (`/FlateDecode`).
    pub fn flate_stream(&mut self, mut dict: Dictionary, content: &[u8]) -> ObjectId {
        dict.set("Filter", "FlateDecode");
        self.raw_stream(dict, zlib(content))
    }

    /// The standard Helvetica font (WinAnsi), shared by the benign pages.
    pub fn helvetica(&mut self) -> ObjectId {
        if let Some(id) = self.helvetica {
            return id;
        }
        let id = self.add(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
        });
        self.helvetica = Some(id);
        id
    }

    /// Adds a page; `contents` is a stream reference or an array of them.
    pub fn page(&mut self, contents: Object, resources: Dictionary) -> u32 {
        let page = self.add(dictionary! {
            "Type" => "Page", "Parent" => self.pages_id, "Contents" => contents, "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        });
        self.kids.push(Object::Reference(page));
        self.kids.len() as u32
    }

    /// Adds a harmless page that says `text` in Helvetica, mid-page.
    pub fn text_page(&mut self, text: &str) -> u32 {
        let font = self.helvetica();
        let content = self.flate_stream(dictionary! {}, text_line("F1", 12.0, 72.0, 400.0, text).as_bytes());
        self.page(content.into(), dictionary! { "Font" => dictionary! { "F1" => font } })
    }

    /// The finished file.
    pub fn into_bytes(mut self) -> Vec<u8> {
        let count = self.kids.len() as i64;
        let kids = std::mem::take(&mut self.kids);
        self.doc.objects.insert(
            self.pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
        );
        let catalog = self.add(dictionary! { "Type" => "Catalog", "Pages" => self.pages_id });
        self.doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        self.doc.save_to(&mut bytes).expect("save");
        bytes
    }
}

/// One line of text: `BT /font size Tf x y Td (text) Tj ET`.
pub fn text_line(font: &str, size: f32, x: f32, y: f32, text: &str) -> String {
    format!("BT /{font} {size} Tf {x} {y} Td ({text}) Tj ET\n")
}

/// `data` zlib-compressed.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("compress");
    encoder.finish().expect("compress")
}

/// `len` zero bytes zlib-compressed, streamed so that they are never all in memory
/// (fast compression: zeros compress ~200:1 at several GiB/s).
pub fn zlib_zeros(len: u64) -> Vec<u8> {
    let chunk = vec![0u8; 1 << 20];
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        encoder.write_all(&chunk[..n]).expect("compress");
        left -= n as u64;
    }
    encoder.finish().expect("compress")
}
