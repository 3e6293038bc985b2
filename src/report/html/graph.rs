//! The access graph as inline SVG, laid out here (no library at view time). Each way in
//! becomes a path of five columns: the principal (one node per access-matrix row) → the way
//! in (aws-auth section, access entry type, hidden creator) → the Kubernetes identity it gets
//! (username, groups) → what grants the power (a group, a binding and its role, an access
//! policy and its scope) → the power tier.
//!
//! Rows are drawn in bands of the same tier, way in and effect (in effect, or not: the mode
//! ignores it, or EKS never matches its ARN), strongest tier first. A band is a `<details>`:
//! large bands and node roles are folded into a counted group that opens on demand, so a
//! cluster with hundreds of entries stays readable, and every band is independent of the
//! others, so folding needs no re-layout. Administrator bands are red; bands not in effect are
//! dashed. Every element of a principal's paths carries its class, so focusing or clicking a
//! principal traces it everywhere it appears (also in the access matrix's table).

use std::collections::{BTreeMap, HashMap};

use super::page::esc;
use super::view::MatrixRow;
use crate::model::access::Tier;

/// A band with more rows than this is folded by default.
pub const FOLD_ABOVE: usize = 12;

/// Column left edges and widths (pixels), principal to tier.
const X: [usize; 5] = [0, 330, 530, 810, 1170];
const W: [usize; 5] = [300, 170, 250, 330, 130];
const WIDTH: usize = 1306;
const NODE_H: usize = 32;
const PITCH: usize = 40;
const PAD: usize = 6;
/// Characters that fit a column's first line (11 px monospace) and second line (9.5 px).
const CHARS_11: f64 = 6.7;
const CHARS_9: f64 = 5.8;

/// The principals of a page, numbered by ARN: the class that ties a principal's nodes,
/// edges and table rows together is `PREFIX` + `p` + its number.
pub struct PrincipalClasses {
    prefix: String,
    numbers: BTreeMap<String, usize>,
}

impl PrincipalClasses {
    pub fn new(prefix: &str, rows: &[MatrixRow]) -> PrincipalClasses {
        let mut numbers = BTreeMap::new();
        for row in rows {
            let next = numbers.len();
            numbers.entry(row.arn.clone()).or_insert(next);
        }
        PrincipalClasses {
            prefix: prefix.to_string(),
            numbers,
        }
    }

    pub fn of(&self, arn: &str) -> String {
        format!(
            "{}p{}",
            self.prefix,
            self.numbers.get(arn).copied().unwrap_or(0)
        )
    }
}

/// Text cut to `chars` characters, keeping the end (where an ARN's name is).
fn fit_end(text: &str, chars: usize) -> String {
    let count = text.chars().count();
    if count <= chars {
        return text.to_string();
    }
    let tail: String = text.chars().skip(count + 1 - chars).collect();
    format!("…{tail}")
}

/// Text cut to `chars` characters, keeping the start.
fn fit(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let head: String = text.chars().take(chars - 1).collect();
    format!("{head}…")
}

fn chars_for(column: usize, per_char: f64) -> usize {
    ((W[column] - 14) as f64 / per_char) as usize
}

/// A principal's name and account: `role/eks-admins` and `111122223333`.
fn principal_lines(row: &MatrixRow) -> (String, String) {
    let (name, account) = match crate::model::arn::parse(&row.arn) {
        Ok(arn) => (arn.resource.to_string(), arn.account.to_string()),
        Err(_) => (row.arn.clone(), String::new()),
    };
    let mut second = account;
    if let Some(index) = row.index_label() {
        second = format!("{second} · {index}");
    }
    if row.never_matches {
        second = format!("{second} · never matches");
    }
    if row.changed {
        second = format!("{second} · changed");
    }
    (name, second.trim_start_matches(" · ").to_string())
}

fn identity_lines(row: &MatrixRow) -> (String, String) {
    let user = if row.username.is_empty() {
        "(no username)".to_string()
    } else {
        format!("user {}", row.username)
    };
    let groups = if row.groups.is_empty() {
        "no groups".to_string()
    } else {
        row.groups.join(", ")
    };
    (user, groups)
}

fn grant_lines(row: &MatrixRow) -> (String, String) {
    let second = if row.policies.is_empty() {
        String::new()
    } else {
        row.policies.join("; ")
    };
    (row.tier_reason.clone(), second)
}

/// One node: a rectangle, one or two lines of text, its full text as a tooltip.
struct Node<'a> {
    column: usize,
    y: usize,
    lines: (String, String),
    title: String,
    classes: Vec<&'a str>,
    kind: &'static str,
}

impl Node<'_> {
    fn svg(&self, out: &mut String, focusable: Option<(&str, &str)>) {
        let x = X[self.column];
        let (first, second) = &self.lines;
        let (first, second) = if self.column == 0 {
            (
                fit_end(first, chars_for(0, CHARS_11)),
                fit(second, chars_for(0, CHARS_9)),
            )
        } else {
            (
                fit(first, chars_for(self.column, CHARS_11)),
                fit(second, chars_for(self.column, CHARS_9)),
            )
        };
        let mut classes = self.classes.clone();
        classes.sort_unstable();
        classes.dedup();
        let classes = classes.join(" ");
        match focusable {
            Some((principal, label)) => out.push_str(&format!(
                "<g class=\"node {} {classes}\" data-p=\"{principal}\" tabindex=\"0\" role=\"button\" aria-pressed=\"false\" aria-label=\"{}\">",
                self.kind,
                esc(label)
            )),
            None => out.push_str(&format!("<g class=\"node {} {classes}\">", self.kind)),
        }
        out.push_str(&format!(
            "<title>{}</title><rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{NODE_H}\" rx=\"4\"/>",
            esc(&self.title),
            self.y,
            W[self.column]
        ));
        let text_x = x + 7;
        if second.is_empty() {
            out.push_str(&format!(
                "<text x=\"{text_x}\" y=\"{}\">{}</text>",
                self.y + NODE_H / 2 + 4,
                esc(&first)
            ));
        } else {
            out.push_str(&format!(
                "<text x=\"{text_x}\" y=\"{}\">{}</text><text class=\"sub\" x=\"{text_x}\" y=\"{}\">{}</text>",
                self.y + 13,
                esc(&first),
                self.y + 26,
                esc(&second)
            ));
        }
        out.push_str("</g>\n");
    }
}

fn edge(out: &mut String, from: (usize, usize), to: (usize, usize), classes: &[&str]) {
    let (x1, y1) = (X[from.0] + W[from.0], from.1 + NODE_H / 2);
    let (x2, y2) = (X[to.0], to.1 + NODE_H / 2);
    let mid = (x1 + x2) / 2;
    let mut classes = classes.to_vec();
    classes.sort_unstable();
    classes.dedup();
    out.push_str(&format!(
        "<path class=\"edge {}\" d=\"M{x1} {y1} C{mid} {y1} {mid} {y2} {x2} {y2}\"/>\n",
        classes.join(" ")
    ));
}

/// Spreads nodes wanting `centres` (in order) so that none overlaps the one before.
fn spread(centres: &[f64]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(centres.len());
    for centre in centres {
        let wanted = (centre - NODE_H as f64 / 2.0).max(PAD as f64) as usize;
        let y = match out.last() {
            Some(last) => wanted.max(last + PITCH),
            None => wanted,
        };
        out.push(y);
    }
    out
}

/// One band: its rows, all of one tier, way in and effect.
pub struct Band<'a> {
    pub tier: Tier,
    pub way_in: &'a str,
    pub live: bool,
    pub rows: Vec<&'a MatrixRow>,
}

impl Band<'_> {
    pub fn is_admin(&self) -> bool {
        self.live && matches!(self.tier, Tier::ClusterAdmin | Tier::Admin)
    }

    pub fn folded(&self) -> bool {
        self.rows.len() > FOLD_ABOVE || self.tier == Tier::Node
    }
}

/// The rows in bands, strongest tier first, in effect before not.
pub fn bands(rows: &[MatrixRow]) -> Vec<Band<'_>> {
    let mut by_key: BTreeMap<(std::cmp::Reverse<Tier>, bool, &str), Vec<&MatrixRow>> =
        BTreeMap::new();
    for row in rows {
        let live = row.in_effect && !row.never_matches;
        by_key
            .entry((std::cmp::Reverse(row.tier), !live, row.way_in()))
            .or_default()
            .push(row);
    }
    by_key
        .into_iter()
        .map(|((tier, not_live, way_in), mut rows)| {
            rows.sort_by_cached_key(|r| (identity_lines(r), r.tier_reason.clone(), r.arn.clone()));
            Band {
                tier: tier.0,
                way_in,
                live: !not_live,
                rows,
            }
        })
        .collect()
}

/// The SVG of one band.
fn band_svg(band: &Band<'_>, classes: &PrincipalClasses) -> String {
    let row_class: Vec<String> = band.rows.iter().map(|r| classes.of(&r.arn)).collect();
    // Identities and grants, each once, in the order the sorted rows first reach them.
    let mut identities: Vec<((String, String), Vec<usize>)> = Vec::new();
    let mut grants: Vec<((String, String), Vec<usize>)> = Vec::new();
    // Where each identity and grant sits in its list (a band may hold thousands of rows).
    let mut places: [HashMap<(String, String), usize>; 2] = [HashMap::new(), HashMap::new()];
    // For each identity and grant pair, the rows that take it.
    let mut pairs: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, row) in band.rows.iter().enumerate() {
        let mut at = [0usize; 2];
        for (slot, (list, key)) in [
            (&mut identities, identity_lines(row)),
            (&mut grants, grant_lines(row)),
        ]
        .into_iter()
        .enumerate()
        {
            at[slot] = match places[slot].get(&key) {
                Some(&found) => {
                    list[found].1.push(i);
                    found
                }
                None => {
                    places[slot].insert(key.clone(), list.len());
                    list.push((key, vec![i]));
                    list.len() - 1
                }
            };
        }
        pairs.entry((at[0], at[1])).or_default().push(i);
    }
    let row_y = |i: usize| PAD + i * PITCH;
    let centre = |members: &[usize]| {
        members
            .iter()
            .map(|&i| (row_y(i) + NODE_H / 2) as f64)
            .sum::<f64>()
            / members.len() as f64
    };
    let identity_y = spread(
        &identities
            .iter()
            .map(|(_, m)| centre(m))
            .collect::<Vec<_>>(),
    );
    let grant_y = spread(&grants.iter().map(|(_, m)| centre(m)).collect::<Vec<_>>());
    let all: Vec<usize> = (0..band.rows.len()).collect();
    let middle = spread(&[centre(&all)])[0];
    let bottom = [
        row_y(band.rows.len().saturating_sub(1)),
        identity_y.last().copied().unwrap_or(0),
        grant_y.last().copied().unwrap_or(0),
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    let height = bottom + NODE_H + PAD;
    let every: Vec<&str> = row_class.iter().map(String::as_str).collect();
    let members_classes = |members: &[usize]| -> Vec<&str> {
        members.iter().map(|&i| row_class[i].as_str()).collect()
    };

    let mut out = format!(
        "<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"group\" aria-label=\"{} way(s) in via {} to {}\">\n",
        band.rows.len(),
        esc(band.way_in),
        band.tier.as_str()
    );
    // Edges first, so nodes are drawn over them.
    for (i, class) in row_class.iter().enumerate() {
        edge(&mut out, (0, row_y(i)), (1, middle), &[class.as_str()]);
    }
    for ((_, members), y) in identities.iter().zip(&identity_y) {
        edge(&mut out, (1, middle), (2, *y), &members_classes(members));
    }
    for ((k, g), members) in &pairs {
        edge(
            &mut out,
            (2, identity_y[*k]),
            (3, grant_y[*g]),
            &members_classes(members),
        );
    }
    for ((_, members), y) in grants.iter().zip(&grant_y) {
        edge(&mut out, (3, *y), (4, middle), &members_classes(members));
    }
    for (i, row) in band.rows.iter().enumerate() {
        let lines = principal_lines(row);
        let mut title = format!("{} — {}", row.arn, row.source);
        if !row.note.is_empty() {
            title.push_str(&format!(" — {}", row.note));
        }
        let label = format!(
            "{} via {}: {}{}",
            row.arn,
            row.source,
            row.tier.as_str(),
            if row.never_matches {
                " (never matches)"
            } else if !row.in_effect {
                " (not in effect)"
            } else {
                ""
            }
        );
        let mut node_classes = vec![row_class[i].as_str()];
        if row.never_matches || !row.in_effect {
            node_classes.push("dead-row");
        }
        if row.changed {
            node_classes.push("changed-row");
        }
        Node {
            column: 0,
            y: row_y(i),
            lines,
            title,
            classes: node_classes,
            kind: "pnode",
        }
        .svg(&mut out, Some((&row_class[i], &label)));
    }
    Node {
        column: 1,
        y: middle,
        lines: (
            band.way_in.to_string(),
            format!("{} way(s) in", band.rows.len()),
        ),
        title: band.way_in.to_string(),
        classes: every.clone(),
        kind: "way",
    }
    .svg(&mut out, None);
    for ((lines, members), y) in identities.iter().zip(&identity_y) {
        Node {
            column: 2,
            y: *y,
            title: format!("{} in {}", lines.0, lines.1),
            lines: lines.clone(),
            classes: members_classes(members),
            kind: "identity",
        }
        .svg(&mut out, None);
    }
    for ((lines, members), y) in grants.iter().zip(&grant_y) {
        Node {
            column: 3,
            y: *y,
            title: format!("{} {}", lines.0, lines.1),
            lines: lines.clone(),
            classes: members_classes(members),
            kind: "grant",
        }
        .svg(&mut out, None);
    }
    Node {
        column: 4,
        y: middle,
        lines: (band.tier.as_str().to_string(), String::new()),
        title: band.tier.as_str().to_string(),
        classes: every,
        kind: "tier",
    }
    .svg(&mut out, None);
    out.push_str("</svg>\n");
    out
}

/// The whole graph: a legend, then each band (folded or open).
pub fn access_graph(rows: &[MatrixRow], classes: &PrincipalClasses) -> String {
    if rows.is_empty() {
        return "<p class=\"muted\">No way in to draw: nothing maps a principal.</p>\n".to_string();
    }
    let mut out = String::from(
        "<p class=\"legend\"><span><span class=\"admin-text\">Red, bold</span>: an administrator path EKS uses today</span><span>Dashed: a way in EKS does not use (the mode ignores it, or its ARN never matches)</span><span>Focus or click a principal to trace its paths; Enter pins, Escape releases.</span></p>\n",
    );
    for band in bands(rows) {
        let state = match (band.is_admin(), band.live) {
            (true, _) => " admin",
            (false, false) => " dead",
            _ => "",
        };
        let fold_note = match (band.folded(), band.tier == Tier::Node) {
            (true, true) => " — node roles, folded",
            (true, false) => " — folded",
            _ => "",
        };
        out.push_str(&format!(
            "<details class=\"band{state}\" data-tier=\"{tier}\" data-count=\"{count}\" data-live=\"{live}\"{open}>\n<summary><strong>{count}</strong> way(s) in via <strong>{way}</strong> → <span class=\"{tier_class}\">{tier}</span>{effect}{fold_note}</summary>\n<div class=\"scroll\">\n{svg}</div>\n</details>\n",
            tier = band.tier.as_str(),
            count = band.rows.len(),
            live = band.live,
            open = if band.folded() { "" } else { " open" },
            way = esc(band.way_in),
            tier_class = if band.is_admin() { "admin-text" } else { "" },
            effect = if band.live { "" } else { " — not in effect" },
            svg = band_svg(&band, classes),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_keeps_the_end_of_an_arn() {
        assert_eq!(fit_end("role/abcdef", 5), "…cdef");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }

    #[test]
    fn spread_never_overlaps() {
        let ys = spread(&[20.0, 21.0, 22.0]);
        assert!(ys.windows(2).all(|w| w[1] >= w[0] + PITCH));
    }
}
