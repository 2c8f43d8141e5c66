use super::*;

/// (header, expected challenges as (scheme, token68, params)).
type Expected = &'static [(
    &'static str,
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
)];

const VALID: &[(&str, Expected)] = &[
    (
        r#"Bearer authorization="https://login.windows.net/72f988bf", resource="https://vault.azure.net""#,
        &[(
            "Bearer",
            None,
            &[
                ("authorization", "https://login.windows.net/72f988bf"),
                ("resource", "https://vault.azure.net"),
            ],
        )],
    ),
    (
        r#"Bearer authorization="https://login.microsoftonline.com/t", scope="https://vault.azure.net/.default", supportspop="true""#,
        &[(
            "Bearer",
            None,
            &[
                ("authorization", "https://login.microsoftonline.com/t"),
                ("scope", "https://vault.azure.net/.default"),
                ("supportspop", "true"),
            ],
        )],
    ),
    ("PoP realm=x", &[("PoP", None, &[("realm", "x")])]),
    ("bearer", &[("bearer", None, &[])]),
    (
        "Negotiate abc123==",
        &[("Negotiate", Some("abc123=="), &[])],
    ),
    (
        "Negotiate a/b+c~d._-",
        &[("Negotiate", Some("a/b+c~d._-"), &[])],
    ),
    (
        r#"Basic realm="a, b=c""#,
        &[("Basic", None, &[("realm", "a, b=c")])],
    ),
    (
        r#"Basic realm="with \"quotes\" and \\ slash""#,
        &[("Basic", None, &[("realm", r#"with "quotes" and \ slash"#)])],
    ),
    (
        r#"Basic realm="\a\b""#,
        &[("Basic", None, &[("realm", "ab")])],
    ),
    (r#"Basic realm="""#, &[("Basic", None, &[("realm", "")])]),
    (
        "Basic REALM=x, Charset=UTF-8",
        &[("Basic", None, &[("realm", "x"), ("charset", "UTF-8")])],
    ),
    (
        "Basic realm = x ,  charset\t=\ty",
        &[("Basic", None, &[("realm", "x"), ("charset", "y")])],
    ),
    (
        r#"Bearer resource="r", Basic realm="b""#,
        &[
            ("Bearer", None, &[("resource", "r")]),
            ("Basic", None, &[("realm", "b")]),
        ],
    ),
    (
        "Basic, Bearer",
        &[("Basic", None, &[]), ("Bearer", None, &[])],
    ),
    (
        ", , Basic realm=x, ,",
        &[("Basic", None, &[("realm", "x")])],
    ),
    (
        "Basic realm=x,,, charset=y",
        &[("Basic", None, &[("realm", "x"), ("charset", "y")])],
    ),
    (
        "Negotiate t0k3n=, Bearer a=b",
        &[
            ("Negotiate", Some("t0k3n="), &[]),
            ("Bearer", None, &[("a", "b")]),
        ],
    ),
    (
        r#"Bearer a="1", b=2, Digest c=3, d="4,5""#,
        &[
            ("Bearer", None, &[("a", "1"), ("b", "2")]),
            ("Digest", None, &[("c", "3"), ("d", "4,5")]),
        ],
    ),
    (
        "Basic realm=!#$%&'*+-.^_`|~x",
        &[("Basic", None, &[("realm", "!#$%&'*+-.^_`|~x")])],
    ),
    (
        r#"Bearer error="invalid_token", error_description="The token expired""#,
        &[(
            "Bearer",
            None,
            &[
                ("error", "invalid_token"),
                ("error_description", "The token expired"),
            ],
        )],
    ),
    ("  Bearer   a=b  ", &[("Bearer", None, &[("a", "b")])]),
    (
        r#"Bearer authorization_uri="https://login.example/t?x=1&y=2""#,
        &[(
            "Bearer",
            None,
            &[("authorization_uri", "https://login.example/t?x=1&y=2")],
        )],
    ),
    (
        "Bearer a=b, c",
        &[("Bearer", None, &[("a", "b")]), ("c", None, &[])],
    ),
    // `a=` is a token68 by the grammar, not an empty auth-param.
    ("Bearer a=", &[("Bearer", Some("a="), &[])]),
];

const MALFORMED: &[&str] = &[
    "",
    "   ",
    ",,,",
    "=",
    "Bearer a", // token68 "a" is fine... but then `=`-less param below
    "Bearer a=b, c=",
    "Bearer =b",
    r#"Bearer a="unterminated"#,
    "Bearer a=b c=d",
    "Bearer a=b, a=c",
    "Bearer A=b, a=c",
    "Bearer a=b;c=d",
    r#"Bearer a="x"y"#,
    "Bearer a=\"\u{1}\"",
    "Bearer a=b, =c",
    "Bearer a=@",
    "Bea(rer a=b",
    "Basic\"realm\"",
    "Negotiate abc==def",
    "Bearer a=\"\\\u{7f}\"",
];

type Rendered = Vec<(String, Option<String>, Vec<(String, String)>)>;

fn render(cs: &[Challenge]) -> Rendered {
    cs.iter()
        .map(|c| (c.scheme.clone(), c.token68.clone(), c.params.clone()))
        .collect()
}

#[test]
fn valid_headers_parse_exactly() {
    for (header, expected) in VALID {
        let got = parse_challenges(header).unwrap_or_else(|e| panic!("{header:?}: {e}"));
        let want: Rendered = expected
            .iter()
            .map(|(s, t, ps)| {
                (
                    s.to_string(),
                    t.map(str::to_string),
                    ps.iter()
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(render(&got), want, "{header:?}");
    }
}

#[test]
fn malformed_headers_are_typed_errors() {
    // "Bearer a" is a valid token68 challenge; it is listed to keep the table honest.
    for header in MALFORMED.iter().filter(|h| **h != "Bearer a") {
        match parse_challenges(header) {
            Err(Error::MalformedChallenge { .. }) => {}
            other => panic!("{header:?} should be malformed, got {other:?}"),
        }
    }
    assert_eq!(
        parse_challenges("Bearer a").unwrap()[0].token68(),
        Some("a")
    );
}

#[test]
fn several_headers_are_concatenated_without_merging() {
    let mut headers = http::HeaderMap::new();
    headers.append(
        http::header::WWW_AUTHENTICATE,
        "Basic realm=a".parse().unwrap(),
    );
    headers.append(
        http::header::WWW_AUTHENTICATE,
        r#"Bearer realm="b""#.parse().unwrap(),
    );
    let cs = parse_challenge_headers(&headers).unwrap();
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0].param("realm"), Some("a"));
    assert_eq!(cs[1].param("realm"), Some("b"));
}

proptest::proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,80}") {
        let _ = parse_challenges(&s);
    }

    #[test]
    fn quoted_values_round_trip(v in "[ -~]{0,40}") {
        let escaped: String = v.chars().flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        }).collect();
        let header = format!(r#"Bearer x="{escaped}", y=z"#);
        let cs = parse_challenges(&header).unwrap();
        proptest::prop_assert_eq!(cs.len(), 1);
        proptest::prop_assert_eq!(cs[0].param("x"), Some(v.as_str()));
        proptest::prop_assert_eq!(cs[0].param("y"), Some("z"));
    }
}
