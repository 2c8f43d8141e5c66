//! Strict base64url (RFC 4648 §5) without padding, as JOSE requires.
//!
//! Decoding refuses padding, characters outside the URL-safe alphabet, whitespace and
//! non-canonical trailing bits, so each byte string has exactly one accepted encoding.

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::{Error, Result};

/// Encodes bytes as unpadded base64url.
///
/// ```
/// assert_eq!(kv_jose::b64::encode(&[0xfb, 0xff]), "-_8");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes strict unpadded base64url; `field` names the member in the error.
///
/// # Errors
///
/// [`Error::Base64`] for padding, a character outside the alphabet, whitespace or
/// non-canonical trailing bits.
///
/// ```
/// use kv_jose::b64;
/// assert_eq!(b64::decode("value", "-_8").unwrap(), vec![0xfb, 0xff]);
/// assert!(b64::decode("value", "-_8=").is_err()); // padding
/// assert!(b64::decode("value", "+/8").is_err()); // standard alphabet
/// assert!(b64::decode("value", "-_9").is_err()); // non-canonical trailing bits
/// ```
pub fn decode(field: &'static str, s: &str) -> Result<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(s).map_err(|_| Error::Base64 { field })
}

/// `serde` adapters for byte fields carried as base64url strings.
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Blob {
///     #[serde(with = "kv_jose::b64::serde_bytes")]
///     value: Vec<u8>,
/// }
/// let b: Blob = serde_json::from_str(r#"{"value":"AQI"}"#).unwrap();
/// assert_eq!(b.value, [1, 2]);
/// assert!(serde_json::from_str::<Blob>(r#"{"value":"AQI="}"#).is_err());
/// ```
pub mod serde_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes bytes as unpadded base64url.
    ///
    /// # Errors
    ///
    /// Only those of the serializer.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::encode(bytes))
    }

    /// Deserializes strict unpadded base64url.
    ///
    /// # Errors
    ///
    /// When the string is not strict base64url.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::decode("value", &s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc4648_vectors_without_padding() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode("t", enc).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn rejects_padding_alphabet_whitespace_and_noncanonical_bits() {
        for bad in [
            "Zg==", "Zg=", "Zm9v+g", "Zm9v/g", "Zm 9v", "Zm9v\n", "Zh", "-_9", "A",
        ] {
            assert_eq!(
                decode("t", bad),
                Err(Error::Base64 { field: "t" }),
                "{bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(decode("t", &encode(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn only_the_canonical_encoding_decodes(s in "[A-Za-z0-9_=+/ -]{0,40}") {
            if let Ok(bytes) = decode("t", &s) {
                prop_assert_eq!(encode(&bytes), s);
            }
        }
    }
}
