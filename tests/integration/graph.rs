//! The access graph as DOT and Mermaid: parsed back (a small reader of the subset we write),
//! one principal node per row of the access matrix, administrator paths drawn as such, and
//! hostile text kept inside its label.

use serde_json::Value;

use crate::common::{configmap, run, scratch, write};

/// The label of a quoted attribute or node text, with its escapes: `None` when the quote is
/// not closed on the line.
fn quoted_end(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Reads our DOT: node statements `ID [attrs];` and edges `ID -> ID [attrs];` — every quote
/// closed on its line, every node declared once, every edge between declared nodes. Returns
/// the nodes with their attribute text, and the edges.
/// A DOT node (id, attributes) and edge (from, to, attributes).
type Node = (String, String);
type Edge = (String, String, String);

fn read_dot(text: &str) -> (Vec<Node>, Vec<Edge>) {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("digraph access {"));
    assert_eq!(text.lines().last(), Some("}"));
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    for line in lines {
        let line = line.trim();
        if line == "}"
            || line.starts_with("rankdir")
            || line.starts_with("node [")
            || line.starts_with("edge [")
        {
            continue;
        }
        let (head, attrs) = line
            .split_once(" [")
            .unwrap_or_else(|| panic!("no attributes: {line}"));
        assert!(attrs.ends_with("];"), "{line}");
        // Every quoted value closes on the line.
        let mut rest = &attrs[..attrs.len() - 2];
        while let Some(at) = rest.find('"') {
            let end = quoted_end(&rest[at + 1..]).unwrap_or_else(|| panic!("open quote: {line}"));
            rest = &rest[at + 1 + end + 1..];
        }
        let ident =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match head.split_once(" -> ") {
            Some((from, to)) => {
                assert!(ident(from) && ident(to), "{line}");
                edges.push((from.to_string(), to.to_string(), attrs.to_string()));
            }
            None => {
                assert!(ident(head), "{line}");
                nodes.push((head.to_string(), attrs.to_string()));
            }
        }
    }
    let ids: std::collections::BTreeSet<&str> = nodes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(ids.len(), nodes.len(), "a node declared twice");
    for (from, to, _) in &edges {
        assert!(
            ids.contains(from.as_str()) && ids.contains(to.as_str()),
            "{from} -> {to}"
        );
    }
    (nodes, edges)
}

/// Checks our Mermaid line by line: a node (`id["…"]`, `id(["…"])`, `id{{"…"}}`), an edge
/// (`a --> b`, `a -.->|"…"| b`), or a class, classDef or linkStyle line; no raw quote inside a
/// label. Returns the node ids.
fn read_mermaid(text: &str) -> Vec<String> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut nodes = Vec::new();
    for line in lines {
        let line = line.trim();
        if ["class ", "classDef ", "linkStyle "]
            .iter()
            .any(|p| line.starts_with(p))
        {
            continue;
        }
        if let Some((from, rest)) = line.split_once(" -->").or_else(|| line.split_once(" -.->")) {
            assert!(ident(from), "{line}");
            let to = match rest.strip_prefix('|') {
                Some(labelled) => {
                    let label = labelled.strip_prefix('"').unwrap();
                    let end = label.find("\"| ").unwrap_or_else(|| panic!("{line}"));
                    assert!(!label[..end].contains('"'), "raw quote: {line}");
                    &label[end + 3..]
                }
                None => rest.trim_start(),
            };
            assert!(ident(to), "{line}");
            continue;
        }
        let open = line
            .find(['[', '(', '{'])
            .unwrap_or_else(|| panic!("{line}"));
        let (id, shape) = line.split_at(open);
        assert!(ident(id), "{line}");
        let (opening, closing) = [("[\"", "\"]"), ("([\"", "\"])"), ("{{\"", "\"}}")]
            .into_iter()
            .find(|(o, _)| shape.starts_with(o))
            .unwrap_or_else(|| panic!("{line}"));
        assert!(shape.ends_with(closing), "{line}");
        let label = &shape[opening.len()..shape.len() - closing.len()];
        assert!(
            !label.contains('"') && !label.contains('{') && !label.contains('|'),
            "{line}"
        );
        nodes.push(id.to_string());
    }
    nodes
}

#[test]
fn the_access_graph_is_dot_and_mermaid_that_read_back() {
    let dir = scratch("graph");
    let hostile = write(
        &dir,
        "aws-auth.yaml",
        configmap("  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/web\n      username: \"<img src=x onerror=alert(1)> \\\"quoted\\\" {x}\\n|line\"\n      groups: [system:masters]\n    - rolearn: arn:aws:iam::111122223333:role/team/dead\n      username: dead\n      groups: [system:masters]\n").as_bytes(),
    );
    for input in [
        "examples/snapshot.json",
        "examples/aws-auth.yaml",
        hostile.as_str(),
    ] {
        let report: Value =
            serde_json::from_str(&run(&["check", input, "--format", "json"]).stdout).unwrap();
        let dot = run(&["check", input, "--format", "dot"]);
        assert!(
            dot.code == 1 || dot.code == 0 || dot.code == 3,
            "{input}: {}",
            dot.stderr
        );
        let (nodes, edges) = read_dot(&dot.stdout);
        let principals: Vec<&(String, String)> =
            nodes.iter().filter(|(n, _)| n.starts_with('p')).collect();
        let mermaid = run(&["check", input, "--format", "mermaid"]);
        let mermaid_nodes = read_mermaid(&mermaid.stdout);
        let mermaid_principals = mermaid_nodes.iter().filter(|n| n.starts_with('p')).count();
        // One principal node per row of the access matrix (the live one, or aws-auth's rows).
        if let Some(rows) = report["principals"].as_array() {
            assert_eq!(principals.len(), rows.len(), "{input}");
            for (i, row) in rows.iter().enumerate() {
                let admin = ["cluster-admin", "admin"].contains(&row["tier"].as_str().unwrap())
                    && row["in_effect"] == true;
                let attrs = &nodes.iter().find(|(n, _)| *n == format!("p{i}")).unwrap().1;
                assert_eq!(attrs.contains("color=red"), admin, "{input} p{i}: {attrs}");
            }
        }
        assert!(!principals.is_empty(), "{input}");
        assert_eq!(mermaid_principals, principals.len(), "{input}");
        assert_eq!(edges.len(), principals.len() * 2, "{input}");
        assert!(mermaid.stdout.contains("classDef admin"), "{input}");
    }
    // Hostile text stays inside its label, escaped; the dead row is dashed, the live one red.
    let dot = run(&["check", &hostile, "--format", "dot"]).stdout;
    assert!(
        dot.contains("<img src=x onerror=alert(1)> \\\"quoted\\\" {x}\\\\u{000a}|line"),
        "{dot}"
    );
    assert!(dot.contains("style=dashed"), "{dot}");
    let mermaid = run(&["check", &hostile, "--format", "mermaid"]).stdout;
    assert!(mermaid.contains("#lt;img src=x onerror=alert(1)#gt; #quot;quoted#quot; #123;x#125;\\u#123;000a#125;#124;line"), "{mermaid}");
    // A diff draws no one configuration's graph: its --help does not offer it, and clap
    // refuses the value with the ones it takes.
    let diff = run(&["diff", &hostile, &hostile, "--format", "dot"]);
    assert_eq!(diff.code, 2);
    assert!(
        diff.stderr.contains("invalid value 'dot'") && diff.stderr.contains("html"),
        "{}",
        diff.stderr
    );
    assert!(!run(&["diff", "--help"]).stdout.contains("mermaid"));
}
