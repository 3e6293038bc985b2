//! YAML 1.1 scalar resolution exactly as go-yaml v2 (`resolve.go`) does it, which is what
//! EKS applies to `mapRoles` and `mapUsers` before turning them into JSON.
//!
//! Only plain scalars are resolved; quoted and block scalars are strings. An explicit core
//! tag (`!!int`, `!!bool`, …) forces a type and fails when the text does not fit it.

/// The typed value go-yaml v2 produces when decoding a scalar into `interface{}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    /// An integer, kept as go-yaml's canonical decimal text (it may exceed 64 bits as uint64).
    Int(i128),
    Float(f64),
    Str(String),
    /// The `<<` merge key.
    Merge,
}

impl Resolved {
    /// The JSON type name Go's `encoding/json` reports for this value.
    pub fn json_type(&self) -> &'static str {
        match self {
            Resolved::Null => "null",
            Resolved::Bool(_) => "bool",
            Resolved::Int(_) | Resolved::Float(_) => "number",
            Resolved::Str(_) | Resolved::Merge => "string",
        }
    }
}

const CORE: &str = "tag:yaml.org,2002:";

fn lookup_map(text: &str) -> Option<Resolved> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        "<<" => Resolved::Merge,
        _ => return None,
    })
}

/// Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)` with base prefixes.
fn parse_go_int(text: &str, signed: bool) -> Option<i128> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'+' if signed => (false, &text[1..]),
        b'-' if signed => (true, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x").or(rest.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0o").or(rest.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = rest.strip_prefix("0b").or(rest.strip_prefix("0B")) {
        (2, d)
    } else if rest.len() > 1 && rest.starts_with('0') {
        (8, &rest[1..])
    } else {
        (10, rest)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if signed {
        let limit = if negative {
            1u128 << 63
        } else {
            (1u128 << 63) - 1
        };
        (magnitude <= limit).then(|| {
            let v = magnitude as i128;
            if negative { -v } else { v }
        })
    } else {
        (magnitude <= u64::MAX as u128).then_some(magnitude as i128)
    }
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn parse_finite_float(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml v2's `parseTimestamp` pre-check: four digits then `-`. Timestamps decoded into
/// `interface{}` stay strings in v2, so only the decision "not a number" matters.
fn looks_like_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

fn resolve_untagged(text: &str, plain_resolution: bool) -> Resolved {
    if !plain_resolution {
        return Resolved::Str(text.to_string());
    }
    let hint = text.as_bytes().first().copied();
    let hinted = match hint {
        None => true,
        Some(c) => matches!(
            c,
            b'+' | b'-' | b'0'
                ..=b'9'
                    | b'y'
                    | b'Y'
                    | b'n'
                    | b'N'
                    | b't'
                    | b'T'
                    | b'f'
                    | b'F'
                    | b'o'
                    | b'O'
                    | b'~'
                    | b'.'
                    | b'<'
        ),
    };
    if !hinted {
        return Resolved::Str(text.to_string());
    }
    if let Some(r) = lookup_map(text) {
        return r;
    }
    match hint {
        Some(b'.') => {
            if text[1..]
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'e' | b'E' | b'+' | b'-'))
                && let Some(f) = parse_finite_float(text)
            {
                return Resolved::Float(f);
            }
        }
        Some(b'+' | b'-' | b'0'..=b'9') => {
            if looks_like_timestamp(text) {
                return Resolved::Str(text.to_string());
            }
            let plain: String = text.chars().filter(|&c| c != '_').collect();
            if let Some(i) = parse_go_int(&plain, true) {
                return Resolved::Int(i);
            }
            if let Some(u) = parse_go_int(&plain, false) {
                return Resolved::Int(u);
            }
            if is_yaml_style_float(&plain)
                && let Some(f) = parse_finite_float(&plain)
            {
                return Resolved::Float(f);
            }
        }
        _ => {}
    }
    Resolved::Str(text.to_string())
}

/// Resolves a plain (unquoted, untagged) scalar as go-yaml v2 does.
pub fn resolve_plain(text: &str) -> Resolved {
    resolve_untagged(text, true)
}

/// Resolves a scalar with its explicit tag (full form, e.g. `tag:yaml.org,2002:int`).
/// Tags go-yaml cannot resolve leave the text a string; a core tag the text does not fit is
/// the error go-yaml raises ("cannot decode !!str `x` as a !!int").
pub fn resolve_tagged(tag: &str, text: &str) -> Result<Resolved, String> {
    let Some(short) = tag.strip_prefix(CORE) else {
        return Ok(Resolved::Str(text.to_string()));
    };
    match short {
        "str" => Ok(Resolved::Str(text.to_string())),
        "binary" => decode_base64(text)
            .map(|bytes| Resolved::Str(String::from_utf8_lossy(&bytes).into_owned()))
            .ok_or_else(|| format!("!!binary value is not valid base64: `{text}`")),
        "bool" | "int" | "float" | "timestamp" => {
            let resolved = resolve_untagged(text, true);
            let fits = match (short, &resolved) {
                ("bool", Resolved::Bool(_)) | ("int", Resolved::Int(_)) => true,
                ("float", Resolved::Float(_)) => true,
                ("float", Resolved::Int(i)) => return Ok(Resolved::Float(*i as f64)),
                ("timestamp", Resolved::Str(_)) => looks_like_timestamp(text),
                _ => false,
            };
            if fits {
                Ok(resolved)
            } else {
                let found = match resolved {
                    Resolved::Null => "!!null",
                    Resolved::Bool(_) => "!!bool",
                    Resolved::Int(_) => "!!int",
                    Resolved::Float(_) => "!!float",
                    Resolved::Str(_) | Resolved::Merge => "!!str",
                };
                Err(format!("cannot decode {found} `{text}` as a !!{short}"))
            }
        }
        // go-yaml v2 does not resolve other tags (`!!null`, `!!map`, …): the text stays.
        _ => Ok(Resolved::Str(text.to_string())),
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::new();
    let mut padding = 0;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_yaml_v2_resolution_table() {
        let cases: &[(&str, Resolved)] = &[
            ("yes", Resolved::Bool(true)),
            ("On", Resolved::Bool(true)),
            ("NO", Resolved::Bool(false)),
            ("y", Resolved::Bool(true)),
            ("yEs", Resolved::Str("yEs".into())),
            ("~", Resolved::Null),
            ("", Resolved::Null),
            ("Null", Resolved::Null),
            ("0x1F", Resolved::Int(31)),
            ("0777", Resolved::Int(511)),
            ("0o17", Resolved::Int(15)),
            ("0b101", Resolved::Int(5)),
            ("1_000", Resolved::Int(1000)),
            ("-12", Resolved::Int(-12)),
            ("+12", Resolved::Int(12)),
            ("012345678912", Resolved::Float(12345678912.0)),
            ("123456789012", Resolved::Int(123456789012)),
            ("1e3", Resolved::Float(1000.0)),
            (".5", Resolved::Float(0.5)),
            ("18446744073709551615", Resolved::Int(18446744073709551615)),
            ("2024-01-01", Resolved::Str("2024-01-01".into())),
            (
                "arn:aws:iam::1:role/x",
                Resolved::Str("arn:aws:iam::1:role/x".into()),
            ),
            ("system:masters", Resolved::Str("system:masters".into())),
            ("-", Resolved::Str("-".into())),
            ("nonsense", Resolved::Str("nonsense".into())),
            ("<<", Resolved::Merge),
            ("1:20", Resolved::Str("1:20".into())),
        ];
        for (text, want) in cases {
            assert_eq!(&resolve_plain(text), want, "resolving {text:?}");
        }
        assert!(matches!(resolve_plain(".nan"), Resolved::Float(f) if f.is_nan()));
    }

    #[test]
    fn explicit_tags() {
        assert_eq!(
            resolve_tagged("tag:yaml.org,2002:str", "123"),
            Ok(Resolved::Str("123".into()))
        );
        assert_eq!(
            resolve_tagged("tag:yaml.org,2002:int", "12"),
            Ok(Resolved::Int(12))
        );
        assert!(resolve_tagged("tag:yaml.org,2002:int", "abc").is_err());
        assert_eq!(
            resolve_tagged("tag:yaml.org,2002:float", "3"),
            Ok(Resolved::Float(3.0))
        );
        assert_eq!(
            resolve_tagged("!custom", "x"),
            Ok(Resolved::Str("x".into()))
        );
        assert_eq!(
            resolve_tagged("tag:yaml.org,2002:binary", "c3lzdGVtOm1hc3RlcnM="),
            Ok(Resolved::Str("system:masters".into()))
        );
    }
}
