//! The access graph as text, for documents and pull-request comments: every way in
//! (principal and its source) → the Kubernetes identity it gets (username, groups) → the
//! power tier, each edge labelled with what grants it (`system:masters`, a binding and its
//! role, an access policy and its scope). Administrator paths are drawn bold and red; a way in
//! EKS does not use under the mode, or a row that never matches, is dashed. Graphviz DOT
//! (`--format dot`) and Mermaid (`--format mermaid`, which GitHub renders). For a file there
//! is no RBAC: groups other than the well-known ones show as `unknown`.

use crate::infra::escape::terminal;
use crate::judge::result::CheckResult;
use crate::model::access::{Principal, Tier};

fn is_admin(tier: Tier) -> bool {
    matches!(tier, Tier::ClusterAdmin | Tier::Admin)
}

/// Every tier a graph may show, strongest first (one node each).
const TIERS: [Tier; 8] = [
    Tier::ClusterAdmin,
    Tier::Admin,
    Tier::Edit,
    Tier::Custom,
    Tier::View,
    Tier::Node,
    Tier::Unknown,
    Tier::None,
];

fn tier_id(tier: Tier) -> String {
    format!("tier_{}", tier.as_str().replace('-', "_"))
}

/// Text from the input, safe inside a DOT double-quoted string: escaped for the terminal
/// first (no control character survives), then `\` and `"`.
fn dot_text(text: &str) -> String {
    terminal(text).replace('\\', "\\\\").replace('"', "\\\"")
}

/// Text from the input, safe inside a Mermaid quoted label (entity codes for what Mermaid
/// would read as syntax).
fn mermaid_text(text: &str) -> String {
    terminal(text)
        .replace('#', "#35;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('|', "#124;")
        .replace('`', "#96;")
        .replace('{', "#123;")
        .replace('}', "#125;")
}

/// The identity a row gets, as one label line.
fn identity(p: &Principal) -> String {
    let mut text = format!(
        "as {}",
        if p.username.is_empty() {
            "(no username)"
        } else {
            &p.username
        }
    );
    if !p.groups.is_empty() {
        text.push_str(&format!(" in {}", p.groups.join(", ")));
    }
    if !p.policies.is_empty() {
        text.push_str(&format!(" with {}", p.policies.join("; ")));
    }
    text
}

/// The tiers some way in reaches, in the graph's order: only those are drawn.
fn tiers_used(principals: &[crate::model::access::Principal]) -> Vec<Tier> {
    TIERS
        .into_iter()
        .filter(|tier| principals.iter().any(|p| p.tier == *tier))
        .collect()
}

pub fn dot(result: &CheckResult) -> String {
    let principals = result.access_matrix();
    let mut out = String::from(
        "digraph access {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for tier in tiers_used(&principals) {
        let admin = is_admin(tier);
        out.push_str(&format!(
            "  {} [label=\"{}\", shape=doubleoctagon{}];\n",
            tier_id(tier),
            tier.as_str(),
            if admin {
                ", color=red, fontcolor=red"
            } else {
                ""
            }
        ));
    }
    for (i, p) in principals.iter().enumerate() {
        let admin = is_admin(p.tier) && p.in_effect;
        let style = match (admin, p.in_effect) {
            (true, _) => ", color=red, penwidth=2",
            (false, false) => ", style=dashed",
            _ => "",
        };
        out.push_str(&format!(
            "  p{i} [label=\"{}\\n{}\", shape=box{style}];\n",
            dot_text(&p.arn),
            dot_text(&p.source.to_string())
        ));
        out.push_str(&format!(
            "  k{i} [label=\"{}\", shape=ellipse{style}];\n",
            dot_text(&identity(p))
        ));
        let note = if p.in_effect {
            String::new()
        } else {
            format!(" (not in effect: {})", p.note)
        };
        out.push_str(&format!(
            "  p{i} -> k{i} [label=\"{}\"{style}];\n",
            dot_text(&note)
        ));
        out.push_str(&format!(
            "  k{i} -> {} [label=\"{}\"{style}];\n",
            tier_id(p.tier),
            dot_text(&p.tier_reason)
        ));
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(result: &CheckResult) -> String {
    let principals = result.access_matrix();
    let mut out = String::from("flowchart LR\n");
    let used = tiers_used(&principals);
    for tier in used.iter().copied() {
        out.push_str(&format!(
            "  {}{{{{\"{}\"}}}}\n",
            tier_id(tier),
            tier.as_str()
        ));
    }
    let mut admin_edges = Vec::new();
    let mut dead_nodes = Vec::new();
    let mut edge = 0usize;
    for (i, p) in principals.iter().enumerate() {
        out.push_str(&format!(
            "  p{i}[\"{}<br/>{}\"]\n  k{i}([\"{}\"])\n",
            mermaid_text(&p.arn),
            mermaid_text(&p.source.to_string()),
            mermaid_text(&identity(p))
        ));
        let arrow = if p.in_effect { "-->" } else { "-.->" };
        if p.in_effect {
            out.push_str(&format!("  p{i} {arrow} k{i}\n"));
        } else {
            out.push_str(&format!(
                "  p{i} {arrow}|\"not in effect: {}\"| k{i}\n",
                mermaid_text(&p.note)
            ));
            dead_nodes.push(format!("p{i}"));
        }
        out.push_str(&format!(
            "  k{i} {arrow}|\"{}\"| {}\n",
            mermaid_text(&p.tier_reason),
            tier_id(p.tier)
        ));
        if is_admin(p.tier) && p.in_effect {
            admin_edges.extend([edge, edge + 1]);
            out.push_str(&format!("  class p{i},k{i} admin\n"));
        }
        edge += 2;
    }
    out.push_str("  classDef admin stroke:#c00,stroke-width:3px,color:#c00\n");
    out.push_str("  classDef dead stroke-dasharray:4 3\n");
    let admin_tiers: Vec<String> = used
        .iter()
        .filter(|t| is_admin(**t))
        .map(|t| tier_id(*t))
        .collect();
    if !admin_tiers.is_empty() {
        out.push_str(&format!("  class {} admin\n", admin_tiers.join(",")));
    }
    if !dead_nodes.is_empty() {
        out.push_str(&format!("  class {} dead\n", dead_nodes.join(",")));
    }
    if !admin_edges.is_empty() {
        out.push_str(&format!(
            "  linkStyle {} stroke:#c00,stroke-width:3px\n",
            admin_edges
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    out
}
