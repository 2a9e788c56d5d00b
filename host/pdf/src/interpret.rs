//! Content-stream interpretation: runs the text and graphics state machine of one page and
//! records every glyph with its position, size and style.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::sync::Arc;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use crate::budget::{Budget, PageMeter};
use crate::fonts::{Font, FontCache, PageFonts};
use crate::glyph_text::{GlyphText, decode_text_string, normalize_glyph};
use crate::lexer::{Lexer, Operand, Token};
use crate::objects::{as_dict, get, get_array, get_dict, get_name, number, resolve, stream_bytes};

/// Why a page could not be interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PageFailure {
    /// The page object or all of its content streams are damaged (in words).
    Damaged(String),
    /// Reading the page would exceed this budget.
    OverBudget(Budget),
}

/// What one draw of a Form XObject costs on top of its content, in bytes of the decompression
/// budgets: setting a draw up (resources, matrix, state) is worth about as much work as
/// interpreting that much content, so a tiny, empty or undecodable form drawn millions of
/// times is stopped by the byte budgets instead of running until the page's time is up.
const FORM_DRAW_MIN_BYTES: u64 = 1024;

impl From<Budget> for PageFailure {
    fn from(budget: Budget) -> Self {
        PageFailure::OverBudget(budget)
    }
}

/// One character drawn on the page, in top-down page coordinates (points).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextChar {
    /// The character (`' '` for any blank glyph).
    pub(crate) c: char,
    /// Left edge.
    pub(crate) x0: f32,
    /// Right edge.
    pub(crate) x1: f32,
    /// Baseline, measured down from the top of the page.
    pub(crate) y: f32,
    /// Effective font size in points.
    pub(crate) size: f32,
    /// Bold font.
    pub(crate) bold: bool,
    /// Italic font.
    pub(crate) italic: bool,
    /// Drawn inside `/Artifact` marked content (page furniture in tagged PDFs).
    pub(crate) artifact: bool,
}

/// Everything the interpreter found on a page.
#[derive(Debug, Default)]
pub(crate) struct PageContent {
    /// Characters in drawing order.
    pub(crate) chars: Vec<TextChar>,
    /// Glyphs whose code had no Unicode text.
    pub(crate) unknown_glyphs: u32,
    /// Images drawn (XObject images and inline images).
    pub(crate) images: u32,
    /// Problems met (damaged streams and the like), in words.
    pub(crate) problems: Vec<String>,
    /// Width of the page in points.
    pub(crate) width: f32,
    /// Height of the page in points.
    pub(crate) height: f32,
}

type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a × b` in PDF's row-vector convention (apply `a`, then `b`).
fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
}

#[derive(Clone)]
struct GraphicsState {
    ctm: Matrix,
    font: Option<Arc<Font>>,
    font_size: f32,
    char_spacing: f32,
    word_spacing: f32,
    horizontal_scale: f32,
    leading: f32,
    rise: f32,
}

impl Default for GraphicsState {
    fn default() -> Self {
        GraphicsState {
            ctm: IDENTITY,
            font: None,
            font_size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            horizontal_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        }
    }
}

/// A marked-content sequence carrying `/ActualText`, waiting for its `EMC`.
struct ActualText {
    depth: usize,
    text: String,
    first_char: usize,
}

struct Interpreter<'a> {
    doc: &'a Document,
    fonts: PageFonts<'a>,
    meter: PageMeter<'a>,
    out: PageContent,
    state: GraphicsState,
    stack: Vec<GraphicsState>,
    text_matrix: Matrix,
    line_matrix: Matrix,
    /// Page space → top-down coordinates.
    page_matrix: Matrix,
    marked: Vec<bool>,
    artifact_depth: usize,
    actual_text: Vec<ActualText>,
    form_stack: Vec<ObjectId>,
    /// Content streams and forms decoded so far (`None`: undecodable), by object id. Each use
    /// is charged again; the cache only saves decoding the same stream again, and holds no
    /// more than the page's byte budget, since every stream in it was charged at least once.
    decoded: HashMap<ObjectId, Option<Rc<Vec<u8>>>>,
}

/// Interprets the content of page `page_id` and returns its characters, charging every
/// stream, operator, glyph and font table to `meter`.
///
/// The page's content streams are decoded and run one at a time (operands carry over from
/// one stream to the next, as the streams form one sequence), so only the stream being run
/// and the forms it is drawing are held in memory.
pub(crate) fn interpret_page<'a>(
    doc: &'a Document,
    fonts: &'a FontCache,
    meter: PageMeter<'a>,
    page_id: ObjectId,
) -> Result<PageContent, PageFailure> {
    let page = doc
        .get_dictionary(page_id)
        .map_err(|e| PageFailure::Damaged(format!("the page object cannot be read ({e})")))?;
    let media = inherited(doc, page, b"CropBox")
        .or_else(|| inherited(doc, page, b"MediaBox"))
        .and_then(|o| page_box(doc, o))
        .unwrap_or([0.0, 0.0, 612.0, 792.0]);
    let (x0, y0, x1, y1) =
        (media[0].min(media[2]), media[1].min(media[3]), media[0].max(media[2]), media[1].max(media[3]));
    let resources = inherited(doc, page, b"Resources").and_then(as_dict);

    let mut interpreter = Interpreter {
        doc,
        fonts: PageFonts::new(fonts),
        meter,
        out: PageContent { width: x1 - x0, height: y1 - y0, ..PageContent::default() },
        state: GraphicsState::default(),
        stack: Vec::new(),
        text_matrix: IDENTITY,
        line_matrix: IDENTITY,
        page_matrix: [1.0, 0.0, 0.0, -1.0, -x0, y1],
        marked: Vec::new(),
        artifact_depth: 0,
        actual_text: Vec::new(),
        form_stack: Vec::new(),
        decoded: HashMap::new(),
    };

    let mut operands: Vec<Operand> = Vec::with_capacity(8);
    let content_ids = doc.get_page_contents(page_id);
    if content_ids.is_empty() && page.get(b"Contents").is_ok() {
        // Contents present but not references to streams: maybe an inline stream.
        if let Some(Object::Stream(s)) = get(doc, page, b"Contents") {
            match stream_bytes(s, &mut interpreter.meter)? {
                Some(bytes) => interpreter.run(&bytes, resources, 0, &mut operands)?,
                None => interpreter.out.problems.push("the content stream cannot be decompressed".into()),
            }
        }
    }
    let mut failed = 0;
    for id in &content_ids {
        match doc.get_object(*id) {
            Ok(Object::Stream(s)) => match interpreter.stream_content(Some(*id), s)? {
                Some(bytes) => interpreter.run(&bytes, resources, 0, &mut operands)?,
                None => failed += 1,
            },
            _ => failed += 1,
        }
    }
    if failed > 0 {
        interpreter.out.problems.push(format!(
            "{failed} of {} content streams cannot be read or decompressed",
            content_ids.len()
        ));
        if failed == content_ids.len() {
            return Err(PageFailure::Damaged(interpreter.out.problems.join("; ")));
        }
    }
    Ok(interpreter.out)
}

/// A page attribute, looked up through the `/Parent` chain when it is inheritable.
fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..64 {
        if let Some(value) = get(doc, node, key) {
            return Some(value);
        }
        node = get_dict(doc, node, b"Parent")?;
    }
    None
}

fn page_box(doc: &Document, object: &Object) -> Option<[f32; 4]> {
    let Object::Array(items) = object else { return None };
    if items.len() != 4 {
        return None;
    }
    let mut out = [0.0; 4];
    for (slot, item) in out.iter_mut().zip(items) {
        *slot = resolve(doc, item).and_then(number)?;
    }
    Some(out)
}

fn numbers<const N: usize>(operands: &[Operand]) -> Option<[f32; N]> {
    if operands.len() < N {
        return None;
    }
    let start = operands.len() - N;
    let mut out = [0.0; N];
    for (slot, op) in out.iter_mut().zip(&operands[start..]) {
        *slot = op.number()?;
    }
    Some(out)
}

fn last_name(operands: &[Operand]) -> Option<&[u8]> {
    operands.iter().rev().find_map(|o| match o {
        Operand::Name(n) => Some(n.as_slice()),
        _ => None,
    })
}

impl<'a> Interpreter<'a> {
    /// The decoded bytes of the stream `id`, charged at every use but decoded once per page.
    fn stream_content(
        &mut self,
        id: Option<ObjectId>,
        stream: &Stream,
    ) -> Result<Option<Rc<Vec<u8>>>, Budget> {
        if let Some(cached) = id.and_then(|id| self.decoded.get(&id)) {
            let cached = cached.clone();
            if let Some(bytes) = &cached {
                self.meter.charge_decompressed(bytes.len() as u64)?;
            }
            return Ok(cached);
        }
        let bytes = stream_bytes(stream, &mut self.meter)?.map(Rc::new);
        if let Some(id) = id {
            self.decoded.insert(id, bytes.clone());
        }
        Ok(bytes)
    }

    /// Runs one content stream; `operands` holds operands still waiting for their operator
    /// (from the previous stream of the page, or none).
    fn run(
        &mut self,
        data: &[u8],
        resources: Option<&'a Dictionary>,
        depth: usize,
        operands: &mut Vec<Operand>,
    ) -> Result<(), Budget> {
        let mut lexer = Lexer::new(data);
        while let Some(token) = lexer.next_token() {
            match token {
                Token::Operand(op) => {
                    if operands.len() < 64 {
                        operands.push(op);
                    }
                }
                Token::Operator(op) => {
                    self.meter.charge_operator()?;
                    if op == b"ID" {
                        self.out.images += 1;
                        lexer.skip_inline_image_data();
                    } else {
                        self.operator(op, operands, resources, depth)?;
                    }
                    operands.clear();
                }
            }
        }
        Ok(())
    }

    fn operator(
        &mut self,
        op: &[u8],
        operands: &[Operand],
        resources: Option<&'a Dictionary>,
        depth: usize,
    ) -> Result<(), Budget> {
        match op {
            b"q" if self.stack.len() < 256 => self.stack.push(self.state.clone()),
            b"Q" => {
                if let Some(state) = self.stack.pop() {
                    self.state = state;
                }
            }
            b"cm" => {
                if let Some(m) = numbers::<6>(operands) {
                    self.state.ctm = multiply(&m, &self.state.ctm);
                }
            }
            b"BT" => {
                self.text_matrix = IDENTITY;
                self.line_matrix = IDENTITY;
            }
            b"ET" => {}
            b"Tf" => {
                if let Some([size]) = numbers::<1>(operands) {
                    self.state.font_size = size;
                }
                if let Some(name) = last_name(operands) {
                    self.state.font = Some(self.font(resources, name)?);
                }
            }
            b"Tc" => {
                if let Some([v]) = numbers::<1>(operands) {
                    self.state.char_spacing = v;
                }
            }
            b"Tw" => {
                if let Some([v]) = numbers::<1>(operands) {
                    self.state.word_spacing = v;
                }
            }
            b"Tz" => {
                if let Some([v]) = numbers::<1>(operands) {
                    self.state.horizontal_scale = v / 100.0;
                }
            }
            b"TL" => {
                if let Some([v]) = numbers::<1>(operands) {
                    self.state.leading = v;
                }
            }
            b"Ts" => {
                if let Some([v]) = numbers::<1>(operands) {
                    self.state.rise = v;
                }
            }
            b"Td" => {
                if let Some([tx, ty]) = numbers::<2>(operands) {
                    self.next_line(tx, ty);
                }
            }
            b"TD" => {
                if let Some([tx, ty]) = numbers::<2>(operands) {
                    self.state.leading = -ty;
                    self.next_line(tx, ty);
                }
            }
            b"Tm" => {
                if let Some(m) = numbers::<6>(operands) {
                    self.text_matrix = m;
                    self.line_matrix = m;
                }
            }
            b"T*" => self.next_line(0.0, -self.state.leading),
            b"Tj" => {
                if let Some(Operand::Str(s)) = operands.last() {
                    self.show(s)?;
                }
            }
            b"'" => {
                self.next_line(0.0, -self.state.leading);
                if let Some(Operand::Str(s)) = operands.last() {
                    self.show(s)?;
                }
            }
            b"\"" => {
                if let Some([aw, ac]) = operands.get(..2).and_then(numbers::<2>) {
                    self.state.word_spacing = aw;
                    self.state.char_spacing = ac;
                }
                self.next_line(0.0, -self.state.leading);
                if let Some(Operand::Str(s)) = operands.last() {
                    self.show(s)?;
                }
            }
            b"TJ" => {
                if let Some(Operand::Array(items)) = operands.last() {
                    for item in items {
                        match item {
                            Operand::Str(s) => self.show(s)?,
                            Operand::Number(n) => {
                                let tx = -n / 1000.0 * self.state.font_size * self.state.horizontal_scale;
                                self.text_matrix =
                                    multiply(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &self.text_matrix);
                            }
                            _ => {}
                        }
                    }
                }
            }
            b"Do" => {
                if let Some(name) = last_name(operands) {
                    self.draw_xobject(resources, name, depth)?;
                }
            }
            b"BMC" | b"BDC" => self.begin_marked(operands, resources),
            b"EMC" => self.end_marked()?,
            _ => {}
        }
        Ok(())
    }

    fn next_line(&mut self, tx: f32, ty: f32) {
        self.line_matrix = multiply(&[1.0, 0.0, 0.0, 1.0, tx, ty], &self.line_matrix);
        self.text_matrix = self.line_matrix;
    }

    fn font(&mut self, resources: Option<&'a Dictionary>, name: &[u8]) -> Result<Arc<Font>, Budget> {
        let entry =
            resources.and_then(|r| get_dict(self.doc, r, b"Font")).and_then(|fonts| fonts.get(name).ok());
        match entry {
            Some(entry) => self.fonts.font_for(self.doc, entry, &mut self.meter),
            None => Ok(Font::fallback()),
        }
    }

    fn show(&mut self, bytes: &[u8]) -> Result<(), Budget> {
        let font = match &self.state.font {
            Some(f) => Arc::clone(f),
            None => {
                let f = Font::fallback();
                self.state.font = Some(Arc::clone(&f));
                f
            }
        };
        let st = &self.state;
        let (tfs, th) = (st.font_size, st.horizontal_scale);
        let (tc, tw, rise) = (st.char_spacing, st.word_spacing, st.rise);
        let device = multiply(&multiply(&self.text_matrix, &st.ctm), &self.page_matrix);
        let size = tfs * (device[2] * device[2] + device[3] * device[3]).sqrt();
        // Text runs left to right when the x axis maps onto the page's x axis.
        let upright = device[0].abs() > 4.0 * device[1].abs() && device[0] > 0.0;
        let artifact = self.artifact_depth > 0;
        let (bold, italic) = (font.bold, font.italic);
        let mut advance = 0.0f32;
        let mut unknown = 0u32;
        let chars = &mut self.out.chars;
        let meter = &mut self.meter;
        let flow = font.decode(bytes, |glyph| {
            if let Err(budget) = meter.charge_glyph() {
                return ControlFlow::Break(budget);
            }
            let width = glyph.width * tfs * th;
            let (sx, sy) = apply(&device, advance, rise);
            let (ex, _) = apply(&device, advance + width, rise);
            let mut push = |text: &str| -> Result<(), Budget> {
                let count = text.chars().count().max(1);
                // The glyph is charged above; a code whose text is several characters long
                // (a ligature, or a crafted ToUnicode string) pays for the rest.
                meter.charge_glyphs(count as u64 - 1)?;
                let step = (ex - sx) / count as f32;
                for (k, c) in text.chars().enumerate() {
                    let x0 = sx + step * k as f32;
                    chars.push(TextChar { c, x0, x1: x0 + step, y: sy, size, bold, italic, artifact });
                }
                Ok(())
            };
            let pushed = if upright && size > 0.5 {
                match normalize_glyph(glyph.text) {
                    GlyphText::Space => push(" "),
                    GlyphText::Text(t) => push(t),
                    GlyphText::Owned(t) => push(&t),
                    GlyphText::Unknown => {
                        unknown += 1;
                        Ok(())
                    }
                }
            } else {
                if glyph.text.is_empty() {
                    unknown += 1;
                }
                Ok(())
            };
            if let Err(budget) = pushed {
                return ControlFlow::Break(budget);
            }
            let spacing = tc + if glyph.is_space_code { tw } else { 0.0 };
            advance += width + spacing * th;
            ControlFlow::Continue(())
        });
        if let ControlFlow::Break(budget) = flow {
            return Err(budget);
        }
        self.out.unknown_glyphs += unknown;
        self.text_matrix = multiply(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], &self.text_matrix);
        Ok(())
    }

    /// Draws an XObject: counts an image; runs a form's content (charging its stream at
    /// every draw), unless it is nested too deeply or draws itself.
    fn draw_xobject(
        &mut self,
        resources: Option<&'a Dictionary>,
        name: &[u8],
        depth: usize,
    ) -> Result<(), Budget> {
        let doc = self.doc;
        let Some(xobjects) = resources.and_then(|r| get_dict(doc, r, b"XObject")) else {
            return Ok(());
        };
        let Ok(entry) = xobjects.get(name) else { return Ok(()) };
        let id = match entry {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        let Some(Object::Stream(stream)) = resolve(doc, entry) else {
            return Ok(());
        };
        match get_name(doc, &stream.dict, b"Subtype") {
            Some(b"Image") => self.out.images += 1,
            Some(b"Form") => {
                let max_depth = usize::try_from(self.meter.budgets().form_depth).unwrap_or(usize::MAX);
                if depth >= max_depth || id.is_some_and(|id| self.form_stack.contains(&id)) {
                    return Ok(());
                }
                self.meter.charge_decompressed(FORM_DRAW_MIN_BYTES)?;
                let Some(bytes) = self.stream_content(id, stream)? else {
                    const UNREADABLE: &str = "a form's content stream cannot be decompressed";
                    if !self.out.problems.iter().any(|p| p == UNREADABLE) {
                        self.out.problems.push(UNREADABLE.into());
                    }
                    return Ok(());
                };
                let form_resources = get_dict(doc, &stream.dict, b"Resources").or(resources);
                let matrix = get_array(doc, &stream.dict, b"Matrix")
                    .filter(|m| m.len() == 6)
                    .and_then(|m| {
                        let mut out = [0.0; 6];
                        for (slot, o) in out.iter_mut().zip(m) {
                            *slot = number(o)?;
                        }
                        Some(out)
                    })
                    .unwrap_or(IDENTITY);
                let saved_state = self.state.clone();
                let saved_stack = self.stack.len();
                let (saved_tm, saved_lm) = (self.text_matrix, self.line_matrix);
                self.state.ctm = multiply(&matrix, &self.state.ctm);
                if let Some(id) = id {
                    self.form_stack.push(id);
                }
                let result = self.run(&bytes, form_resources, depth + 1, &mut Vec::new());
                if id.is_some() {
                    self.form_stack.pop();
                }
                self.stack.truncate(saved_stack);
                self.state = saved_state;
                self.text_matrix = saved_tm;
                self.line_matrix = saved_lm;
                result?;
            }
            _ => {}
        }
        Ok(())
    }

    fn begin_marked(&mut self, operands: &[Operand], resources: Option<&'a Dictionary>) {
        let tag = operands.first().and_then(|o| match o {
            Operand::Name(n) => Some(n.as_slice()),
            _ => None,
        });
        let is_artifact = tag == Some(b"Artifact");
        self.marked.push(is_artifact);
        if is_artifact {
            self.artifact_depth += 1;
        }
        let actual = match operands.get(1) {
            Some(Operand::Dict(entries)) => entries.iter().find_map(|(k, v)| match (k.as_slice(), v) {
                (b"ActualText", Operand::Str(s)) => Some(decode_text_string(s)),
                _ => None,
            }),
            Some(Operand::Name(props)) => resources
                .and_then(|r| get_dict(self.doc, r, b"Properties"))
                .and_then(|p| get_dict(self.doc, p, props))
                .and_then(|d| match get(self.doc, d, b"ActualText") {
                    Some(Object::String(s, _)) => Some(decode_text_string(s)),
                    _ => None,
                }),
            _ => None,
        };
        if let Some(text) = actual {
            self.actual_text.push(ActualText {
                depth: self.marked.len(),
                text,
                first_char: self.out.chars.len(),
            });
        }
    }

    fn end_marked(&mut self) -> Result<(), Budget> {
        let depth = self.marked.len();
        if let Some(actual) = self.actual_text.last()
            && actual.depth == depth
            && let Some(actual) = self.actual_text.pop()
        {
            self.replace_with_actual_text(actual)?;
        }
        if let Some(was_artifact) = self.marked.pop()
            && was_artifact
        {
            self.artifact_depth = self.artifact_depth.saturating_sub(1);
        }
        Ok(())
    }

    /// Replaces the glyphs drawn inside an `/ActualText` span with that text, spread over
    /// the same horizontal extent (each character charged as a glyph).
    fn replace_with_actual_text(&mut self, actual: ActualText) -> Result<(), Budget> {
        let chars = &mut self.out.chars;
        if actual.first_char >= chars.len() {
            return Ok(());
        }
        let drawn: Vec<TextChar> = chars.drain(actual.first_char..).collect();
        let Some(first) = drawn.first().copied() else {
            return Ok(());
        };
        let x0 = drawn.iter().map(|c| c.x0).fold(f32::INFINITY, f32::min);
        let x1 = drawn.iter().map(|c| c.x1).fold(f32::NEG_INFINITY, f32::max);
        let mut text = String::new();
        for c in actual.text.chars() {
            match normalize_glyph(c.encode_utf8(&mut [0; 4])) {
                GlyphText::Space => text.push(' '),
                GlyphText::Text(t) => text.push_str(t),
                GlyphText::Owned(t) => text.push_str(&t),
                GlyphText::Unknown => {}
            }
        }
        let count = text.chars().count().max(1) as f32;
        let step = (x1 - x0) / count;
        for (k, c) in text.chars().enumerate() {
            self.meter.charge_glyph()?;
            let left = x0 + step * k as f32;
            chars.push(TextChar { c, x0: left, x1: left + step, ..first });
        }
        Ok(())
    }
}
