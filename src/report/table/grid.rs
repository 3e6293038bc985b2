//! A table laid out and drawn exactly as comfy-table 8 draws a `Dynamic` table of a fixed
//! width in its `UTF8_FULL_CONDENSED` style (one space of padding each side, text aligned
//! left, words wrapped at spaces), with none of its cost: comfy-table splits, measures and
//! wraps every cell several times and holds the whole drawing before the first line is
//! written; here each line is measured once, a row is drawn when it is written, and ASCII
//! text is measured by its length. The findings table of a 1 MiB aws-auth (2,803 rows) took
//! ~40 ms with comfy-table. A test draws the same tables with comfy-table and compares them
//! byte for byte.
//!
//! The steps are comfy-table's (`utils/arrangement/dynamic.rs`, `utils/formatting/`): each
//! column's widest line; columns narrower than the average room left keep their width; then
//! columns whose lines, wrapped at the average, leave at least 3 columns unused keep that
//! wrapped width; the rest share what is left evenly.

use std::io::{self, Write};

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::infra::escape::is_printable_ascii;

/// A cell: its text (lines split at `\n`) and, when the table is coloured, its colour as an
/// SGR foreground parameter (`5;9` is bright red).
pub struct GridCell {
    pub text: String,
    pub color: Option<&'static str>,
}

impl GridCell {
    pub fn plain(text: String) -> GridCell {
        GridCell { text, color: None }
    }
}

/// The terminal columns a text takes (comfy-table's measure: `unicode-width`).
fn width_of(text: &str) -> usize {
    if is_printable_ascii(text) {
        text.len()
    } else {
        text.width()
    }
}

/// Appends `count` spaces.
fn push_spaces(line: &mut String, mut count: usize) {
    const SPACES: &str = "                                                                ";
    while count > 0 {
        let now = count.min(SPACES.len());
        line.push_str(&SPACES[..now]);
        count -= now;
    }
}

/// Where the columns end up: each one's content width (padding not included).
fn arrange(
    max_widths: &[usize],
    header: &[&str],
    rows: &[Vec<GridCell>],
    width: usize,
) -> Vec<usize> {
    let count = max_widths.len();
    let borders = 2 + count.saturating_sub(1);
    let mut remaining = width.saturating_sub(borders).saturating_sub(2 * count);
    let mut decided: Vec<Option<usize>> = vec![None; count];
    let mut undecided = count;
    let average =
        |remaining: usize, undecided: usize| remaining.checked_div(undecided).unwrap_or(0);
    // Fixes a column at `content`; whether any column is left undecided.
    let fix = |decided: &mut Vec<Option<usize>>,
               remaining: &mut usize,
               undecided: &mut usize,
               column: usize,
               content: usize| {
        decided[column] = Some(content.max(1));
        *remaining = remaining.saturating_sub(content);
        *undecided -= 1;
        *undecided > 0
    };

    // Columns whose widest line fits into the average room.
    let mut found = true;
    while found {
        found = false;
        if undecided == 0 || average(remaining, undecided) == 0 {
            break;
        }
        for column in 0..count {
            if decided[column].is_some() {
                continue;
            }
            if max_widths[column] <= average(remaining, undecided) {
                let left = fix(
                    &mut decided,
                    &mut remaining,
                    &mut undecided,
                    column,
                    max_widths[column],
                );
                if !left {
                    break;
                }
                found = true;
            }
        }
    }
    // Columns whose lines, wrapped at the average room, leave 3 or more of it unused.
    let mut found = undecided > 0;
    while found {
        found = false;
        for column in 0..count {
            if decided[column].is_some() {
                continue;
            }
            let room = average(remaining, undecided);
            // The widest wrapped line, read until it is too wide to fix the column (it only
            // grows: the rest of a long column need not be wrapped to know that).
            let mut longest = 0;
            for line in column_lines(header, rows, column) {
                let line_width = width_of(line);
                let widest = if line_width > room {
                    let mut widest = 0;
                    wrap(line, room.clamp(1, usize::from(u16::MAX)), |part| {
                        widest = widest.max(width_of(part));
                    });
                    widest
                } else {
                    line_width
                };
                longest = longest.max(widest);
                if room.saturating_sub(longest) < 3 {
                    break;
                }
            }
            if room.saturating_sub(longest) >= 3 {
                let left = fix(
                    &mut decided,
                    &mut remaining,
                    &mut undecided,
                    column,
                    longest.min(usize::from(u16::MAX)),
                );
                if !left {
                    break;
                }
                found = true;
            }
        }
    }
    // The rest share what is left, the first ones one wider when it does not divide.
    if undecided > 0 {
        let share = remaining.max(undecided);
        let (each, excess) = (share / undecided, share % undecided);
        let open = decided.iter_mut().filter(|slot| slot.is_none());
        for (index, slot) in open.enumerate() {
            let extra = usize::from(index < excess);
            *slot = Some((each + extra).clamp(1, usize::from(u16::MAX)));
        }
    }
    decided.into_iter().map(|w| w.unwrap_or(1)).collect()
}

/// A line wrapped to `width` columns as comfy-table's `split_line` wraps it: words (split at
/// single spaces) packed greedily, a line closed once fewer than 3 columns are left, a word
/// longer than a line cut where it reaches the edge (by grapheme when it is not ASCII). Each
/// piece is a stretch of `line` (the spaces between two lines dropped).
fn wrap<'a>(line: &'a str, width: usize, mut piece: impl FnMut(&'a str)) {
    const MIN_FREE: usize = 2;
    let offset = |part: &str| part.as_ptr() as usize - line.as_ptr() as usize;
    let mut words = line.split(' ');
    // A word put back (or the rest of a cut one), read before the next.
    let mut pending: Option<&'a str> = None;
    // The line being filled, as a byte range of `line` (empty: nothing in it yet).
    let (mut start, mut end, mut filled) = (0, 0, 0);
    while let Some(word) = pending.take().or_else(|| words.next()) {
        let empty = start == end;
        let word_width = width_of(word);
        let added = word_width + filled + usize::from(!empty);
        let room = (width - filled).saturating_sub(usize::from(!empty));
        if added <= width {
            if empty {
                start = offset(word);
            } else {
                filled += 1;
            }
            end = offset(word) + word.len();
            filled += word_width;
        } else if !empty && room <= MIN_FREE {
            pending = Some(word);
            piece(&line[start..end]);
            (start, end, filled) = (0, 0, 0);
            continue;
        } else if word_width > width {
            let (head, tail) = split_long_word(room, word);
            if empty && head.is_empty() {
                let first = tail.chars().next().map_or(0, char::len_utf8);
                let cut = &tail[..first];
                piece(cut);
                pending = Some(&tail[first..]);
            } else {
                let from = if empty { offset(head) } else { start };
                piece(&line[from..offset(head) + head.len()]);
                pending = Some(tail);
            }
            (start, end, filled) = (0, 0, 0);
            continue;
        } else {
            piece(&line[start..end]);
            (start, end, filled) = (offset(word), offset(word) + word.len(), word_width);
        }
        if filled > width.saturating_sub(MIN_FREE) {
            piece(&line[start..end]);
            (start, end, filled) = (0, 0, 0);
        }
    }
    if start != end {
        piece(&line[start..end]);
    }
}

/// A word cut so that its head takes at most `width` columns: after the last `/` or `:` that
/// fits (an ARN, a route or a path breaks between its parts, never inside a name) when that
/// keeps at least a third of the line, else where it reaches the edge. comfy-table cuts only at the
/// edge; this is where the two differ.
fn split_long_word(width: usize, word: &str) -> (&str, &str) {
    let (head, tail) = cut_at_edge(width, word);
    if !tail.is_empty()
        && let Some(at) = head.rfind(['/', ':'])
        && 3 * (at + 1) >= head.len()
    {
        return word.split_at(at + 1);
    }
    (head, tail)
}

/// A word cut where its head reaches `width` columns.
fn cut_at_edge(width: usize, word: &str) -> (&str, &str) {
    if is_printable_ascii(word) {
        return word.split_at(word.len().min(width));
    }
    let mut taken = 0;
    let mut at = word.len();
    for (index, grapheme) in word.grapheme_indices(true) {
        let grapheme_width = grapheme.width();
        if taken + grapheme_width > width {
            at = index;
            break;
        }
        taken += grapheme_width;
    }
    word.split_at(at)
}

/// Every line of a column's cells, the header's first.
fn column_lines<'a>(
    header: &'a [&str],
    rows: &'a [Vec<GridCell>],
    column: usize,
) -> impl Iterator<Item = &'a str> {
    header[column].split('\n').chain(
        rows.iter()
            .filter_map(move |row| row.get(column))
            .flat_map(|cell| cell.text.split('\n')),
    )
}

/// Draws `header` and `rows` at `width` columns, a line at a time.
pub fn write(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<GridCell>],
    width: usize,
) -> io::Result<()> {
    let count = header.len();
    let mut max_widths: Vec<usize> = header.iter().map(|h| width_of(h).max(1)).collect();
    for row in rows {
        for (column, cell) in row.iter().enumerate().take(count) {
            let widest = cell.text.split('\n').map(width_of).max().unwrap_or(0);
            max_widths[column] = max_widths[column].max(widest.clamp(1, usize::from(u16::MAX)));
        }
    }
    let widths = arrange(&max_widths, header, rows, width);

    rule(out, &widths, ['┌', '─', '┬', '┐'])?;
    let header_cells: Vec<GridCell> = header
        .iter()
        .map(|h| GridCell::plain(h.to_string()))
        .collect();
    draw_row(out, &header_cells, &widths)?;
    rule(out, &widths, ['╞', '═', '╪', '╡'])?;
    for row in rows {
        draw_row(out, row, &widths)?;
    }
    rule(out, &widths, ['└', '─', '┴', '┘'])
}

fn rule(
    out: &mut impl Write,
    widths: &[usize],
    [left, fill, junction, right]: [char; 4],
) -> io::Result<()> {
    let mut line = String::new();
    line.push(left);
    for (i, width) in widths.iter().enumerate() {
        if i > 0 {
            line.push(junction);
        }
        line.extend(std::iter::repeat_n(fill, width + 2));
    }
    line.push(right);
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// One row: each cell's lines wrapped to its column, padded, coloured, side by side.
fn draw_row(out: &mut impl Write, row: &[GridCell], widths: &[usize]) -> io::Result<()> {
    let columns: Vec<Vec<&str>> = widths
        .iter()
        .enumerate()
        .map(|(column, &content)| {
            let mut pieces = Vec::new();
            if let Some(cell) = row.get(column) {
                for line in cell.text.split('\n') {
                    if width_of(line) > content {
                        wrap(line, content, |piece| pieces.push(piece));
                    } else {
                        pieces.push(line);
                    }
                }
            }
            pieces
        })
        .collect();
    let height = columns.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut line = String::new();
    for index in 0..height {
        line.clear();
        line.push('│');
        for (column, pieces) in columns.iter().enumerate() {
            if column > 0 {
                line.push('┆');
            }
            let content = widths[column];
            match (pieces.get(index), row.get(column)) {
                (Some(piece), Some(cell)) => {
                    if let Some(sgr) = cell.color {
                        line.push_str("\x1b[38;");
                        line.push_str(sgr);
                        line.push('m');
                    }
                    line.push(' ');
                    line.push_str(piece);
                    push_spaces(&mut line, content.saturating_sub(width_of(piece)) + 1);
                    if cell.color.is_some() {
                        line.push_str("\x1b[39m");
                    }
                }
                _ => push_spaces(&mut line, content + 2),
            }
        }
        line.push('│');
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

    /// The same table drawn by comfy-table, the reference.
    fn by_comfy_table(header: &[&str], rows: &[Vec<GridCell>], width: usize) -> String {
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width as u16)
            .set_header(header.to_vec());
        let mut colored = false;
        for row in rows {
            table.add_row(row.iter().map(|cell| {
                let mut drawn = Cell::new(&cell.text);
                if let Some(sgr) = cell.color {
                    colored = true;
                    drawn = drawn.fg(match sgr {
                        "5;13" => Color::Magenta,
                        "5;9" => Color::Red,
                        "5;11" => Color::Yellow,
                        "5;12" => Color::Blue,
                        _ => Color::Grey,
                    });
                }
                drawn
            }));
        }
        if colored {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.lines().map(|line| line + "\n").collect()
    }

    fn by_grid(header: &[&str], rows: &[Vec<GridCell>], width: usize) -> String {
        let mut out = Vec::new();
        write(&mut out, header, rows, width).expect("writing into memory");
        String::from_utf8(out).expect("UTF-8")
    }

    /// A small deterministic generator (xorshift), so a failure can be replayed.
    struct Random(u64);

    impl Random {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        /// Text of words of every length (past any column's width too), runs of spaces,
        /// line breaks, and characters of width 0 and 2.
        fn text(&mut self) -> String {
            const PARTS: &[&str] = &[
                "a",
                "ab",
                "word",
                "mapRoles",
                // No `/` or `:`: a long word with them breaks after one, where comfy-table cuts
                // at the edge (tested apart).
                "arn-aws-iam--111122223333-role-x",
                " ",
                "  ",
                "\n",
                "é",
                "漢字",
                "🎉",
                "e\u{301}",
                "\u{200b}",
                "›",
                "-",
            ];
            let mut text = String::new();
            for _ in 0..self.below(40) {
                if self.below(8) == 0 {
                    let long = self.below(120);
                    text.extend(std::iter::repeat_n('x', long));
                } else {
                    text.push_str(PARTS[self.below(PARTS.len())]);
                }
                if self.below(2) == 0 {
                    text.push(' ');
                }
            }
            text
        }
    }

    #[test]
    fn tables_are_drawn_as_comfy_table_draws_them() {
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        let headers = ["severity", "rule", "location", "finding", "x", ""];
        for round in 0..400 {
            let columns = 1 + random.below(5);
            let header = &headers[..columns];
            let width = [12, 20, 40, 80, 160][random.below(5)];
            let colored = random.below(4) == 0;
            let rows: Vec<Vec<GridCell>> = (0..1 + random.below(6))
                .map(|_| {
                    (0..columns)
                        .map(|column| GridCell {
                            text: random.text(),
                            color: (colored && column == 0).then_some("5;9"),
                        })
                        .collect()
                })
                .collect();
            assert_eq!(
                by_grid(header, &rows, width),
                by_comfy_table(header, &rows, width),
                "round {round}: width {width}, rows {:?}",
                rows.iter()
                    .map(|r| r.iter().map(|c| c.text.as_str()).collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            );
        }
    }

    /// An ARN too long for its column breaks after a `:` or `/`, never inside a name.
    #[test]
    fn a_long_arn_breaks_between_its_parts() {
        let arn = "arn:aws:iam::111122223333:role/platform/eks-cluster-administrators";
        let mut pieces = Vec::new();
        wrap(arn, 30, |p| pieces.push(p));
        assert_eq!(
            pieces,
            [
                "arn:aws:iam::111122223333:",
                "role/platform/",
                "eks-cluster-administrators"
            ]
        );
        // Without a separator in reach, the edge.
        let mut pieces = Vec::new();
        wrap("x:abcdefghijklmnopqrstuvwxyz", 10, |p| pieces.push(p));
        assert_eq!(pieces, ["x:abcdefgh", "ijklmnopqr", "stuvwxyz"]);
    }

    #[test]
    fn every_severity_colour_is_comfy_tables() {
        let header = ["severity"];
        for sgr in ["5;13", "5;9", "5;11", "5;12", "5;7"] {
            let rows = vec![vec![GridCell {
                text: "high\nsecond line".into(),
                color: Some(sgr),
            }]];
            assert_eq!(
                by_grid(&header, &rows, 160),
                by_comfy_table(&header, &rows, 160)
            );
        }
    }
}
