//! Algorithm identifiers (RFC 7518). Past the parsing edge, algorithms are these
//! enums, never strings.

use std::fmt;

use crate::{Error, Result};

macro_rules! alg_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($(#[$vm:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $variant,)+
        }

        impl $name {
            /// Every algorithm of this kind the crate implements.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The JOSE name, as written in a header.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// Looks a JOSE name up (case-sensitive, as RFC 7515 requires).
            ///
            /// # Errors
            ///
            /// [`Error::Unsupported`] for any other name, `none` included.
            pub fn from_name(name: &str) -> Result<Self> {
                match name {
                    $($text => Ok($name::$variant),)+
                    other => Err(Error::Unsupported { what: $what, name: truncate(other) }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::from_name(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Keeps error messages bounded when a header carries a huge bogus name.
fn truncate(s: &str) -> String {
    s.chars().take(32).collect()
}

alg_enum!(
    /// JWS signature algorithms (RFC 7518 §3). `none` is never accepted.
    SigAlg, "JWS alg", {
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        Rs256 = "RS256",
        /// RSASSA-PKCS1-v1_5 with SHA-384.
        Rs384 = "RS384",
        /// RSASSA-PKCS1-v1_5 with SHA-512.
        Rs512 = "RS512",
        /// RSASSA-PSS with SHA-256 and MGF1-SHA-256.
        Ps256 = "PS256",
        /// RSASSA-PSS with SHA-384 and MGF1-SHA-384.
        Ps384 = "PS384",
        /// RSASSA-PSS with SHA-512 and MGF1-SHA-512.
        Ps512 = "PS512",
    }
);

alg_enum!(
    /// JWE key management algorithms (RFC 7518 §4).
    KeyAlg, "JWE alg", {
        /// RSAES OAEP with SHA-1 and MGF1-SHA-1 (the one Key Vault message protection uses).
        RsaOaep = "RSA-OAEP",
        /// RSAES OAEP with SHA-256 and MGF1-SHA-256.
        RsaOaep256 = "RSA-OAEP-256",
        /// RSAES-PKCS1-v1_5. Legacy; decryption follows RFC 7516 §11.5.
        Rsa1_5 = "RSA1_5",
        /// AES Key Wrap (RFC 3394) with a 128-bit key.
        A128Kw = "A128KW",
        /// AES Key Wrap with a 192-bit key.
        A192Kw = "A192KW",
        /// AES Key Wrap with a 256-bit key.
        A256Kw = "A256KW",
        /// The shared symmetric key is the CEK.
        Dir = "dir",
    }
);

alg_enum!(
    /// JWE content encryption algorithms (RFC 7518 §5).
    EncAlg, "JWE enc", {
        /// AES-128-CBC with HMAC-SHA-256 truncated to 128 bits.
        A128CbcHs256 = "A128CBC-HS256",
        /// AES-192-CBC with HMAC-SHA-384 truncated to 192 bits.
        A192CbcHs384 = "A192CBC-HS384",
        /// AES-256-CBC with HMAC-SHA-512 truncated to 256 bits.
        A256CbcHs512 = "A256CBC-HS512",
        /// AES-128-GCM.
        A128Gcm = "A128GCM",
        /// AES-256-GCM.
        A256Gcm = "A256GCM",
    }
);

impl SigAlg {
    /// Length of the digest this algorithm signs, in bytes (32, 48 or 64).
    pub fn digest_len(self) -> usize {
        match self {
            SigAlg::Rs256 | SigAlg::Ps256 => 32,
            SigAlg::Rs384 | SigAlg::Ps384 => 48,
            SigAlg::Rs512 | SigAlg::Ps512 => 64,
        }
    }
}

/// What kind of key a key management algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An RSA key pair.
    Rsa,
    /// A symmetric key of this many bytes, for AES Key Wrap.
    AesKw(usize),
    /// A symmetric key used directly as the CEK.
    Direct,
}

impl KeyAlg {
    /// The kind of key this algorithm needs.
    pub fn key_kind(self) -> KeyKind {
        match self {
            KeyAlg::RsaOaep | KeyAlg::RsaOaep256 | KeyAlg::Rsa1_5 => KeyKind::Rsa,
            KeyAlg::A128Kw => KeyKind::AesKw(16),
            KeyAlg::A192Kw => KeyKind::AesKw(24),
            KeyAlg::A256Kw => KeyKind::AesKw(32),
            KeyAlg::Dir => KeyKind::Direct,
        }
    }
}

impl EncAlg {
    /// Length of the content encryption key in bytes (MAC key and AES key together).
    pub fn key_len(self) -> usize {
        match self {
            EncAlg::A128CbcHs256 => 32,
            EncAlg::A192CbcHs384 => 48,
            EncAlg::A256CbcHs512 => 64,
            EncAlg::A128Gcm => 16,
            EncAlg::A256Gcm => 32,
        }
    }

    /// Length of the initialisation vector in bytes.
    pub fn iv_len(self) -> usize {
        match self {
            EncAlg::A128Gcm | EncAlg::A256Gcm => 12,
            _ => 16,
        }
    }

    /// Length of the authentication tag in bytes.
    pub fn tag_len(self) -> usize {
        match self {
            EncAlg::A128Gcm | EncAlg::A256Gcm => 16,
            _ => self.key_len() / 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_none_is_refused() {
        for a in SigAlg::ALL {
            assert_eq!(SigAlg::from_name(a.as_str()).unwrap(), *a);
        }
        for a in KeyAlg::ALL {
            assert_eq!(KeyAlg::from_name(a.as_str()).unwrap(), *a);
        }
        for a in EncAlg::ALL {
            assert_eq!(EncAlg::from_name(a.as_str()).unwrap(), *a);
        }
        assert!(matches!(
            SigAlg::from_name("none"),
            Err(Error::Unsupported { .. })
        ));
        assert!(matches!(
            SigAlg::from_name("rs256"),
            Err(Error::Unsupported { .. })
        ));
        assert!(matches!(
            SigAlg::from_name("HS256"),
            Err(Error::Unsupported { .. })
        ));
    }
}
