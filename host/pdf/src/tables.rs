//! Tables: runs of lines made of several gap-separated cells, rendered one row per line.

use crate::layout::Line;

/// Separator between cells in a rendered row.
pub(crate) const CELL_SEPARATOR: &str = " | ";

/// True when a line looks like a table row: two or more cells separated by wide gaps.
pub(crate) fn is_row(line: &Line<'_>) -> bool {
    line.fragments.len() >= 2
}

/// A table being assembled: rows of cells with the x position where each cell starts.
#[derive(Debug, Default)]
pub(crate) struct TableBuilder {
    rows: Vec<Vec<(f32, String)>>,
    /// Right edges of the header row's cells.
    header_ends: Vec<f32>,
}

/// Centers of the header cells, given their left edges and right edges.
fn header_centers(header: &[(f32, String)], ends: &[f32]) -> Vec<f32> {
    header.iter().zip(ends).map(|((x0, _), x1)| (x0 + x1) / 2.0).collect()
}

impl TableBuilder {
    /// Adds a row of cells. A row with fewer cells than the header is split at word
    /// boundaries under the header's columns (stat-block ability scores are set with gaps
    /// too small to separate cells on their own).
    pub(crate) fn push_row(&mut self, line: &Line<'_>) {
        if self.rows.is_empty() {
            self.header_ends = line.fragments.iter().map(|f| f.x1).collect();
        }
        let row = match self.split_under_header(line) {
            Some(cells) => cells,
            None => line.fragments.iter().map(|f| (f.x0, f.text.clone())).collect(),
        };
        self.rows.push(row);
    }

    /// Whether `line` would be split into two or more cells under the header's columns.
    pub(crate) fn splits_under_header(&self, line: &Line<'_>) -> bool {
        self.split_under_header(line).is_some_and(|cells| cells.len() >= 2)
    }

    fn split_under_header(&self, line: &Line<'_>) -> Option<Vec<(f32, String)>> {
        let header = self.rows.first()?;
        if header.len() < 3 || line.fragments.len() >= header.len() {
            return None;
        }
        let centers: Vec<f32> = header_centers(header, &self.header_ends);
        let mut cells: Vec<(usize, f32, String)> = Vec::new();
        // Gaps between words in the same cell, and between words in different cells.
        let (mut inner_gap, mut boundary_gap) = (0.0f32, f32::INFINITY);
        for fragment in &line.fragments {
            let mut previous_end: Option<f32> = None;
            let texts: Vec<&str> = fragment.text.split(' ').collect();
            if texts.len() != fragment.words.len() {
                return None;
            }
            for (text, &(x0, x1)) in texts.iter().zip(&fragment.words) {
                let mid = (x0 + x1) / 2.0;
                let column = centers
                    .iter()
                    .enumerate()
                    .min_by(|a, b| (a.1 - mid).abs().total_cmp(&(b.1 - mid).abs()))
                    .map(|(i, _)| i)?;
                let gap = previous_end.map(|end| x0 - end);
                previous_end = Some(x1);
                match cells.last_mut() {
                    Some((c, _, cell)) if *c == column => {
                        cell.push(' ');
                        cell.push_str(text);
                        inner_gap = inner_gap.max(gap.unwrap_or(0.0));
                    }
                    Some((c, _, _)) if *c > column => return None,
                    _ => {
                        if let Some(gap) = gap {
                            boundary_gap = boundary_gap.min(gap);
                        }
                        cells.push((column, x0, (*text).to_string()));
                    }
                }
            }
        }
        // Cell boundaries must be clearly wider than the spaces inside cells.
        let clear = boundary_gap > (inner_gap * 1.5).max(line.size * 0.4);
        (cells.len() >= 2 && clear).then(|| cells.into_iter().map(|(_, x, t)| (x, t)).collect())
    }

    /// Number of rows so far.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Appends a lone fragment line to the cell of the previous row it lines up with
    /// (a wrapped cell). Returns false if it does not line up with a non-first cell.
    pub(crate) fn continue_cell(&mut self, line: &Line<'_>) -> bool {
        let Some(row) = self.rows.last_mut() else {
            return false;
        };
        if line.fragments.len() != 1 || row.len() < 2 {
            return false;
        }
        let x = line.x0;
        let Some((index, _)) =
            row.iter().enumerate().min_by(|a, b| (a.1.0 - x).abs().total_cmp(&(b.1.0 - x).abs()))
        else {
            return false;
        };
        if index == 0 || (row[index].0 - x).abs() > line.size * 1.5 {
            return false;
        }
        let cell = &mut row[index].1;
        cell.push(' ');
        cell.push_str(&line.text());
        true
    }

    /// The table as text, one row per line.
    pub(crate) fn render(&self) -> String {
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join(CELL_SEPARATOR))
            .collect();
        rows.join("\n")
    }
}
