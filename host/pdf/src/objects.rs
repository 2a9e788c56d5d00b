//! Small helpers for reading lopdf objects leniently (references followed, wrong types → `None`).

use lopdf::{DecompressError, Dictionary, Document, Object, Stream};

use crate::budget::{Budget, PageMeter};

/// Follows references (a bounded number of times) to the object they point at.
pub(crate) fn resolve<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    let mut current = object;
    for _ in 0..32 {
        match current {
            Object::Reference(id) => current = doc.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}

/// The value under `key`, references followed.
pub(crate) fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    resolve(doc, dict.get(key).ok()?)
}

/// The dictionary under `key` (a stream's dictionary also counts).
pub(crate) fn get_dict<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
    as_dict(get(doc, dict, key)?)
}

/// The object as a dictionary (a stream's dictionary also counts).
pub(crate) fn as_dict(object: &Object) -> Option<&Dictionary> {
    match object {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// The stream under `key`.
pub(crate) fn get_stream<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Stream> {
    match get(doc, dict, key)? {
        Object::Stream(s) => Some(s),
        _ => None,
    }
}

/// The array under `key`.
pub(crate) fn get_array<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a [Object]> {
    match get(doc, dict, key)? {
        Object::Array(a) => Some(a),
        _ => None,
    }
}

/// The name under `key`.
pub(crate) fn get_name<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    match get(doc, dict, key)? {
        Object::Name(n) => Some(n),
        _ => None,
    }
}

/// The number under `key`.
pub(crate) fn get_number(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<f32> {
    number(get(doc, dict, key)?)
}

/// The object as a number (integer or real).
pub(crate) fn number(object: &Object) -> Option<f32> {
    match object {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// A stream's decoded bytes, charged to the page's (and the file's) budget.
///
/// The stream is decoded by lopdf's bounded decoder, which stops inflating one byte past what
/// is left of the budget, so a decompression bomb costs at most the budget and never holds
/// more. `Ok(None)` if the stream cannot be decoded (lopdf gives back what it could decode of a
/// corrupt stream, so data that decodes to nothing at all counts as undecodable).
pub(crate) fn stream_bytes(stream: &Stream, meter: &mut PageMeter<'_>) -> Result<Option<Vec<u8>>, Budget> {
    meter.check_time()?;
    let (allowance, binding) = meter.decode_allowance();
    let limit = usize::try_from(allowance).unwrap_or(usize::MAX);
    if stream.dict.get(b"Filter").is_err() {
        if stream.content.len() > limit {
            return Err(binding);
        }
        meter.charge_decompressed(stream.content.len() as u64)?;
        return Ok(Some(stream.content.clone()));
    }
    let decoded = match stream.decompressed_content_with_limit(limit) {
        Ok(decoded) => decoded,
        Err(lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. })) => {
            // The decoder did that much work before it stopped: the file pays for it too.
            let _ = meter.charge_decompressed(allowance.saturating_add(1));
            return Err(binding);
        }
        Err(_) => return Ok(None),
    };
    meter.charge_decompressed(decoded.len() as u64)?;
    if decoded.is_empty() && !stream.content.is_empty() { Ok(None) } else { Ok(Some(decoded)) }
}
