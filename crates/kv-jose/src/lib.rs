//! Strict JOSE for Azure Key Vault message protection: base64url, JWK, JWS and JWE.
//!
//! `kv-jose` does no I/O. It is built from well-kept primitives (`ring` for RSA
//! signatures, `rsa` for RSA encryption and key generation, RustCrypto `aes`, `cbc`
//! and `hmac` for content encryption) and adds the JOSE rules around them, strictly:
//!
//! - base64url must be canonical and unpadded ([`b64`]);
//! - JWS (RS256…PS512) and JWE (RSA-OAEP, RSA-OAEP-256, RSA1_5, A128KW…A256KW,
//!   dir; A128CBC-HS256…A256CBC-HS512, A128GCM, A256GCM) in compact, flattened and
//!   general JSON serializations;
//! - a JWS payload is reachable only after [`Jws::verify`] with a key and
//!   algorithms the caller pinned; the header never chooses them;
//! - a JWE plaintext is reachable only through [`Jwe::decrypt`], which checks
//!   the tag (in constant time, by `hmac`) before it decrypts, and fails with one opaque
//!   [`Error::Decrypt`] whatever went wrong;
//! - `alg: none`, `crit`, `zip`, duplicate members and header parameters repeated
//!   across protected and unprotected headers are refused; embedded keys (`jwk`,
//!   `jku`, `x5u`, `x5c`) are never a source of trust;
//! - inputs are size-limited before parsing; secrets print as `Secret(..)` and are
//!   zeroized on drop.
//!
//! ```
//! use kv_jose::{EncAlg, Jwe, Jws, JweHeader, JwsHeader, KeyAlg, SigAlg};
//! # let signer = kv_jose::test_keys::rsa_2048_a();
//! # let recipient = kv_jose::test_keys::rsa_2048_b();
//! // Sign-then-encrypt, as Key Vault message protection nests them (JWS around JWE).
//! let jwe = Jwe::encrypt(
//!     br#"{"value":"AQAB"}"#,
//!     &JweHeader::new(KeyAlg::RsaOaep, EncAlg::A128CbcHs256).with_kid("enc-1"),
//!     recipient.public(),
//! )?;
//! let jws = Jws::sign(
//!     &JwsHeader::new(SigAlg::Rs256).with_kid("sig-1"),
//!     jwe.to_json().as_bytes(),
//!     &signer,
//! )?;
//!
//! // The receiver verifies first, then decrypts.
//! let verified = Jws::parse_flattened(jws.to_json().as_bytes())?
//!     .verify(signer.public(), &[SigAlg::Rs256])?;
//! let plain = Jwe::parse_flattened(verified.payload())?
//!     .decrypt(&*recipient, &[KeyAlg::RsaOaep], &[EncAlg::A128CbcHs256])?;
//! assert_eq!(&plain[..], br#"{"value":"AQAB"}"#);
//! # Ok::<(), kv_jose::Error>(())
//! ```
#![forbid(unsafe_code)]

mod alg;
pub mod b64;
mod backend;
mod content;
mod error;
pub mod hazmat;
mod header;
mod jwe;
mod jwk;
mod jws;
mod keymgmt;
mod oct_key;
mod rsa_key;
mod secret;
pub mod stats;
#[doc(hidden)]
pub mod test_keys;

pub use alg::{EncAlg, KeyAlg, KeyKind, SigAlg};
pub use backend::CryptoProvider;
pub use error::{Error, Result};
pub use header::{MAX_HEADER_LEN, MAX_SERIALIZED_LEN};
pub use jwe::{Jwe, JweHeader};
pub use jwk::{Jwk, MAX_JWK_LEN};
pub use jws::{Jws, JwsHeader, VerifiedJws};
pub use oct_key::{DecryptionKey, EncryptionKey, OctKey};
pub use rsa_key::{MAX_RSA_BITS, MIN_RSA_BITS, RsaPrivateKey, RsaPublicKey};
pub use secret::Secret;
pub use zeroize::Zeroizing;
