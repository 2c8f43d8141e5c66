//! The primitives under the JOSE layer, exposed for published test vectors.
//!
//! These are exactly the functions the JWE code calls, so Wycheproof and RFC vectors
//! run against the code paths in use. They are not JOSE: they do not authenticate,
//! and misusing them (decrypting CBC without checking a MAC first, say) is unsafe.
//! Use [`Jwe`](crate::Jwe) instead.

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use aes_kw::{KwAes128, KwAes192, KwAes256};
use hmac::{Hmac, KeyInit, Mac};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// The hash of an HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacHash {
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-384.
    Sha384,
    /// HMAC-SHA-512.
    Sha512,
}

enum MacState {
    S256(Hmac<sha2::Sha256>),
    S384(Hmac<sha2::Sha384>),
    S512(Hmac<sha2::Sha512>),
}

impl MacState {
    fn new(hash: MacHash, key: &[u8], parts: &[&[u8]]) -> Result<Self> {
        let bad = |_| Error::Decrypt;
        let mut mac = match hash {
            MacHash::Sha256 => MacState::S256(Hmac::new_from_slice(key).map_err(bad)?),
            MacHash::Sha384 => MacState::S384(Hmac::new_from_slice(key).map_err(bad)?),
            MacHash::Sha512 => MacState::S512(Hmac::new_from_slice(key).map_err(bad)?),
        };
        for part in parts {
            match &mut mac {
                MacState::S256(m) => m.update(part),
                MacState::S384(m) => m.update(part),
                MacState::S512(m) => m.update(part),
            }
        }
        Ok(mac)
    }
}

/// The full HMAC of the concatenated `parts`.
///
/// # Errors
///
/// Never for these hashes (any key length is valid); kept fallible for the API.
pub fn hmac(hash: MacHash, key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>> {
    Ok(match MacState::new(hash, key, parts)? {
        MacState::S256(m) => m.finalize().into_bytes().to_vec(),
        MacState::S384(m) => m.finalize().into_bytes().to_vec(),
        MacState::S512(m) => m.finalize().into_bytes().to_vec(),
    })
}

/// Checks `tag` against the leftmost `tag.len()` bytes of the HMAC, in constant time
/// (done by the `hmac` crate). An empty or over-long tag fails.
///
/// # Errors
///
/// [`Error::Decrypt`] when the tag does not match.
pub fn hmac_verify_truncated(hash: MacHash, key: &[u8], parts: &[&[u8]], tag: &[u8]) -> Result<()> {
    let ok = match MacState::new(hash, key, parts)? {
        MacState::S256(m) => m.verify_truncated_left(tag),
        MacState::S384(m) => m.verify_truncated_left(tag),
        MacState::S512(m) => m.verify_truncated_left(tag),
    };
    ok.map_err(|_| Error::Decrypt)
}

/// AES-CBC encryption with PKCS#7 padding; the key length picks AES-128/192/256.
///
/// # Errors
///
/// [`Error::Decrypt`] for a bad key or IV length.
pub fn aes_cbc_pkcs7_encrypt(key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let bad = |_| Error::Decrypt;
    Ok(match key.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded_vec::<Pkcs7>(plaintext),
        24 => cbc::Encryptor::<aes::Aes192>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded_vec::<Pkcs7>(plaintext),
        32 => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded_vec::<Pkcs7>(plaintext),
        _ => return Err(Error::Decrypt),
    })
}

/// AES-CBC decryption with strict PKCS#7 unpadding. Unauthenticated: never call it on
/// data whose MAC has not been checked.
///
/// # Errors
///
/// [`Error::Decrypt`] for a bad key or IV length, a ragged ciphertext or bad padding.
pub fn aes_cbc_pkcs7_decrypt(
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let bad = |_| Error::Decrypt;
    let plain = match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_vec::<Pkcs7>(ciphertext),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_vec::<Pkcs7>(ciphertext),
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_vec::<Pkcs7>(ciphertext),
        _ => return Err(Error::Decrypt),
    };
    plain.map(Zeroizing::new).map_err(|_| Error::Decrypt)
}

/// AES Key Wrap (RFC 3394) of `key` under `kek` (16, 24 or 32 bytes).
///
/// # Errors
///
/// [`Error::InvalidKey`] for a bad KEK length; [`Error::Crypto`] if `key` is not a
/// multiple of 8 bytes of at least 16.
pub fn aes_key_wrap(kek: &[u8], key: &[u8]) -> Result<Vec<u8>> {
    let mut out = vec![0u8; key.len() + 8];
    let bad = |_| Error::Crypto("AES key wrap needs a key of 16 or more bytes in 8-byte steps");
    let bad_kek = |_| Error::InvalidKey("an AES key wrap key must be 16, 24 or 32 bytes");
    let len = match kek.len() {
        16 => <KwAes128 as KeyInit>::new_from_slice(kek)
            .map_err(bad_kek)?
            .wrap_key(key, &mut out)
            .map_err(bad)?
            .len(),
        24 => <KwAes192 as KeyInit>::new_from_slice(kek)
            .map_err(bad_kek)?
            .wrap_key(key, &mut out)
            .map_err(bad)?
            .len(),
        32 => <KwAes256 as KeyInit>::new_from_slice(kek)
            .map_err(bad_kek)?
            .wrap_key(key, &mut out)
            .map_err(bad)?
            .len(),
        _ => {
            return Err(Error::InvalidKey(
                "an AES key wrap key must be 16, 24 or 32 bytes",
            ));
        }
    };
    out.truncate(len);
    Ok(out)
}

/// AES Key Unwrap (RFC 3394), checking the integrity value.
///
/// # Errors
///
/// [`Error::Decrypt`] for any failure (bad lengths or integrity check).
pub fn aes_key_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return Err(Error::Decrypt);
    }
    let mut out = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
    let bad_kek = |_| Error::Decrypt;
    let bad = |_| Error::Decrypt;
    let len = match kek.len() {
        16 => <KwAes128 as KeyInit>::new_from_slice(kek)
            .map_err(bad_kek)?
            .unwrap_key(wrapped, &mut out)
            .map_err(bad)?
            .len(),
        24 => <KwAes192 as KeyInit>::new_from_slice(kek)
            .map_err(bad_kek)?
            .unwrap_key(wrapped, &mut out)
            .map_err(bad)?
            .len(),
        32 => <KwAes256 as KeyInit>::new_from_slice(kek)
            .map_err(bad_kek)?
            .unwrap_key(wrapped, &mut out)
            .map_err(bad)?
            .len(),
        _ => return Err(Error::Decrypt),
    };
    out.truncate(len);
    Ok(out)
}

/// JWE content encryption (`A128CBC-HS256`…, `A128GCM`, `A256GCM`) with a given CEK,
/// IV and AAD: returns (ciphertext, tag).
///
/// # Errors
///
/// [`Error::Decrypt`] for wrong CEK or IV lengths.
pub fn content_seal(
    enc: crate::EncAlg,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>)> {
    crate::content::seal(enc, cek, iv, aad, plaintext).map(|s| (s.ciphertext, s.tag))
}

/// JWE content decryption: checks the tag, then decrypts.
///
/// # Errors
///
/// [`Error::Decrypt`] for any failure.
pub fn content_open(
    enc: crate::EncAlg,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    crate::content::open(enc, cek, iv, aad, ciphertext, tag)
}
