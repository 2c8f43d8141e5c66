//! Shared strict parsing of JOSE JSON objects and protected headers.

use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::{Error, Result, b64};

/// Largest protected header accepted, decoded, in bytes.
pub const MAX_HEADER_LEN: usize = 8 * 1024;
/// Largest serialized JWS or JWE accepted, in bytes.
pub const MAX_SERIALIZED_LEN: usize = 1024 * 1024;

/// Header parameters refused wherever they appear: `crit` (we understand no
/// extension, so RFC 7515 §4.1.11 requires rejection), `zip` (compression before
/// encryption leaks), `b64` (RFC 7797, meaningless without `crit`).
///
/// Embedded or referenced keys (`jwk`, `jku`, `x5u`, `x5c`) are tolerated but never a
/// source of trust: no API here takes a key from a header.
const FORBIDDEN: [&str; 3] = ["crit", "zip", "b64"];

/// A JSON object whose top-level members are unique (duplicates are refused: parsers
/// that keep the first and the last member disagree, and attackers use that).
struct UniqueObject(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut map = Map::new();
                while let Some((k, v)) = a.next_entry::<String, Value>()? {
                    if map.contains_key(&k) {
                        return Err(serde::de::Error::custom("duplicate member"));
                    }
                    map.insert(k, v);
                }
                Ok(UniqueObject(map))
            }
        }
        d.deserialize_map(V)
    }
}

/// Parses a JSON object, refusing duplicate top-level members.
pub(crate) fn parse_object(what: &'static str, json: &[u8]) -> Result<Map<String, Value>> {
    serde_json::from_slice::<UniqueObject>(json)
        .map(|o| o.0)
        .map_err(|e| {
            if e.to_string().starts_with("duplicate member") {
                Error::malformed(what, "duplicate member")
            } else {
                Error::json(what, &e)
            }
        })
}

/// Takes a required string member out of a parsed object.
pub(crate) fn take_str(
    map: &mut Map<String, Value>,
    what: &'static str,
    name: &'static str,
) -> Result<String> {
    match map.remove(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Error::malformed(what, format!("`{name}` must be a string"))),
        None => Err(Error::malformed(what, format!("`{name}` is missing"))),
    }
}

/// Takes an optional string member out of a parsed object.
pub(crate) fn take_opt_str(
    map: &mut Map<String, Value>,
    what: &'static str,
    name: &'static str,
) -> Result<Option<String>> {
    match map.remove(name) {
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::malformed(what, format!("`{name}` must be a string"))),
        None => Ok(None),
    }
}

/// Decodes and parses a base64url protected header (refusing duplicates).
pub(crate) fn decode_protected(what: &'static str, protected: &str) -> Result<Map<String, Value>> {
    if protected.len() > MAX_HEADER_LEN * 4 / 3 + 4 {
        return Err(Error::TooLarge {
            what,
            len: protected.len(),
            limit: MAX_HEADER_LEN,
        });
    }
    let bytes = b64::decode("protected", protected)?;
    parse_object(what, &bytes)
}

/// The JOSE Header: the union of the protected and unprotected parts, which must be
/// disjoint (RFC 7515 §7.2.1, RFC 7516 §7.2.1), without forbidden parameters.
pub(crate) fn merge(
    what: &'static str,
    parts: &[&Map<String, Value>],
) -> Result<Map<String, Value>> {
    let mut merged = Map::new();
    for part in parts {
        for (k, v) in part.iter() {
            if merged.insert(k.clone(), v.clone()).is_some() {
                return Err(Error::malformed(
                    what,
                    format!("`{k}` appears in more than one header"),
                ));
            }
        }
    }
    if let Some(name) = FORBIDDEN.iter().find(|n| merged.contains_key(**n)) {
        return Err(Error::ForbiddenHeader { name });
    }
    Ok(merged)
}

/// Takes an optional object member (an unprotected header).
pub(crate) fn take_opt_object(
    map: &mut Map<String, Value>,
    what: &'static str,
    name: &'static str,
) -> Result<Map<String, Value>> {
    match map.remove(name) {
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(Error::malformed(
            what,
            format!("`{name}` must be an object"),
        )),
        None => Ok(Map::new()),
    }
}

/// Refuses input over [`MAX_SERIALIZED_LEN`] before any parsing.
pub(crate) fn check_len(what: &'static str, len: usize) -> Result<()> {
    if len > MAX_SERIALIZED_LEN {
        return Err(Error::TooLarge {
            what,
            len,
            limit: MAX_SERIALIZED_LEN,
        });
    }
    Ok(())
}

/// Writes the names (never the values) of extra header parameters.
pub(crate) struct ParamNames<'a>(pub(crate) &'a Map<String, Value>);

impl fmt::Debug for ParamNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_members_are_refused() {
        let err = parse_object("t", br#"{"alg":"RS256","alg":"none"}"#).unwrap_err();
        assert_eq!(err, Error::malformed("t", "duplicate member"));
    }

    #[test]
    fn forbidden_parameters_are_refused_in_any_part() {
        for name in FORBIDDEN {
            let mut part = Map::new();
            part.insert(name.into(), Value::from(1));
            let err = merge("t", &[&Map::new(), &part]).unwrap_err();
            assert_eq!(err, Error::ForbiddenHeader { name }, "{name}");
        }
    }

    #[test]
    fn header_parts_must_be_disjoint() {
        let mut a = Map::new();
        a.insert("alg".into(), "RS256".into());
        let err = merge("t", &[&a, &a.clone()]).unwrap_err();
        assert!(matches!(err, Error::Malformed { .. }), "{err:?}");
    }

    #[test]
    fn non_object_headers_are_refused() {
        for json in ["[]", "\"x\"", "1", "null", "{", ""] {
            assert!(
                decode_protected("t", &b64::encode(json.as_bytes())).is_err(),
                "{json}"
            );
        }
    }
}
