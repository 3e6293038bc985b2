//! Every hostile input of the test suite, built in one place: the tests refuse each, and
//! `benches/hostile.rs` measures each refusal's time and peak memory.

#![allow(dead_code)]

/// A hostile input: its name, its bytes, the exit code it must end with (2: refused as an
/// input error; 1: read, and judged) and, when refused, what the error must say.
pub struct Hostile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub exit: i32,
    pub want: &'static str,
}

fn configmap(data: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n{data}"
    )
}

/// Nine anchors of nine aliases each: a 10 KB text that would expand to 9^9 nodes.
pub fn billion_laughs(indent: &str) -> String {
    let mut text = format!("{indent}a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("{indent}a{i}: &a{i} [{refs}]\n"));
    }
    text
}

/// Every hostile input, each with the exit code it must end with.
pub fn all() -> Vec<Hostile> {
    let refused = |name: &str, bytes: Vec<u8>, want: &'static str| Hostile {
        name: name.to_string(),
        bytes,
        exit: 2,
        want,
    };
    let empty = || configmap("  mapRoles: \"\"\n");
    let mut inputs = vec![
        refused(
            "billion-laughs-outside-aws-auth",
            format!("{}{}", empty(), billion_laughs("")).into_bytes(),
            "budget",
        ),
        refused(
            "billion-laughs-inside-aws-auth",
            configmap(&format!("  mapRoles: |\n{}", billion_laughs("    "))).into_bytes(),
            "budget",
        ),
    ];
    let maps = |indent: usize| {
        (0..200)
            .map(|i| format!("{}k{i}:\n", " ".repeat(indent + 2 * i)))
            .collect::<String>()
    };
    for (name, outer, inner) in [
        (
            "flow",
            format!("x: {}\n", "[".repeat(10_000)),
            format!("    {}\n", "[".repeat(10_000)),
        ),
        (
            "block",
            format!("x:\n{}\n", "- ".repeat(10_000)),
            format!("    {}\n", "- ".repeat(10_000)),
        ),
        ("maps", maps(0), maps(4)),
    ] {
        inputs.push(refused(
            &format!("nesting-{name}-outside"),
            format!("{}{outer}", empty()).into_bytes(),
            "budget",
        ));
        inputs.push(refused(
            &format!("nesting-{name}-inside"),
            configmap(&format!("  mapRoles: |\n{inner}")).into_bytes(),
            "budget",
        ));
    }
    let mut five = empty();
    five.push_str(&"# padding\n".repeat(5 * 1024 * 1024 / 10));
    inputs.push(refused("five-mib", five.into_bytes(), "larger than 4 MiB"));
    let mut invalid = configmap("  mapRoles: |\n    - rolearn: arn:aws:iam::1:role/").into_bytes();
    invalid.extend_from_slice(b"\xc3\x28\n");
    inputs.push(refused("invalid-utf8", invalid, "invalid UTF-8"));
    inputs.push(refused(
        "nul",
        configmap("  mapRoles: |\n    - rolearn: a\0b\n").into_bytes(),
        "NUL",
    ));
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in empty().encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    inputs.push(refused("utf16", utf16, "UTF-16"));
    inputs.push(refused(
        "tabs",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: aws-auth\n".to_vec(),
        "YAML syntax error",
    ));
    inputs.push(refused(
        "custom-tag",
        format!("{}  extra: !custom value\n", empty()).into_bytes(),
        "unknown YAML tag",
    ));
    inputs.push(refused(
        "python-tag",
        configmap("  mapRoles: !!python/object:os.system echo\n").into_bytes(),
        "unknown YAML tag",
    ));
    inputs.push(Hostile {
        name: "900k-character-role-name".into(),
        bytes: configmap(&format!(
            "  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/{}\n      username: admin\n      groups: [system:masters]\n",
            "r".repeat(900_000)
        ))
        .into_bytes(),
        exit: 1,
        want: "",
    });
    inputs
}
