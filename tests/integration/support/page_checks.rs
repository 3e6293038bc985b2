//! What the HTML report's tests ask of a rendered page (`html_report.rs`): its facts read from
//! the DOM by one expression, WCAG contrast of every visible text, that it made no request and
//! logged no error, that its graph has one principal node per access-matrix row (counted
//! against the JSON report) with administrator paths drawn as such, and the report's JSON
//! twin to count against.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{run, scratch};
use crate::support::browser::Browser;

/// What the rendered page says of itself.
const FACTS: &str = r##"(() => {
  const all = (s, root) => Array.from((root || document).querySelectorAll(s));
  const admin = getComputedStyle(document.querySelector('.legend .admin-text')).color;
  const bands = all('details.band').map(d => {
    const edges = all('.edge', d);
    return {
      tier: d.dataset.tier, count: Number(d.dataset.count), live: d.dataset.live === 'true',
      open: d.open, admin: d.classList.contains('admin'),
      principals: all('.pnode', d).length,
      way: d.querySelector('summary').textContent,
      red_edges: edges.filter(e => getComputedStyle(e).stroke === admin).length,
      edges: edges.length,
      dashed_edges: edges.filter(e => getComputedStyle(e).strokeDasharray !== 'none').length,
    };
  });
  return {
    ready: document.documentElement.dataset.ready === '1',
    banner: all('.banner.incomplete').length,
    complete_note: all('p.complete').length,
    principal_nodes: all('svg.graph .pnode').length,
    matrix_rows: all('table[id$="-matrix"] tbody tr').length,
    admin_rows: all('table[id$="-matrix"] tbody tr.admin').length,
    bands,
    images: all('img').length,
    scripts: all('script').length,
    handlers: all('*').filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
    text: document.body.innerText,
    findings: all('article.finding').length,
    rule_links_resolve: all('article.finding a[href^="#rule-"]').every(a => document.getElementById(a.getAttribute('href').slice(1)) !== null),
  };
})()"##;

/// Every visible text below WCAG AA contrast against what is behind it: 4.5:1, or 3:1 for
/// large text. SVG labels are judged against their node's fill.
const CONTRAST: &str = r#"(() => {
  const parse = c => { const m = /rgba?\(([^)]+)\)/.exec(c || ''); if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const behind = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const low = [];
  let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    if (!Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (el.closest('title, script, style')) continue;
    if (el.closest('details:not([open])') && !el.closest('summary')) continue;
    let fg, bg;
    if (el instanceof SVGElement) {
      const rect = el.closest('g') && el.closest('g').querySelector('rect');
      fg = parse(getComputedStyle(el).fill); bg = rect ? parse(getComputedStyle(rect).fill) : behind(el);
    } else {
      if (el.getClientRects().length === 0) continue;
      fg = parse(getComputedStyle(el).color); bg = behind(el);
    }
    checked += 1;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const need = (size >= 24 || (size >= 18.66 && bold)) ? 3 : 4.5;
    const r = ratio(fg, bg);
    if (r < need) low.push(el.tagName + ' "' + el.textContent.trim().slice(0, 40) + '" ' + r.toFixed(2));
  }
  return {checked, low};
})()"#;

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A page opened in a fresh browser, with its facts.
pub struct Opened {
    pub browser: Browser,
    pub facts: Value,
}

pub fn open(name: &str, page: &Path) -> Opened {
    let mut browser = Browser::launch(scratch(&format!("chromium-{name}")));
    browser.open(page);
    let facts = browser.eval(FACTS);
    assert_eq!(facts["ready"], true, "{name}: the script did not finish");
    browser.screenshot(&shots().join(format!("{name}.png")));
    Opened { browser, facts }
}

/// The page made no request but itself and logged no error.
pub fn assert_quiet(name: &str, opened: &Opened, page: &Path) {
    let log = opened.browser.log();
    assert!(log.errors.is_empty(), "{name}: {:#?}", log.errors);
    let own = format!("file://{}", page.canonicalize().unwrap().display());
    assert_eq!(log.requests, [own], "{name}: requests");
    assert!(log.blocked.is_empty(), "{name}: {:?}", log.blocked);
}

/// The graph has one principal node per row of the access matrix (`rows`, from the JSON
/// report), each band's count is its nodes, large and node bands are folded, and every
/// administrator path is drawn red (and nothing else is).
pub fn assert_graph(name: &str, facts: &Value, rows: usize, admins: usize) {
    assert_eq!(facts["principal_nodes"], rows, "{name}: principal nodes");
    assert_eq!(facts["matrix_rows"], rows, "{name}: matrix rows");
    assert_eq!(facts["admin_rows"], admins, "{name}: admin rows");
    let bands = facts["bands"].as_array().unwrap();
    let counted: u64 = bands.iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, rows as u64, "{name}: counts of the groups");
    let mut in_admin_bands = 0;
    for band in bands {
        assert_eq!(band["count"], band["principals"], "{name}: {band}");
        let folded = band["count"].as_u64().unwrap() > 12 || band["tier"] == "node";
        assert_eq!(band["open"], !folded, "{name}: folding of {band}");
        if band["admin"] == true {
            in_admin_bands += band["count"].as_u64().unwrap();
            assert_eq!(band["red_edges"], band["edges"], "{name}: {band}");
        } else {
            assert_eq!(band["red_edges"], 0, "{name}: {band}");
        }
        if band["live"] == false {
            assert_eq!(band["dashed_edges"], band["edges"], "{name}: {band}");
        }
    }
    assert_eq!(
        in_admin_bands, admins as u64,
        "{name}: admin paths highlighted"
    );
}

pub fn assert_contrast(name: &str, browser: &mut Browser) {
    for scheme in ["light", "dark"] {
        browser.color_scheme(scheme);
        let contrast = browser.eval(CONTRAST);
        assert!(contrast["checked"].as_u64().unwrap() > 20, "{contrast}");
        assert_eq!(
            contrast["low"],
            json!([]),
            "{name} in {scheme}: text below WCAG AA contrast"
        );
        browser.screenshot(&shots().join(format!("{name}-{scheme}.png")));
    }
}

/// Whether a rule reports that EKS never matches this ARN.
fn never_matches(report: &Value, arn: &Value) -> bool {
    report["findings"].as_array().unwrap().iter().any(|f| {
        ["EA107", "EA108", "EA109"].contains(&f["code"].as_str().unwrap()) && f["principal"] == *arn
    })
}

/// The access matrix's rows and its administrator paths in effect, from the JSON report: a
/// live audit lists them; for a file, the kept rows, and its admins are the rows in
/// `system:masters` that EKS can match and render (a file has no RBAC), and each account of
/// `mapAccounts`.
pub fn matrix_of(report: &Value) -> (usize, usize) {
    if let Some(principals) = report["principals"].as_array() {
        let admins = principals
            .iter()
            .filter(|p| {
                p["in_effect"] == true
                    && (p["tier"] == "cluster-admin" || p["tier"] == "admin")
                    && !never_matches(report, &p["arn"])
            })
            .count();
        return (principals.len(), admins);
    }
    let (mut rows, mut admins) = (0, 0);
    for input in report["inputs"].as_array().unwrap() {
        for section in ["map_roles", "map_users"] {
            for row in input["aws_auth"][section].as_array().unwrap() {
                rows += 1;
                let arn = row.get("rolearn").or(row.get("userarn")).unwrap();
                let masters = row["groups"]
                    .as_array()
                    .is_some_and(|g| g.iter().any(|g| g == "system:masters"));
                // An IAM user whose username needs an instance's session name never renders:
                // EKS rejects it, so its grant is dead.
                let never_renders = arn.as_str().unwrap().contains(":user/")
                    && row["username"]
                        .as_str()
                        .is_some_and(|u| u.contains("{{EC2PrivateDNSName}}"));
                if masters
                    && !never_renders
                    && !never_matches(report, &json!(arn.as_str().unwrap().trim()))
                {
                    admins += 1;
                }
            }
        }
        // Each account mapAccounts opens is a way in of its own.
        rows += input["aws_auth"]["map_accounts"].as_array().unwrap().len();
    }
    (rows, admins)
}

/// `check INPUT` as HTML and as JSON.
pub fn check_both(dir: &Path, name: &str, input: &str, extra: &[&str]) -> (PathBuf, Value, i32) {
    let page = dir.join(format!("{name}.html"));
    let mut args = vec![
        "check",
        input,
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ];
    args.extend(extra);
    let html = run(&args);
    let mut args = vec!["check", input, "--format", "json"];
    args.extend(extra);
    let json = run(&args);
    assert_eq!(html.code, json.code, "{name}: {}", html.stderr);
    (page, serde_json::from_str(&json.stdout).unwrap(), html.code)
}
