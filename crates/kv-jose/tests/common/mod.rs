//! Helpers for the vector tests: where the published vectors are, and decoding.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;

/// `../shared/vectors` beside the project, if present. The vectors come from other
/// repositories and are read in place, never copied into this one; a user's clone
/// has no `../shared`, and the tests that need it skip with a notice.
pub(crate) fn shared_vectors() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors");
    dir.is_dir().then_some(dir)
}

/// Loads `../shared/vectors/{name}`, or prints a notice and returns `None`.
pub(crate) fn load_shared(name: &str) -> Option<Value> {
    let Some(dir) = shared_vectors() else {
        eprintln!("notice: ../shared/vectors is absent; skipping the tests on {name}");
        return None;
    };
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}")))
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

pub(crate) fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v}"))
}

pub(crate) fn hex_of(v: &Value, key: &str) -> Vec<u8> {
    hex(str_of(v, key))
}

pub(crate) fn bytes_of(v: &Value, key: &str) -> Vec<u8> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is not an array"))
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect()
}

pub(crate) fn jwk_of(v: &Value) -> kv_jose::Jwk {
    kv_jose::Jwk::from_json(v.to_string().as_bytes()).unwrap()
}
