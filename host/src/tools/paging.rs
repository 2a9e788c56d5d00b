//! Paging for list tools: every list takes a `cursor` (from the previous page's
//! `next_cursor`) and a `limit`, and answers one page plus the cursor of the next.

use super::ToolError;

/// Items per page when the caller gives no `limit`.
pub const DEFAULT_LIMIT: usize = 50;
/// Most items one page holds.
pub const MAX_LIMIT: usize = 200;
/// What every cursor starts with (cursors are opaque to clients).
const CURSOR_PREFIX: &str = "p";

/// The page of `items` that starts at `cursor` and holds at most `limit` (default
/// [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]), and the cursor of the next page when there is one.
pub fn page<T>(
    items: Vec<T>,
    cursor: Option<&str>,
    limit: Option<usize>,
) -> Result<(Vec<T>, Option<String>), ToolError> {
    page_of(items, cursor, check_limit(limit)?)
}

/// [`page`] with a limit the caller has already checked.
pub fn page_of<T>(
    items: Vec<T>,
    cursor: Option<&str>,
    limit: usize,
) -> Result<(Vec<T>, Option<String>), ToolError> {
    let start = offset(cursor)?;
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let next = (start + page.len() < total).then(|| format!("{CURSOR_PREFIX}{}", start + page.len()));
    Ok((page, next))
}

/// Where a cursor starts (0 without one).
pub fn offset(cursor: Option<&str>) -> Result<usize, ToolError> {
    match cursor {
        None => Ok(0),
        Some(cursor) => cursor.strip_prefix(CURSOR_PREFIX).and_then(|n| n.parse().ok()).ok_or_else(|| {
            ToolError::invalid(format!(
                "cursor {cursor:?} is not one this server gave: pass next_cursor as it came"
            ))
        }),
    }
}

/// The limit in force: the caller's, checked, or the default.
pub fn check_limit(limit: Option<usize>) -> Result<usize, ToolError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ToolError::invalid(format!("limit must be between 1 and {MAX_LIMIT}, not {n}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_each_other_and_end() {
        let items: Vec<u32> = (0..5).collect();
        let (first, next) = page(items.clone(), None, Some(2)).unwrap();
        assert_eq!((first, next.as_deref()), (vec![0, 1], Some("p2")));
        let (second, next) = page(items.clone(), next.as_deref(), Some(2)).unwrap();
        assert_eq!((second, next.as_deref()), (vec![2, 3], Some("p4")));
        let (last, next) = page(items.clone(), next.as_deref(), Some(2)).unwrap();
        assert_eq!((last, next), (vec![4], None));
        assert!(page(items.clone(), Some("nonsense"), None).is_err());
        assert!(page(items, None, Some(0)).is_err());
    }
}
