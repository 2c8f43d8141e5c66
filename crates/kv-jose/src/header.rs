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

/// Header parameters refused in every protected header: `crit` (we understand no
/// extension, so RFC 7515 §4.1.11 requires rejection), `zip` (compression before
/// encryption leaks), `b64` (RFC 7797 needs `crit`), and embedded or referenced keys,
/// which must never become a source of trust.
const FORBIDDEN: [&str; 7] = ["crit", "zip", "b64", "jwk", "jku", "x5u", "x5c"];

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

/// Decodes and parses a base64url protected header, refusing forbidden parameters.
pub(crate) fn decode_protected(what: &'static str, protected: &str) -> Result<Map<String, Value>> {
    if protected.len() > MAX_HEADER_LEN * 4 / 3 + 4 {
        return Err(Error::TooLarge {
            what,
            len: protected.len(),
            limit: MAX_HEADER_LEN,
        });
    }
    let bytes = b64::decode("protected", protected)?;
    let map = parse_object(what, &bytes)?;
    if let Some(name) = FORBIDDEN.iter().find(|n| map.contains_key(**n)) {
        return Err(Error::ForbiddenHeader { name });
    }
    Ok(map)
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
    fn forbidden_parameters_are_refused() {
        for name in FORBIDDEN {
            let json = format!(r#"{{"alg":"RS256","{name}":1}}"#);
            let err = decode_protected("t", &b64::encode(json.as_bytes())).unwrap_err();
            assert_eq!(err, Error::ForbiddenHeader { name }, "{name}");
        }
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
